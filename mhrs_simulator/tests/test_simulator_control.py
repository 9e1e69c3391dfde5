"""Control interface, clock, citizens, faults, WSDL download, state file and pure-Python units."""

import json
import random
import socket
import time as systime
from datetime import timedelta

import pytest
import requests
from _simhelpers import DAY, NOW, PHYSICIAN, at, block, items
from lxml import etree

from mhrs_simulator import Simulator
from mhrs_simulator.clock import Clock
from mhrs_simulator.control import is_loopback
from mhrs_simulator.demo import seed_demo
from mhrs_simulator.server import SimulatorServer
from mhrs_simulator.state import dumps, loads
from mhrs_simulator.tckn import generate, is_valid

APP_QUERY = "QUSC_IN001001TR01"
WEEK = {"BaslangicZamani": NOW, "BitisZamani": NOW + timedelta(days=7)}


# -- units -----------------------------------------------------------------------------------------
def test_tckn():
    assert is_valid("10000000146") and not is_valid("10000000147") and not is_valid("01000000146")
    rng = random.Random(5)
    assert all(is_valid(generate(rng)) for _ in range(200))


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("10.0.0.5", False),
        ("192.168.1.2", False),
        ("::ffff:8.8.8.8", False),
        ("", False),
        ("junk", False),
    ],
)
def test_control_is_loopback_only(address, allowed):
    assert is_loopback(address) is allowed


def test_clock_offset_frozen_and_release():
    clock = Clock()
    clock.set(NOW)
    assert clock.now() == NOW
    assert clock.advance(90) == NOW + timedelta(minutes=90)
    clock.set(NOW, frozen=False)
    assert abs((clock.now() - NOW).total_seconds()) < 5
    assert abs(clock.release().timestamp() - systime.time()) < 5


def test_state_round_trip_and_file(tmp_path, sim_reset):
    sim = Simulator()
    seed_demo(sim)
    sim.clock.set(NOW)
    clinic = sim.call("clinic_register", 1234567, {"KlinikKodu": 157, "AltKlinikAdi": "A"})["AltKlinikKodu"]
    sim.call(
        "schedule_register",
        1234567,
        {"CetvelBilgileri": [{"ReferansNo": "r", "CetvelDetayBilgileri": block(clinic, at(9), at(10))}]},
    )
    copy = Simulator(state=loads(dumps(sim.state)))
    assert copy.state["schedules"] == sim.state["schedules"]
    path = tmp_path / "state.json"
    with SimulatorServer(port=0, state_file=str(path)) as server:
        seed_demo(server.simulator)
    assert json.loads(path.read_text())["institutions"]["1234567"]["username"] == "demo"
    with SimulatorServer(port=0, state_file=str(path)) as server:
        assert "1234567" in server.simulator.state["institutions"]


# -- control interface -----------------------------------------------------------------------------
def test_seed_returns_ids_and_state(sim_reset, control):
    result = control(
        "seed",
        {
            "institution": {"code": 1111111, "username": "u", "password": "p", "name": "H"},
            "branches": [{"code": 999, "name": "Yeni Branş"}],
            "clinics": [{"branch": 999, "name": "Y1", "video": True}, {"branch": 157, "name": "D1"}],
            "physicians": [{"tckn": PHYSICIAN, "name": "Ali", "surname": "Veli"}],
            "schedules": [
                {
                    "physician": PHYSICIAN,
                    "branch": 157,
                    "clinic": 4002,
                    "start": at(9).isoformat(),
                    "end": at(10).isoformat(),
                    "slot_minutes": 10,
                    "capacity": 2,
                }
            ],
        },
    )
    assert result == {
        "institution": 1111111,
        "branches": [999],
        "physicians": [PHYSICIAN],
        "clinics": [4001, 4002],
        "templates": [],
        "schedules": [100001],
    }
    state = control("state")
    assert state["clinics"]["4001"]["video"] is True and state["schedules"]["100001"]["capacity"] == 2
    status, body = _control_raw(sim_reset, "seed", {"physicians": [{"tckn": "12345678901"}]})
    assert (status, body["error"]) == (400, "GEN-005")
    assert _control_raw(sim_reset, "nope", {})[0] == 404


