import logging
import weakref
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.messages import user_message
from ..wire import errors
from .mhrs_sync_log import operation_selection

_logger = logging.getLogger(__name__)

SYNC_STATES = [
    ("not_sent", "Not Sent"),
    ("synced", "Synced"),
    ("to_retry", "To Retry"),
    ("error", "MHRS Error"),
]
RETRY_FIRST_DELAY = timedelta(minutes=5)
RETRY_MAX_DELAY = timedelta(hours=6)
# A record whose pending operation could not be delivered this many times gets a to-do activity for the
# MHRS managers ("MHRS keeps not answering"), so that nobody has to watch logs.
RETRY_ALERT_COUNT = 3
# Refusals meaning that MHRS already holds what the operation asks for: the answer of an earlier attempt
# was lost, or its outcome never reached Odoo. The record adopts MHRS's state (_mhrs_adopt_existing)
# instead of being left in error with every new press refused the same way.
ALREADY_DONE_CODES = {
    "clinic_delete": "KLN-005",
    "appointment_cancel": "RND-003",
}
# The failed follow-ups of each cursor (transaction), kept for the user (see _mhrs_followup). Not in the
# cursor's precommit data: a savepoint's rollback clears that.
FOLLOWUP_FAILURES = weakref.WeakKeyDictionary()
# Operations that create something at MHRS: resending one blindly after a lost answer would create it
# twice, so the retry looks for it at MHRS first (see _mhrs_adopt_existing).


def same_name(first, second):
    """MHRS compares names without regard to case and repeated spaces."""
    return " ".join((first or "").split()).casefold() == " ".join((second or "").split()).casefold()


