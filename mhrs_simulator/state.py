"""The simulator's state: plain dicts, so that it dumps to JSON as it is (GET /_control/state, --state).

Records keep aware datetimes in memory; on disk they are ISO strings under the keys in ``_DATETIME_KEYS``.
"""

import json
import os
import tempfile
from datetime import date, datetime

from .clock import parse_datetime
from .codes import BRANCHES

_DATETIME_KEYS = frozenset({"start", "end", "created", "updated", "arrived", "realized", "decided"})
_COLLECTIONS = ("institutions", "clinics", "templates", "schedules", "exceptions", "appointments", "drafts")


def empty_state():
    return {
        "institutions": {},  # code -> {code, username, password, name}
        "branches": {str(k): v for k, v in BRANCHES.items()},  # KlinikKodu -> name
        "physicians": {},  # tckn -> {tckn, name, surname}
        "clinics": {},  # AltKlinikKodu -> {id, institution, branch, name, video, active, ...}
        "templates": {},  # SablonId -> {id, institution, name, active, lines}
        "schedules": {},  # KesinCetvelId -> {id, institution, physician, branch, clinic, action, ...}
        "exceptions": {},  # IstisnaId -> {id, institution, physician, ..., status, reason}
        "appointments": {},  # HRN -> {hrn, institution, schedule, start, end, patient..., status}
        "closures": [],  # periods closed by approved exceptions: {physician, branch, clinic, start, end}
        "drafts": {},  # TaslakCetvelId -> {id, institution, physician, branch, clinic, action, ...}
        "inst_branches": {},  # institution -> [KlinikKodu registered by the institution]
        "links": {},  # "institution:branch" -> [physician TCKNs linked to the branch]
        "settings": {"auto_approve_exceptions": None},
        "seq": {
            "clinic": 4000,
            "template": 0,
            "schedule": 100000,
            "exception": 0,
            "appointment": 0,
            "draft": 500000,
        },
    }


def next_id(state, kind):
    state["seq"][kind] += 1
    return state["seq"][kind]


def _encode(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(state, **kwargs):
    return json.dumps(state, default=_encode, ensure_ascii=False, **kwargs)


def _decode_record(record):
    for key in _DATETIME_KEYS & record.keys():
        if isinstance(record[key], str):
            record[key] = parse_datetime(record[key])
    return record


def loads(text):
    """Inverse of ``dumps``; unknown keys are kept, missing ones come from an empty state."""
    data = json.loads(text)
    state = empty_state()
    state.update(data)
    for name in _COLLECTIONS:
        for record in state[name].values():
            _decode_record(record)
    for closure in state["closures"]:
        _decode_record(closure)
    return state


def write_atomic(text, path):
    """A crash mid-save must not leave a half-written state file behind."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".mhrs-state-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def save(state, path):
    write_atomic(dumps(state, indent=1), path)


def load(path):
    with open(path, encoding="utf-8") as handle:
        return loads(handle.read())
