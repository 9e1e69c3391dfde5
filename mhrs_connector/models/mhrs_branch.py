from odoo import fields, models


class MhrsBranch(models.Model):
    """MHRS branch (KlinikKodu) code list: the specialties under which sub-clinics are registered."""

    _name = "mhrs.branch"
    _description = "MHRS Branch Code"
    _order = "name, code"
    _rec_names_search = ["name", "code"]

    code = fields.Integer(
        string="Branch Code",
        required=True,
        help="KlinikKodu: the MHRS/SKRS code of the clinical branch (specialty).",
    )
    name = fields.Char(string="Branch", required=True, help="Name of the clinical branch.")
    active = fields.Boolean(default=True, help="Archived codes are no longer offered.")

    _sql_constraints = [
        ("code_uniq", "unique(code)", "Each MHRS branch code can be defined only once."),
    ]

    def _compute_display_name(self):
        for branch in self:
            branch.display_name = f"{branch.code} {branch.name}" if branch.code else branch.name
