"""Shared test base: a real MHRS simulator on a loopback port, reached over HTTP by the real client."""

import atexit
import threading

import requests

from odoo.tests import HttpCase, TransactionCase

from mhrs_simulator.server import SimulatorServer

INSTITUTION = {
    "code": 7654321,
    "username": "odoo-test",
    "password": "S3cret-Pa55-XYZ",
    "name": "Test Hastanesi",
}
RESPONSIBLE_TCKN = "10000000146"
_server = None
_server_lock = threading.Lock()


def simulator_server():
    """One simulator per test process; each test class resets and seeds it."""
    global _server  # noqa: PLW0603 - a process-wide singleton is the point
    with _server_lock:
        if _server is None:
            _server = SimulatorServer(host="127.0.0.1", port=0)
            _server.start()
            atexit.register(_server.stop)
        return _server


class SimulatorControl:
    """Thin JSON client of the simulator's /_control/ interface."""

    def __init__(self, server):
        self.server = server
        self.base = server.control_url.rstrip("/") + "/"

    def post(self, path, payload=None):
        response = requests.post(self.base + path, json=payload or {}, timeout=30)
        response.raise_for_status()
        return response.json()

    def get(self, path):
        response = requests.get(self.base + path, timeout=30)
        response.raise_for_status()
        return response.json()

    def reset(self):
        self.post("reset")
        self.post("seed", {"institution": INSTITUTION})

    def calls(self, code=None):
        """How many SOAP calls the simulator received (for one operation code, or all)."""
        counts = self.get("requests").get("counts", {})
        return counts.get(code, 0) if code else sum(counts.values())


class MhrsTestMixin:
    @classmethod
    def _setup_mhrs(cls):
        cls.sim_server = simulator_server()
        cls.sim = SimulatorControl(cls.sim_server)
        cls.sim.reset()
        cls.company = cls.env.company
        cls.company.write(
            {
                "mhrs_institution_code": str(INSTITUTION["code"]),
                "mhrs_vendor_code": "ODOO-TEST",
                "mhrs_username": INSTITUTION["username"],
                "mhrs_password": INSTITUTION["password"],
                "mhrs_responsible_tckn": RESPONSIBLE_TCKN,
                "mhrs_endpoint_url": cls.sim_server.url,
                "mhrs_wsdl_url": False,
                "mhrs_environment": "test",
                "mhrs_timeout": 10,
            }
        )

    def setUp(self):
        super().setUp()
        self.sim.reset()

    def assertRaisesKeepingLogs(self, exc_class, func, *args, **kwargs):
        """Like assertRaises, without Odoo's savepoint: MHRS logs and chatter written through a
        separate cursor must stay visible, as they do in production after the action rolls back."""
        try:
            func(*args, **kwargs)
        except exc_class as exc:
            return exc
        self.fail(f"{exc_class.__name__} not raised")


class MhrsCase(MhrsTestMixin, TransactionCase):
    """TransactionCase in registry test mode, so logs written through a separate cursor stay in the test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls._setup_mhrs()


class MhrsHttpCase(MhrsTestMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_mhrs()
