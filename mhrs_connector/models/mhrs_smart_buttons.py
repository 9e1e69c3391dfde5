"""The Call Log smart button of appointments (the other smart buttons live with their models)."""

from odoo import models


class MhrsAppointment(models.Model):
    _name = "mhrs.appointment"
    _inherit = ["mhrs.appointment", "mhrs.call.log.link"]
