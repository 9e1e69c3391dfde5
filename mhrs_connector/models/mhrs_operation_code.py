from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.operation_labels import operation_selection
from ..wire import OPERATIONS


class MhrsOperationCode(models.Model):
    _name = "mhrs.operation.code"
    _description = "MHRS Operation Code Override"
    _order = "company_id, sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(compute="_compute_defaults", store=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        ondelete="cascade",
        default=lambda self: self.env.company,
    )
    operation = fields.Selection(
        operation_selection,
        required=True,
        help="The Table 1 web service whose method code is corrected here.",
    )
    code = fields.Char(
        string="Method Code",
        required=True,
        help="The method code to send instead of the default, e.g. PRSC_IN001023TR01.",
    )
    default_code = fields.Char(compute="_compute_defaults", store=True)
    is_placeholder = fields.Boolean(
        string="Placeholder Default",
        compute="_compute_defaults",
        store=True,
        help="The directive's table lost this code; the default is this project's placeholder.",
    )

    _sql_constraints = [
        (
            "operation_company_uniq",
            "unique(company_id, operation)",
            "An operation can have only one code per company.",
        ),
    ]

    @api.depends("operation")
    def _compute_defaults(self):
        for rec in self:
            op = OPERATIONS.get(rec.operation)
            rec.sequence = op.row if op else 0
            rec.default_code = op.code if op else False
            rec.is_placeholder = bool(op and op.code_lost)

    @api.constrains("code")
    def _check_code(self):
        for rec in self:
            code = (rec.code or "").strip()
            if not code or " " in code or len(code) > 64:
                raise ValidationError(self.env._("A method code is a single word such as PRSC_IN001023TR01."))
