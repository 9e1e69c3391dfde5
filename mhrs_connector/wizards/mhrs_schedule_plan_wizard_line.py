from odoo import fields, models

PLAN_RESULTS = [
    ("created", "Planned (Draft)"),
    ("registered", "Registered"),
    ("failed", "Refused by MHRS"),
    ("skipped", "Skipped"),
]


class MhrsSchedulePlanWizardLine(models.TransientModel):
    _name = "mhrs.schedule.plan.wizard.line"
    _description = "MHRS Schedule Planning Result"
    _order = "result desc, id"

    wizard_id = fields.Many2one("mhrs.schedule.plan.wizard", required=True, ondelete="cascade")
    physician_id = fields.Many2one("mhrs.physician", string="Physician", help="The planned physician.")
    clinic_id = fields.Many2one("mhrs.clinic", string="Clinic", help="The clinic of the schedule.")
    schedule_id = fields.Many2one("mhrs.schedule", string="Schedule", help="The schedule created, if any.")
    result = fields.Selection(PLAN_RESULTS, string="Result", required=True, help="What happened.")
    reason = fields.Text(string="Reason", help="Why the physician was skipped or refused.")
