"""How a record sends one MHRS operation: declared once per model in ``_mhrs_operations``."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class MhrsOperation:
    """One MHRS operation of a record, as bound methods of that record.

    ``payload()`` builds the request from the record alone (a retry rebuilds it later); ``apply(result)``
    stores MHRS's answer on the record; ``message()`` is the chatter line of its success. An operation
    that is a plan of several calls declares ``run()`` instead: it sends the plan, each call's outcome
    recorded as it comes, and returns what ``_mhrs_run`` returns."""

    payload: Callable[[], dict] = dict
    apply: Callable[[object], None] | None = None
    message: Callable[[], str] | None = None
    run: Callable[[], object] | None = None