def _control_raw(server, name, body):
    answer = requests.post(f"{server.control_url}/{name}", json=body, timeout=5)
    return answer.status_code, answer.json()


def test_clock_control(sim, control, soap):
    assert control("clock")["now"] == NOW.isoformat()
    assert control("clock", {"advance_minutes": 30})["now"] == (NOW + timedelta(minutes=30)).isoformat()
    assert control("clock", {"set": "2027-01-01T00:00:00+03:00"})["frozen"] is True
    answer = soap(APP_QUERY, {"TarihBilgileri": WEEK})
    assert answer["Acknowledgement"]["ServiceTime"].year == 2027  # responses use the simulator's clock
    assert control("clock", {"release": True})["frozen"] is False


def test_citizens_book_and_cancel(world, control, soap):
    done = control("citizens", {"bookings": 3, "seed": 7})
    assert len(done["booked"]) == 3 and done["cancelled"] == []
    rows = items(soap(APP_QUERY, {"TarihBilgileri": WEEK}), "KurumRandevuBilgileri")
    assert sorted(r["RandevuHrn"] for r in rows) == sorted(done["booked"])
    assert all(r["EkleyenKullaniciTipi"] in (2, 3) and is_valid(r["HastaTCKimlikNo"]) for r in rows)
    more = control("citizens", {"bookings": 5, "cancellations": 2, "seed": 1})
    assert len(more["booked"]) == 1  # only 4 slots of capacity 1 exist
    rows = {
        r["RandevuHrn"]: r for r in items(soap(APP_QUERY, {"TarihBilgileri": WEEK}), "KurumRandevuBilgileri")
    }
    assert [(rows[h]["KayitDurumKodu"], rows[h]["IptalEdenTipi"]) for h in more["cancelled"]] == [
        (2, 1),
        (2, 1),
    ]
    window = {"start": (DAY + timedelta(days=2)).isoformat(), "end": (DAY + timedelta(days=3)).isoformat()}
    assert control("citizens", {"bookings": 2, "window": window})["booked"] == []


def test_auto_cancel_tomorrow_unconfirmed(world, control, soap, sim_server):
    sim_server.simulator.clock.set(NOW - timedelta(days=5))  # booked well ahead: needs confirmation
    booked = control("citizens", {"bookings": 2, "seed": 3})["booked"]
    sim_server.simulator.clock.set(NOW.replace(hour=20))
    assert sorted(control("auto_cancel", {})["cancelled"]) == sorted(booked)
    rows = items(soap(APP_QUERY, {"TarihBilgileri": WEEK}), "KurumRandevuBilgileri")
    assert {(r["KayitDurumKodu"], r["IptalEdenTipi"]) for r in rows} == {(2, 4)}
    world["book"]()  # booked the day before: counts as confirmed
    assert control("auto_cancel", {})["cancelled"] == []


def test_requests_log(sim, soap, control):
    control("requests/reset", {})
    soap(APP_QUERY, {"TarihBilgileri": WEEK})
    soap(APP_QUERY, {"TarihBilgileri": WEEK}, password="bad")
    log = control("requests")
    assert log["counts"] == {APP_QUERY: 2}
    assert [(c["code"], c["ack"]) for c in log["calls"]] == [(APP_QUERY, "AA"), (APP_QUERY, "AR")]


# -- faults ----------------------------------------------------------------------------------------
def _post(server, timeout=5):
    body = (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:m="urn:mhrs-connector:PRSC_AR001001TR01"><soap:Body><m:QUSC_IN001005TR01/></soap:Body>'
        "</soap:Envelope>"
    )
    return requests.post(
        server.url, data=body.encode(), headers={"SOAPAction": '"QUSC_IN001005TR01"'}, timeout=timeout
    )


