"""How a record sends one MHRS operation: declared once per model in ``_mhrs_operations``."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class MhrsOperation:
    """One MHRS operation of a record, as bound methods of that record.

    ``payload()`` builds the request from the record alone (a retry rebuilds it later); ``apply(result)``
    stores MHRS's answer on the record; ``message()`` is the chatter line of its success."""

    payload: Callable[[], dict]
    apply: Callable[[object], None] | None = None
    message: Callable[[], str] | None = None
