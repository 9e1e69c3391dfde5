"""Fixtures of the wire tests (plain pytest, no Odoo): the simulator on a free loopback port, the demo
institution seeded with numeric user codes, and a ``make_client(interface)`` giving an ``MhrsClient``
whose calls are all recorded.

``mhrs_connector/__init__.py`` imports Odoo models, so a bare namespace package stands in for it and only
the pure ``wire`` subpackage is loaded.
"""

import pathlib
import sys
import types
from datetime import datetime

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
if "mhrs_connector" not in sys.modules:
    _pkg = types.ModuleType("mhrs_connector")
    _pkg.__path__ = [str(ROOT / "mhrs_connector")]
    sys.modules["mhrs_connector"] = _pkg

from mhrs_connector.wire import MhrsClient, WireConfig, rest  # noqa: E402
from mhrs_simulator import pytest_fixtures  # noqa: E402
from mhrs_simulator.clock import TZ  # noqa: E402
from mhrs_simulator.demo import seed_demo  # noqa: E402

INSTITUTION = 1234567
USER_CODE = "98765"
PASSWORD = "S3cret-demo-pass"
ACTING = "10000000146"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)
PHYSICIAN = "10000000146"
PHYSICIAN_2 = "10000000292"
PATIENT = "10000000078"


# The session's simulator and the shadow of pytest-odoo's registry, shared with the other suite.
load_registry = pytest_fixtures.load_registry
sim_server = pytest_fixtures.sim_server


@pytest.fixture
def sim(sim_server):
    app = sim_server.app
    app.simulator.reset()
    app.simulator.clock.release()
    app.faults.clear()
    app.calls.reset()
    app.response_errors.clear()
    rest.clear_tokens()
    seed_demo(app.simulator)
    app.simulator.seed(
        {
            "institution": {
                "code": INSTITUTION,
                "username": "demo",
                "password": PASSWORD,
                "name": "Demo",
                "user_code": USER_CODE,
            }
        }
    )
    app.simulator.clock.set(NOW)
    yield sim_server
    errors = list(app.response_errors)
    app.response_errors.clear()
    assert not errors, f"simulator answered off-schema: {errors}"


def config_for(server, interface, **overrides):
    values = {
        "interface": interface,
        "base_url": server.base_url,
        "institution_code": INSTITUTION,
        "acting_tckn": ACTING,
        "username": USER_CODE,
        "password": PASSWORD,
        "app_code": "HBYS-TEST",
        "user_code": USER_CODE,
        "user_password": PASSWORD,
        "user_type": 2,
        "sender_unit": "ODOO",
        "timeout": 5,
    }
    values.update(overrides)
    return WireConfig(**values)


@pytest.fixture
def make_client(sim):
    def make(interface, **overrides):
        records = []
        client = MhrsClient(config_for(sim, interface, **overrides), on_call=records.append)
        client.records = records
        return client

    return make
