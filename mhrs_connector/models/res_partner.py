from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import is_valid_tckn
from ..tools.dates import zone


class ResPartner(models.Model):
    _inherit = "res.partner"

    tckn = fields.Char(
        string="TCKN",
        size=11,
        index="btree_not_null",
        copy=False,
        help="T.C. Kimlik No: the 11-digit Turkish national identity number, checked by its check digits.",
    )

    @api.constrains("tckn")
    def _check_tckn(self):
        for partner in self:
            if partner.tckn and not is_valid_tckn(partner.tckn):
                raise ValidationError(
                    self.env._("%(tckn)s is not a valid T.C. identity number (TCKN).", tckn=partner.tckn)
                )

    @api.constrains("tz")
    def _check_mhrs_company_tz(self):
        """A company's zone is where MHRS times are read and written (tools/dates.py): one this system
        cannot load is refused when saved, rather than every later job failing on it."""
        companies = self.env["res.company"].sudo().search([("partner_id", "in", self.ids)])
        for partner in companies.partner_id.filtered("tz"):
            try:
                zone(partner.tz)
            except ValueError:
                raise ValidationError(
                    self.env._(
                        "The time zone %(tz)s is unknown on this server: choose another one for %(name)s.",
                        tz=partner.tz,
                        name=partner.name,
                    )
                ) from None
