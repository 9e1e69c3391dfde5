"""The WSGI service: REST MHRS V2 under /api/rs/, SOAP G2 (and its WSDL/XSD download), /_control/, and
SimulatorServer for tests.

Stdlib only (wsgiref + ThreadingMixIn), so concurrent calls from several Odoo workers are served at once.
"""

import collections
import logging
import os
import socket
import socketserver
import threading
import time
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from . import control, g2codec, wire_g2, wire_rest
from .faults import Faults
from .logic import Simulator
from .state import dumps, load, write_atomic

_logger = logging.getLogger(__name__)

CONTROL_PREFIX = "/_control/"
MAX_BODY = 10 * 1024 * 1024


class CallLog:
    """Calls received per operation code, and the last calls (for GET /_control/requests)."""

    def __init__(self, keep=500):
        self._lock = threading.Lock()
        self._keep = keep
        self.reset()

    def reset(self):
        with self._lock:
            self.counts = collections.Counter()
            self.calls = collections.deque(maxlen=self._keep)

    def add(self, code, when, ack, issue=None, fault=None, duration_ms=None):
        code = code or "?"
        with self._lock:
            self.counts[code] += 1
            self.calls.append(
                {
                    "code": code,
                    "time": when.isoformat(),
                    "ack": ack,
                    "issue": issue,
                    "fault": fault,
                    "duration_ms": duration_ms,
                }
            )

    def snapshot(self):
        with self._lock:
            return {
                "counts": dict(self.counts),
                "total": sum(self.counts.values()),
                "calls": list(self.calls),
            }


def _base_url(environ):
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}"


