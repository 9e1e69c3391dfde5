from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import is_valid_tckn


class MhrsPhysician(models.Model):
    """A physician whose schedules are sent to MHRS and whose appointments are synchronised."""

    _name = "mhrs.physician"
    _description = "MHRS Physician"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name, id"
    _check_company_auto = True
    _rec_names_search = ["name", "tckn"]

    name = fields.Char(required=True, tracking=True, help="Full name of the physician.")
    tckn = fields.Char(
        string="TCKN",
        required=True,
        size=11,
        tracking=True,
        copy=False,
        help="T.C. Kimlik No: MHRS identifies the physician by it (HekimKodu).",
    )
    company_id = fields.Many2one(
        "res.company",
        string="Company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="The hospital the physician works for.",
    )
    clinic_ids = fields.Many2many(
        "mhrs.clinic",
        "mhrs_clinic_physician_rel",
        "physician_id",
        "clinic_id",
        string="Clinics",
        check_company=True,
        help="Clinics where the physician sees patients.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="User",
        check_company=True,
        tracking=True,
        help="The physician's Odoo user, if any.",
    )
    mhrs_sync = fields.Boolean(
        string="Sync with MHRS",
        default=True,
        tracking=True,
        help="Query this physician's MHRS appointments in the automatic appointment synchronisation.",
    )
    active = fields.Boolean(default=True, help="Archive physicians who left the hospital.")

    _sql_constraints = [
        ("tckn_company_uniq", "unique(tckn, company_id)", "A physician with this TCKN already exists."),
    ]

    @api.constrains("tckn")
    def _check_tckn(self):
        for physician in self:
            if not is_valid_tckn(physician.tckn):
                raise ValidationError(
                    self.env._(
                        "%(tckn)s is not a valid T.C. Kimlik No (11 digits with correct check digits).",
                        tckn=physician.tckn,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("tckn"):
                vals["tckn"] = vals["tckn"].strip()
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("tckn"):
            vals["tckn"] = vals["tckn"].strip()
        return super().write(vals)
