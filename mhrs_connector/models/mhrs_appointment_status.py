import logging
import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..soap import errors
from ..tools import can_commit, try_company_lock
from .mhrs_appointment import to_aware

_logger = logging.getLogger(__name__)

MHRS_STATUSES = [
    ("not_due", "Not Due"),
    ("to_send", "To Send"),
    ("sent", "Sent"),
    ("failed", "Failed"),
]
# DurumKodu of operation 15 (mhrs-domain.md §4).
STATUS_ATTENDED = "1"
STATUS_NOT_ATTENDED = "2"
STATUS_CODES = [(STATUS_ATTENDED, "Attended"), (STATUS_NOT_ATTENDED, "Not Attended")]
STATUS_BATCH_SIZE = 100
STATUS_LOCK_KEY = "mhrs_status_update"
# The final pass starts this long before local midnight.
FINAL_PASS_MARGIN = timedelta(minutes=30)
# How far back the job looks for appointments whose day ended before their status was sent.
DAY_ENDED_LOOKBACK = timedelta(days=7)
# Per-item answers (mhrs-domain.md §5).
RDG_NOT_YET_TIME = "RDG-006"
RDG_CANCELLED = "RDG-007"
RDG_ALREADY_SET = "RDG-008"


class MhrsAppointment(models.Model):
    """Attendance: reception checks patients in; the status job tells MHRS who came (operation 15).

    ``state`` is the local decision (attended / not attended), ``mhrs_status`` whether MHRS has it.
    A decision can be corrected (undo check-in, no-show, late check-in) until the status is sent;
    afterwards MHRS holds it and it is final. Nothing is ever sent for a cancelled appointment, nor
    after the appointment's day has ended.
    """

    _inherit = "mhrs.appointment"

    mhrs_status = fields.Selection(
        MHRS_STATUSES,
        string="MHRS Status",
        compute="_compute_mhrs_status",
        store=True,
        index=True,
        tracking=True,
        help="Attended / not attended at MHRS. Not Due: nothing to send (yet, or cancelled). To Send: "
        "decided here, sent by the status job after the appointment's end and the grace period. "
        "Sent: MHRS has it (final). Failed: MHRS refused it or the day ended first (see the error).",
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

    # ------------------------------------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------------------------------------
    @api.depends("state", "mhrs_status_code", "mhrs_status_error")
    def _compute_mhrs_status(self):
        for appointment in self:
            if appointment.mhrs_status_code:
                appointment.mhrs_status = "sent"
            elif appointment.state == "cancelled":
                appointment.mhrs_status = "not_due"
            elif appointment.mhrs_status_error:
                appointment.mhrs_status = "failed"
            elif appointment.state in ("attended", "no_show"):
                appointment.mhrs_status = "to_send"
            else:
                appointment.mhrs_status = "not_due"

    # ------------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------------
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
    # Business methods: reception
    # ------------------------------------------------------------------------------------------------
    def _mhrs_local_day(self, when=None):
        """The local calendar day of ``when`` (default: the appointment's start) for its company."""
        self.ensure_one()
        return self._mhrs_local_now(self.company_id, when or self.date_start).date()

    def _mhrs_check_status_open(self, now):
        """The local attendance decision may still change: not cancelled, not sent, the same day."""
        for appointment in self:
            if appointment.state == "cancelled":
                raise UserError(
                    self.env._("Appointment %(hrn)s is cancelled.", hrn=appointment.mhrs_hrn)
                )
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
    # Business methods: sending (operation 15)
    # ------------------------------------------------------------------------------------------------
    def _mhrs_status_item(self):
        """One RandevuBilgileri item: attended with the arrival time when checked in, else not attended."""
        self.ensure_one()
        if self.state == "attended" and self.checked_in_at:
            return {
                "RandevuHrn": self.mhrs_hrn,
                "DurumKodu": int(STATUS_ATTENDED),
                "GelisZamani": to_aware(self.checked_in_at),
                # The visit took place at the appointment time, or on arrival for a late patient.
                "RandevuGerceklesmeZamani": to_aware(max(self.checked_in_at, self.date_start)),
            }
        return {"RandevuHrn": self.mhrs_hrn, "DurumKodu": int(STATUS_NOT_ATTENDED)}

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
        result = self.env["mhrs.connector.mixin"]._mhrs_call(
            "appointment_set_status", company=company, record=record, RandevuBilgileri=items
        )
        by_hrn = {appointment.mhrs_hrn: appointment for appointment in self}
        codes = {item["RandevuHrn"]: str(item["DurumKodu"]) for item in items}
        sent = {STATUS_ATTENDED: [], STATUS_NOT_ATTENDED: []}
        cancelled, refused, outcome = [], {}, {}
        for row in result.get("RandevuDurumSonuc") or []:
            appointment = by_hrn.get(row.get("RandevuHrn"))
            if not appointment:
                continue
            code = row.get("HataKodu")
            if row.get("GuncellemeBasarisi") or code == RDG_ALREADY_SET:
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
                    text=row.get("Aciklama") or "",
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
            # The chatter lines of the batch in one create (no notification, as before).
            self.browse(list(bodies))._message_log_batch(bodies=bodies)
        counts["sent"] += sum(len(a) for a in sent.values())
        counts["cancelled"] += len(cancelled)
        counts["failed"] += sum(len(ids) for ids in refused.values())
        counts["postponed"] += len(self) - len(outcome) + list(outcome.values()).count("postponed")
        return outcome

    # ------------------------------------------------------------------------------------------------
    # Job
    # ------------------------------------------------------------------------------------------------
    @api.model
    def _cron_status_update(self, now=None):
        """Every few minutes, per company: send the status of today's appointments whose end plus the
        grace period has passed; from the final pass on, of all that have ended; report what is left;
        close the days that ended (never send after the day)."""
        now = now or fields.Datetime.now()
        for company in self._mhrs_sync_companies():
            try:
                if not try_company_lock(self.env.cr, STATUS_LOCK_KEY, company.id):
                    _logger.info("MHRS status update: %s is locked by another worker", company.name)
                    continue
                self.with_company(company).with_context(mhrs_trigger="cron")._mhrs_status_update_company(
                    company, now
                )
            except Exception:
                _logger.exception("MHRS status update failed for %s", company.name)
                if not can_commit():
                    raise
                self.env.cr.rollback()
                continue
            if can_commit():
                self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _mhrs_status_final_pass_at(self, company, day_end):
        """From this moment (23:30 local) every ended appointment of the day is sent, grace or not, so
        that the day is settled, with time left for a retry and for the managers, before midnight."""
        return day_end - FINAL_PASS_MARGIN

    @api.model
    def _mhrs_status_update_company(self, company, now):
        """One company: close ended days, then send today's due statuses; returns the runs created."""
        today = self._mhrs_local_now(company, now).date()
        day_start, day_end = self._mhrs_local_day_bounds(company, today)
        runs = self.env["mhrs.sync.run"]
        closed = self._mhrs_status_close_days(company, day_start)
        if closed:
            runs |= closed
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
            lines.extend(appointment._mhrs_status_report_line() for appointment in unsent)
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
            run._mhrs_status_notify_managers(
                self.env._(
                    "%(count)s appointment statuses of today are not sent to MHRS",
                    count=len(unsent),
                )
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
        They become failed ('day ended'), listed in a failed run and reported; nothing is sent."""
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
            return None
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
                    "error_text": "\n".join(
                        [message, *(appointment._mhrs_status_report_line() for appointment in stale)]
                    ),
                    "status_unsent_ids": [(6, 0, stale.ids)],
                }
            )
        )
        run._mhrs_status_notify_managers(
            self.env._("%(count)s appointment statuses were never sent to MHRS (day ended)", count=len(stale))
        )
        return run

    def _mhrs_status_report_line(self):
        self.ensure_one()
        when = self._mhrs_local_now(self.company_id, self.date_start)
        states = dict(self._fields["state"]._description_selection(self.env))
        line = f"{self.mhrs_hrn} {when:%d.%m.%Y %H:%M} {self.partner_id.name or self.patient_name or ''}"
        line += f" [{states.get(self.state, self.state)}]"
        if self.mhrs_status_error:
            line += f": {self.mhrs_status_error}"
        return line

    # ------------------------------------------------------------------------------------------------
    # Sync (operation 14): a status MHRS already holds is sent
    # ------------------------------------------------------------------------------------------------
    @api.model
    def _mhrs_sync_vals(self, row, partners, physician_by_tckn, clinic_by_code, appointment=None):
        vals = super()._mhrs_sync_vals(row, partners, physician_by_tckn, clinic_by_code, appointment)
        code = str(row.get("DurumKodu") or "")
        if row.get("KayitDurumKodu") != 2 and code in (STATUS_ATTENDED, STATUS_NOT_ATTENDED):
            vals["mhrs_status_code"] = code
        return vals

    def _mhrs_sync_diff(self, vals):
        diff = super()._mhrs_sync_diff(vals)
        code = vals.get("mhrs_status_code")
        if code and code != self.mhrs_status_code:
            diff["mhrs_status_code"] = code
            diff["mhrs_status_error"] = False
        return diff
