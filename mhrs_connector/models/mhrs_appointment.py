import logging
import time
from collections import defaultdict, deque
from datetime import datetime, timedelta

from odoo import api, fields, models
from odoo.exceptions import CacheMiss, UserError

from ..tools import can_commit, is_valid_tckn, try_company_lock
from ..tools.bulk_insert import insert_records
from ..tools.dates import (
    company_tz,
    from_wire,
    local_day_bounds,
    local_now,
    to_aware,
    to_utc_naive,
    today_bounds,
)
from ..wire import errors

_logger = logging.getLogger(__name__)

SYNC_BATCH_SIZE = 50
# Physician-days asked for in one appointment query (see _mhrs_sync_units).
SYNC_PHYSICIAN_DAYS = 50
# Records the sync creates from MHRS's answer: no chatter line, tracking or follower.
QUIET_CREATE = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}
# A periodic run looks back to the start of the last successful one, at most this far.
MAX_LOOKBACK = timedelta(days=7)
# A periodic run is due this much before its cadence has passed (half the cadence at most): the cron
# workers poll about once a minute, so a run that started late must not push the next one a whole
# cadence away.
DUE_TOLERANCE = timedelta(seconds=90)
# After failed or partial periodic runs in a row the next one waits the cadence doubled per failure,
# at most this long (and never less than the cadence).
MAX_BACKOFF = timedelta(minutes=30)
# The periodic query asks for the near days (today and the next two, local) every cadence; the rest of the
# horizon, where little changes, once in FAR_REFRESH (and the end-of-day query takes the next day in full).
NEAR_DAYS = 3
FAR_REFRESH = timedelta(hours=1)

