"""The attendance status job: tells MHRS who came to their appointment (operation 15).

Role: per company, close the days that ended with statuses never sent (MHRS takes none after the day),
then send today's due statuses in batches (appointments nobody checked in become "not attended"),
record MHRS's per-item answers, and report in an ``mhrs.sync.run`` what is left after the final pass
(23:30 local). A plain class, not a model: the status cron (mhrs.appointment ``_cron_status_update``)
and the appointment's "Send Status" button call it.
"""

import logging
import time
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError

from ..tools import can_commit, try_company_lock
from ..tools.dates import local_day_bounds, local_now, to_aware
from ..wire import errors
from .appointment_codes import DAY_ENDED_LOOKBACK, STATUS_ATTENDED, STATUS_NOT_ATTENDED

_logger = logging.getLogger(__name__)

STATUS_BATCH_SIZE = 100
STATUS_LOCK_KEY = "mhrs_status_update"
# The final pass starts this long before local midnight.
FINAL_PASS_MARGIN = timedelta(minutes=30)
# Per-item answers (docs/mhrs-domain.md §5).
RDG_NOT_YET_TIME = "RDG-006"
RDG_CANCELLED = "RDG-007"
RDG_ALREADY_SET = "RDG-008"


def quiet_write(appointments, vals):
    """A bookkeeping write of the status job on many appointments at once: no tracking. The stored
    computes it triggers (``mhrs_status``) are recomputed here, in the same untracked context: a
    recomputation triggered later by any read would prepare a tracking message per appointment."""
    quiet = appointments.with_context(tracking_disable=True)
    quiet.write(vals)
    quiet._recompute_recordset()