class MhrsRecordMixin(models.AbstractModel):
    """Outcome of the MHRS actions of one record, for every entity model sent to MHRS.

    Inherit it next to ``mail.thread``. Each operation ``op`` the record sends has:

    * ``_mhrs_payload_<op>()``: builds the request payload from the record alone, so a retry job can
      rebuild and resend ``mhrs_pending_operation`` later;
    * ``_mhrs_apply_<op>(result)`` (optional): stores MHRS's answer on the record;
    * ``_mhrs_message_<op>()`` (optional): the chatter line posted on success.

    ``_mhrs_run(op)`` chains them through ``_mhrs_execute``; business errors raise a UserError (the
    chatter line and the error state survive the rollback), transport errors keep the operation for a
    retry and return None.

    Retry of the pending operation: adopt what MHRS already holds (``_mhrs_adopt_existing``), else
    resend it.
    """

    _name = "mhrs.record.mixin"
    _description = "MHRS Synchronised Record"
    # Fields an update operation sends: changing one on a registered record leaves MHRS behind until
    # the update is sent (mhrs_local_changes), and the operations that send them (they clear the flag).
    _mhrs_update_fields = ()
    _mhrs_update_operations = ()

    mhrs_sync_state = fields.Selection(
        SYNC_STATES,
        string="MHRS Sync",
        default="not_sent",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
        help="Outcome of the last MHRS action on this record: not sent yet, synced, waiting to be "
        "resent because MHRS did not answer, or refused by MHRS.",
    )
    mhrs_last_error = fields.Text(
        string="Last MHRS Error",
        readonly=True,
        copy=False,
        help="The message of the last MHRS error or of the last failed connection attempt.",
    )
    mhrs_pending_operation = fields.Char(
        string="Pending MHRS Operation",
        readonly=True,
        copy=False,
        help="The MHRS operation that could not be delivered and will be resent automatically.",
    )
    mhrs_pending_operation_name = fields.Char(
        string="Pending Operation",
        compute="_compute_mhrs_pending_operation_name",
        help="The name of the operation waiting to be resent, as the directive's table names it.",
    )
    mhrs_local_changes = fields.Boolean(
        string="Changed Since Sent",
        readonly=True,
        copy=False,
        help="Changed here after it was registered on MHRS: MHRS still has the previous values until "
        "Update on MHRS sends the change.",
    )
    mhrs_retry_count = fields.Integer(
        string="Retry Count",
        readonly=True,
        copy=False,
        help="How many times the pending operation could not be delivered.",
    )
    mhrs_next_retry = fields.Datetime(
        string="Next Retry",
        readonly=True,
        copy=False,
        index=True,
        help="When the pending operation will be resent at the earliest.",
    )

    @api.depends("mhrs_pending_operation")
    def _compute_mhrs_pending_operation_name(self):
        # Users read the operation's name (banners, lists), never the client method name.
        labels = dict(operation_selection())
        for record in self:
            operation = record.mhrs_pending_operation
            record.mhrs_pending_operation_name = labels.get(operation, operation) if operation else False

    def write(self, vals):
        result = super().write(vals)
        if self._mhrs_update_fields and set(vals) & set(self._mhrs_update_fields):
            self.filtered(
                lambda record: record.state == "registered" and not record.mhrs_local_changes
            ).write({"mhrs_local_changes": True})
        return result

    # ------------------------------------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------------------------------------
    def _mhrs_payload(self, operation):
        """The request payload of ``operation``, rebuilt from the record."""
        self.ensure_one()
        builder = getattr(self, f"_mhrs_payload_{operation}", None)
        if builder is None:
            raise UserError(
                self.env._(
                    "%(model)s cannot send the MHRS operation %(op)s.", model=self._description, op=operation
                )
            )
        return builder()

    def _mhrs_run(self, operation):
        """Build the payload, send it, store the answer; returns the result or None (kept for retry)."""
        self.ensure_one()
        message_builder = getattr(self, f"_mhrs_message_{operation}", None)
        success_message = message_builder() if message_builder else self.env._("MHRS accepted the operation.")
        applier = getattr(self, f"_mhrs_apply_{operation}", None)
        payload = self._mhrs_payload(operation)
        result = self._mhrs_execute(operation, success_message, applier=applier, **payload)
        if result is not None and operation in self._mhrs_update_operations and self.mhrs_local_changes:
            self.mhrs_local_changes = False
        return result

    def _mhrs_send(self, operation, payload):
        """Send ``operation`` for this record: one facade call by default; models whose operation needs
        several calls at MHRS (a branch before its clinic, drafts then their finalisation) override it."""
        return self.env["mhrs.connector.mixin"]._mhrs_call(operation, record=self, **payload)

    def _mhrs_execute(self, operation, success_message, applier=None, **payload):
        """Call MHRS for this record and record the outcome (see the class docstring).

        Once MHRS has answered, its outcome (the synced state and what ``applier`` stores) is written
        first; the chatter line comes after it as a guarded follow-up (:meth:`_mhrs_followup`), which
        can fail without undoing the outcome."""
        self.ensure_one()
        try:
            result = self._mhrs_send(operation, payload)
        except errors.MhrsNotAvailable as exc:
            message = user_message(self.env, exc)
            self._mhrs_store_error_outside(message)
            raise UserError(message) from exc
        except errors.MhrsBusinessError as exc:
            if self._mhrs_is_server_fault(exc):
                # A SOAP Server fault without an MHRS code is an outage, not a refusal: retry it.
                self._mhrs_keep_for_retry(operation, user_message(self.env, exc))
                return None
            if self._mhrs_adopt_after_refusal(operation, exc):
                return {}
            message = self._mhrs_business_message(exc)
            self._mhrs_store_error_outside(message)
            raise UserError(message) from exc
        except (errors.MhrsTransportError, errors.MhrsMalformedResponse) as exc:
            self._mhrs_keep_for_retry(operation, user_message(self.env, exc))
            return None
        self.write(
            {
                "mhrs_sync_state": "synced",
                "mhrs_last_error": False,
                "mhrs_pending_operation": False,
                "mhrs_retry_count": 0,
                "mhrs_next_retry": False,
            }
        )
        if applier:
            applier(result)
        self._mhrs_outcome_recorded()
        self._mhrs_followup(self._mhrs_log_note, success_message)
        # None means "kept for a retry" to the callers: an operation that answers nothing returns True.
        return True if result is None else result

    # ------------------------------------------------------------------------------------------------
    # Outcome first, follow-ups after: nothing local undoes what MHRS did
    # ------------------------------------------------------------------------------------------------
    def _mhrs_outcome_recorded(self):
        """MHRS has answered and its outcome is written: send it to the database now, so that a
        database error shows here and never in a follow-up's savepoint, whose rollback would then
        take the outcome with it. The pending commit hooks (the tracking lines of the outcome) run now,
        guarded: a follow-up's rollback would otherwise drop them."""
        self.env.flush_all()
        self._mhrs_followup(self.env.cr.precommit.run)

    def _mhrs_followup(self, func, *args, **kwargs):
        """Run a local follow-up of an MHRS outcome (chatter line, activity, notification, e-mail).

        It runs in its own savepoint: whatever it raises is rolled back alone, logged and reported to
        the user (:meth:`_mhrs_followup_failures`), never the outcome recorded before it. The outcome
        itself needs nothing of the follow-up: the next sync or retry brings MHRS's state anyway.
        Returns True when the follow-up ran."""
        # What is pending is the outcome: written outside the guard, its errors are never swallowed.
        self.env.flush_all()
        try:
            with self.env.cr.savepoint():
                func(*args, **kwargs)
            return True
        except Exception as exc:  # any failure of a follow-up is contained, by design
            _logger.warning("MHRS: a follow-up on %s failed after MHRS had answered", self, exc_info=True)
            detail = str(exc.args[0]) if getattr(exc, "args", None) else exc.__class__.__name__
            FOLLOWUP_FAILURES.setdefault(self.env.cr, []).append(detail)
            return False

    @api.model
    def _mhrs_followup_failures(self):
        """The follow-ups that failed in this transaction (their messages), emptied once read."""
        return FOLLOWUP_FAILURES.pop(self.env.cr, [])

    def _mhrs_log_note(self, body):
        """A chatter note on each record. Logged, not posted: a note notifies nobody, and posting
        requires an e-mail address on the user, which a receptionist created with a login only has not."""
        for record in self:
            record._message_log(body=body)

    def _mhrs_adopt_after_refusal(self, operation, exc):
        """MHRS refused ``operation`` because it already holds its result (ALREADY_DONE_CODES): adopt
        what MHRS holds, as the retry does. True when adopted; False leaves the refusal as it is."""
        if ALREADY_DONE_CODES.get(operation) != exc.code:
            return False
        try:
            return bool(self._mhrs_adopt_existing(operation))
        except errors.MhrsError as query_error:
            _logger.warning(
                "MHRS: %s refused (%s) and MHRS could not be asked: %s", self, exc.code, query_error
            )
            return False

    @api.model
    def _mhrs_is_server_fault(self, exc):
        """True for a business error that is in fact an outage. The wire already raises a SOAP Fault
        of the server kind (no MHRS error code) as a retryable transport error, so none is left here;
        kept as the one place to say otherwise should the Ministry's codes require it."""
        return False

    @api.model
    def _mhrs_business_message(self, exc):
        return self.env._(
            "MHRS refused the operation: %(message)s (%(code)s)",
            message=user_message(self.env, exc),
            code=exc.code,
        )

    def _mhrs_store_error_outside(self, message):
        """Post the MHRS error and set the error state through a separate cursor: the action's own
        transaction is rolled back by the UserError that follows."""
        # Two short transactions: the chatter line never waits on the record's row, which the action
        # being rolled back may still lock; the error state is written only if the row is free.
        try:
            with self.env.registry.cursor() as cr:
                self.with_env(self.env(cr=cr)).browse(self.ids)._mhrs_log_note(message)
        except Exception:
            _logger.exception("Could not post the MHRS error on %s", self)
        try:
            with self.env.registry.cursor() as cr:
                if not self.env.registry.in_test_mode():
                    cr.execute("SET LOCAL lock_timeout = '2s'")
                record = self.with_env(self.env(cr=cr)).browse(self.ids)
                record.write({"mhrs_sync_state": "error", "mhrs_last_error": message})
        except Exception:
            _logger.warning("Could not store the MHRS error state on %s (row locked)", self)
        self.invalidate_recordset(
            ["mhrs_sync_state", "mhrs_last_error", "message_ids"]
            if "message_ids" in self._fields
            else ["mhrs_sync_state", "mhrs_last_error"]
        )

    def _mhrs_keep_for_retry(self, operation, detail):
        same = self.mhrs_pending_operation == operation and self.mhrs_sync_state == "to_retry"
        count = self.mhrs_retry_count + 1 if same else 1
        delay = min(RETRY_FIRST_DELAY * (2 ** (count - 1)), RETRY_MAX_DELAY)
        self.write(
            {
                "mhrs_sync_state": "to_retry",
                "mhrs_pending_operation": operation,
                "mhrs_retry_count": count,
                "mhrs_next_retry": fields.Datetime.now() + delay,
                "mhrs_last_error": detail,
            }
        )
        self._mhrs_outcome_recorded()
        self._mhrs_followup(
            self._mhrs_log_note,
            self.env._(
                "MHRS did not answer; the operation is kept and will be retried (%(detail)s).", detail=detail
            ),
        )
        for record in self:
            if record.mhrs_retry_count >= RETRY_ALERT_COUNT:
                record._mhrs_followup(
                    record._mhrs_notify_managers,
                    self.env._("MHRS keeps not answering"),
                    self.env._(
                        "%(op)s could not be delivered %(count)s times; it is still retried "
                        "automatically. Last error: %(detail)s",
                        op=record.mhrs_pending_operation_name,
                        count=record.mhrs_retry_count,
                        detail=detail,
                    ),
                )

    def _mhrs_adopt_existing(self, operation):
        """Hook called before ``operation`` is resent after a failed delivery.

        The first attempt may have been applied by MHRS although its answer was lost (timeout, dropped
        connection, truncated answer). Models look at MHRS (a query) and, when MHRS already holds the
        result, store it on the record (its MHRS id...), mark the record synced through
        :meth:`_mhrs_mark_adopted` and return True: nothing is sent twice. Return False to resend.
        Query errors propagate as the client's typed errors.
        """
        self.ensure_one()
        return False

    def _mhrs_mark_adopted(self, message):
        """The pending operation turned out to be applied at MHRS already: the record is synced."""
        self.ensure_one()
        self.write(
            {
                "mhrs_sync_state": "synced",
                "mhrs_last_error": False,
                "mhrs_pending_operation": False,
                "mhrs_retry_count": 0,
                "mhrs_next_retry": False,
            }
        )
        self._mhrs_outcome_recorded()
        self._mhrs_followup(self._mhrs_log_note, message)

    def _mhrs_retry_one(self):
        """Deliver the pending operation of this record: adopt it or resend it.

        Returns True when delivered, False when it is kept for a later retry (the back-off and the
        retry count are updated by ``_mhrs_keep_for_retry``). A business rejection raises UserError.
        """
        self.ensure_one()
        operation = self.mhrs_pending_operation
        if not operation or self.mhrs_sync_state != "to_retry":
            return True
        try:
            if self._mhrs_adopt_existing(operation):
                return True
        except (errors.MhrsTransportError, errors.MhrsMalformedResponse) as exc:
            self._mhrs_keep_for_retry(operation, user_message(self.env, exc))
            return False
        except errors.MhrsBusinessError as exc:
            if self._mhrs_is_server_fault(exc):
                self._mhrs_keep_for_retry(operation, user_message(self.env, exc))
                return False
            raise UserError(self._mhrs_business_message(exc)) from exc
        self._mhrs_run(operation)
        return self.mhrs_sync_state != "to_retry"

    def _mhrs_retry_pending(self):
        """Resend the pending operation of each record, adopting what MHRS already holds."""
        for record in self.filtered(lambda r: r.mhrs_sync_state == "to_retry" and r.mhrs_pending_operation):
            record._mhrs_retry_one()

    def _mhrs_retry_rejected(self, operation, message):
        """MHRS refused a resent operation (or a local rule now forbids it): never retried again; the
        record shows the error and the MHRS managers get an activity."""
        self.ensure_one()
        self.write(
            {
                "mhrs_sync_state": "error",
                "mhrs_last_error": message,
                "mhrs_pending_operation": False,
                "mhrs_next_retry": False,
            }
        )
        self._mhrs_outcome_recorded()
        self._mhrs_followup(
            self._mhrs_notify_managers,
            self.env._(
                "MHRS refused the resent operation %(op)s",
                op=dict(operation_selection()).get(operation, operation),
            ),
            message,
        )

    def _mhrs_notify_managers(self, summary, note):
        """A to-do activity for an MHRS manager of the record's company (once per open summary)."""
        self.ensure_one()
        if "activity_ids" not in self._fields:
            return
        company = self.company_id if "company_id" in self._fields else self.env.company
        manager = company._mhrs_manager()
        if not manager:
            return
        if self.activity_ids.filtered(lambda act: act.summary == summary and act.user_id == manager):
            return
        self.sudo().activity_schedule(
            "mail.mail_activity_data_todo", summary=summary, note=note, user_id=manager.id
        )

    def _mhrs_action_result(self, result, title, message, warnings=None):
        """Notification returned by a button: success, or a warning when the call is kept for retry
        (then the title says so: not confirmed by MHRS), with the follow-ups that failed."""
        connector = self.env["mhrs.connector.mixin"]
        warnings = [*(warnings or []), *self._mhrs_followup_failure_lines()]
        if result is None:
            action = connector._mhrs_notify(
                self.env._("Not sent to MHRS yet"),
                self._mhrs_kept_message(),
                kind="warning",
                sticky=True,
            )
        elif warnings:
            action = connector._mhrs_notify(
                title, "\n".join([message, *warnings]), kind="warning", sticky=True
            )
        else:
            action = connector._mhrs_notify(title, message)
        # Show the new state of the record (statusbar, chatter) under the notification.
        action["params"]["next"] = {"type": "ir.actions.client", "tag": "soft_reload"}
        return action

    def _mhrs_kept_message(self):
        """What happened to an operation MHRS did not answer, and what happens next."""
        self.ensure_one()
        when = self.mhrs_next_retry and fields.Datetime.context_timestamp(self, self.mhrs_next_retry)
        return self.env._(
            "MHRS did not answer (%(detail)s): whether it applied the operation is not known yet. The "
            "operation is kept: from %(when)s it is checked at MHRS and sent again if MHRS does not hold "
            "it; until then the record shows To Retry.",
            detail=self.mhrs_last_error or "-",
            when=when.strftime("%d.%m.%Y %H:%M") if when else "-",
        )

    @api.model
    def _mhrs_followup_failure_lines(self):
        """One line per follow-up that failed after MHRS had answered (see _mhrs_followup)."""
        return [
            self.env._(
                "MHRS's answer is recorded; a follow-up step (chatter line, to-do or notification) "
                "failed afterwards and was skipped: %(error)s. Nothing needs to be sent to MHRS again.",
                error=failure,
            )
            for failure in self._mhrs_followup_failures()
        ]
