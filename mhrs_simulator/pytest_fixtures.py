"""pytest fixtures shared by the suites that run without Odoo (the simulator's own tests and the addon's
wire tests); each suite's conftest imports them."""

import pytest

from .server import SimulatorServer


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """Shadow pytest-odoo's autouse fixture of the same name: these tests need no Odoo database."""
    yield


@pytest.fixture(scope="session")
def sim_server():
    """One simulator on a free loopback port for the session, checking its own G2 answers against its copy
    of the G2 schema (``response_errors``; the suites' ``sim`` fixtures fail a test that caused one). REST
    answers have no published schema to check against."""
    server = SimulatorServer(host="127.0.0.1", port=0, check_responses=True)
    server.start()
    yield server
    server.stop()