class StatusJob:
    """The status job of one caller's environment (user, company, context)."""

    def __init__(self, appointments):
        self.model = appointments.browse()
        self.env = appointments.env
        self.lost_calls = 0  # calls of a halved batch MHRS did not answer while it answered others

    @staticmethod
    def item(appointment):
        """One status item of the facade: attended with the arrival time when checked in, else not
        attended (each wire sends its own codes)."""
        appointment.ensure_one()
        if appointment.state == "attended" and appointment.checked_in_at:
            return {
                "hrn": appointment.mhrs_hrn,
                "attended": True,
                "arrived": to_aware(appointment.checked_in_at),
                # The visit took place at the appointment time, or on arrival for a late patient.
                "realized": to_aware(max(appointment.checked_in_at, appointment.date_start)),
            }
        return {"hrn": appointment.mhrs_hrn, "attended": False}

    def send_now(self, appointment, now):
        """Send one appointment's status now (its "Send Status" button): the job's rules without the
        grace period. Returns 'sent', 'cancelled', 'failed' or the reason it is kept to send."""
        appointment.ensure_one()
        if appointment.state == "cancelled":
            raise UserError(self.env._("The appointment is cancelled: no status is sent for it."))
        if appointment.mhrs_status == "sent":
            raise UserError(self.env._("MHRS has already received the status of this appointment."))
        if appointment._mhrs_local_day(now) > appointment._mhrs_local_day():
            raise UserError(
                self.env._("The day of the appointment has ended: MHRS accepts no status update after it.")
            )
        if now < appointment.date_end:
            raise UserError(
                self.env._(
                    "The appointment ends at %(end)s: its status can be sent only after that.",
                    end=fields.Datetime.context_timestamp(appointment, appointment.date_end).strftime(
                        "%H:%M"
                    ),
                )
            )
        counts = dict.fromkeys(("sent", "failed", "postponed", "cancelled"), 0)
        try:
            outcome = self.send(appointment, appointment.company_id, now, counts, [], record=appointment)
        except errors.MhrsError as exc:
            return self.env["mhrs.client"]._mhrs_error_message(exc)
        return outcome.get(appointment.id, "postponed")

    def call(self, company, items, record=None, failures=None):
        """MHRS's per-item answers ``[{"hrn", "ok", "code", "text"}]``. MHRS V2 answers a batch as a
        whole: when it refuses one item, the batch is sent again in halves until the refused items are
        alone (a few calls per refusal, not one per appointment), so that the others still go.

        Once one half is answered, its answers are kept whatever happens to the other half: a half MHRS
        does not answer gets no row (its appointments stay to send, the resend takes "already set" as
        sent) and a line in ``failures``. Only when nothing at all is answered does the error propagate.
        Without this, a resend of a batch whose answer was lost (every item "already set", halved down
        to single items) lost every answer to one timeout among its calls, again at each run."""
        connector = self.env["mhrs.client"]
        try:
            return connector._mhrs_call("appointment_set_status", company=company, record=record, items=items)
        except errors.MhrsBusinessError as exc:
            if len(items) == 1:
                return [{"hrn": items[0]["hrn"], "ok": False, "code": exc.code, "text": exc.text}]
        half = len(items) // 2
        answers, lost = [], []
        for part in (items[:half], items[half:]):
            try:
                answers += self.call(company, part, record, failures)
            except (errors.MhrsTransportError, errors.MhrsMalformedResponse) as exc:
                lost.append((part, exc))
        if lost and not answers:
            raise lost[-1][1]
        for part, exc in lost:
            self.lost_calls += 1
            if failures is not None:
                failures.append(
                    self.env._(
                        "%(count)s statuses kept to send (MHRS answered the rest of their batch): "
                        "%(error)s",
                        count=len(part),
                        error=connector._mhrs_error_message(exc),
                    )
                )
        return answers

    def send(self, appointments, company, now, counts, failures, record=None):
        """Send the status of these appointments in one call and store MHRS's per-item answers.

        Appointments nobody checked in are decided as not attended first (kept, even if MHRS does not
        answer: the batch stays to send). Transport and whole-call errors propagate as the client's
        typed errors. Returns {appointment id: 'sent' | 'cancelled' | 'failed' | 'postponed'}.
        """
        # Machine bookkeeping, written in a few grouped writes per batch: no tracking message per
        # appointment (the run counts them; failures and cancellations get one chatter line each).
        undecided = appointments.filtered(lambda a: a.state == "booked")
        if undecided:
            quiet_write(undecided, {"state": "no_show", "checked_in_at": False})
        items = [self.item(appointment) for appointment in appointments]
        answers = self.call(company, items, record=record, failures=failures)
        by_hrn = {appointment.mhrs_hrn: appointment for appointment in appointments}
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
                quiet_write(
                    self.model.browse(ids),
                    {"mhrs_status_code": code, "mhrs_status_sent_at": now, "mhrs_status_error": False},
                )
        if cancelled:
            quiet_write(self.model.browse(cancelled), {"state": "cancelled", "mhrs_status_error": False})
        # One error text per distinct answer, written on all the appointments that got it.
        for message, ids in refused.items():
            quiet_write(self.model.browse(ids), {"mhrs_status_error": message})
        bodies = dict.fromkeys(
            cancelled, self.env._("MHRS reports this appointment as cancelled: attendance was not sent.")
        )
        bodies.update((appointment_id, message) for message, ids in refused.items() for appointment_id in ids)
        if bodies:
            # The chatter lines of the batch in one create (no notification, as before), after MHRS's
            # answers are written and unable to undo them.
            self.model._mhrs_followup(self.model.browse(list(bodies))._message_log_batch, bodies=bodies)
        counts["sent"] += sum(len(a) for a in sent.values())
        counts["cancelled"] += len(cancelled)
        counts["failed"] += sum(len(ids) for ids in refused.values())
        counts["postponed"] += len(appointments) - len(outcome) + list(outcome.values()).count("postponed")
        return outcome

    def final_pass_at(self, company, day_end):
        """From this moment (23:30 local) every ended appointment of the day is sent, grace or not, so
        that the day is settled, with time left for a retry and for the managers, before midnight."""
        return day_end - FINAL_PASS_MARGIN

    def run_company(self, company, now):
        """One company: close ended days, then send today's due statuses; returns the runs created."""
        self.lost_calls = 0
        today = local_now(company, now).date()
        day_start, day_end = local_day_bounds(company, today)
        runs = self.env["mhrs.sync.run"]
        runs |= self.close_days(company, day_start)
        final = now >= self.final_pass_at(company, day_end)
        deadline = now if final else now - timedelta(minutes=company.mhrs_status_grace or 0)
        base = [
            ("company_id", "=", company.id),
            ("date_start", ">=", day_start),
            ("date_start", "<", day_end),
            ("state", "!=", "cancelled"),
        ]
        due = self.model.search(
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
        run = self.new_run(
            company,
            window_start=day_start,
            window_end=day_end,
            covered_date=today if report else False,
            status_final_pass=report,
        )
        began = time.monotonic()
        counts, failures, batch_errors, batch_count = self.send_batches(due, company, now)
        unsent = self.model.browse()
        if report:
            unsent = self.model.search(
                [*base, ("date_end", "<=", now), ("mhrs_status", "in", ("not_due", "to_send", "failed"))],
                order="date_start, id",
            )
        if unsent:
            state = "failed"
        elif batch_errors and batch_errors == batch_count:
            state = "failed"
        elif batch_errors or counts["failed"] or self.lost_calls:  # lost calls: partly answered batches
            state = "partial"
        else:
            state = "done"
        lines = list(failures)
        if unsent:
            lines.append(self.env._("Still not sent after the final pass:"))
            lines.extend(self.report_lines(unsent))
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
                "error_count": batch_errors + counts["failed"] + self.lost_calls,
                "error_text": "\n".join(lines) or False,
                "status_unsent_ids": [(6, 0, unsent.ids)],
            }
        )
        if unsent:
            self.model._mhrs_followup(
                run._mhrs_status_notify_managers,
                self.env._(
                    "%(count)s appointment statuses of today are not sent to MHRS",
                    count=len(unsent),
                ),
            )
        return runs | run

    def send_batches(self, due, company, now):
        """Send these appointments in batches, committing each (the company lock is taken again after
        each commit). A batch MHRS does not answer stays to send. Returns (counts, failures,
        failed batches, batches)."""
        counts = dict.fromkeys(("sent", "failed", "postponed", "cancelled"), 0)
        failures, batch_errors = [], 0
        batches = [due[i : i + STATUS_BATCH_SIZE] for i in range(0, len(due), STATUS_BATCH_SIZE)]
        for index, batch in enumerate(batches):
            try:
                self.send(batch, company, now, counts, failures)
            except errors.MhrsError as exc:
                message = self.env["mhrs.client"]._mhrs_error_message(exc)
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
            rest = batches[index + 1 :]
            self.env["ir.cron"]._notify_progress(done=index + 1, remaining=len(rest))
            if not can_commit():
                continue
            # Every batch, the last one too, is committed here as soon as MHRS answered it: nothing the
            # run does afterwards (its report, the managers' activity) can roll back what MHRS holds.
            self.env.cr.commit()  # pylint: disable=invalid-commit
            if not try_company_lock(self.env.cr, STATUS_LOCK_KEY, company.id) and rest:
                failures.append(self.env._("Another worker took over this company; stopped."))
                counts["postponed"] += sum(len(b) for b in rest)
                batch_errors += 1
                break
        return counts, failures, batch_errors, len(batches)

    def close_days(self, company, day_start):
        """Appointments of days that have ended whose status was never sent: MHRS no longer takes it.
        They become failed ('day ended'), listed in a failed run and reported; nothing is sent.
        Returns that run (empty when there was nothing to close)."""
        stale = self.model.search(
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
            quiet_write(undecided, {"state": "no_show"})
        quiet_write(stale, {"mhrs_status_error": message})
        stale._message_log_batch(bodies=dict.fromkeys(stale.ids, message))
        run = self.new_run(
            company,
            state="failed",
            window_start=min(stale.mapped("date_start")),
            window_end=day_start,
            ended_at=fields.Datetime.now(),
            status_failed_count=len(stale),
            error_count=len(stale),
            error_text="\n".join([message, *self.report_lines(stale)]),
            status_unsent_ids=[(6, 0, stale.ids)],
        )
        self.model._mhrs_followup(
            run._mhrs_status_notify_managers,
            self.env._(
                "%(count)s appointment statuses were never sent to MHRS (day ended)", count=len(stale)
            ),
        )
        return run

    def new_run(self, company, **vals):
        """A status run of ``company`` (runs are written by the jobs, whoever's user runs them)."""
        return self.env["mhrs.sync.run"].sudo().create({"company_id": company.id, "kind": "status", **vals})

    def report_lines(self, appointments):
        """One line per appointment for a status report: HRN, local time, patient, state, error."""
        states = dict(self.model._fields["state"]._description_selection(self.env))
        lines = []
        for appointment in appointments:
            when = local_now(appointment.company_id, appointment.date_start)
            patient = appointment.partner_id.name or appointment.patient_name or ""
            line = f"{appointment.mhrs_hrn} {when:%d.%m.%Y %H:%M} {patient}"
            line += f" [{states.get(appointment.state, appointment.state)}]"
            if appointment.mhrs_status_error:
                line += f": {appointment.mhrs_status_error}"
            lines.append(line)
        return lines
