from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import is_valid_tckn


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
                    _("%(tckn)s is not a valid T.C. identity number (TCKN).", tckn=partner.tckn)
                )
