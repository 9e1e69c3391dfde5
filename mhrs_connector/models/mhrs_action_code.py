from odoo import fields, models


class MhrsActionCode(models.Model):
    """MHRS action code (AksiyonKodu) list: what a physician does in a time block."""

    _name = "mhrs.action.code"
    _description = "MHRS Action Code"
    _order = "code"
    _rec_names_search = ["name", "code"]

    code = fields.Integer(
        string="Action Code",
        required=True,
        help="AksiyonKodu: the MHRS code of the activity (working hours, leave, surgery, ...).",
    )
    name = fields.Char(string="Action", required=True, help="Name of the activity.")
    bookable = fields.Boolean(
        help="Blocks with this action are open for appointments and are split into slots; "
        "other blocks (leave, surgery, ...) have no slots.",
    )
    active = fields.Boolean(default=True, help="Archived codes are no longer offered.")

    _sql_constraints = [
        ("code_uniq", "unique(code)", "Each MHRS action code can be defined only once."),
    ]

    def _compute_display_name(self):
        for action in self:
            action.display_name = f"{action.code} {action.name}" if action.code else action.name