@pytest.mark.parametrize(
    ("mode", "status", "check"),
    [
        ("http500", 500, lambda content: b"<html>" in content),
        ("soap_fault", 500, lambda content: b"<faultcode>soap:Server</faultcode>" in content),
        ("malformed", 200, lambda content: not content.startswith(b"<")),
    ],
)
def test_fault_answers(sim, control, mode, status, check):
    control("faults", {"mode": mode, "operation": "QUSC_IN001005TR01", "count": 1})
    answer = _post(sim)
    assert answer.status_code == status and check(answer.content)
    assert _post(sim).status_code == 200  # count consumed: back to normal (schema error answered as AR)
    log = control("requests")
    assert [c["fault"] for c in log["calls"]] == [mode, None]


def test_fault_truncated_executes_then_cuts(sim, control, soap):
    control("faults", {"mode": "truncated", "operation": "PRSC_IN001023TR01", "count": 1})
    with pytest.raises(Exception):  # noqa: B017 - zeep raises an XML parse error of its own kind
        soap("PRSC_IN001023TR01", {"KlinikKodu": 157, "AltKlinikAdi": "T", "GoruntuluRandevu": False})
    assert "4001" in control("state")["clinics"]  # the change happened; only the answer was lost


def test_fault_truncated_body_is_half(sim, control):
    control("faults", {"mode": "truncated", "count": 1})
    answer = _post(sim)
    assert answer.status_code == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(answer.content)


def test_fault_latency(sim, control):
    control("faults", {"mode": "latency", "latency_ms": 300, "count": 1})
    started = systime.monotonic()
    assert _post(sim).status_code == 200
    assert systime.monotonic() - started >= 0.3


def test_fault_timeout(sim, control):
    control("faults", {"mode": "timeout", "timeout_s": 3, "count": 1})
    with pytest.raises(requests.Timeout):
        _post(sim, timeout=0.5)


def test_fault_drop(sim, control):
    control("faults", {"mode": "drop", "count": 1})
    with pytest.raises(requests.ConnectionError):
        _post(sim)
    assert _post(sim).status_code == 200


def test_fault_share_and_clear(sim, control):
    rules = control("faults", {"mode": "http500", "operation": "*", "share": 0.5})["faults"]
    assert rules[0]["share"] == 0.5
    statuses = {_post(sim).status_code for _ in range(30)}
    assert statuses == {200, 500}
    assert control("faults", {"clear": True})["faults"] == []
    status, body = _control_raw(sim, "faults", {"mode": "explode"})
    assert status == 400
    # A refusal needs the MHRS code to answer with.
    status, body = _control_raw(sim, "faults", {"mode": "refuse"})
    assert status == 400
    assert control("faults", {"mode": "refuse", "code": "KLN-003"})["faults"][0]["code"] == "KLN-003"


# -- WSDL / XSD download ---------------------------------------------------------------------------
def test_wsdl_and_xsd_are_served_with_local_addresses(sim_server):
    wsdl = requests.get(sim_server.wsdl_url, timeout=5)
    assert wsdl.status_code == 200
    tree = etree.fromstring(wsdl.content)
    ns = {"soap": "http://schemas.xmlsoap.org/wsdl/soap/", "xs": "http://www.w3.org/2001/XMLSchema"}
    assert tree.find(".//soap:address", ns).get("location") == sim_server.url
    location = tree.find(".//xs:import", ns).get("schemaLocation")
    assert location == sim_server.url + "?xsd=PRSC_AR001001TR01.xsd"
    assert requests.get(location, timeout=5).content.count(b"<xs:element") > 30
    assert requests.get(sim_server.url + "?xsd=../../etc/passwd", timeout=5).status_code == 404


def test_concurrent_calls_are_served(sim, control):
    control("faults", {"mode": "latency", "latency_ms": 400, "count": 1})
    slow = socket.create_connection((sim.host, sim.port))  # a slow call must not block others
    started = systime.monotonic()
    import threading

    thread = threading.Thread(target=_post, args=(sim,))
    thread.start()
    systime.sleep(0.05)
    assert _post(sim).status_code == 200
    assert systime.monotonic() - started < 0.4
    thread.join()
    slow.close()
