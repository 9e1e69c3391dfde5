from odoo import fields, models

from ..tools.outcome import mhrs_entry_point


class MhrsAppointmentCancelWizard(models.TransientModel):
    """Cancelling an appointment at MHRS (operation 17), with the reason."""

    _name = "mhrs.appointment.cancel.wizard"
    _description = "MHRS Appointment Cancellation"

    appointment_id = fields.Many2one(
        "mhrs.appointment", required=True, ondelete="cascade", help="What to cancel."
    )
    reason = fields.Char(required=True, help="IptalNedeni: why the hospital cancels.")

    @mhrs_entry_point
    def action_confirm(self):
        self.ensure_one()
        appointment = self.appointment_id
        result = appointment._mhrs_cancel(self.reason)
        return appointment._mhrs_action_result(
            result,
            self.env._("Appointment cancelled"),
            self.env._("%(hrn)s is cancelled on MHRS.", hrn=appointment.mhrs_hrn),
        )
