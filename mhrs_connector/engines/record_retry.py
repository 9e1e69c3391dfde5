"""The retry of a record's MHRS operation that could not be delivered.

Role: for one record of ``mhrs.record.mixin`` (a clinic, a schedule, an exception, an appointment),
keep the operation MHRS did not answer with a back-off, then deliver it: adopt what MHRS already holds
(the lost answer of an earlier attempt, the record's ``_mhrs_adopt_existing``) or send it again
(``_mhrs_run``). When MHRS cannot be asked and the lost attempt may have been carried out, hold the
record for a person's check instead of resending blindly; when it keeps failing or is refused, give the
MHRS managers a to-do. A plain class: the mixin's ``_mhrs_*`` methods and the company's retry job
(``res.company._mhrs_retry_record``) call it.
"""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError

from ..tools import outcome
from ..tools.messages import user_message
from ..tools.operation_labels import operation_label
from ..wire import errors

RETRY_FIRST_DELAY = timedelta(minutes=5)
RETRY_MAX_DELAY = timedelta(hours=6)
# A record whose pending operation could not be delivered this many times gets a to-do activity for the
# MHRS managers ("MHRS keeps not answering"), so that nobody has to watch logs.
RETRY_ALERT_COUNT = 3


class RecordRetry:
    """The retry side of the MHRS records ``record`` (usually one)."""

    def __init__(self, record):
        self.record = record

    @property
    def env(self):
        return self.record.env

    def keep(self, operation, detail, maybe_applied=None):
        """Keep ``operation`` for the retry job. ``maybe_applied``: whether the failed attempt may have
        been carried out by MHRS (the error's ``maybe_applied``); None when nothing was sent (a failed
        look at MHRS), which keeps what the last attempt left."""
        record = self.record
        same = record.mhrs_pending_operation == operation and record.mhrs_sync_state == "to_retry"
        count = record.mhrs_retry_count + 1 if same else 1
        delay = min(RETRY_FIRST_DELAY * (2 ** (count - 1)), RETRY_MAX_DELAY)
        vals = {
            "mhrs_sync_state": "to_retry",
            "mhrs_pending_operation": operation,
            "mhrs_retry_count": count,
            "mhrs_next_retry": fields.Datetime.now() + delay,
            "mhrs_last_error": detail,
        }
        if maybe_applied is not None:
            vals["mhrs_maybe_applied"] = bool(maybe_applied)
        record.write(vals)
        record._mhrs_outcome_recorded()
        record._mhrs_followup(
            record._mhrs_log_note,
            self.env._(
                "MHRS did not answer; the operation is kept and will be retried (%(detail)s).", detail=detail
            ),
        )
        for one in record.filtered(lambda one: one.mhrs_retry_count >= RETRY_ALERT_COUNT):
            one._mhrs_followup(
                one._mhrs_notify_managers,
                self.env._("MHRS keeps not answering"),
                self.env._(
                    "%(op)s could not be delivered %(count)s times; it is still retried "
                    "automatically. Last error: %(detail)s",
                    op=one.mhrs_pending_operation_name,
                    count=one.mhrs_retry_count,
                    detail=detail,
                ),
            )

    def hold_for_check(self, operation, message):
        """The lost attempt of ``operation`` may have been applied and MHRS cannot be asked: resending
        it blindly could do it twice (or be refused as a duplicate). The record stops retrying, shows
        ``message`` (what to check at MHRS and what to do) and the MHRS managers get a to-do. True (the
        retry has nothing to send)."""
        summary = self.env._("Check at MHRS: %(op)s may have been done", op=operation_label(operation))
        self.stop(message, summary, log=True, mhrs_maybe_applied=True)
        return True

    def mark_adopted(self, message):
        """The pending operation turned out to be applied at MHRS already: the record is synced."""
        record = self.record
        record.ensure_one()
        # What MHRS holds is now an outcome of this transaction: a later failure must not undo it.
        outcome.answered(self.env.cr, message)
        record._mhrs_write_synced()
        record._mhrs_outcome_recorded()
        record._mhrs_followup(record._mhrs_log_note, message)

    def retry_one(self):
        """Deliver the pending operation of the record: adopt it or resend it.

        Returns True when delivered (or refused after an adoption: recorded, with a to-do for the
        managers), False when it is kept for a later retry (the back-off and the retry count are updated
        by :meth:`keep`). A business rejection before MHRS did anything raises UserError.
        """
        record = self.record
        record.ensure_one()
        operation = record.mhrs_pending_operation
        if not operation or record.mhrs_sync_state != "to_retry":
            return True
        # Each record is an entry point of the retry job: what MHRS did for it is never rolled back.
        with outcome.scope(self.env.cr):
            try:
                if record._mhrs_adopt_existing(operation):
                    self.notify_refused_after_outcome(operation)
                    return True
            except errors.MhrsError as exc:
                kind = record._mhrs_failure_kind(exc)
                if kind == "retry":
                    self.keep(operation, user_message(self.env, exc))
                    return False
                if kind == "refused":
                    raise UserError(record._mhrs_business_message(exc)) from exc
                raise
            record._mhrs_run(operation)
            # Done in part then refused (a step, or the drafts' finalisation): nobody pressed a button.
            self.notify_refused_after_outcome(operation)
            return record.mhrs_sync_state != "to_retry"

    def notify_refused_after_outcome(self, operation):
        """A retry that MHRS partly did and then refused: nobody pressed a button, tell the managers.
        A record held for a check at MHRS has its own to-do (:meth:`hold_for_check`)."""
        record = self.record
        if record.mhrs_sync_state == "error" and not record.mhrs_maybe_applied:
            record._mhrs_followup(
                record._mhrs_notify_managers, self.refused_summary(operation), record.mhrs_last_error
            )

    def rejected(self, operation, message):
        """MHRS refused a resent operation (or a local rule now forbids it): never retried again; the
        record shows the error and the MHRS managers get an activity."""
        self.stop(message, self.refused_summary(operation))

    def refused_summary(self, operation):
        return self.env._("MHRS refused the resent operation %(op)s", op=operation_label(operation))

    def stop(self, message, summary, log=False, **vals):
        """The record stops retrying and shows ``message`` (with a chatter line when ``log``); the MHRS
        managers get the to-do ``summary``. ``vals``: what else the record says of it."""
        record = self.record
        record.ensure_one()
        record.write(
            {
                "mhrs_sync_state": "error",
                "mhrs_last_error": message,
                "mhrs_pending_operation": False,
                "mhrs_next_retry": False,
                **vals,
            }
        )
        record._mhrs_outcome_recorded()
        if log:
            record._mhrs_followup(record._mhrs_log_note, message)
        record._mhrs_followup(record._mhrs_notify_managers, summary, message)
