"""Fault injection: rules chosen per wire and operation, applied by the server around a REST or G2 call."""

import random
import threading

MODES = (
    "latency",
    "timeout",
    "http500",
    "http503",
    "http401",
    "soap_fault",
    "malformed",
    "truncated",
    "drop",
    "refuse",
)
WIRES = ("rest", "g2")
# "refuse" answers with the MHRS business refusal ``code`` (the wire's own error answer) without applying
# the operation: a refusal MHRS could give that the test cannot otherwise provoke (issue #15).
# These answer with the real operation's result, so the operation takes effect; the others replace the
# call unless the rule says "execute": true (an outage after MHRS committed the change).
EXECUTING_MODES = ("latency", "truncated")


class FaultError(ValueError):
    pass


def _rule(spec):
    mode = spec.get("mode")
    if mode not in MODES:
        raise FaultError(f"mode must be one of {', '.join(MODES)}")
    if mode == "refuse" and not spec.get("code"):
        raise FaultError("refuse needs the MHRS error code to answer with (code)")
    count, share = spec.get("count"), spec.get("share")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise FaultError("count must be a positive integer")
    if share is not None and not 0 < float(share) <= 1:
        raise FaultError("share must be in (0, 1]")
    wire = spec.get("wire") or "*"
    if wire != "*" and wire not in WIRES:
        raise FaultError(f"wire must be one of {', '.join(WIRES)}")
    return {
        "mode": mode,
        "wire": wire,
        "operation": spec.get("operation") or "*",
        "count": count,
        "share": None if share is None else float(share),
        "latency_ms": int(spec.get("latency_ms", 1000)),
        "timeout_s": float(spec.get("timeout_s", 60)),
        "execute": bool(spec.get("execute", mode in EXECUTING_MODES)),
        "code": spec.get("code"),
        "hits": 0,
    }


class Faults:
    """Rules are tried in the order added; a rule with neither count nor share applies until cleared."""

    def __init__(self, seed=None):
        self._lock = threading.Lock()
        self._rules = []
        self._rng = random.Random(seed)
        self.stop_event = threading.Event()  # wakes "timeout" sleepers when the server stops

    def add(self, spec):
        rule = _rule(spec)
        with self._lock:
            self._rules.append(rule)
        return dict(rule)

    def clear(self):
        with self._lock:
            self._rules.clear()

    def rules(self):
        with self._lock:
            return [dict(rule) for rule in self._rules]

    def pick(self, code, wire):
        """The rule to apply to one call of ``code`` on ``wire`` ("rest" or "g2"), consuming a count, or
        None. Operation names: the G2 operation (``KurumRandevuSorgulamaObj``) or the REST path under
        /api/rs/ (``hbys/cetvel/ekle``, ``login``)."""
        with self._lock:
            for rule in self._rules:
                if rule["operation"] not in ("*", code) or rule.get("wire", "*") not in ("*", wire):
                    continue
                if rule["share"] is not None and self._rng.random() >= rule["share"]:
                    continue
                rule["hits"] += 1
                if rule["count"] is not None:
                    rule["count"] -= 1
                    if rule["count"] == 0:
                        self._rules.remove(rule)
                return dict(rule)
        return None