class SimulatorApp:
    def __init__(self, simulator, faults=None, check_responses=False, g2_namespace=None):
        self.simulator = simulator
        self.g2_namespace = g2_namespace or os.environ.get("MHRS_G2_NAMESPACE") or g2codec.PLACEHOLDER_NS
        self.tokens = wire_rest.Tokens()
        self.faults = faults or Faults()
        self.calls = CallLog()
        self.check_responses = check_responses
        # Our own G2 answers that do not match the G2 schema, when check_responses is on (tests). REST has
        # no published schema to check against.
        self.response_errors = []

    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        if path.startswith(CONTROL_PREFIX):
            status, payload = control.dispatch(self, environ)
            return self._reply(start_response, status, control.encode(payload), "application/json")
        if path.startswith(wire_rest.PREFIX):
            return self._new_wire(environ, start_response, "rest")
        if path == wire_g2.G2_PATH:
            if method == "GET":
                return self._g2_download(environ, start_response)
            return self._new_wire(environ, start_response, "g2")
        return self._reply(start_response, 404, b"not found", "text/plain")

    @staticmethod
    def _reply(start_response, status, body, content_type, reason=None):
        reason = reason or {
            200: "OK",
            404: "Not Found",
            405: "Method Not Allowed",
            400: "Bad Request",
            401: "Unauthorized",
            403: "Forbidden",
            413: "Too Large",
            503: "Service Unavailable",
            500: "Internal Server Error",
        }.get(status, "Status")
        start_response(
            f"{status} {reason}", [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        )
        return [body]

    # -- the real wires (REST MHRS V2, SOAP G2) ---------------------------------------------------------
    def _g2_download(self, environ, start_response):
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        endpoint = _base_url(environ) + wire_g2.G2_PATH
        if "xsd" in query:
            return self._reply(
                start_response, 200, g2codec.xsd_bytes(self.g2_namespace), "text/xml; charset=utf-8"
            )
        if "wsdl" in query:
            body = g2codec.wsdl_bytes(self.g2_namespace, endpoint)
            return self._reply(start_response, 200, body, "text/xml; charset=utf-8")
        return self._reply(start_response, 405, b"POST G2 requests here; GET ?wsdl", "text/plain")

    def _new_wire(self, environ, start_response, wire):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            return self._reply(start_response, 413, b"request too large", "text/plain")
        body = environ["wsgi.input"].read(length) if length else b""
        started = time.monotonic()
        if wire == "rest":
            code = wire_rest.operation_of(environ.get("PATH_INFO", ""))
            content_type = "application/json; charset=utf-8"
        else:
            code = wire_g2.peek_operation(body)
            content_type = "text/xml; charset=utf-8"
        rule = self.faults.pick(code, wire)
        outcome = None
        refuse = rule["code"] if rule and rule["mode"] == "refuse" else None
        if rule is None or rule["execute"] or refuse:
            if wire == "rest":
                outcome = wire_rest.handle(self.simulator, self.tokens, environ, body, refuse=refuse)
            else:
                outcome = wire_g2.handle(
                    self.simulator, body, self.g2_namespace, self.check_responses, refuse=refuse
                )
                self.response_errors.extend(outcome.response_errors)
        elapsed = round((time.monotonic() - started) * 1000, 1)
        now = self.simulator.now()
        ack = None if outcome is None else ("AA" if outcome.ok else "AE")
        self.calls.add(
            f"{wire}:{code}",
            now,
            ack,
            outcome.issue if outcome else None,
            rule["mode"] if rule else None,
            elapsed,
        )
        if rule is None:
            return self._reply(start_response, outcome.status, outcome.body, content_type)
        return self._new_wire_fault(environ, start_response, rule, outcome, wire, content_type)

    def _new_wire_fault(self, environ, start_response, rule, outcome, wire, content_type):  # noqa: PLR0911
        mode = rule["mode"]
        if mode == "refuse":
            return self._reply(start_response, outcome.status, outcome.body, content_type)
        if mode == "latency":
            self.faults.stop_event.wait(rule["latency_ms"] / 1000)
            return self._reply(start_response, outcome.status, outcome.body, content_type)
        if mode == "timeout":
            self.faults.stop_event.wait(rule["timeout_s"])
            return self._reply(start_response, 500, b"<html><body>timeout</body></html>", "text/html")
        if mode in ("http500", "http503", "http401"):
            status = int(mode[4:])
            if wire == "rest" and status != 500:
                body = wire_rest.envelope(errors=[{"kodu": f"HTTP{status}", "mesaj": "simülasyon"}])
                return self._reply(start_response, status, body, content_type)
            html = f"<html><body><h1>{status}</h1></body></html>".encode()
            return self._reply(start_response, status, html, "text/html; charset=utf-8")
        if mode == "soap_fault":
            if wire == "rest":
                return self._reply(start_response, 500, wire_rest.envelope(errors=[]), content_type)
            body = wire_g2.fault_bytes(
                "soap:Server", "MHRS servisinde beklenmeyen bir hata oluştu (simülasyon)."
            )
            return self._reply(start_response, 500, body, content_type)
        if mode == "malformed":
            return self._reply(start_response, 200, b"this is neither JSON nor XML <<< {", content_type)
        if mode == "truncated":
            return self._reply(start_response, 200, outcome.body[: len(outcome.body) // 2], content_type)
        return self._drop(environ)

    @staticmethod
    def _drop(environ):
        """Close the connection without a single byte of answer."""
        sock = environ.get("mhrs.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        # wsgiref's ServerHandler treats this as "client went away" and writes nothing.
        raise ConnectionAbortedError("fault: drop")


class _Handler(WSGIRequestHandler):
    def get_environ(self):
        environ = super().get_environ()
        environ["mhrs.socket"] = self.connection  # for the "drop" fault
        return environ

    def log_message(self, fmt, *args):
        _logger.debug("%s - %s", self.address_string(), fmt % args)


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True

    def server_bind(self):
        # HTTPServer.server_bind calls socket.getfqdn, which can hang for seconds without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]
        self.setup_environ()


class _StateSaver:
    """Saves --state in the background at most every ``delay`` seconds, and once more at stop."""

    def __init__(self, simulator, path, delay=0.5):
        self.simulator, self.path, self.delay = simulator, path, delay
        self._dirty = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="mhrs-state-saver", daemon=True)
        self._thread.start()

    def mark(self, _simulator=None):
        self._dirty.set()

    def _run(self):
        while not self._stopping:
            self._dirty.wait()
            time.sleep(self.delay)
            self.save()

    def save(self):
        self._dirty.clear()
        with self.simulator.lock:
            text = dumps(self.simulator.state)
        write_atomic(text, self.path)

    def stop(self):
        self._stopping = True
        self._dirty.set()
        self.save()


class SimulatorServer:
    """``srv = SimulatorServer(port=0); srv.start(); srv.base_url; srv.stop()``, or
    ``with SimulatorServer() as srv``."""

    def __init__(
        self,
        host="127.0.0.1",
        port=0,
        simulator=None,
        state_file=None,
        check_responses=False,
        g2_namespace=None,
    ):
        if simulator is None:
            state = load(state_file) if state_file and os.path.exists(state_file) else None
            simulator = Simulator(state=state)
        self.simulator = simulator
        self.app = SimulatorApp(simulator, check_responses=check_responses, g2_namespace=g2_namespace)
        self.host, self._port = host, port
        self._saver = _StateSaver(simulator, state_file) if state_file else None
        if self._saver:
            simulator.on_change = self._saver.mark
        self._httpd = None
        self._thread = None

    @property
    def faults(self):
        return self.app.faults

    @property
    def port(self):
        return self._httpd.server_port if self._httpd else self._port

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def g2_url(self):
        return self.base_url + wire_g2.G2_PATH

    @property
    def control_url(self):
        return self.base_url + CONTROL_PREFIX.rstrip("/")

    def start(self):
        self.app.faults.stop_event.clear()
        self._httpd = _ThreadingWSGIServer((self.host, self._port), _Handler)
        self._httpd.set_app(self.app)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="mhrs-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self):
        """Foreground serving for ``python -m mhrs_simulator`` (starts the server if needed)."""
        if self._httpd is None:
            self.start()
        try:
            self._thread.join()
        finally:
            self.stop()

    def stop(self):
        if self._httpd is None:
            return
        self.app.faults.stop_event.set()  # release "timeout" sleepers
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._httpd = None
        if self._saver:
            self._saver.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
