from itertools import pairwise

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.actions import count_by, open_list

TEMPLATE_STATES = [
    ("draft", "Draft"),
    ("registered", "Active"),
]


class MhrsTemplate(models.Model):
    """A named, reusable day pattern (şablon) of blocks that schedules refer to.

    MHRS has no template service today (Table 1 rows 5-8 exist in neither G2 nor MHRS V2): templates are
    kept and checked here, and expanded into the schedule blocks that are sent.

    The directive forbids the same template under different names: two templates of a company may not
    have the same definition (the sorted, normalised tuple of their blocks).
    """

    _name = "mhrs.template"
    _description = "MHRS Template"
    _inherit = ["mail.thread", "mail.activity.mixin", "mhrs.record.mixin", "mhrs.call.log.link"]
    _order = "name, id"
    _check_company_auto = True
    # MHRS has no template service (neither G2 nor MHRS V2): templates are local; nothing is sent.

    name = fields.Char(
        string="Template Name",
        required=True,
        tracking=True,
        help="SablonAdi: the template's name, unique at MHRS for the institution.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="The hospital (MHRS institution) this template belongs to.",
    )
    line_ids = fields.One2many(
        "mhrs.template.line",
        "template_id",
        string="Blocks",
        copy=True,
        help="The blocks of the day: time range, action and slot settings. Blocks may not overlap.",
    )
    mhrs_template_id = fields.Integer(
        string="MHRS Template Id",
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
        help="SablonId: the id MHRS returned when the template was registered.",
    )
    state = fields.Selection(
        TEMPLATE_STATES,
        string="Status",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        help="Draft: being defined. Active: checked and usable for schedules. Kept in Odoo only: MHRS has "
        "no template service.",
    )
    mhrs_active = fields.Boolean(
        string="Active at MHRS",
        default=True,
        readonly=True,
        copy=False,
        tracking=True,
        help="Whether MHRS offers the template (active) or keeps it passive. Change it with the "
        "Activate/Deactivate button.",
    )
    line_count = fields.Integer(string="Blocks Count", compute="_compute_summary", help="Number of blocks.")
    bookable_minutes = fields.Integer(
        compute="_compute_summary", help="Minutes of the day open to appointments."
    )
    slot_count = fields.Integer(string="Slots", compute="_compute_summary", help="Appointment slots per day.")
    schedule_count = fields.Integer(
        string="Schedules", compute="_compute_smart_counts", help="Work schedules made from the template."
    )

    # ------------------------------------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------------------------------------
    @api.depends("line_ids.duration_minutes", "line_ids.slot_count", "line_ids.bookable")
    def _compute_summary(self):
        for template in self:
            template.line_count = len(template.line_ids)
            template.bookable_minutes = sum(template.line_ids.filtered("bookable").mapped("duration_minutes"))
            template.slot_count = sum(template.line_ids.mapped("slot_count"))

    def _compute_smart_counts(self):
        schedules = count_by(self.env, "mhrs.schedule", "template_id", self._origin.ids)
        for template in self:
            template.schedule_count = schedules.get(template._origin.id, 0)

    @api.constrains("line_ids")
    def _check_lines(self):
        for line in self.line_ids:
            line._check_block_values()
        self._check_lines_overlap()
        self._check_unique_definition()

    def _check_lines_overlap(self):
        for template in self:
            lines = template.line_ids.sorted(lambda line: (line.start_time, line.end_time))
            for before, after in pairwise(lines):
                if after.start_time < before.end_time:
                    raise ValidationError(
                        self.env._(
                            "Blocks %(first)s and %(second)s of template %(name)s overlap.",
                            first=before._block_label(),
                            second=after._block_label(),
                            name=template.name,
                        )
                    )

    def _definition(self):
        """The normalised, sorted tuple of the template's blocks: what makes two templates the same."""
        self.ensure_one()
        return tuple(sorted(line._definition_key() for line in self.line_ids))

    def _find_same_definition(self):
        """Another template of the company with exactly the same blocks, if any."""
        self.ensure_one()
        definition = self._definition()
        if not definition:
            return self.browse()
        candidates = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("id", "!=", self.id),
                ("line_ids", "!=", False),
            ]
        )
        return candidates.filtered(lambda other: other._definition() == definition)[:1]

    def _check_unique_definition(self):
        if self.env.context.get("mhrs_template_copy"):
            return
        for template in self:
            same = template._find_same_definition()
            if same:
                raise ValidationError(
                    self.env._(
                        "Template %(name)s has the same blocks as the existing template %(existing)s. "
                        "The same template may not be defined twice under different names: use %(existing)s.",
                        name=template.name,
                        existing=same.name,
                    )
                )

    # ------------------------------------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------------------------------------
    def copy_data(self, default=None):
        vals_list = super().copy_data(default)
        if "name" not in (default or {}):
            for template, vals in zip(self, vals_list, strict=True):
                vals["name"] = self.env._("%(name)s (copy)", name=template.name)
        return vals_list

    def copy(self, default=None):
        # A copy is a draft variant to change: it starts with the original's blocks, so the same-blocks
        # rule applies when its blocks are saved (and before it is sent), not to the copy itself.
        copies = super(MhrsTemplate, self.with_context(mhrs_template_copy=True)).copy(default)
        return copies.with_env(self.env)

    # ------------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------------
    def action_activate(self):
        """Check the blocks (valid, not overlapping, no other template with the same blocks) and make the
        template usable. Local only: MHRS has no template service."""
        self.ensure_one()
        if self.state != "draft":
            raise UserError(self.env._("Only draft templates can be activated."))
        self._check_before_sending()
        self.state = "registered"
        self._mhrs_log_note(self.env._("Activated. Kept in Odoo only: MHRS has no template service."))
        return True

    def action_reset_to_draft(self):
        for template in self:
            if template.state != "registered":
                raise UserError(self.env._("Only active templates can be set back to draft."))
        self.write({"state": "draft"})
        return True

    def action_open_schedules(self):
        self.ensure_one()
        return open_list(
            self.env,
            "mhrs.schedule",
            [("template_id", "=", self.id)],
            self.env._("Schedules: %(name)s", name=self.name),
            views=("list", "calendar", "form"),
            context={"default_template_id": self.id},
            create=True,
        )

    # ------------------------------------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------------------------------------
    def _check_before_sending(self):
        """Every local rule before activation: blocks valid, not overlapping, no duplicate."""
        self.ensure_one()
        if not self.line_ids:
            raise UserError(
                self.env._("Add at least one block to %(name)s before activating it.", name=self.name)
            )
        self._check_lines()

    def _mhrs_affected_schedules(self):
        """Registered schedules made from this template: the ones a template update affects."""
        self.ensure_one()
        schedules = self.env["mhrs.schedule"].search(
            [("template_id", "=", self.id), ("state", "=", "registered")]
        )
        return list(schedules)
