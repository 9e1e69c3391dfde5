from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mhrs_schedule_max_days_ahead = fields.Integer(
        related="company_id.mhrs_schedule_max_days_ahead", readonly=False
    )
    mhrs_min_slot_minutes = fields.Integer(related="company_id.mhrs_min_slot_minutes", readonly=False)
