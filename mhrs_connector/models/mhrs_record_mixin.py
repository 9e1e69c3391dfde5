import logging
import weakref

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engines.record_retry import RecordRetry
from ..tools import outcome
from ..tools.messages import user_message
from ..tools.operation_labels import operation_label, operation_selection
from ..wire import errors

_logger = logging.getLogger(__name__)

SYNC_STATES = [
    ("not_sent", "Not Sent"),
    ("synced", "Synced"),
    ("to_retry", "To Retry"),
    ("error", "MHRS Error"),
]
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


class MhrsRecordMixin(models.AbstractModel):
    """Outcome of the MHRS actions of one record, for every entity model sent to MHRS.

    Inherit it next to ``mail.thread``. A model declares what it sends in ONE place,
    ``_mhrs_operations()``: ``{operation: MhrsOperation(payload=..., apply=..., message=...)}`` with bound
    methods of the record (``payload()`` builds the request from the record alone, so a retry job can
    rebuild and resend ``mhrs_pending_operation`` later; ``apply(result)`` stores MHRS's answer;
    ``message()`` is the chatter line of its success; ``run()`` sends an operation that is a plan of
    several calls, each recorded by ``_mhrs_execute``).

    Call path: ``action_mhrs_*`` (decorated with ``outcome.mhrs_entry_point``) -> ``_mhrs_run(op)`` ->
    ``_mhrs_execute`` -> ``_mhrs_send`` -> ``mhrs.client._mhrs_call`` -> the wire client.

    The rule: once MHRS has answered, its outcome is recorded whatever fails afterwards. Therefore,
    after the first MHRS answer in a transaction, nothing raises:

    * the outcome (sync state, MHRS ids, the local-changes flag) is written and flushed first, then a
      recorded point is set (:mod:`..tools.outcome`); chatter lines, activities and notifications come
      after it as guarded follow-ups (:meth:`_mhrs_followup`);
    * the applier runs in a savepoint: should it fail, the record says that MHRS accepted and storing
      the answer failed, and is kept To Retry, whose adoption (``_mhrs_adopt_existing``) picks it up;
    * a refusal by MHRS of a next step (a clinic after its branch, an update after an adoption) is
      recorded as the record's error in the same transaction and the button returns a sticky warning
      saying what MHRS did and what it refused (``_mhrs_execute`` returns False);
    * anything else escaping a button after an answer is caught by ``outcome.mhrs_entry_point``.

    A refusal of the first step (nothing done at MHRS yet) raises a UserError as before; its chatter
    line and error state are stored through a separate cursor, as the action is rolled back. Transport
    errors keep the operation for a retry and return None.

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
    mhrs_maybe_applied = fields.Boolean(
        string="May Be Done at MHRS",
        readonly=True,
        copy=False,
        help="The answer to the last attempt was lost after MHRS may have carried it out (a timeout, a "
        "dropped connection, a cut or unreadable answer, HTTP 500): it is not sent again blindly. MHRS "
        "surely did nothing after a refused connection, HTTP 502/503/504 or a refusal.",
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
    def _mhrs_operations(self):
        """What this model sends to MHRS: ``{operation: MhrsOperation}`` of bound methods (see the class
        docstring). The one place to read to know a model's operations."""
        return {}

    def _mhrs_operation(self, operation):
        """The declaration of ``operation`` for this record; UserError when the model has none."""
        declared = self._mhrs_operations().get(operation)
        if declared is None:
            raise UserError(
                self.env._(
                    "%(model)s cannot send the MHRS operation %(op)s.", model=self._description, op=operation
                )
            )
        return declared

    def _mhrs_payload(self, operation):
        """The request payload of ``operation``, rebuilt from the record."""
        self.ensure_one()
        return self._mhrs_operation(operation).payload()

    def _mhrs_run(self, operation):
        """Build the payload, send it, store the answer (or run the declared plan); returns the result,
        None (kept for retry) or False (MHRS did part of it and refused the rest, or its answer could not
        be stored)."""
        self.ensure_one()
        declared = self._mhrs_operation(operation)
        if declared.run:
            return declared.run()
        success_message = (
            declared.message() if declared.message else self.env._("MHRS accepted the operation.")
        )
        return self._mhrs_execute(operation, success_message, applier=declared.apply, **declared.payload())

    def _mhrs_send(self, operation, payload):
        """Send ``operation`` for this record: one facade call by default; models whose operation needs
        several calls at MHRS (a branch before its clinic, drafts then their finalisation) override it."""
        return self.env["mhrs.client"]._mhrs_call(operation, record=self, **payload)

    def _mhrs_execute(self, operation, success_message, applier=None, **payload):
        """Call MHRS for this record and record the outcome (see the class docstring).

        Once MHRS has answered, its outcome (the synced state, what ``applier`` stores, the local-changes
        flag) is written first; the chatter line comes after it as a guarded follow-up
        (:meth:`_mhrs_followup`), which can fail without undoing the outcome."""
        self.ensure_one()
        try:
            result = self._mhrs_send(operation, payload)
        except errors.MhrsError as exc:
            return self._mhrs_failed(operation, exc)
        self._mhrs_write_synced()
        stored = self._mhrs_apply_guarded(operation, applier, result) if applier else True
        if stored and operation in self._mhrs_update_operations and self.mhrs_local_changes:
            self.mhrs_local_changes = False
        self._mhrs_outcome_recorded()
        self._mhrs_followup(self._mhrs_log_note, success_message)
        if not stored:
            return False
        # None means "kept for a retry" to the callers: an operation that answers nothing returns True.
        return True if result is None else result

    @api.model
    def _mhrs_failure_kind(self, exc):
        """How an MHRS error is handled: "retry" (MHRS did not answer, or an outage in disguise),
        "refused" (MHRS's business refusal), "unavailable" (no such operation on this wire) or None."""
        if isinstance(exc, errors.MhrsNotAvailable):
            return "unavailable"
        if isinstance(exc, errors.MhrsBusinessError):
            # A SOAP Server fault without an MHRS code is an outage, not a refusal: retry it.
            return "retry" if self._mhrs_is_server_fault(exc) else "refused"
        if isinstance(exc, errors.MhrsTransportError | errors.MhrsMalformedResponse):
            return "retry"
        return None

    def _mhrs_failed(self, operation, exc):
        """MHRS did not do ``operation``: keep it for a retry (None), adopt what MHRS holds ({}), record
        the refusal (False) when MHRS already did something in this transaction, else raise UserError."""
        kind = self._mhrs_failure_kind(exc)
        if kind is None:
            raise exc
        if kind == "retry":
            self._mhrs_keep_for_retry(
                operation, user_message(self.env, exc), maybe_applied=getattr(exc, "maybe_applied", True)
            )
            return None
        if kind == "refused" and self._mhrs_adopt_after_refusal(operation, exc):
            return {}
        message = self._mhrs_business_message(exc) if kind == "refused" else user_message(self.env, exc)
        if outcome.held(self.env.cr):
            # Raising would roll back what MHRS did before: record the refusal with it instead.
            self._mhrs_refused_after_outcome(message)
            return False
        self._mhrs_store_error_outside(message)
        raise UserError(message) from exc

    def _mhrs_write_synced(self):
        """The record is in step with MHRS: nothing pending, no error."""
        self.write(
            {
                "mhrs_sync_state": "synced",
                "mhrs_last_error": False,
                "mhrs_pending_operation": False,
                "mhrs_retry_count": 0,
                "mhrs_next_retry": False,
                "mhrs_maybe_applied": False,
            }
        )

    def _mhrs_apply_guarded(self, operation, applier, result):
        """Store MHRS's answer; should that fail, the record still says that MHRS accepted, and it is
        kept To Retry so that the retry adopts what MHRS holds. True when stored."""
        self.env.flush_all()  # the synced state is the outcome: written outside the applier's savepoint
        try:
            with self.env.cr.savepoint():
                applier(result)
            return True
        except Exception as exc:  # whatever the applier raises must not take MHRS's outcome with it
            _logger.warning("MHRS: %s accepted %s; storing its answer failed", self, operation, exc_info=True)
            self.invalidate_recordset()
            detail = str(exc.args[0]) if getattr(exc, "args", None) else exc.__class__.__name__
            self.write(
                {
                    "mhrs_sync_state": "to_retry",
                    "mhrs_pending_operation": operation,
                    "mhrs_maybe_applied": True,  # MHRS did apply it
                    "mhrs_retry_count": 0,
                    "mhrs_next_retry": fields.Datetime.now(),
                    "mhrs_last_error": self.env._(
                        "MHRS accepted %(op)s, but storing its answer here failed (%(error)s). The record is "
                        "kept To Retry: the retry looks at MHRS first and adopts what it holds.",
                        op=operation_label(operation),
                        error=detail,
                    ),
                }
            )
            return False

    def _mhrs_refused_after_outcome(self, message):
        """MHRS refused a next step after it had done something in this transaction: the refusal is
        this record's error, written in the same transaction as what MHRS did."""
        self.write(
            {
                "mhrs_sync_state": "error",
                "mhrs_last_error": message,
                "mhrs_pending_operation": False,
                "mhrs_next_retry": False,
            }
        )
        self._mhrs_outcome_recorded()
        self._mhrs_followup(self._mhrs_log_note, message)

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
        outcome.recorded(self.env.cr)

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
            outcome.advanced(self.env.cr)
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

    def _mhrs_keep_for_retry(self, operation, detail, maybe_applied=None):
        """Keep ``operation`` for the retry job, with a back-off (engines/record_retry.py)."""
        RecordRetry(self).keep(operation, detail, maybe_applied)

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

    def _mhrs_hold_for_check(self, operation, message):
        """Stop retrying ``operation``, which MHRS may have done: a person checks (record_retry.py)."""
        return RecordRetry(self).hold_for_check(operation, message)

    def _mhrs_held_for_check(self):
        """True while the record waits for a person to check MHRS (:meth:`_mhrs_hold_for_check`)."""
        self.ensure_one()
        return self.mhrs_sync_state == "error" and self.mhrs_maybe_applied

    def _mhrs_mark_adopted(self, message):
        """The pending operation turned out to be applied at MHRS already: the record is synced."""
        RecordRetry(self).mark_adopted(message)

    def _mhrs_retry_one(self):
        """Deliver the pending operation: adopt it or resend it (engines/record_retry.py). True when
        delivered, False when kept for a later retry."""
        return RecordRetry(self).retry_one()

    def _mhrs_retry_pending(self):
        """Resend the pending operation of each record, adopting what MHRS already holds."""
        for record in self.filtered(lambda r: r.mhrs_sync_state == "to_retry" and r.mhrs_pending_operation):
            record._mhrs_retry_one()

    def _mhrs_retry_rejected(self, operation, message):
        """MHRS refused a resent operation: never retried again, the managers get a to-do."""
        RecordRetry(self).rejected(operation, message)

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
        connector = self.env["mhrs.client"]
        warnings = [*(warnings or []), *self._mhrs_followup_failure_lines()]
        if result is None:
            action = connector._mhrs_notify(
                self.env._("Not sent to MHRS yet"),
                self._mhrs_kept_message(),
                kind="warning",
                sticky=True,
            )
        elif result is False:
            action = connector._mhrs_notify(
                self.env._("Partly done on MHRS"),
                "\n".join([self._mhrs_partly_done_message(self.mhrs_last_error), *warnings]),
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

    @api.model
    def _mhrs_partly_done_message(self, then):
        """What MHRS did in this transaction (all of it recorded here), then what went wrong."""
        state = outcome.current(self.env.cr)
        done = "; ".join(state.done) if state and state.done else "-"
        return self.env._(
            "MHRS did: %(done)s. This is recorded here and needs no new press. Then: %(then)s",
            done=done,
            then=then or "-",
        )

    @api.model
    def _mhrs_kept_after_failure(self, exc):
        """The warning of a button that failed after MHRS had answered (see outcome.mhrs_entry_point)."""
        detail = str(exc.args[0]) if getattr(exc, "args", None) else exc.__class__.__name__
        message = self._mhrs_partly_done_message(
            self.env._("a later step failed and was not saved: %(error)s", error=detail)
        )
        action = self.env["mhrs.client"]._mhrs_notify(
            self.env._("Done on MHRS, not completed here"),
            "\n".join([message, *self._mhrs_followup_failure_lines()]),
            kind="warning",
            sticky=True,
        )
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
