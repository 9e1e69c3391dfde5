from odoo import models


class MhrsTemplate(models.Model):
    """Registered schedules made from a template are the ones a template update affects."""

    _inherit = "mhrs.template"

    def _mhrs_affected_schedules(self):
        affected = super()._mhrs_affected_schedules()
        schedules = self.env["mhrs.schedule"].search(
            [("template_id", "=", self.id), ("state", "=", "registered")]
        )
        return list(affected) + list(schedules)
