from odoo import fields, models

PLAN_RESULTS = [
    ("created", "Planned (Draft)"),
    ("mhrs_draft", "Draft at MHRS"),
    ("registered", "Registered"),
    ("failed", "Refused by MHRS"),
    ("skipped", "Skipped"),
]


class MhrsSchedulePlanWizardLine(models.TransientModel):
    _name = "mhrs.schedule.plan.wizard.line"
    _description = "MHRS Schedule Planning Result"
    _order = "result desc, id"

    wizard_id = fields.Many2one("mhrs.schedule.plan.wizard", required=True, ondelete="cascade")
    physician_id = fields.Many2one("mhrs.physician", help="The planned physician.")
    clinic_id = fields.Many2one("mhrs.clinic", help="The clinic of the schedule.")
    schedule_id = fields.Many2one("mhrs.schedule", help="The schedule created, if any.")
    result = fields.Selection(PLAN_RESULTS, required=True, help="What happened.")
    reason = fields.Text(help="Why the physician was skipped or refused.")
