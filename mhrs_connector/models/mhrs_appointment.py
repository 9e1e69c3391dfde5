import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engines.appointment_codes import (
    CHANNELS,
    STATUS_ATTENDED,
    STATUS_NOT_ATTENDED,
    SYNC_FIELDS,
    mhrs_status_of,
)
from ..engines.appointment_sync import AppointmentSync
from ..engines.status_job import StatusJob
from ..tools.dates import local_day_bounds, local_now, to_aware, today_bounds
from ..tools.outcome import mhrs_entry_point
from ..tools.record_operation import MhrsOperation

_logger = logging.getLogger(__name__)

# In the order of an appointment's life: the form's status bar shows them in this order.
APPOINTMENT_STATES = [
    ("booked", "Booked"),
    ("attended", "Attended"),
    ("no_show", "Not Attended"),
    ("cancelled", "Cancelled"),
]
CANCELLED_BY = [
    ("patient_mhrs", "Patient (MHRS)"),
    ("hospital", "Hospital"),
    ("exception", "Approved Exception"),
    ("auto_20", "MHRS 20:00 Auto-cancel"),
]
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
STATUS_CODES = [(STATUS_ATTENDED, "Attended"), (STATUS_NOT_ATTENDED, "Not Attended")]


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

    @mhrs_entry_point
    def action_mhrs_send_status(self):
        """Send attended / not attended now, without waiting for the status job."""
        self.ensure_one()
        outcome = self._mhrs_send_status_now()
        connector = self.env["mhrs.client"]
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
        rows = self.env["mhrs.client"]._mhrs_call(
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

    def _mhrs_operations(self):
        return {
            "appointment_cancel": MhrsOperation(
                payload=self._mhrs_payload_appointment_cancel,
                apply=self._mhrs_apply_appointment_cancel,
                message=self._mhrs_message_appointment_cancel,
            ),
        }

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
        """Send this appointment's status now (engines/status_job.py, StatusJob.send_now)."""
        return StatusJob(self).send_now(self, now or fields.Datetime.now())

    @api.model
    def _mhrs_sync_window(self, company, start, end, physicians=None, kind="manual", covered_date=None):
        """Query MHRS for [start, end) and upsert by HRN (engines/appointment_sync.py); returns the run."""
        return AppointmentSync(self).sync_window(company, start, end, physicians, kind, covered_date)
