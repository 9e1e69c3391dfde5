from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError


class MhrsAppointmentQueryWizard(models.TransientModel):
    """Manual appointment query (operation 14) between two chosen times, for all or some physicians."""

    _name = "mhrs.appointment.query.wizard"
    _description = "MHRS Appointment Query"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        help="The hospital whose appointments are queried.",
    )
    date_from = fields.Datetime(
        string="From",
        required=True,
        default=lambda self: fields.Datetime.now().replace(second=0, microsecond=0),
        help="Appointments starting from this time.",
    )
    date_to = fields.Datetime(
        string="To",
        required=True,
        default=lambda self: fields.Datetime.now().replace(second=0, microsecond=0) + timedelta(days=1),
        help="...up to this time.",
    )
    all_physicians = fields.Boolean(default=True, help="Query every physician synced with MHRS.")
    physician_ids = fields.Many2many(
        "mhrs.physician",
        string="Physicians",
        check_company=True,
        help="The physicians to query when not all of them.",
    )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_to <= wizard.date_from:
                raise UserError(self.env._("The end of the period must be after its start."))

    def action_query(self):
        self.ensure_one()
        Appointment = self.env["mhrs.appointment"]
        physicians = None if self.all_physicians else self.physician_ids
        if physicians is not None and not physicians:
            raise UserError(self.env._("Choose at least one physician, or tick All Physicians."))
        run = Appointment._mhrs_sync_window(
            self.company_id, self.date_from, self.date_to, physicians, kind="manual"
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sync Run"),
            "res_model": "mhrs.sync.run",
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }
