from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    """EK 2 schedule criteria that could not be retrieved: settings with safe defaults, to be confirmed
    against EK 2 of the MHRS directive."""

    _inherit = "res.company"

    mhrs_schedule_max_days_ahead = fields.Integer(
        string="Schedule Horizon (days)",
        default=60,
        help="How many days ahead work schedules may be opened on MHRS (EK 2; to be confirmed). "
        "0 means no limit.",
    )
    mhrs_min_slot_minutes = fields.Integer(
        string="Minimum Slot Length (min)",
        default=5,
        help="Shortest appointment slot a bookable schedule block may have (EK 2; to be confirmed).",
    )

    @api.constrains("mhrs_schedule_max_days_ahead", "mhrs_min_slot_minutes")
    def _check_mhrs_schedule_criteria(self):
        for company in self:
            if company.mhrs_schedule_max_days_ahead < 0 or company.mhrs_min_slot_minutes < 1:
                raise ValidationError(
                    _("The schedule horizon cannot be negative and the minimum slot length must be at "
                      "least one minute.")
                )
