"""Fixtures for the simulator's tests (plain pytest, no Odoo).

- ``sim_server`` (session): a ``SimulatorServer`` on a free loopback port, started once, validating its own
  responses against the shipped XSD. Use ``sim_server.url`` (SOAP endpoint), ``sim_server.wsdl_url``,
  ``sim_server.control_url`` and ``sim_server.simulator`` (the in-process ``Simulator``).
- ``sim_reset`` (per test): resets state, faults, request log and clock of ``sim_server`` and fails the test
  if the simulator produced a response that does not match the schema.
- ``sim`` (per test): ``sim_reset`` + the demo institution (1234567 / demo / demo-password) seeded, the clock
  frozen at ``NOW`` (2026-11-26 10:00 Istanbul); returns ``sim_server``.
- ``soap`` (per test): ``soap(code, payload, **header)`` calls the simulator over HTTP through zeep (WSDL
  downloaded from the simulator) and returns the response element as plain dicts.
- ``control`` (per test): ``control(name, body=None)`` POSTs JSON (GET when body is None) to /_control/name.
"""

import json
import urllib.request
import uuid
from datetime import datetime, timedelta

import pytest
import zeep
import zeep.helpers
from _simhelpers import NOW, at, block, citizen
from zeep.transports import Transport

from mhrs_simulator import pytest_fixtures
from mhrs_simulator.clock import TZ
from mhrs_simulator.demo import DEMO_INSTITUTION, seed_demo

BINDING = "{urn:mhrs-connector:PRSC_AR001001TR01}PRSC_AR001001TR01Binding"
ACTING_USER = "10000000146"


# The session's simulator and the shadow of pytest-odoo's registry, shared with the other suite.
load_registry = pytest_fixtures.load_registry
sim_server = pytest_fixtures.sim_server


@pytest.fixture
def sim_reset(sim_server):
    control_call(sim_server, "reset", {})
    yield sim_server
    errors = list(sim_server.app.response_errors)
    sim_server.app.response_errors.clear()
    assert not errors, f"simulator answered off-schema: {errors}"


@pytest.fixture
def sim(sim_reset):
    seed_demo(sim_reset.simulator)
    sim_reset.simulator.clock.set(NOW)
    return sim_reset


def control_call(server, name, body=None, timeout=10):
    """POST (or GET when body is None) JSON to the control interface; returns (status, decoded JSON)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - the loopback test server
        f"{server.control_url}/{name}",
        data=data,
        headers={"Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback test URL
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def control(sim_server):
    def call(name, body=None):
        status, payload = control_call(sim_server, name, body)
        assert status == 200, payload
        return payload

    return call


@pytest.fixture(scope="session")
def zeep_client(sim_server):
    return zeep.Client(sim_server.wsdl_url, transport=Transport(timeout=10, operation_timeout=5))


def header(
    code,
    institution=DEMO_INSTITUTION["code"],
    username=DEMO_INSTITUTION["username"],
    password=DEMO_INSTITUTION["password"],
    interaction=None,
    acting=ACTING_USER,
):
    return {
        "MessageId": str(uuid.uuid4()),
        "CreationTime": datetime.now(TZ),
        "InteractionId": interaction or code,
        "ProcessingCode": "T",
        "Sender": {"InstitutionCode": institution, "VendorCode": "TEST"},
        "ActingUserTCKN": acting,
        "Authentication": {"Username": username, "Password": password},
    }


@pytest.fixture
def soap(sim_server, zeep_client):
    service = zeep_client.create_service(BINDING, sim_server.url)

    def call(code, payload, **header_kwargs):
        result = getattr(service, code)(Header=header(code, **header_kwargs), Payload=payload)
        return zeep.helpers.serialize_object(result, target_cls=dict)

    return call


@pytest.fixture
def world(sim, soap):
    """A clinic (157) and one bookable block of PHYSICIAN tomorrow 09:00-10:00 (4 slots of 15 min)."""
    clinic = soap(
        "PRSC_IN001023TR01", {"KlinikKodu": 157, "AltKlinikAdi": "Dahiliye 1", "GoruntuluRandevu": False}
    )["Payload"]["AltKlinikKodu"]
    answer = soap(
        "PRSC_IN001017TR01",
        {"CetvelBilgileri": [{"ReferansNo": "R1", "CetvelDetayBilgileri": block(clinic, at(9), at(10))}]},
    )
    schedule = answer["Payload"]["CetvelCevap"][0]["KesinCetvelId"]
    assert schedule

    def book(start=None, person=None):
        start = start or at(9)
        return soap(
            "PRSC_IN001007TR01",
            {
                "KesinCetvelId": schedule,
                "RandevuZamanBilgisi": {
                    "RandevuBaslangicZamani": start,
                    "RandevuBitisZamani": start + timedelta(minutes=15),
                },
                "VatandasBilgileri": person or citizen(),
            },
        )

    return {"clinic": clinic, "schedule": schedule, "book": book, "server": sim}
