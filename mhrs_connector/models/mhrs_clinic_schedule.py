from odoo import _, fields, models


class MhrsClinic(models.Model):
    """Schedules block the cancellation of their clinic."""

    _inherit = "mhrs.clinic"

    def _mhrs_cancel_blockers(self):
        blockers = super()._mhrs_cancel_blockers()
        today = fields.Date.context_today(self)
        schedules = self.env["mhrs.schedule"].search(
            [("clinic_id", "=", self.id), ("state", "=", "registered"), ("date_to", ">=", today)]
        )
        if schedules:
            blockers.append(
                _(
                    "%(count)s active work schedule(s) registered on MHRS: %(names)s. Cancel them first.",
                    count=len(schedules),
                    names=", ".join(schedules.mapped("name")),
                )
            )
        return blockers
