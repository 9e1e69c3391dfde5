"""What MHRS has done in the current transaction, so that nothing local undoes it (issue #15).

An entry point (a button, one record of the retry job) opens a scope on its cursor (:func:`scope`).
Inside it, every operation MHRS accepts that changes something there is *held* (the connector calls
:func:`answered`), and every outcome written to the database is followed by a *recorded point*, a
savepoint (:func:`recorded`). A later failure is then rolled back to the last recorded point
(:func:`keep`) instead of taking MHRS's outcome with it, and a later refusal by MHRS is recorded instead
of raised. Outside a scope nothing is held: a cron or a script keeps its own error handling.

The state lives next to the cursor, not in its precommit data: a savepoint's rollback clears that.
"""

import functools
import logging
import weakref
from contextlib import contextmanager

_logger = logging.getLogger(__name__)
_SCOPES = weakref.WeakKeyDictionary()


class OutcomeScope:
    """The MHRS outcomes of one entry point."""

    def __init__(self):
        self.done = []  # what MHRS did, in the user's words, in order
        self.savepoint = None  # the last recorded point
        self.unrecorded = False  # MHRS answered after the last recorded point

    @property
    def held(self):
        return bool(self.done)


@contextmanager
def scope(cr):
    """Open the outcome scope of an entry point on ``cr`` (nested entry points share the outer one)."""
    current = _SCOPES.get(cr)
    if current is not None:
        yield current
        return
    current = _SCOPES[cr] = OutcomeScope()
    try:
        yield current
    finally:
        _SCOPES.pop(cr, None)


def current(cr):
    """The open scope of ``cr``, or None."""
    return _SCOPES.get(cr)


def held(cr):
    """True once MHRS has done something in the open scope of ``cr``."""
    state = _SCOPES.get(cr)
    return bool(state and state.held)


def answered(cr, what):
    """MHRS has done ``what`` (a change, or an adoption of what it holds); its outcome is not recorded
    yet. Nothing happens outside a scope."""
    state = _SCOPES.get(cr)
    if state is not None:
        state.done.append(what)
        state.unrecorded = True


def recorded(cr):
    """The outcomes held so far are written and flushed: what comes after can be rolled back alone."""
    state = _SCOPES.get(cr)
    if state is not None and state.held:
        state.savepoint = cr.savepoint(flush=False)  # SAVEPOINT now; never released, kept to the commit
        state.unrecorded = False


def advanced(cr):
    """A follow-up succeeded after the outcomes were recorded: keep it too should a later step fail."""
    state = _SCOPES.get(cr)
    if state is not None and state.held and not state.unrecorded:
        recorded(cr)


def item_done(env):
    """One item of an entry point that handles several, each in a savepoint of its own (the plan
    wizard's schedules), is over: that savepoint was released with the points recorded in it, so a
    point is recorded at the entry point's level, keeping what MHRS did for the item should a later one
    fail."""
    env.flush_all()
    recorded(env.cr)


def keep(env):
    """A failure escaped after MHRS had answered: leave the transaction able to commit what MHRS did.

    Rolls back to the last recorded point; when MHRS answered after it, keeps the transaction as it is
    if it is still usable. Returns False when nothing can be kept (the caller re-raises)."""
    state = _SCOPES.get(env.cr)
    if state is None or not state.held:
        return False
    if state.unrecorded:
        try:
            with env.cr.savepoint(flush=False):
                env.flush_all()
            return True
        except Exception:  # the transaction is broken: fall back to the last recorded point
            if state.savepoint is None:
                return False
    if state.savepoint is None:
        return False
    env.cr.clear()
    try:
        state.savepoint.rollback()
    except Exception:  # released with an enclosing savepoint: nothing to go back to
        return False
    state.unrecorded = False
    return True


def mhrs_entry_point(method):
    """Decorate every button (or wizard confirmation) that calls MHRS: the net of the rule "once MHRS
    has answered, nothing raises".

    The button runs in an outcome scope (this module). Whatever escapes it after MHRS has
    done something in this transaction (a defect, a constraint, a local step) is logged and becomes a
    sticky warning, and the transaction is brought back to the last recorded outcome, so that it commits
    what MHRS did instead of rolling it back. Before MHRS has done anything, errors are raised as usual.
    """

    @functools.wraps(method)
    def entry_point(self, *args, **kwargs):
        with scope(self.env.cr) as state:
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:
                if not state.held:
                    raise
                _logger.warning(
                    "MHRS: %s of %s failed after MHRS had answered; its outcome is kept",
                    method.__name__,
                    self,
                    exc_info=True,
                )
                if not keep(self.env):
                    raise
                return self.env["mhrs.record.mixin"]._mhrs_kept_after_failure(exc)

    return entry_point
