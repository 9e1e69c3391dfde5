"""Shared test base: a real MHRS simulator on a loopback port, reached over HTTP by the real client."""

import atexit
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, time
from unittest.mock import patch
from zoneinfo import ZoneInfo

import freezegun
import requests

from odoo.tests import HttpCase, TransactionCase
from odoo.tests.common import ChromeBrowser

from mhrs_simulator.server import SimulatorServer

from ..wire import OPERATIONS, rest

INSTITUTION = {
    "code": 7654321,
    # The real wires log in with a numeric user (REST kullaniciAdi, G2 KullaniciKodu).
    "username": "4455667",
    "user_code": "4455667",
    "password": "S3cret-Pa55-XYZ",
    "name": "Test Hastanesi",
}
APP_CODE = "ODOO-TEST"
HOSPITAL_TZ = ZoneInfo("Europe/Istanbul")
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

    def fault(self, operation, mode, interface, **rule):
        """Inject a fault on the facade ``operation`` (registry key) as ``interface`` sends it."""
        return self.post(
            "faults", {"operation": wire_name(operation, interface), "wire": interface, "mode": mode, **rule}
        )

    def wire_calls(self, operation, interface):
        """How many calls of the facade ``operation`` the simulator received over ``interface``."""
        return self.calls(f"{interface}:{wire_name(operation, interface)}")

    def calls(self, code=None):
        """How many SOAP calls the simulator received (for one operation code, or all)."""
        counts = self.get("requests").get("counts", {})
        return counts.get(code, 0) if code else sum(counts.values())


def wire_name(operation, interface):
    """What the simulator calls the facade ``operation`` on ``interface``: the REST path under /api/rs/
    or the G2 operation name."""
    if operation == "login":
        return "login"
    op = OPERATIONS[operation]
    return f"hbys/{op.g3[1]}" if interface == "rest" else op.g2


def wire_settings(server, interface="rest"):
    """The company settings that make ``interface`` talk to the test simulator."""
    return {
        "mhrs_interface": interface,
        "mhrs_base_url": server.base_url,
        "mhrs_institution_code": str(INSTITUTION["code"]),
        "mhrs_vendor_code": "ODOO-TEST",
        "mhrs_username": INSTITUTION["username"],
        "mhrs_password": INSTITUTION["password"],
        "mhrs_app_code": APP_CODE,
        "mhrs_g2_user_code": INSTITUTION["user_code"],
        "mhrs_g2_password": INSTITUTION["password"],
        "mhrs_g2_user_type": 2,
        "mhrs_responsible_tckn": RESPONSIBLE_TCKN,
        "mhrs_timeout": 10,
    }


class MhrsTestMixin:
    # The MHRS interface the company uses; a subclass per wire runs the same tests over the other one.
    mhrs_interface = "rest"

    @classmethod
    def _setup_mhrs(cls):
        cls.sim_server = simulator_server()
        cls.sim = SimulatorControl(cls.sim_server)
        cls.sim.reset()
        cls.company = cls.env.company
        cls.company.write(wire_settings(cls.sim_server, cls.mhrs_interface))

    def setUp(self):
        super().setUp()
        self.sim.reset()
        rest.clear_tokens()  # each test logs in afresh: the simulator forgot its tokens

    def sim_clock_follows_odoo(self):
        """MHRS's clock runs on from Odoo's present instant (which a test may have moved)."""
        self.sim.post("clock", {"set": datetime.now(UTC).isoformat(), "frozen": False})

    @contextmanager
    def at_hospital_midday(self):
        """Odoo's clock and MHRS's at 12:00 today in the hospital's zone, both running on: a test that
        needs a patient of today whose appointment has already ended passes at 00:05 as at 15:00."""
        midday = datetime.combine(datetime.now(HOSPITAL_TZ).date(), time(12), HOSPITAL_TZ)
        with freezegun.freeze_time(midday.astimezone(UTC), tick=True):
            self.sim_clock_follows_odoo()
            try:
                yield midday
            finally:
                self.sim.post("clock", {"release": True})

    def assertStickyWarning(self, action, text):
        """The button answered with a sticky warning (what MHRS did, then what went wrong) naming ``text``."""
        self.assertEqual((action["params"]["type"], action["params"]["sticky"]), ("warning", True))
        self.assertIn(text, action["params"]["message"])

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
        cls.startClassPatcher(patch.object(ChromeBrowser, "navigate_to", _navigate_in_hospital_zone))


_navigate_to = ChromeBrowser.navigate_to


def _navigate_in_hospital_zone(browser, url, wait_stop=False):
    """The hospital's browsers run in its zone: the web client's "today" is the hospital's day, not the
    test machine's (UTC's date is yesterday's for three hours a night)."""
    browser._websocket_request("Emulation.setTimezoneOverride", params={"timezoneId": HOSPITAL_TZ.key})
    return _navigate_to(browser, url, wait_stop=wait_stop)
