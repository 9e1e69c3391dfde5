"""The simulator's own clock.

Tests must be able to move MHRS time (an appointment "has not come yet", tomorrow's 20:00 auto-cancel)
without touching the machine's clock or the client's clock (freezegun in the client process must not
change what the simulator believes), so every piece of logic asks this object, never ``datetime.now``.
"""

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Istanbul")


def _real_now():
    # Read through the timestamp so freezegun patching ``datetime`` in the same process does not leak
    # into the simulator when tests freeze the client side.
    import time

    return datetime.fromtimestamp(time.time(), tz=UTC)


def aware(value):
    """Return ``value`` as an aware datetime; naive values are taken as Istanbul wall-clock time."""
    if value.tzinfo is None:
        return value.replace(tzinfo=TZ)
    return value


def parse_datetime(text):
    return aware(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))


def local(value):
    """The same instant expressed in Istanbul time (for day logic and for responses)."""
    return aware(value).astimezone(TZ)


class Clock:
    """Real time plus an offset, or a frozen instant."""

    def __init__(self):
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen = None

    def now(self):
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return local(_real_now() + self._offset)

    def set(self, when, frozen=True):
        """Jump to ``when``; frozen keeps it there, otherwise time runs on from it."""
        when = local(when)
        with self._lock:
            if frozen:
                self._frozen = when
            else:
                self._frozen = None
                self._offset = when - _real_now()
        return self.now()

    def advance(self, minutes):
        with self._lock:
            if self._frozen is not None:
                self._frozen = self._frozen + timedelta(minutes=minutes)
            else:
                self._offset += timedelta(minutes=minutes)
        return self.now()

    def release(self):
        """Back to the machine's time."""
        with self._lock:
            self._frozen = None
            self._offset = timedelta(0)
        return self.now()

    def describe(self):
        with self._lock:
            frozen = self._frozen is not None
            offset = self._offset.total_seconds()
        return {"now": self.now().isoformat(), "frozen": frozen, "offset_seconds": offset}
