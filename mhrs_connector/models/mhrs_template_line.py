from datetime import time

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.action_codes import ACTION_CODE_DOMAIN
from ..tools.dates import float_to_minutes, minutes_to_time

MINUTES_PER_DAY = 24 * 60


def time_to_float(value):
    """A time (or 'HH:MM[:SS]' string) from MHRS -> float_time hours."""
    if isinstance(value, str):
        value = time.fromisoformat(value)
    return value.hour + value.minute / 60.0


class MhrsTemplateLine(models.Model):
    """One block of a template's day: a time range with one action and its slot settings."""

    _name = "mhrs.template.line"
    _description = "MHRS Template Block"
    _order = "template_id, start_time, id"

    template_id = fields.Many2one(
        "mhrs.template",
        required=True,
        ondelete="cascade",
        index=True,
        help="The template this block belongs to.",
    )
    company_id = fields.Many2one(related="template_id.company_id", store=True, string="Company")
    start_time = fields.Float(
        string="Start",
        required=True,
        help="BaslangicSaati: when the block starts (institution's local time).",
    )
    end_time = fields.Float(string="End", required=True, help="BitisSaati: when the block ends.")
    action_code_id = fields.Many2one(
        "mhrs.action.code",
        string="Action",
        required=True,
        ondelete="restrict",
        domain=ACTION_CODE_DOMAIN,
        default=lambda self: self.env.ref("mhrs_connector.mhrs_action_code_1", raise_if_not_found=False),
        help="AksiyonKodu: what the physician does in this block. Only bookable actions get slots.",
    )
    mhrs_interface = fields.Selection(
        related="company_id.mhrs_interface",
        string="MHRS Interface",
        help="How the company talks to MHRS: the action codes offered follow its numbering.",
    )
    bookable = fields.Boolean(related="action_code_id.bookable", string="Bookable")
    slot_minutes = fields.Integer(
        string="Slot Length (min)",
        compute="_compute_slot_settings",
        store=True,
        readonly=False,
        precompute=True,
        help="TedaviSuresi: length of one appointment slot in minutes; it must divide the block. "
        "Empty for blocks that are not bookable.",
    )
    patients_per_slot = fields.Integer(
        string="Patients per Slot",
        compute="_compute_slot_settings",
        store=True,
        readonly=False,
        precompute=True,
        help="SlotBasinaDusenHastaSayisi: how many patients can book the same slot (at least 1). "
        "Empty for blocks that are not bookable.",
    )
    duration_minutes = fields.Integer(
        string="Duration (min)", compute="_compute_duration_minutes", help="Length of the block in minutes."
    )
    slot_count = fields.Integer(
        string="Slots", compute="_compute_duration_minutes", help="Number of appointment slots of the block."
    )

    @api.depends("action_code_id")
    def _compute_slot_settings(self):
        for line in self:
            if not line.action_code_id.bookable:
                line.slot_minutes = 0
                line.patients_per_slot = 0
            else:
                line.slot_minutes = line.slot_minutes or 15
                line.patients_per_slot = line.patients_per_slot or 1

    @api.depends("start_time", "end_time", "slot_minutes", "action_code_id")
    def _compute_duration_minutes(self):
        for line in self:
            line.duration_minutes = float_to_minutes(line.end_time) - float_to_minutes(line.start_time)
            line.slot_count = (
                line.duration_minutes // line.slot_minutes
                if line.bookable and line.slot_minutes > 0 and line.duration_minutes > 0
                else 0
            )

    @api.constrains("start_time", "end_time", "action_code_id", "slot_minutes", "patients_per_slot")
    def _check_block(self):
        for line in self:
            line._check_block_values()
        self.template_id._check_lines_overlap()
        self.template_id._check_unique_definition()

    def _check_block_values(self):
        self.ensure_one()
        start, end = float_to_minutes(self.start_time), float_to_minutes(self.end_time)
        label = self._block_label()
        if start < 0 or end >= MINUTES_PER_DAY:
            raise ValidationError(
                self.env._("Block %(block)s must lie between 00:00 and 23:59.", block=label)
            )
        if end <= start:
            raise ValidationError(self.env._("Block %(block)s must end after it starts.", block=label))
        if self.action_code_id.bookable:
            if self.slot_minutes <= 0 or (end - start) % self.slot_minutes:
                raise ValidationError(
                    self.env._(
                        "Block %(block)s is bookable: its slot length must be more than 0 minutes and divide "
                        "the block's %(minutes)s minutes.",
                        block=label,
                        minutes=end - start,
                    )
                )
            if self.patients_per_slot < 1:
                raise ValidationError(
                    self.env._(
                        "Block %(block)s is bookable: at least 1 patient per slot is needed.", block=label
                    )
                )
        elif self.slot_minutes or self.patients_per_slot:
            raise ValidationError(
                self.env._(
                    "Block %(block)s (%(action)s) is not bookable: it has no slots, so leave the slot length "
                    "and patients per slot empty.",
                    block=label,
                    action=self.action_code_id.name,
                )
            )

    def _block_label(self):
        start, end = float_to_minutes(self.start_time), float_to_minutes(self.end_time)
        return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"

    def _definition_key(self):
        """The normalised tuple that defines the block (start, end, action, slot length, patients)."""
        self.ensure_one()
        bookable = self.action_code_id.bookable
        return (
            float_to_minutes(self.start_time),
            float_to_minutes(self.end_time),
            self.action_code_id.code,
            self.slot_minutes if bookable else 0,
            self.patients_per_slot if bookable else 0,
        )

    def _mhrs_line_payload(self):
        self.ensure_one()
        bookable = self.action_code_id.bookable
        return {
            "BaslangicSaati": minutes_to_time(float_to_minutes(self.start_time)),
            "BitisSaati": minutes_to_time(float_to_minutes(self.end_time)),
            "AksiyonKodu": self.action_code_id.code,
            "TedaviSuresi": self.slot_minutes if bookable else None,
            "SlotBasinaDusenHastaSayisi": self.patients_per_slot if bookable else None,
        }