# In the order of an appointment's life: the form's status bar shows them in this order.
APPOINTMENT_STATES = [
    ("booked", "Booked"),
    ("attended", "Attended"),
    ("no_show", "Not Attended"),
    ("cancelled", "Cancelled"),
]
# EkleyenKullaniciTipi (docs/mhrs-domain.md §4).
CHANNELS = [
    ("1", "Call Centre"),
    ("2", "Web"),
    ("3", "Mobile App"),
    ("4", "Hospital"),
    ("5", "Family Physician"),
    ("6", "İBB"),
    ("7", "General Secretariat"),
    ("8", "SMS"),
    ("9", "ALO 171"),
]
CHANNEL_CODES = frozenset(code for code, _label in CHANNELS)
CANCELLED_BY = [
    ("patient_mhrs", "Patient (MHRS)"),
    ("hospital", "Hospital"),
    ("exception", "Approved Exception"),
    ("auto_20", "MHRS 20:00 Auto-cancel"),
]
# IptalEdenTipi -> cancelled_by
CANCELLED_BY_CODES = {1: "patient_mhrs", 2: "hospital", 3: "exception", 4: "auto_20"}
# Fields the sync compares with MHRS's answer before writing.
SYNC_FIELDS = (
    "partner_id",
    "patient_tckn",
    "patient_name",
    "patient_phone",
    "physician_id",
    "physician_tckn",
    "clinic_id",
    "mhrs_schedule_ref",
    "schedule_line_id",
    "date_start",
    "date_end",
    "mhrs_channel",
    "mhrs_appointment_type",
    "note",
    "state",
    "cancelled_by",
    "missing_from_mhrs",
    "mhrs_booked_at",
)
# What MHRS owns on an appointment: shown read-only and changed only by the sync (context
# ``mhrs_sync_write``) or at creation. A change goes through MHRS's own operations: cancel, book again.
MHRS_OWNED_FIELDS = frozenset(SYNC_FIELDS) - {"state", "cancelled_by", "missing_from_mhrs"} | {
    "mhrs_hrn",
    "company_id",
}
MHRS_STATUSES = [
    ("not_due", "Not Due"),
    ("to_send", "To Send"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("none", "None (Cancelled)"),
]
# DurumKodu of operation 15 (docs/mhrs-domain.md §4).
STATUS_ATTENDED = "1"
STATUS_NOT_ATTENDED = "2"
STATUS_CODES = [(STATUS_ATTENDED, "Attended"), (STATUS_NOT_ATTENDED, "Not Attended")]
STATUS_BATCH_SIZE = 100
STATUS_LOCK_KEY = "mhrs_status_update"
SYNC_LOCK_KEY = "mhrs_appointment_sync"
# The final pass starts this long before local midnight.
FINAL_PASS_MARGIN = timedelta(minutes=30)
# How far back the job looks for appointments whose day ended before their status was sent.
DAY_ENDED_LOOKBACK = timedelta(days=7)
# Per-item answers (docs/mhrs-domain.md §5).
RDG_NOT_YET_TIME = "RDG-006"
RDG_CANCELLED = "RDG-007"
RDG_ALREADY_SET = "RDG-008"


def same_phone(first, second):
    """Two spellings of one phone number (spaces, dashes, leading zeros or country code aside)."""
    digits = ["".join(c for c in (text or "") if c.isdigit()).lstrip("0") for text in (first, second)]
    return bool(digits[0]) and digits[0][-10:] == digits[1][-10:]


def mhrs_status_of(state, status_code, status_error):
    """``mhrs_status`` of an appointment (shared by the compute and the bulk insert of the sync)."""
    if status_code:
        return "sent"
    if state == "cancelled":
        # Never "not due yet": nothing is ever sent for a cancelled appointment.
        return "none"
    if status_error:
        return "failed"
    if state in ("attended", "no_show"):
        return "to_send"
    return "not_due"


class MhrsAppointment(models.Model):
    """An MHRS appointment (randevu), known by its HRN; booked here or brought by the sync.

    Attendance: reception checks patients in; the status job tells MHRS who came (operation 15).
    ``state`` is the local decision (attended / not attended), ``mhrs_status`` whether MHRS has it.
    A decision can be corrected (undo check-in, no-show, late check-in) until the status is sent;
    afterwards MHRS holds it and it is final. Nothing is ever sent for a cancelled appointment, nor
    after the appointment's day has ended.
    """

    _name = "mhrs.appointment"
    _description = "MHRS Appointment"
    _inherit = ["mail.thread", "mail.activity.mixin", "mhrs.record.mixin", "mhrs.call.log.link"]
    _order = "date_start desc, id desc"
    _rec_name = "mhrs_hrn"
    _check_company_auto = True

    mhrs_hrn = fields.Char(
        string="Appointment Number (HRN)",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        help="RandevuHrn: the patient appointment number MHRS gave this appointment.",
    )
    company_id = fields.Many2one(
        "res.company",
        string="Company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        readonly=True,
        help="The hospital of the appointment.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Patient",
        index=True,
        tracking=True,
        ondelete="restrict",
        readonly=True,
        help="The patient, matched by T.C. Kimlik No (created by the sync when unknown).",
    )
    patient_tckn = fields.Char(
        string="Patient TCKN", size=11, index=True, readonly=True, help="HastaTCKimlikNo as MHRS sent it."
    )
    patient_name = fields.Char(readonly=True, help="HastaAdi and HastaSoyadi as MHRS sent them.")
    patient_phone = fields.Char(readonly=True, help="TelefonNo of the patient at MHRS.")
    physician_id = fields.Many2one(
        "mhrs.physician",
        string="Physician",
        index=True,
        check_company=True,
        tracking=True,
        ondelete="restrict",
        readonly=True,
        help="The physician (HekimKodu) the appointment is with.",
    )
    physician_tckn = fields.Char(string="Physician TCKN", readonly=True, help="HekimKodu as MHRS sent it.")
    clinic_id = fields.Many2one(
        "mhrs.clinic",
        string="Clinic",
        index=True,
        check_company=True,
        tracking=True,
        ondelete="restrict",
        readonly=True,
        help="The clinic (AltKlinikKodu) of the appointment.",
    )
    mhrs_schedule_ref = fields.Char(
        string="MHRS Schedule Id",
        index=True,
        readonly=True,
        help="KesinCetvelId: the MHRS schedule block the appointment was booked in.",
    )
    schedule_line_id = fields.Many2one(
        "mhrs.schedule.line",
        string="Schedule Block",
        index=True,
        check_company=True,
        ondelete="set null",
        readonly=True,
        help="The local schedule block whose MHRS schedule id is the appointment's KesinCetvelId.",
    )
    date_start = fields.Datetime(
        string="Start", required=True, index=True, tracking=True, readonly=True, help="Slot start."
    )
    date_end = fields.Datetime(string="End", required=True, readonly=True, help="Slot end.")
    mhrs_channel = fields.Selection(
        CHANNELS,
        string="Channel",
        readonly=True,
        help="EkleyenKullaniciTipi: where the appointment was booked (web, mobile app, hospital...).",
    )
    mhrs_appointment_type = fields.Integer(
        string="Appointment Type", readonly=True, help="RandevuTuru code sent by MHRS."
    )
    note = fields.Text(readonly=True, help="RandevuNotu: the note stored with the appointment at MHRS.")
    state = fields.Selection(
        APPOINTMENT_STATES,
        string="Status",
        default="booked",
        required=True,
        index=True,
        tracking=True,
        help="Booked, cancelled (see by whom), attended or not attended.",
    )
    cancelled_by = fields.Selection(
        CANCELLED_BY,
        string="Cancelled by",
        tracking=True,
        help="Who cancelled: the patient through MHRS, the hospital, an approved exception or MHRS's "
        "20:00 cancellation of unconfirmed appointments.",
    )
    cancel_reason = fields.Char(
        string="Cancellation Reason", tracking=True, help="Sent to MHRS as IptalNedeni."
    )
    checked_in_at = fields.Datetime(
        string="Checked In", tracking=True, help="When the patient arrived (sent as the arrival time)."
    )
    last_seen_at = fields.Datetime(
        string="Last Seen by Sync",
        compute="_compute_last_seen_at",
        help="When the last synchronisation that covered this appointment (its physician and time, "
        "without failing for the physician) ended. Derived from the sync runs, not stored: an "
        "unchanged sync writes no appointment.",
    )
    missing_from_mhrs = fields.Boolean(
        string="Missing from MHRS",
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
        help="MHRS no longer returns this appointment in its window. It is kept and flagged, never "
        "deleted silently: check it with MHRS.",
    )
    mhrs_booked_at = fields.Datetime(string="Booked at MHRS", readonly=True, help="EklenmeZamani.")
    color = fields.Integer(compute="_compute_color", help="Calendar colour by status.")
    mhrs_status = fields.Selection(
        MHRS_STATUSES,
        string="MHRS Status",
        compute="_compute_mhrs_status",
        store=True,
        index=True,
        tracking=True,
        help="Attended / not attended at MHRS. Not Due: nothing to send yet. To Send: "
        "decided here, sent by the status job after the appointment's end and the grace period. "
        "Sent: MHRS has it (final). Failed: MHRS refused it or the day ended first (see the error). "
        "None: the appointment is cancelled, no status is ever sent.",
    )
    mhrs_status_sendable = fields.Boolean(
        string="Status Can Be Sent Now",
        compute="_compute_mhrs_status_sendable",
        help="Send Status Now is offered only when MHRS would take the status now: the appointment has "
        "ended, today, it is not cancelled and its status is not at MHRS yet.",
    )
    mhrs_attendance_open = fields.Boolean(
        string="Attendance Can Be Recorded",
        compute="_compute_mhrs_attendance_open",
        help="Check In, Not Attended and Undo Check-in are offered only on the appointment's day, while it "
        "is not cancelled and its status is not at MHRS yet.",
    )
    mhrs_no_show_open = fields.Boolean(
        string="Can Be Marked Not Attended",
        compute="_compute_mhrs_attendance_open",
        help="Not Attended is offered once the appointment has started, on its day, while it is not "
        "cancelled and its status is not at MHRS yet.",
    )
    mhrs_status_code = fields.Selection(
        STATUS_CODES,
        string="Status at MHRS",
        readonly=True,
        copy=False,
        tracking=True,
        help="DurumKodu MHRS holds for this appointment: 1 attended, 2 not attended.",
    )
    mhrs_status_sent_at = fields.Datetime(
        string="Status Sent at",
        readonly=True,
        copy=False,
        index=True,
        help="When MHRS accepted the status sent by this Odoo.",
    )
    mhrs_status_error = fields.Text(
        string="Status Error",
        readonly=True,
        copy=False,
        help="Why the status could not be sent: MHRS's answer (with its code), or the end of the day.",
    )

    _sql_constraints = [
        (
            "mhrs_hrn_company_uniq",
            "unique(company_id, mhrs_hrn)",
            "This MHRS appointment number already exists.",
        ),
    ]

    # ------------------------------------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------------------------------------
    @api.model
    def _mhrs_recompute_cancelled_status(self):
        """Data-file hook (each update): cancelled appointments stored as "not due" by an earlier
        version get "none", so that none of them looks like a status still to come."""
        stale = self.with_context(active_test=False).search(
            [("state", "=", "cancelled"), ("mhrs_status", "=", "not_due")]
        )
        if stale:
            self.env.add_to_compute(self._fields["mhrs_status"], stale)
            stale.flush_recordset(["mhrs_status"])

    @api.depends("state", "mhrs_status", "date_start", "date_end")
    def _compute_mhrs_status_sendable(self):
        now = fields.Datetime.now()
        for appointment in self:
            appointment.mhrs_status_sendable = bool(
                appointment.id
                and appointment.state != "cancelled"
                and appointment.mhrs_status != "sent"
                and appointment.date_end
                and appointment.date_end <= now
                and appointment._mhrs_local_day(now) == appointment._mhrs_local_day()
            )

    @api.depends("state", "mhrs_status", "date_start")
    def _compute_mhrs_attendance_open(self):
        # The same rule as _mhrs_check_status_open, so that no button is offered only to be refused.
        now = fields.Datetime.now()
        for appointment in self:
            appointment.mhrs_attendance_open = bool(
                appointment.id
                and appointment.date_start
                and appointment.state != "cancelled"
                and appointment.mhrs_status != "sent"
                and appointment._mhrs_local_day(now) == appointment._mhrs_local_day()
            )
            appointment.mhrs_no_show_open = appointment.mhrs_attendance_open and appointment.date_start <= now

    @api.depends("state")
    def _compute_color(self):
        colors = {"booked": 4, "cancelled": 1, "attended": 10, "no_show": 3}
        for appointment in self:
            appointment.color = colors.get(appointment.state, 0)

    @api.depends("company_id", "physician_id", "date_start", "missing_from_mhrs")
    def _compute_last_seen_at(self):
        """The end of the latest (by id) done or partial run, not failed for this physician, whose window
        holds the appointment's start and whose physicians include its physician; for an appointment
        missing from MHRS, the latest such run before it was flagged (its last write). Runs store whole
        seconds, hence the truncation. One query for the records; display only, not searchable."""
        seen = {}
        ids = [record_id for record_id in self.ids if record_id]
        if ids:
            self.flush_model(["company_id", "physician_id", "date_start", "missing_from_mhrs"])
            self.env["mhrs.sync.run"].flush_model()
            # Per appointment, the physician's runs newest first (index on the relation's
            # (physician_id, run_id)), stopping at the first that qualifies.
            self.env.cr.execute(
                """
                SELECT a.id, seen.ended_at
                  FROM mhrs_appointment a
                  JOIN LATERAL (
                       SELECT r.ended_at
                         FROM mhrs_sync_run_physician_rel rp
                         JOIN mhrs_sync_run r ON r.id = rp.run_id
                        WHERE rp.physician_id = a.physician_id
                          AND r.company_id = a.company_id
                          AND r.kind != 'status'
                          AND r.state IN ('done', 'partial')
                          AND r.window_start <= a.date_start
                          AND r.window_end > a.date_start
                          AND r.ended_at >= date_trunc('second', a.create_date)
                          AND (
                              NOT COALESCE(a.missing_from_mhrs, FALSE)
                              OR r.ended_at < date_trunc('second', a.write_date)
                          )
                          AND NOT EXISTS (
                              SELECT 1 FROM mhrs_sync_run_failed_physician_rel f
                               WHERE f.run_id = r.id AND f.physician_id = a.physician_id
                          )
                        ORDER BY rp.run_id DESC
                        LIMIT 1
                  ) seen ON TRUE
                 WHERE a.id IN %s
                """,
                (tuple(ids),),
            )
            seen = dict(self.env.cr.fetchall())
        for appointment in self:
            appointment.last_seen_at = seen.get(appointment.id, False)

    @api.depends("mhrs_hrn", "partner_id", "patient_name")
    def _compute_display_name(self):
        for appointment in self:
            patient = appointment.partner_id.name or appointment.patient_name
            appointment.display_name = (
                f"{appointment.mhrs_hrn} – {patient}" if patient else (appointment.mhrs_hrn or "")
            )

    @api.depends("state", "mhrs_status_code", "mhrs_status_error")
    def _compute_mhrs_status(self):
        for appointment in self:
            appointment.mhrs_status = mhrs_status_of(
                appointment.state, appointment.mhrs_status_code, appointment.mhrs_status_error
            )

    # ------------------------------------------------------------------------------------------------
    # CRUD: what MHRS owns is changed at MHRS only
    # ------------------------------------------------------------------------------------------------
    def write(self, vals):
        if not self.env.context.get("mhrs_sync_write"):
            self._mhrs_check_owned_unchanged(vals)
        return super().write(vals)

    def _mhrs_check_owned_unchanged(self, vals):
        """Refuse a local change of what MHRS owns (time, physician, clinic, patient...): nothing would
        tell MHRS, and the next sync would silently put MHRS's value back. Writing the same value is
        fine; the sync writes with the context key ``mhrs_sync_write``."""
        changed = set()
        for name in MHRS_OWNED_FIELDS.intersection(vals):
            field = self._fields[name]
            for appointment in self:
                new = field.convert_to_record(field.convert_to_cache(vals[name], appointment), appointment)
                if new != appointment[name]:
                    changed.add(name)
                    break
        if changed:
            raise UserError(
                self.env._(
                    "%(fields)s of an appointment belong to MHRS and cannot be changed in Odoo: MHRS would "
                    "not know. To change them, cancel the appointment on MHRS and book a new one.",
                    fields=", ".join(
                        sorted(self._fields[name]._description_string(self.env) for name in changed)
                    ),
                )
            )

    # ------------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------------
    def action_mhrs_cancel(self):
        """Open the cancellation wizard (asks for the reason)."""
        self.ensure_one()
        self._mhrs_check_cancellable()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Cancel Appointment"),
            "res_model": "mhrs.appointment.cancel.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_appointment_id": self.id},
        }

    def action_check_in(self):
        """Reception: the patient has arrived (sent to MHRS as attended, with this arrival time)."""
        self._mhrs_check_in()
        return True

    def action_undo_check_in(self):
        """Undo a wrong check-in, the same day, as long as MHRS has not received the status."""
        self._mhrs_undo_check_in()
        return True

    def action_no_show(self):
        """Mark the patient as not attended by hand (also corrects a wrong check-in)."""
        self._mhrs_mark_no_show()
        return True

    def action_mhrs_send_status(self):
        """Send attended / not attended now, without waiting for the status job."""
        self.ensure_one()
        outcome = self._mhrs_send_status_now()
        connector = self.env["mhrs.connector.mixin"]
        title = self.env._("MHRS Status")
        if outcome == "sent":
            action = connector._mhrs_notify(title, self.env._("MHRS received the status."))
        elif outcome == "cancelled":
            action = connector._mhrs_notify(
                title,
                self.env._("MHRS reports the appointment as cancelled: no status was set."),
                kind="warning",
                sticky=True,
            )
        elif outcome == "failed":
            action = connector._mhrs_notify(title, self.mhrs_status_error, kind="danger", sticky=True)
        else:
            action = connector._mhrs_notify(
                title,
                self.env._(
                    "MHRS did not take the status now (%(reason)s); the status job sends it again.",
                    reason=outcome,
                ),
                kind="warning",
                sticky=True,
            )
        action["params"]["next"] = {"type": "ir.actions.client", "tag": "soft_reload"}
        return action

    # ------------------------------------------------------------------------------------------------
    # Business methods: cancellation (operation 17)
    # ------------------------------------------------------------------------------------------------
    def _mhrs_check_cancellable(self):
        self.ensure_one()
        if self.state == "cancelled":
            raise UserError(self.env._("Appointment %(hrn)s is already cancelled.", hrn=self.mhrs_hrn))
        if self.state != "booked":
            raise UserError(self.env._("Only booked appointments can be cancelled."))
        if self.date_start <= fields.Datetime.now():
            raise UserError(self.env._("The appointment time has passed; it can no longer be cancelled."))

    def _mhrs_cancel(self, reason=None):
        """Cancel at MHRS (operation 17). An appointment already cancelled is never sent again."""
        self.ensure_one()
        if self.state == "cancelled":
            return False
        self._mhrs_check_cancellable()
        if reason:
            self.cancel_reason = reason
        return self._mhrs_run("appointment_cancel")

    def _mhrs_adopt_existing(self, operation):
        """A cancellation MHRS refuses as already done (or whose answer was lost): ask MHRS for this
        appointment and record the cancellation it holds, by whomever it was made."""
        self.ensure_one()
        if operation != "appointment_cancel":
            return super()._mhrs_adopt_existing(operation)
        branch = self._mhrs_branch_code()
        if not branch:
            return False
        rows = self.env["mhrs.connector.mixin"]._mhrs_call(
            "appointment_query",
            record=self,
            branch=branch,
            start=to_aware(self.date_start),
            end=to_aware(self.date_end),
            physician=self.physician_tckn or self.physician_id.tckn,
        )
        row = next((r for r in rows if r["hrn"] == self.mhrs_hrn), None)
        if not row or row.get("record_status") != 2:
            return False
        # MHRS does not say who cancelled: an earlier attempt of ours, most likely.
        self.write({"state": "cancelled", "cancelled_by": self.cancelled_by or "hospital"})
        self._mhrs_mark_adopted(self.env._("MHRS had already cancelled the appointment; recorded here."))
        return True

    def _mhrs_payload_appointment_cancel(self):
        # The real cancellation takes the HRN only: the reason is kept here.
        return {"hrn": self.mhrs_hrn}

    def _mhrs_branch_code(self):
        """The branch (KlinikKodu) MHRS files this appointment under: its clinic's, else the branch of
        the physician's clinics."""
        self.ensure_one()
        clinic = self.clinic_id or self.physician_id.clinic_ids[:1]
        return clinic.mhrs_branch_code

    def _mhrs_apply_appointment_cancel(self, result):
        self.write({"state": "cancelled", "cancelled_by": "hospital"})

    def _mhrs_message_appointment_cancel(self):
        return self.env._("Cancelled on MHRS by the hospital.")

    # ------------------------------------------------------------------------------------------------
    # Time helpers
    # ------------------------------------------------------------------------------------------------
    @api.model
    def _mhrs_local_day_bounds(self, company, day):
        """(start, end) in naive UTC of the local calendar day ``day`` of the company."""
        return local_day_bounds(company, day)

    @api.model
    def _mhrs_today_bounds(self, company, now=None):
        """(start, end) in naive UTC of the company's local day at ``now`` (default: now)."""
        return today_bounds(company, now)

    # ------------------------------------------------------------------------------------------------
    # Business methods: reception
    # ------------------------------------------------------------------------------------------------
    def _mhrs_local_day(self, when=None):
        """The local calendar day of ``when`` (default: the appointment's start) for its company."""
        self.ensure_one()
        return local_now(self.company_id, when or self.date_start).date()

    def _mhrs_check_status_open(self, now):
        """The local attendance decision may still change: not cancelled, not sent, the same day."""
        for appointment in self:
            if appointment.state == "cancelled":
                raise UserError(self.env._("Appointment %(hrn)s is cancelled.", hrn=appointment.mhrs_hrn))
            if appointment.mhrs_status == "sent":
                raise UserError(
                    self.env._(
                        "The status of appointment %(hrn)s was already sent to MHRS; it cannot be changed.",
                        hrn=appointment.mhrs_hrn,
                    )
                )
            if appointment._mhrs_local_day(now) != appointment._mhrs_local_day():
                raise UserError(
                    self.env._(
                        "Appointment %(hrn)s is not today: attendance is recorded on the day of the "
                        "appointment only.",
                        hrn=appointment.mhrs_hrn,
                    )
                )

    def _mhrs_check_in(self, now=None):
        now = now or fields.Datetime.now()
        self._mhrs_check_status_open(now)
        if self.filtered(lambda a: a.state == "attended"):
            raise UserError(self.env._("The patient is already checked in."))
        self.write({"checked_in_at": now, "state": "attended", "mhrs_status_error": False})

    def _mhrs_undo_check_in(self, now=None):
        now = now or fields.Datetime.now()
        if self.filtered(lambda a: a.state != "attended" or not a.checked_in_at):
            raise UserError(self.env._("Only a checked-in appointment can have its check-in undone."))
        self._mhrs_check_status_open(now)
        self.write({"checked_in_at": False, "state": "booked", "mhrs_status_error": False})

    def _mhrs_mark_no_show(self, now=None):
        now = now or fields.Datetime.now()
        self._mhrs_check_status_open(now)
        if self.filtered(lambda a: a.date_start > now):
            raise UserError(
                self.env._(
                    "The appointment has not started yet: the patient cannot be marked as not attended."
                )
            )
        self.write({"checked_in_at": False, "state": "no_show", "mhrs_status_error": False})

    def _mhrs_send_status_now(self, now=None):
        """Send this appointment's status (same rules as the job, without the grace period).

        Returns 'sent', 'cancelled', 'failed' or the reason it is kept to send."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        if self.state == "cancelled":
            raise UserError(self.env._("The appointment is cancelled: no status is sent for it."))
        if self.mhrs_status == "sent":
            raise UserError(self.env._("MHRS has already received the status of this appointment."))
        if self._mhrs_local_day(now) > self._mhrs_local_day():
            raise UserError(
                self.env._("The day of the appointment has ended: MHRS accepts no status update after it.")
            )
        if now < self.date_end:
            raise UserError(
                self.env._(
                    "The appointment ends at %(end)s: its status can be sent only after that.",
                    end=fields.Datetime.context_timestamp(self, self.date_end).strftime("%H:%M"),
                )
            )
        counts = dict.fromkeys(("sent", "failed", "postponed", "cancelled"), 0)
        failures = []
        try:
            outcome = self._mhrs_status_send(self.company_id, now, counts, failures, record=self)
        except errors.MhrsError as exc:
            return self._mhrs_error_text(exc)
        return outcome.get(self.id, "postponed")

    # ------------------------------------------------------------------------------------------------
    # Sync (operation 14)
    # ------------------------------------------------------------------------------------------------
    @api.model
    def _mhrs_sync_physicians(self, company):
        return self.env["mhrs.physician"].search([("company_id", "=", company.id), ("mhrs_sync", "=", True)])

    @api.model
    def _mhrs_lock(self, company):
        """Company-level transaction lock: two workers never sync the same company at once. Taken
        again after every commit (a transaction lock ends with the transaction)."""
        return try_company_lock(self.env.cr, SYNC_LOCK_KEY, company.id)

    @api.model
    def _mhrs_sync_window(self, company, start, end, physicians=None, kind="manual", covered_date=None):
        """Query MHRS for [start, end) per batch of physicians and upsert by HRN; returns the sync run.

        One failing batch does not stop the others: the run is then 'partial' ('failed' if none worked).
        """
        company.ensure_one()
        physicians = physicians if physicians is not None else self._mhrs_sync_physicians(company)
        physicians = physicians.filtered(lambda p: p.company_id == company)
        run = (
            self.env["mhrs.sync.run"]
            .sudo()
            .create(
                {
                    "company_id": company.id,
                    "kind": kind,
                    "window_start": start,
                    "window_end": end,
                    "covered_date": covered_date,
                    "physician_ids": [(6, 0, physicians.ids)],
                }
            )
        )
        began = time.monotonic()
        counts = dict.fromkeys(("fetched", "created", "updated", "cancelled", "missing"), 0)
        failures, failed = [], self.env["mhrs.physician"]
        pending = deque(self._mhrs_sync_units(company, start, end, physicians))
        queries = 0
        while pending:
            number, branch, batch, part_start, part_end = unit = pending.popleft()
            # A scheduled run is committed before its first query too: it shows as running, and if its
            # worker dies it is closed as failed (mhrs.sync.run._mhrs_close_orphans).
            if (queries or self.env.context.get("mhrs_trigger") == "cron") and can_commit():
                self.env.cr.commit()  # pylint: disable=invalid-commit
                if not self._mhrs_lock(company):
                    failures.append(self.env._("Another worker took over this company; stopped."))
                    for rest in (unit, *pending):
                        failed |= rest[2]
                    break
            queries += 1
            try:
                with self.env.cr.savepoint():
                    self._mhrs_sync_batch(company, part_start, part_end, batch, counts, branch=branch)
            except (errors.MhrsError, UserError) as exc:
                halves = (
                    self._mhrs_split_unit(unit) if getattr(exc, "code", None) == "MALFORMED-SIZE" else None
                )
                if halves:
                    # Denser than SYNC_PHYSICIAN_DAYS foresees: ask again in two halves.
                    _logger.info("MHRS appointment sync: answer too large for batch %s, split in two", number)
                    pending.extendleft(reversed(halves))
                    continue
                message = exc.args[0] if isinstance(exc, UserError) else self._mhrs_error_text(exc)
                _logger.warning(
                    "MHRS appointment sync: batch %s of %s failed: %s", number, company.name, message
                )
                failures.append(
                    self._mhrs_batch_failure(company, number, batch, (part_start, part_end), message)
                )
                failed |= batch
            self.env["ir.cron"]._notify_progress(done=queries, remaining=len(pending))
        if not failed:
            state = "done"
        elif not physicians - failed:
            state = "failed"
        else:
            state = "partial"
        run.write(
            {
                "state": state,
                "ended_at": fields.Datetime.now(),
                "duration": round(time.monotonic() - began, 3),
                "fetched_count": counts["fetched"],
                "created_count": counts["created"],
                "updated_count": counts["updated"],
                "cancelled_count": counts["cancelled"],
                "missing_count": counts["missing"],
                "batch_count": queries,
                "error_count": len(failures),
                "error_text": "\n".join(failures) or False,
                "failed_physician_ids": [(6, 0, failed.ids)],
            }
        )
        if run.state == "failed":
            # What MHRS answered is written: the managers' to-do cannot undo it.
            self._mhrs_followup(run._mhrs_notify_failure)
        return run

    @api.model
    def _mhrs_sync_branches(self, company, physicians):
        """{branch code: physicians} to query: MHRS answers one branch per query (all its physicians,
        or one). A physician is asked in the branches of their clinics; one without a clinic here in
        every branch of the company's clinics."""
        clinics = self.env["mhrs.clinic"].search(
            [("company_id", "=", company.id), ("state", "=", "registered")]
        )
        every = sorted(set(clinics.mapped("mhrs_branch_code")))
        by_branch = defaultdict(lambda: self.env["mhrs.physician"])
        for physician in physicians:
            codes = set(physician.clinic_ids.mapped("mhrs_branch_code")) or every
            for code in codes:
                by_branch[code] |= physician
        return dict(sorted(by_branch.items()))

    @api.model
    def _mhrs_sync_units(self, company, start, end, physicians):
        """The MHRS queries of a sync: (number, branch, physicians, start, end) per branch and part of
        the window. The window is cut at local midnights so that one answer holds at most
        SYNC_PHYSICIAN_DAYS physician-days (about 2,000 appointments, 1.7 MiB, for days of 40): a
        fully booked horizon of a large hospital stays far below the client's 20 MiB answer limit."""
        tz = company_tz(company)
        units, number = [], 0
        for branch, batch in self._mhrs_sync_branches(company, physicians).items():
            days = max(1, SYNC_PHYSICIAN_DAYS // max(1, min(len(batch), SYNC_BATCH_SIZE)))
            cut = datetime.combine(to_aware(start).astimezone(tz).date(), datetime.min.time()).replace(
                tzinfo=tz
            )
            part_start = start
            number += 1
            while part_start < end:
                # Aware datetime + timedelta moves the wall clock: the next local midnight, DST or not.
                cut += timedelta(days=days)
                part_end = min(end, to_utc_naive(cut))
                units.append((number, branch, batch, part_start, part_end))
                part_start = part_end
        return units

    @api.model
    def _mhrs_split_unit(self, unit):
        """Smaller queries for one whose answer went over the client's size limit: one per physician
        (MHRS answers a whole branch or one physician), or for a single physician half the period
        (down to an hour); None when it cannot be split."""
        number, branch, batch, part_start, part_end = unit
        if len(batch) > 1:
            return [(number, branch, physician, part_start, part_end) for physician in batch]
        if part_end - part_start > timedelta(hours=1):
            middle = (part_start + (part_end - part_start) / 2).replace(second=0, microsecond=0)
            return [(number, branch, batch, part_start, middle), (number, branch, batch, middle, part_end)]
        return None

    @api.model
    def _mhrs_batch_failure(self, company, number, batch, part, message):
        """The line of the run's error text for a failed query, naming its physicians and period."""
        period = " – ".join(f"{local_now(company, moment):%d.%m.%Y %H:%M}" for moment in part)
        return self.env._(
            "Batch %(batch)s (%(names)s), %(period)s: %(error)s",
            batch=number,
            names=", ".join(batch.mapped("name")),
            period=period,
            error=message,
        )

    @api.model
    def _mhrs_error_text(self, exc):
        return self.env["mhrs.connector.mixin"]._mhrs_error_message(exc)

    @api.model
    def _mhrs_sync_batch(self, company, start, end, physicians, counts, branch=None):
        """One MHRS query (one branch: all its physicians, or one) and one search / create per batch;
        writes only what really changed."""
        if branch is None:
            branches = self._mhrs_sync_branches(company, physicians)
            for code, batch in branches.items():
                self._mhrs_sync_batch(company, start, end, batch, counts, branch=code)
            return
        rows = self.env["mhrs.connector.mixin"]._mhrs_call(
            "appointment_query",
            company=company,
            branch=branch,
            start=to_aware(start),
            end=to_aware(end),
            physician=physicians.tckn if len(physicians) == 1 else None,
        )
        wanted = set(physicians.mapped("tckn"))
        rows = [row for row in rows if row.get("physician") in wanted]
        counts["fetched"] += len(rows)
        hrns = [row["hrn"] for row in rows]
        existing = self.with_context(active_test=False).search(
            [
                ("company_id", "=", company.id),
                "|",
                ("mhrs_hrn", "in", hrns),
                "&",
                "&",
                "&",
                ("physician_id", "in", physicians.ids),
                ("date_start", ">=", start),
                ("date_start", "<", end),
                "|",
                ("clinic_id", "=", False),
                ("clinic_id.mhrs_branch_code", "=", branch),
            ]
        )
        by_hrn = {appointment.mhrs_hrn: appointment for appointment in existing}
        partners = self._mhrs_sync_partners(rows)
        physician_by_tckn = {p.tckn: p for p in physicians}
        clinic_codes = {row.get("clinic") for row in rows if row.get("clinic")}
        clinics = (
            self.env["mhrs.clinic"]
            .with_context(active_test=False)
            .search([("company_id", "=", company.id), ("mhrs_clinic_code", "in", list(clinic_codes))])
        )
        clinic_by_code = {c.mhrs_clinic_code: c for c in clinics}
        line_by_ref = self._mhrs_schedule_lines(company, rows)

        to_create, changes = [], {}
        for row in rows:
            appointment = by_hrn.get(row["hrn"])
            vals = self._mhrs_sync_vals(row, partners, physician_by_tckn, clinic_by_code, appointment)
            if "mhrs_schedule_ref" in vals:
                vals["schedule_line_id"] = line_by_ref.get(vals["mhrs_schedule_ref"], False)
            if not appointment:
                to_create.append(dict(vals, mhrs_hrn=row["hrn"], company_id=company.id))
                continue
            diff = appointment._mhrs_sync_diff(vals)
            _logger.debug("MHRS sync: %s changed %s", appointment.mhrs_hrn, diff)
            if diff:
                if diff.get("state") == "cancelled":
                    counts["cancelled"] += 1
                else:
                    counts["updated"] += 1
                key = tuple(sorted(diff.items()))
                changes[key] = changes.get(key, self.browse()) | appointment
        for key, appointments in changes.items():
            appointments.with_context(mhrs_sync_write=True).write(dict(key))
        if to_create:
            created = self._mhrs_create_synced(to_create)
            counts["created"] += len(created)
            counts["cancelled"] += sum(1 for vals in to_create if vals["state"] == "cancelled")
        # Appointments Odoo has in the window that MHRS no longer returns: flag, never delete.
        returned = set(hrns)
        missing = existing.filtered(
            lambda a: a.mhrs_hrn not in returned
            and not a.missing_from_mhrs
            and a.physician_id in physicians
            and start <= a.date_start < end
            and (not a.clinic_id or a.clinic_id.mhrs_branch_code == branch)
        )
        if missing:
            missing.write({"missing_from_mhrs": True})
            counts["missing"] += len(missing)
        # Nothing else is written: "last seen" is derived from the runs (see _compute_last_seen_at).

    @api.model
    def _mhrs_create_synced(self, vals_list):
        """New appointments brought by the sync: no chatter, tracking or followers. One INSERT per
        thousand rows (tools/bulk_insert.py); through create() when another module added columns."""
        # MHRS holds what the sync brings: the record is in step with it from the start.
        vals_list = [{"mhrs_status_code": False, **vals, "mhrs_sync_state": "synced"} for vals in vals_list]
        created = insert_records(
            self,
            vals_list,
            lambda vals: {
                "mhrs_status": mhrs_status_of(vals["state"], vals["mhrs_status_code"], False),
            },
        )
        if created is None:
            created = self.with_context(**QUIET_CREATE).create(vals_list)
        return created

    @api.model
    def _mhrs_schedule_lines(self, company, rows):
        """Local schedule blocks by MHRS schedule id (KesinCetvelId), in one search."""
        refs = list({str(row["schedule_id"]) for row in rows if row.get("schedule_id")})
        if not refs:
            return {}
        lines = self.env["mhrs.schedule.line"].search(
            [("company_id", "=", company.id), ("mhrs_schedule_id", "in", refs)]
        )
        return {line.mhrs_schedule_id: line.id for line in lines}

    @api.model
    def _mhrs_sync_partners(self, rows):
        """Patients by TCKN: one search for the batch, the unknown ones created in one call."""
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        wanted = {}
        for row in rows:
            tckn = (row.get("patient_tckn") or "").strip()
            if is_valid_tckn(tckn) and tckn not in wanted:
                wanted[tckn] = row
        found = {}
        # Only the TCKN is read: a plain search would prefetch every column of thousands of partners.
        for partner in Partner.search_fetch([("tckn", "in", list(wanted))], ["tckn"], order="id"):
            found.setdefault(partner.tckn, partner)
        missing = [tckn for tckn in wanted if tckn not in found]
        if missing:
            # A person without parent: the values the computes would find (salesperson, company type)
            # are given, so they are not computed per record; no chatter, tracking or follower.
            created = Partner.with_context(**QUIET_CREATE).create(
                [
                    {
                        "name": self._mhrs_patient_name(wanted[tckn]) or tckn,
                        "tckn": tckn,
                        "phone": wanted[tckn].get("phone") or False,
                        "type": "contact",
                        "is_company": False,
                        "user_id": False,
                    }
                    for tckn in missing
                ]
            )
            found.update(zip(missing, created, strict=True))
        return found

    @api.model
    def _mhrs_patient_name(self, row):
        return " ".join(part for part in (row.get("patient_name"), row.get("patient_surname")) if part)

    @api.model
    def _mhrs_sync_vals(self, row, partners, physician_by_tckn, clinic_by_code, appointment=None):
        """The record values of one facade appointment row (wire/client.py, appointment_query)."""
        tckn = (row.get("patient_tckn") or "").strip()
        channel = str(row.get("channel") or "")
        if row.get("record_status") == 2:
            state = "cancelled"
            # Neither G2 nor MHRS V2 says who cancelled: what Odoo knew is kept; a cancellation Odoo did
            # not make is taken as the patient's (an approved exception relabels its own).
            cancelled_by = (appointment.cancelled_by if appointment else False) or "patient_mhrs"
        else:
            state = {1: "attended", 2: "no_show"}.get(row.get("status"), "booked")
            cancelled_by = False
            if state == "booked" and appointment and appointment.state in ("attended", "no_show"):
                # Checked in here, status not yet sent to MHRS: keep the local status.
                state = appointment.state
        physician = physician_by_tckn.get(row.get("physician"))
        vals = {
            "partner_id": partners[tckn].id if tckn in partners else False,
            "patient_tckn": tckn or False,
            "patient_name": self._mhrs_patient_name(row) or False,
            "patient_phone": row.get("phone") or False,
            "physician_id": physician.id if physician else False,
            "physician_tckn": row.get("physician") or False,
            "clinic_id": clinic_by_code[row["clinic"]].id if row.get("clinic") in clinic_by_code else False,
            "mhrs_schedule_ref": str(row["schedule_id"]) if row.get("schedule_id") else False,
            "date_start": from_wire(row.get("start")),
            "date_end": from_wire(row.get("end")),
            "mhrs_channel": channel if channel in CHANNEL_CODES else False,
            "note": row.get("note") or False,
            "state": state,
            "cancelled_by": cancelled_by,
            "missing_from_mhrs": False,
            "mhrs_booked_at": from_wire(row.get("created")),
        }
        # What an interface does not return is kept (MHRS V2 may leave out the name); the same phone
        # written without its leading zero or with spaces is the same phone.
        for name in ("patient_name", "mhrs_schedule_ref"):  # G2 does not return the schedule id
            if appointment and not vals[name]:
                del vals[name]
        phone = vals["patient_phone"]
        if appointment and (not phone or same_phone(phone, appointment.patient_phone)):
            del vals["patient_phone"]
        # A status MHRS already holds is recorded as sent.
        code = str(row.get("status") or "")
        if row.get("record_status") != 2 and code in (STATUS_ATTENDED, STATUS_NOT_ATTENDED):
            vals["mhrs_status_code"] = code
        return vals

    def _mhrs_sync_diff(self, vals):
        """The values of ``vals`` that differ from the record (an unchanged sync writes nothing)."""
        self.ensure_one()
        diff = {}
        cache = self.env.cache
        for name in SYNC_FIELDS:
            if name not in vals:
                continue
            field = self._fields[name]
            try:
                # The raw cached value (a many2one as its id): thousands of records per batch, so no
                # record is built per field; the batch's first read filled the cache for all of them.
                current = cache.get(self, field)
            except CacheMiss:
                current = self[name]
                current = current.id if field.type == "many2one" else current
            current = current or (0 if field.type == "integer" else False)
            new = vals[name]
            if name == "mhrs_booked_at" and (not new or current):
                # Only filled in once: the booking time never changes at MHRS.
                continue
            if current != new:
                diff[name] = new
        code = vals.get("mhrs_status_code")
        if code and code != self.mhrs_status_code:
            diff["mhrs_status_code"] = code
            diff["mhrs_status_error"] = False
        return diff

    # ------------------------------------------------------------------------------------------------
    # Business methods: status update (operation 15)
    # ------------------------------------------------------------------------------------------------
    def _mhrs_status_item(self):
        """One status item of the facade: attended with the arrival time when checked in, else not
        attended (each wire sends its own codes)."""
        self.ensure_one()
        if self.state == "attended" and self.checked_in_at:
            return {
                "hrn": self.mhrs_hrn,
                "attended": True,
                "arrived": to_aware(self.checked_in_at),
                # The visit took place at the appointment time, or on arrival for a late patient.
                "realized": to_aware(max(self.checked_in_at, self.date_start)),
            }
        return {"hrn": self.mhrs_hrn, "attended": False}

    def _mhrs_status_call(self, company, items, record=None):
        """MHRS's per-item answers ``[{"hrn", "ok", "code", "text"}]``. MHRS V2 answers a batch as a
        whole: when it refuses one item, the batch is sent again in halves until the refused items are
        alone (a few calls per refusal, not one per appointment), so that the others still go."""
        connector = self.env["mhrs.connector.mixin"]
        try:
            return connector._mhrs_call("appointment_set_status", company=company, record=record, items=items)
        except errors.MhrsBusinessError as exc:
            if len(items) == 1:
                return [{"hrn": items[0]["hrn"], "ok": False, "code": exc.code, "text": exc.text}]
        half = len(items) // 2
        return self._mhrs_status_call(company, items[:half], record) + self._mhrs_status_call(
            company, items[half:], record
        )

    def _mhrs_quiet_write(self, vals):
        """A bookkeeping write of the status job on many appointments at once: no tracking. The stored
        computes it triggers (``mhrs_status``) are recomputed here, in the same untracked context: a
        recomputation triggered later by any read would prepare a tracking message per appointment."""
        quiet = self.with_context(tracking_disable=True)
        quiet.write(vals)
        quiet._recompute_recordset()

    def _mhrs_status_send(self, company, now, counts, failures, record=None):
        """Send the status of these appointments in one call and store MHRS's per-item answers.

        Appointments nobody checked in are decided as not attended first (kept, even if MHRS does not
        answer: the batch stays to send). Transport and whole-call errors propagate as the client's
        typed errors. Returns {appointment id: 'sent' | 'cancelled' | 'failed' | 'postponed'}.
        """
        # Machine bookkeeping, written in a few grouped writes per batch: no tracking message per
        # appointment (the run counts them; failures and cancellations get one chatter line each).
        undecided = self.filtered(lambda a: a.state == "booked")
        if undecided:
            undecided._mhrs_quiet_write({"state": "no_show", "checked_in_at": False})
        items = [appointment._mhrs_status_item() for appointment in self]
        answers = self._mhrs_status_call(company, items, record=record)
        by_hrn = {appointment.mhrs_hrn: appointment for appointment in self}
        codes = {item["hrn"]: STATUS_ATTENDED if item["attended"] else STATUS_NOT_ATTENDED for item in items}
        sent = {STATUS_ATTENDED: [], STATUS_NOT_ATTENDED: []}
        cancelled, refused, outcome = [], {}, {}
        for row in answers:
            appointment = by_hrn.get(row.get("hrn"))
            if not appointment:
                continue
            code = row.get("code")
            if row.get("ok") or code == RDG_ALREADY_SET:
                sent[codes[appointment.mhrs_hrn]].append(appointment.id)
                outcome[appointment.id] = "sent"
            elif code == RDG_CANCELLED:
                cancelled.append(appointment.id)
                outcome[appointment.id] = "cancelled"
            elif code == RDG_NOT_YET_TIME:
                outcome[appointment.id] = "postponed"
            else:
                message = self.env._(
                    "MHRS refused the status: %(text)s (%(code)s)",
                    text=row.get("text") or "",
                    code=code or "?",
                )
                refused.setdefault(message, []).append(appointment.id)
                outcome[appointment.id] = "failed"
                failures.append(f"{appointment.mhrs_hrn}: {message}")
        for code, ids in sent.items():
            if ids:
                self.browse(ids)._mhrs_quiet_write(
                    {"mhrs_status_code": code, "mhrs_status_sent_at": now, "mhrs_status_error": False}
                )
        if cancelled:
            self.browse(cancelled)._mhrs_quiet_write({"state": "cancelled", "mhrs_status_error": False})
        # One error text per distinct answer, written on all the appointments that got it.
        for message, ids in refused.items():
            self.browse(ids)._mhrs_quiet_write({"mhrs_status_error": message})
        bodies = dict.fromkeys(
            cancelled, self.env._("MHRS reports this appointment as cancelled: attendance was not sent.")
        )
        bodies.update((appointment_id, message) for message, ids in refused.items() for appointment_id in ids)
        if bodies:
            # The chatter lines of the batch in one create (no notification, as before), after MHRS's
            # answers are written and unable to undo them.
            self._mhrs_followup(self.browse(list(bodies))._message_log_batch, bodies=bodies)
        counts["sent"] += sum(len(a) for a in sent.values())
        counts["cancelled"] += len(cancelled)
        counts["failed"] += sum(len(ids) for ids in refused.values())
        counts["postponed"] += len(self) - len(outcome) + list(outcome.values()).count("postponed")
        return outcome

    @api.model
    def _mhrs_status_final_pass_at(self, company, day_end):
        """From this moment (23:30 local) every ended appointment of the day is sent, grace or not, so
        that the day is settled, with time left for a retry and for the managers, before midnight."""
        return day_end - FINAL_PASS_MARGIN

    @api.model
    def _mhrs_status_update_company(self, company, now):
        """One company: close ended days, then send today's due statuses; returns the runs created."""
        today = local_now(company, now).date()
        day_start, day_end = local_day_bounds(company, today)
        runs = self.env["mhrs.sync.run"]
        runs |= self._mhrs_status_close_days(company, day_start)
        final = now >= self._mhrs_status_final_pass_at(company, day_end)
        deadline = now if final else now - timedelta(minutes=company.mhrs_status_grace or 0)
        base = [
            ("company_id", "=", company.id),
            ("date_start", ">=", day_start),
            ("date_start", "<", day_end),
            ("state", "!=", "cancelled"),
        ]
        due = self.search(
            [*base, ("date_end", "<=", deadline), ("mhrs_status", "in", ("not_due", "to_send"))],
            order="date_start, id",
        )
        report = final and not self.env["mhrs.sync.run"].sudo().search_count(
            [
                ("company_id", "=", company.id),
                ("kind", "=", "status"),
                ("status_final_pass", "=", True),
                ("covered_date", "=", today),
            ],
            limit=1,
        )
        if not due and not report:
            return runs
        run = (
            self.env["mhrs.sync.run"]
            .sudo()
            .create(
                {
                    "company_id": company.id,
                    "kind": "status",
                    "window_start": day_start,
                    "window_end": day_end,
                    "covered_date": today if report else False,
                    "status_final_pass": report,
                }
            )
        )
        began = time.monotonic()
        counts, failures, batch_errors, batch_count = due._mhrs_status_send_batches(company, now)
        unsent = self.browse()
        if report:
            unsent = self.search(
                [*base, ("date_end", "<=", now), ("mhrs_status", "in", ("not_due", "to_send", "failed"))],
                order="date_start, id",
            )
        if unsent:
            state = "failed"
        elif batch_errors and batch_errors == batch_count:
            state = "failed"
        elif batch_errors or counts["failed"]:
            state = "partial"
        else:
            state = "done"
        lines = list(failures)
        if unsent:
            lines.append(self.env._("Still not sent after the final pass:"))
            lines.extend(unsent._mhrs_status_report_lines())
        run.write(
            {
                "state": state,
                "ended_at": fields.Datetime.now(),
                "duration": round(time.monotonic() - began, 3),
                "fetched_count": len(due),
                "status_sent_count": counts["sent"],
                "status_failed_count": counts["failed"],
                "status_postponed_count": counts["postponed"],
                "cancelled_count": counts["cancelled"],
                "batch_count": batch_count,
                "error_count": batch_errors + counts["failed"],
                "error_text": "\n".join(lines) or False,
                "status_unsent_ids": [(6, 0, unsent.ids)],
            }
        )
        if unsent:
            self._mhrs_followup(
                run._mhrs_status_notify_managers,
                self.env._(
                    "%(count)s appointment statuses of today are not sent to MHRS",
                    count=len(unsent),
                ),
            )
        return runs | run

    def _mhrs_status_send_batches(self, company, now):
        """Send these appointments in batches, committing between them (the company lock is taken again
        after each commit). A batch MHRS does not answer stays to send. Returns (counts, failures,
        failed batches, batches)."""
        counts = dict.fromkeys(("sent", "failed", "postponed", "cancelled"), 0)
        failures, batch_errors = [], 0
        batches = [self[i : i + STATUS_BATCH_SIZE] for i in range(0, len(self), STATUS_BATCH_SIZE)]
        for index, batch in enumerate(batches):
            if index and can_commit():
                self.env.cr.commit()  # pylint: disable=invalid-commit
                if not try_company_lock(self.env.cr, STATUS_LOCK_KEY, company.id):
                    failures.append(self.env._("Another worker took over this company; stopped."))
                    counts["postponed"] += sum(len(b) for b in batches[index:])
                    batch_errors += 1
                    break
            try:
                batch._mhrs_status_send(company, now, counts, failures)
            except errors.MhrsError as exc:
                message = self._mhrs_error_text(exc)
                _logger.warning(
                    "MHRS status update: batch %s of %s kept to send: %s", index + 1, company.name, message
                )
                failures.append(
                    self.env._(
                        "Batch %(batch)s (%(count)s appointments) kept to send: %(error)s",
                        batch=index + 1,
                        count=len(batch),
                        error=message,
                    )
                )
                counts["postponed"] += len(batch)
                batch_errors += 1
            self.env["ir.cron"]._notify_progress(done=index + 1, remaining=len(batches) - index - 1)
        return counts, failures, batch_errors, len(batches)

    @api.model
    def _mhrs_status_close_days(self, company, day_start):
        """Appointments of days that have ended whose status was never sent: MHRS no longer takes it.
        They become failed ('day ended'), listed in a failed run and reported; nothing is sent.
        Returns that run (empty when there was nothing to close)."""
        stale = self.search(
            [
                ("company_id", "=", company.id),
                ("date_start", "<", day_start),
                ("date_start", ">=", day_start - DAY_ENDED_LOOKBACK),
                ("state", "!=", "cancelled"),
                ("mhrs_status", "in", ("not_due", "to_send")),
            ],
            order="date_start, id",
        )
        if not stale:
            return self.env["mhrs.sync.run"]
        message = self.env._(
            "Day ended: the status was not sent to MHRS before the end of the appointment's day, and MHRS "
            "accepts no status update after it."
        )
        # Grouped bookkeeping writes without a tracking message per appointment; one chatter line each,
        # created in one call; the run lists them and the managers get an activity.
        undecided = stale.filtered(lambda a: a.state == "booked")
        if undecided:
            undecided._mhrs_quiet_write({"state": "no_show"})
        stale._mhrs_quiet_write({"mhrs_status_error": message})
        stale._message_log_batch(bodies=dict.fromkeys(stale.ids, message))
        run = (
            self.env["mhrs.sync.run"]
            .sudo()
            .create(
                {
                    "company_id": company.id,
                    "kind": "status",
                    "state": "failed",
                    "window_start": min(stale.mapped("date_start")),
                    "window_end": day_start,
                    "ended_at": fields.Datetime.now(),
                    "status_failed_count": len(stale),
                    "error_count": len(stale),
                    "error_text": "\n".join([message, *stale._mhrs_status_report_lines()]),
                    "status_unsent_ids": [(6, 0, stale.ids)],
                }
            )
        )
        self._mhrs_followup(
            run._mhrs_status_notify_managers,
            self.env._(
                "%(count)s appointment statuses were never sent to MHRS (day ended)", count=len(stale)
            ),
        )
        return run

    def _mhrs_status_report_lines(self):
        """One line per appointment for a status report: HRN, local time, patient, state, error."""
        states = dict(self._fields["state"]._description_selection(self.env))
        lines = []
        for appointment in self:
            when = local_now(appointment.company_id, appointment.date_start)
            patient = appointment.partner_id.name or appointment.patient_name or ""
            line = f"{appointment.mhrs_hrn} {when:%d.%m.%Y %H:%M} {patient}"
            line += f" [{states.get(appointment.state, appointment.state)}]"
            if appointment.mhrs_status_error:
                line += f": {appointment.mhrs_status_error}"
            lines.append(line)
        return lines

    # ------------------------------------------------------------------------------------------------
    # Jobs
    # ------------------------------------------------------------------------------------------------
    @api.model
    def _mhrs_sync_companies(self):
        return self.env["res.company"].sudo().search([("mhrs_base_url", "!=", False)])

    @api.model
    def _mhrs_last_periodic_run(self, company):
        return (
            self.env["mhrs.sync.run"]
            .sudo()
            .search(
                [("company_id", "=", company.id), ("kind", "=", "periodic"), ("state", "=", "done")],
                order="started_at desc, id desc",
                limit=1,
            )
        )

    @api.model
    def _mhrs_periodic_window(self, company, now):
        """From the start of the last successful periodic run (so an outage leaves no gap), or from
        the local start of today for the first run, to now + the horizon; only to the end of the near
        days when a successful run covered the whole horizon less than FAR_REFRESH ago."""
        last = self._mhrs_last_periodic_run(company)
        if last:
            start = max(min(last.started_at, now), now - MAX_LOOKBACK)
        else:
            start = today_bounds(company, now)[0]
        end = now + timedelta(days=company.mhrs_sync_horizon_days or 1)
        today = local_now(company, now).date()
        near_end = local_day_bounds(company, today + timedelta(days=NEAR_DAYS - 1))[1]
        far_fresh = near_end < end and self.env["mhrs.sync.run"].sudo().search_count(
            [
                ("company_id", "=", company.id),
                ("kind", "=", "periodic"),
                ("state", "=", "done"),
                ("window_end", ">", end - FAR_REFRESH),
            ],
            limit=1,
        )
        return start, near_end if far_fresh else end

    @api.model
    def _mhrs_periodic_due(self, company, now):
        """Due when the cadence (shortest appointment duration, less a small tolerance) has passed since
        the last periodic attempt; after failed or partial attempts in a row (MHRS down), the cadence
        doubled per failure up to MAX_BACKOFF, so an outage is not hammered every minute. The window
        still starts at the last success (_mhrs_periodic_window)."""
        cadence = timedelta(minutes=company.mhrs_shortest_duration or 10)
        attempts = (
            self.env["mhrs.sync.run"]
            .sudo()
            .search_fetch(
                [("company_id", "=", company.id), ("kind", "=", "periodic")],
                ["started_at", "state"],
                order="started_at desc, id desc",
                limit=8,
            )
        )
        if not attempts:
            return True
        failures = 0
        for attempt in attempts:
            if attempt.state == "done":
                break
            failures += 1
        wait = cadence
        if failures:
            wait = max(cadence, min(cadence * 2 ** (failures - 1), MAX_BACKOFF))
        return now >= attempts[0].started_at + wait - min(DUE_TOLERANCE, cadence / 2)

    @api.model
    def _mhrs_eod_target(self, company, now):
        """The local day an end-of-day run must cover now, or None. After the end-of-day time: tomorrow.
        Before it: today, when yesterday's end-of-day run is missing (catch-up)."""
        local = local_now(company, now)
        hours = local.hour + local.minute / 60
        today = local.date()
        target = today + timedelta(days=1) if hours >= (company.mhrs_eod_sync_time or 0) else today
        done = (
            self.env["mhrs.sync.run"]
            .sudo()
            .search_count(
                [
                    ("company_id", "=", company.id),
                    ("kind", "=", "end_of_day"),
                    ("state", "=", "done"),
                    ("covered_date", "=", target),
                ]
            )
        )
        return None if done else target

    @api.model
    def _mhrs_job_companies(self, job, company_ids=None):
        """The companies a run of ``job`` serves: those given (a company's own scheduled action), else
        every MHRS company; the shared scheduled action serves only the companies without their own."""
        companies = self._mhrs_sync_companies()
        if company_ids is not None:
            return companies.filtered(lambda company: company.id in company_ids)
        cron = self.env["ir.cron"].sudo().browse(self.env.context.get("cron_id") or [])
        if cron and not cron.mhrs_company_id:
            own = (
                self.env["ir.cron"].sudo().search([("mhrs_job", "=", job), ("mhrs_company_id", "!=", False)])
            )
            companies -= own.mhrs_company_id
        return companies

    @api.model
    def _mhrs_run_per_company(self, job, lock, work, companies=None):
        """Run ``work(company)`` for each company (default: every MHRS company) under its lock, one
        transaction per company, after closing the runs its dead workers left running.

        A failing company is logged and rolled back and the others go on, so one company never stops
        the job nor lets Odoo's failure counter deactivate it; a locked company is skipped this time
        (its own scheduled action is woken when the lock holder ends, see _mhrs_wake_waiting_jobs).
        """
        companies = self._mhrs_sync_companies() if companies is None else companies
        for company in companies:
            try:
                self.env["mhrs.sync.run"]._mhrs_close_orphans(company)
                if not lock(company):
                    _logger.info("%s: %s is locked by another worker", job, company.name)
                    self._mhrs_wait_for_lock(company)
                    continue
                work(company)
            except Exception:
                _logger.exception("%s failed for %s", job, company.name)
                if not can_commit():
                    raise
                self.env.cr.rollback()
                continue
            if can_commit():
                self.env.cr.commit()  # pylint: disable=invalid-commit
                self._mhrs_wake_waiting_jobs(company)

    @api.model
    def _mhrs_wait_for_lock(self, company):
        """A company's scheduled action found its lock taken: it runs again when the holder ends (woken
        by _mhrs_wake_waiting_jobs), or in a minute at the latest, not at its next interval."""
        cron = self.env["ir.cron"].sudo().browse(self.env.context.get("cron_id") or [])
        if cron.mhrs_company_id == company:
            cron._trigger(fields.Datetime.now() + timedelta(minutes=1))

    @api.model
    def _mhrs_wake_waiting_jobs(self, company):
        """After a company's job committed (its lock is free): the company's scheduled actions that
        wait for it (a trigger in the future, see _mhrs_wait_for_lock) run now."""
        now = fields.Datetime.now()
        waiting = (
            self.env["ir.cron.trigger"]
            .sudo()
            .search([("cron_id.mhrs_company_id", "=", company.id), ("call_at", ">", now)])
        )
        for cron in waiting.cron_id:
            if cron.id != self.env.context.get("cron_id"):
                cron._trigger()
        if waiting and can_commit():
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _cron_appointment_query(self, now=None, company_ids=None):
        """Each company (its own scheduled action, every shortest appointment duration) whose cadence has
        elapsed since its last periodic attempt queries its synced physicians up to the horizon."""
        now = now or fields.Datetime.now()

        def work(company):
            if self._mhrs_periodic_due(company, now):
                start, end = self._mhrs_periodic_window(company, now)
                self._mhrs_cron_env(company)._mhrs_sync_window(company, start, end, kind="periodic")

        companies = self._mhrs_job_companies("appointment_query", company_ids)
        self._mhrs_run_per_company("MHRS appointment query", self._mhrs_lock, work, companies)

    @api.model
    def _cron_end_of_day_sync(self, now=None, company_ids=None):
        """Once a day after the end-of-day time: the whole next local day; catches up a missed run."""
        now = now or fields.Datetime.now()

        def work(company):
            target = self._mhrs_eod_target(company, now)
            if target:
                start, end = local_day_bounds(company, target)
                cron_env = self._mhrs_cron_env(company)
                cron_env._mhrs_sync_window(company, start, end, kind="end_of_day", covered_date=target)
                cron_env._mhrs_check_failed_statuses(company, now)

        companies = self._mhrs_job_companies("end_of_day", company_ids)
        self._mhrs_run_per_company("MHRS end-of-day sync", self._mhrs_lock, work, companies)

    @api.model
    def _mhrs_check_failed_statuses(self, company, now):
        """Once a day, with the end-of-day sync: the appointments of the last days whose status failed
        (refused, or the day ended while MHRS was unreachable) are queried again, per day, for their
        physicians. A status MHRS did take, its answer lost before an outage, is then recorded as sent
        (tracked in the chatter); the others stay failed and reported."""
        today = today_bounds(company, now)[0]
        failed = self.search(
            [
                ("company_id", "=", company.id),
                ("mhrs_status", "=", "failed"),
                ("date_start", "<", today),
                ("date_start", ">=", today - DAY_ENDED_LOOKBACK),
            ]
        )
        by_day = defaultdict(self.browse)
        for appointment in failed:
            by_day[appointment._mhrs_local_day()] |= appointment
        runs = self.env["mhrs.sync.run"]
        for day, of_day in sorted(by_day.items()):
            start, end = local_day_bounds(company, day)
            runs |= self._mhrs_sync_window(
                company, start, end, of_day.physician_id, kind="status_check", covered_date=day
            )
        return runs

    @api.model
    def _cron_status_update(self, now=None, company_ids=None):
        """Every few minutes, per company: send the status of today's appointments whose end plus the
        grace period has passed; from the final pass on, of all that have ended; report what is left;
        close the days that ended (never send after the day)."""
        now = now or fields.Datetime.now()
        self._mhrs_run_per_company(
            "MHRS status update",
            lambda company: try_company_lock(self.env.cr, STATUS_LOCK_KEY, company.id),
            lambda company: self._mhrs_cron_env(company)._mhrs_status_update_company(company, now),
            self._mhrs_job_companies("status_update", company_ids),
        )

    @api.model
    def _mhrs_cron_env(self, company):
        return self.with_company(company).with_context(mhrs_trigger="cron")
