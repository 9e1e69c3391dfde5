from itertools import pairwise

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..soap import errors
from .mhrs_call_log_link import count_by, open_list
from .mhrs_record_mixin import same_name

TEMPLATE_STATES = [
    ("draft", "Draft"),
    ("registered", "Registered"),
]


def _clock(value):
    return value.strftime("%H:%M") if hasattr(value, "strftime") else str(value or "")[:5]


def lines_key(lines):
    """The comparable, sorted form of SablonSatiri rows (sent or queried)."""
    return sorted(
        (
            _clock(line.get("BaslangicSaati")),
            _clock(line.get("BitisSaati")),
            int(line.get("AksiyonKodu") or 0),
            int(line.get("TedaviSuresi") or 0),
            int(line.get("SlotBasinaDusenHastaSayisi") or 0),
        )
        for line in lines or []
    )


class MhrsTemplate(models.Model):
    """A named, reusable day pattern (şablon) of blocks that schedules refer to.

    The directive forbids the same template under different names: two templates of a company may not
    have the same definition (the sorted, normalised tuple of their blocks).
    """

    _name = "mhrs.template"
    _description = "MHRS Template"
    _inherit = ["mail.thread", "mail.activity.mixin", "mhrs.record.mixin", "mhrs.call.log.link"]
    _order = "name, id"
    _check_company_auto = True
    _mhrs_update_fields = ("name", "line_ids")
    _mhrs_update_operations = ("template_register", "template_update")

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
        help="Draft: not yet on MHRS. Registered: known to MHRS.",
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
    def action_mhrs_register(self):
        self.ensure_one()
        if self.state != "draft":
            raise UserError(self.env._("Only draft templates can be registered on MHRS."))
        self._check_before_sending()
        result = self._mhrs_run("template_register")
        return self._mhrs_action_result(
            result,
            self.env._("Template registered"),
            self.env._("%(name)s is registered on MHRS.", name=self.name),
        )

    def action_mhrs_update(self):
        self.ensure_one()
        if self.state != "registered":
            raise UserError(self.env._("Only templates registered on MHRS can be updated there."))
        self._check_before_sending()
        affected = self._mhrs_affected_schedules()
        result = self._mhrs_run("template_update")
        warnings = []
        if affected:
            names = ", ".join(getattr(s, "display_name", str(s)) for s in affected)
            warnings.append(
                self.env._(
                    "This template is used by registered schedules, which are affected: %(names)s",
                    names=names,
                )
            )
            if result is not None:
                self._mhrs_followup(self._mhrs_log_note, warnings[0])
        return self._mhrs_action_result(
            result,
            self.env._("Template updated"),
            self.env._("%(name)s is updated on MHRS.", name=self.name),
            warnings,
        )

    def action_mhrs_set_state(self):
        """Toggle the template between active and passive at MHRS."""
        self.ensure_one()
        if self.state != "registered":
            raise UserError(self.env._("Only templates registered on MHRS can be activated or deactivated."))
        result = self._mhrs_run("template_set_state")
        message = (
            self.env._("%(name)s is active at MHRS.", name=self.name)
            if self.mhrs_active
            else self.env._("%(name)s is passive at MHRS.", name=self.name)
        )
        return self._mhrs_action_result(result, self.env._("Template status"), message)

    def action_mhrs_query(self):
        """Compare this company's templates with MHRS and open the differences.

        A list header button: the web client calls it with the (maybe empty) selection's ids, so it is
        a record method (an ``api.model`` one would receive the ids as an argument and crash)."""
        company = self.env.company
        result = self.env["mhrs.connector.mixin"]._mhrs_legacy_call_ui("template_query", company=company)
        wizard = self.env["mhrs.template.query.wizard"].create({"company_id": company.id})
        wizard._fill_lines(result.get("SablonBilgileri") or [])
        return wizard._open()

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
        """Every local rule, before any MHRS call: blocks valid, not overlapping, no duplicate."""
        self.ensure_one()
        if not self.line_ids:
            raise UserError(
                self.env._("Add at least one block to %(name)s before sending it to MHRS.", name=self.name)
            )
        self._check_lines()

    def _mhrs_affected_schedules(self):
        """Registered schedules made from this template: the ones a template update affects."""
        self.ensure_one()
        schedules = self.env["mhrs.schedule"].search(
            [("template_id", "=", self.id), ("state", "=", "registered")]
        )
        return list(schedules)

    def _mhrs_adopt_existing(self, operation):
        """A registration whose answer was lost may have been applied: look for the name first."""
        self.ensure_one()
        if operation != "template_register":
            return super()._mhrs_adopt_existing(operation)
        result = self.env["mhrs.connector.mixin"]._mhrs_legacy_call("template_query", record=self)
        taken = set(
            self.search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("id", "!=", self.id),
                    ("mhrs_template_id", "!=", 0),
                ]
            ).mapped("mhrs_template_id")
        )
        row = next(
            (
                r
                for r in result.get("SablonBilgileri") or []
                if r.get("SablonId") not in taken and same_name(r.get("SablonAdi"), self.name)
            ),
            None,
        )
        if not row:
            return False
        self.write(
            {
                "state": "registered",
                "mhrs_template_id": row["SablonId"],
                "mhrs_active": bool(row.get("AktifMi")),
            }
        )
        self._mhrs_mark_adopted(
            self.env._(
                "MHRS already held this template (id %(id)s): adopted instead of registering it twice.",
                id=row["SablonId"],
            )
        )
        if lines_key(row.get("SablonSatiri")) != lines_key(self._mhrs_lines_payload()) or (
            (row.get("SablonAdi") or "").strip() != (self.name or "").strip()
        ):
            self._mhrs_run("template_update")
        return True

    def _mhrs_adopt_after_refusal(self, operation, exc):
        """A name MHRS refuses as taken is adopted only when MHRS's template of that name has exactly
        these blocks: that is this template, registered without Odoo recording it. A template of the
        same name with other blocks is not this one: the refusal stands."""
        if operation == "template_register":
            try:
                result = self.env["mhrs.connector.mixin"]._mhrs_legacy_call("template_query", record=self)
            except errors.MhrsError:
                return False
            mine = lines_key(self._mhrs_lines_payload())
            if not any(
                same_name(row.get("SablonAdi"), self.name) and lines_key(row.get("SablonSatiri")) == mine
                for row in result.get("SablonBilgileri") or []
            ):
                return False
        return super()._mhrs_adopt_after_refusal(operation, exc)

    def _mhrs_lines_payload(self):
        return [line._mhrs_line_payload() for line in self.line_ids.sorted("start_time")]

    def _mhrs_payload_template_register(self):
        return {"SablonAdi": self.name, "SablonSatiri": self._mhrs_lines_payload()}

    def _mhrs_payload_template_update(self):
        return {
            "SablonId": self.mhrs_template_id,
            "SablonAdi": self.name,
            "SablonSatiri": self._mhrs_lines_payload(),
        }

    def _mhrs_payload_template_set_state(self):
        return {"SablonId": self.mhrs_template_id, "AktifMi": not self.mhrs_active}

    def _mhrs_apply_template_register(self, result):
        self.write({"state": "registered", "mhrs_template_id": result.get("SablonId"), "mhrs_active": True})

    def _mhrs_apply_template_set_state(self, result):
        self.write({"mhrs_active": bool(result.get("AktifMi"))})

    def _mhrs_message_template_register(self):
        return self.env._("Registered on MHRS.")

    def _mhrs_message_template_update(self):
        return self.env._("Name and blocks sent to MHRS.")

    def _mhrs_message_template_set_state(self):
        return (
            self.env._("Deactivated (passive) at MHRS.")
            if self.mhrs_active
            else self.env._("Activated at MHRS.")
        )
