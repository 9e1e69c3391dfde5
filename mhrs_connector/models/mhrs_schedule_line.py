from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.action_codes import ACTION_CODE_DOMAIN
from ..tools.dates import company_tz, to_local, to_wire

LINE_STATES = [
    ("draft", "Not Sent"),
    ("mhrs_draft", "Draft at MHRS"),
    ("registered", "Final"),
    ("error", "Refused by MHRS"),
    ("cancelled", "Cancelled"),
]
# Changing one of these on a registered block means MHRS must be told (schedule_update).
MHRS_FIELDS = ("date_start", "date_end", "action_code_id", "slot_minutes", "patients_per_slot")


class MhrsScheduleLine(models.Model):
    """One block of a work schedule: one time range of one day, with one action (a MHRS "cetvel").

    Blocks are copies of the template's blocks made when the schedule's lines are generated, so a later
    change of the template never changes a registered schedule silently.
    """

    _name = "mhrs.schedule.line"
    _description = "MHRS Schedule Block"
    _order = "date_start, id"
    _check_company_auto = True

    schedule_id = fields.Many2one(
        "mhrs.schedule",
        required=True,
        ondelete="cascade",
        index=True,
        help="The work schedule this block belongs to.",
    )
    company_id = fields.Many2one(
        related="schedule_id.company_id", store=True, index=True, string="Company", precompute=True
    )
    physician_id = fields.Many2one(
        related="schedule_id.physician_id", store=True, index=True, string="Physician", precompute=True
    )
    clinic_id = fields.Many2one(
        related="schedule_id.clinic_id", store=True, index=True, string="Clinic", precompute=True
    )
    schedule_state = fields.Selection(related="schedule_id.state", string="Schedule Status")
    date_start = fields.Datetime(
        string="Start",
        required=True,
        index=True,
        help="BaslangicZamani: when the block starts (stored in UTC, shown in your time zone).",
    )
    date_end = fields.Datetime(
        string="End", required=True, help="BitisZamani: when the block ends (same day as the start)."
    )
    action_code_id = fields.Many2one(
        "mhrs.action.code",
        string="Action",
        required=True,
        ondelete="restrict",
        domain=ACTION_CODE_DOMAIN,
        help="AksiyonKodu: what the physician does in this block (working hours, leave, surgery...).",
    )
    mhrs_interface = fields.Selection(
        related="company_id.mhrs_interface",
        string="MHRS Interface",
        help="How the company talks to MHRS: the action codes offered follow its numbering.",
    )
    action_code = fields.Integer(related="action_code_id.code", string="Action Code")
    bookable = fields.Boolean(related="action_code_id.bookable", string="Bookable")
    slot_minutes = fields.Integer(
        string="Slot Length (min)",
        help="TedaviSuresi: length of one appointment slot; empty for blocks that are not bookable.",
    )
    patients_per_slot = fields.Integer(
        string="Patients per Slot",
        help="SlotBasinaDusenHastaSayisi: patients per slot; empty for blocks that are not bookable.",
    )
    mhrs_schedule_id = fields.Char(
        string="MHRS Schedule Id",
        readonly=True,
        copy=False,
        index=True,
        help="KesinCetvelId: the id MHRS gave this block at registration (a long integer).",
    )
    mhrs_draft_id = fields.Char(
        string="MHRS Draft Id",
        readonly=True,
        copy=False,
        help="The draft MHRS holds for this block until its finalisation (row 9 is drafts, then their "
        "finalisation); kept when the finalisation did not answer, so that the retry finalises it.",
    )
    state = fields.Selection(
        LINE_STATES,
        string="Status",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        help="Not sent yet, a draft at MHRS (not bookable until finalised), final at MHRS (bookable), "
        "refused by MHRS (see the error) or cancelled.",
    )
    mhrs_changed = fields.Boolean(
        string="Changed since Sent",
        readonly=True,
        copy=False,
        help="The block was changed after MHRS registered it: press Update on MHRS to send it.",
    )
    mhrs_error = fields.Char(
        string="MHRS Error",
        readonly=True,
        copy=False,
        help="Why MHRS refused this block (HataKodu and text).",
    )

    # ------------------------------------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------------------------------------
    @api.depends("date_start", "date_end", "action_code_id", "physician_id")
    @api.depends_context("lang")
    def _compute_display_name(self):
        for line in self:
            if not line.date_start or not line.date_end:
                line.display_name = line.action_code_id.display_name or self.env._("New Block")
                continue
            line.display_name = f"{line._local_label()} {line.action_code_id.name or ''}"

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for line in self:
            if line.date_end <= line.date_start:
                raise ValidationError(
                    self.env._("Block %(block)s must end after it starts.", block=line._local_label())
                )

    # ------------------------------------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------------------------------------
    def write(self, vals):
        if any(name in vals for name in MHRS_FIELDS) and "mhrs_changed" not in vals:
            # Final blocks and drafts at MHRS: MHRS still holds the previous values until they are sent.
            registered = self.filtered(lambda line: line.state in ("registered", "mhrs_draft"))
            if registered.filtered(lambda line: line.schedule_state == "cancelled"):
                raise UserError(self.env._("Blocks of a cancelled schedule cannot be changed."))
            res = super().write(vals)
            registered.filtered(lambda line: line.state in ("registered", "mhrs_draft")).write(
                {"mhrs_changed": True}
            )
            return res
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_registered(self):
        # A draft at MHRS too: deleting it here would leave it at MHRS, unknown to Odoo.
        if self.filtered(
            lambda line: (line.mhrs_schedule_id and line.state == "registered")
            or (line.mhrs_draft_id and line.state == "mhrs_draft")
        ):
            raise UserError(
                self.env._(
                    "Blocks registered on MHRS cannot be deleted: shorten the schedule's period or cancel "
                    "the schedule, then press the MHRS button."
                )
            )

    # ------------------------------------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------------------------------------
    def _tz(self):
        return company_tz(self.company_id or self.env.company)

    def _local_label(self, start=None, end=None):
        """'30.03.2027 11:00-12:00' in the company's time zone (start/end override the block's)."""
        self.ensure_one()
        return self.env["mhrs.schedule"]._mhrs_format_range(
            start or self.date_start, end or self.date_end, self._tz()
        )

    def _local_date(self):
        self.ensure_one()
        return to_local(self.date_start, self._tz()).date()

    def _mhrs_block(self):
        """The block as the facade's schedule operations take it (wire/client.py)."""
        self.ensure_one()
        schedule = self.schedule_id
        bookable = self.action_code_id.bookable
        return {
            "branch": schedule.clinic_id.mhrs_branch_code,
            "physician": schedule.physician_id.tckn,
            "clinic": schedule.clinic_id.mhrs_clinic_code or None,
            "action": self.action_code_id.code,
            "start": to_wire(self.date_start),
            "end": to_wire(self.date_end),
            "slot_minutes": self.slot_minutes if bookable else None,
            "capacity": self.patients_per_slot if bookable else None,
            "ref": str(self.id),
        }

    def _mhrs_definition(self):
        """What MHRS should hold for this block, for comparing with a schedule_query row."""
        self.ensure_one()
        bookable = self.action_code_id.bookable
        return (
            self.date_start,
            self.date_end,
            self.action_code_id.code,
            (self.slot_minutes or 0) if bookable else 0,
            (self.patients_per_slot or 0) if bookable else 0,
        )
