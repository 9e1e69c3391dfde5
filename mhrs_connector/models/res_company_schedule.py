# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.exceptions import ValidationError


# The company's schedule workflow settings live apart from its connection settings (res_company.py).
class ResCompany(models.Model):
    _inherit = "res.company"

    mhrs_finalise_on_register = fields.Boolean(
        string="Finalise on Registration",
        default=True,
        help="Register on MHRS sends the blocks as drafts and finalises them in the same step, so they "
        "are bookable at once. Untick to keep them as drafts at MHRS until someone presses Finalise "
        "(or the finalisation job reaches them).",
    )
    mhrs_finalise_days_ahead = fields.Integer(
        string="Finalise Drafts Ahead (days)",
        default=0,
        help="A daily job finalises the drafts at MHRS that start within this many days, so that they "
        "become bookable in time. 0 turns the job off.",
    )

    @api.constrains("mhrs_finalise_days_ahead")
    def _check_mhrs_finalise_days_ahead(self):
        if self.filtered(lambda company: company.mhrs_finalise_days_ahead < 0):
            raise ValidationError(
                self.env._("The number of days drafts are finalised ahead cannot be negative.")
            )
