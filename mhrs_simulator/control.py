"""JSON control interface under /_control/ (loopback callers only): tests and demos drive MHRS with it."""

import ipaddress
import json

from .clock import parse_datetime
from .codes import SimError
from .faults import FaultError
from .state import dumps

PREFIX = "/_control/"


def is_loopback(address):
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback; anything unparsable is refused."""
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return ip.is_loopback


def encode(payload):
    return dumps(payload).encode("utf-8")


def _body(environ):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    data = json.loads(raw or b"{}")
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def dispatch(app, environ):
    """(HTTP status, JSON-able payload) for one control request."""
    if not is_loopback(environ.get("REMOTE_ADDR")):
        return 403, {"error": "forbidden", "text": "the control interface answers loopback callers only"}
    method, name = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")[len(PREFIX) :].strip("/")
    handler = ROUTES.get((method, name))
    if handler is None:
        return 404, {"error": "not_found", "text": f"no control route {method} {PREFIX}{name}"}
    try:
        return 200, handler(app, _body(environ) if method == "POST" else {})
    except SimError as error:
        return 400, {"error": error.code, "text": error.text}
    except (FaultError, ValueError, KeyError, TypeError) as error:
        return 400, {"error": "bad_request", "text": f"{type(error).__name__}: {error}"}


def _reset(app, _data):
    app.simulator.reset()
    app.simulator.clock.release()
    app.faults.clear()
    app.calls.reset()
    app.response_errors.clear()
    return {"ok": True, "now": app.simulator.now()}


def _seed(app, data):
    return app.simulator.seed(data)


def _clock(app, data):
    clock = app.simulator.clock
    if data.get("release"):
        clock.release()
    if data.get("set"):
        clock.set(parse_datetime(data["set"]), frozen=data.get("frozen", True))
    if data.get("advance_minutes"):
        clock.advance(float(data["advance_minutes"]))
    return clock.describe()


def _clock_get(app, _data):
    return app.simulator.clock.describe()


def _citizens(app, data):
    window = data.get("window") or {}
    window = {key: parse_datetime(window[key]) for key in ("start", "end") if window.get(key)}
    return app.simulator.citizens(
        int(data.get("bookings", 0)),
        int(data.get("cancellations", 0)),
        data.get("seed"),
        window,
        data.get("institution"),
    )


def _auto_cancel(app, data):
    return app.simulator.auto_cancel(float(data.get("share", 1.0)), data.get("seed"))


def _exceptions(app, data):
    if "auto_approve" in data:
        with app.simulator.lock:
            app.simulator.state["settings"]["auto_approve_exceptions"] = data["auto_approve"]
    result = {"auto_approve": app.simulator.state["settings"]["auto_approve_exceptions"]}
    if data.get("id") is not None:
        record = app.simulator.decide_exception(
            data["id"], bool(data.get("approve", True)), data.get("reason")
        )
        result["exception"] = record
    return result


def _exceptions_get(app, _data):
    with app.simulator.lock:
        return {
            "exceptions": list(app.simulator.state["exceptions"].values()),
            "auto_approve": app.simulator.state["settings"]["auto_approve_exceptions"],
        }


def _faults(app, data):
    if data.get("clear"):
        app.faults.clear()
    if data.get("mode"):
        app.faults.add(data)
    return {"faults": app.faults.rules()}


def _faults_get(app, _data):
    return {"faults": app.faults.rules()}


def _state(app, _data):
    with app.simulator.lock:
        # Serialise under the lock: a concurrent REST or G2 call must not change dicts while they are dumped.
        return json.loads(dumps(app.simulator.state))


def _requests(app, _data):
    return app.calls.snapshot()


def _requests_reset(app, _data):
    app.calls.reset()
    return {"ok": True}


ROUTES = {
    ("POST", "reset"): _reset,
    ("POST", "seed"): _seed,
    ("GET", "clock"): _clock_get,
    ("POST", "clock"): _clock,
    ("POST", "citizens"): _citizens,
    ("POST", "auto_cancel"): _auto_cancel,
    ("GET", "exceptions"): _exceptions_get,
    ("POST", "exceptions"): _exceptions,
    ("GET", "faults"): _faults_get,
    ("POST", "faults"): _faults,
    ("GET", "state"): _state,
    ("GET", "requests"): _requests,
    ("POST", "requests/reset"): _requests_reset,
}
