"""Control interface, clock, citizens, faults (over the real wires), G2 WSDL/XSD download, state file and
pure-Python units."""

import json
import random
import socket
import time as systime
from datetime import timedelta

import pytest
import requests
from _simhelpers import DAY, NOW, PHYSICIAN, at, block
from lxml import etree

from conftest import G2
from mhrs_simulator import Simulator
from mhrs_simulator.clock import Clock
from mhrs_simulator.control import is_loopback
from mhrs_simulator.demo import seed_demo
from mhrs_simulator.server import SimulatorServer
from mhrs_simulator.state import dumps, loads
from mhrs_simulator.tckn import generate, is_valid

WEEK = (NOW, NOW + timedelta(days=7))
APP_QUERY = "hbys/randevu/kurum-randevulari-sorgula"


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


def test_clock_control(sim, control, g2):
    assert control("clock")["now"] == NOW.isoformat()
    assert control("clock", {"advance_minutes": 30})["now"] == (NOW + timedelta(minutes=30)).isoformat()
    assert control("clock", {"set": "2027-01-01T00:00:00+03:00"})["frozen"] is True
    answer = g2.ok("KurumKlinikSorgulama")
    assert answer["TemelCevapBilgileri"]["ServisZamani"] == "01.01.2027 00:00:00"  # the simulator's clock
    assert control("clock", {"release": True})["frozen"] is False


def test_citizens_book_and_cancel(world, control, rest, g2):
    done = control("citizens", {"bookings": 3, "seed": 7})
    assert len(done["booked"]) == 3 and done["cancelled"] == []
    rows = rest.appointments(*WEEK)
    assert sorted(r["hrn"] for r in rows) == sorted(done["booked"])
    assert all(r["randevuKanali"] in (2, 3) and is_valid(str(r["vatandasTcKimlikNo"])) for r in rows)
    more = control("citizens", {"bookings": 5, "cancellations": 2, "seed": 1})
    assert len(more["booked"]) == 1  # only 4 slots of capacity 1 exist
    rows = {r["RandevuHrn"]: r for r in g2.appointments(*WEEK)}
    appointments = world["server"].simulator.state["appointments"]
    assert [(rows[h]["KayitDurumKodu"], appointments[h]["cancelled_by"]) for h in more["cancelled"]] == [
        (2, 1),  # cancelled by the citizen
        (2, 1),
    ]
    window = {"start": (DAY + timedelta(days=2)).isoformat(), "end": (DAY + timedelta(days=3)).isoformat()}
    assert control("citizens", {"bookings": 2, "window": window})["booked"] == []


def test_auto_cancel_tomorrow_unconfirmed(world, control, rest, sim_server):
    sim_server.simulator.clock.set(NOW - timedelta(days=5))  # booked well ahead: needs confirmation
    booked = control("citizens", {"bookings": 2, "seed": 3})["booked"]
    sim_server.simulator.clock.set(NOW.replace(hour=20))
    assert sorted(control("auto_cancel", {})["cancelled"]) == sorted(booked)
    rows = rest.appointments(*WEEK)
    appointments = sim_server.simulator.state["appointments"]
    assert {(r["randevuKayitDurumu"]["val"], appointments[r["hrn"]]["cancelled_by"]) for r in rows} == {
        (2, 4)
    }
    free = next(s for s in rest.slots(*WEEK) if s["durum"])["slotId"]
    assert rest.book(free)[0] == 200  # booked the day before: counts as confirmed
    assert control("auto_cancel", {})["cancelled"] == []


def test_requests_log(sim, rest, control):
    control("requests/reset", {})
    rest.appointments(*WEEK)
    rest.call("POST", APP_QUERY, {}, token="forged.token.x")
    G2(sim, password="bad").call("KurumKlinikSorgulama")
    log = control("requests")
    assert log["counts"] == {"rest:login": 1, f"rest:{APP_QUERY}": 2, "g2:KurumKlinikSorgulama": 1}
    assert [(c["code"], c["ack"], c["issue"]) for c in log["calls"]] == [
        ("rest:login", "AA", None),
        (f"rest:{APP_QUERY}", "AA", None),
        (f"rest:{APP_QUERY}", "AE", "GEN-001"),
        ("g2:KurumKlinikSorgulama", "AE", "GEN-001"),
    ]


# -- faults ----------------------------------------------------------------------------------------
def _post(server, timeout=5):
    """One G2 call (the institution's branches), as bytes on the wire."""
    return G2(server).post(G2(server).envelope("KurumKlinikSorgulama", {}), timeout=timeout)


def _rest_post(server, timeout=5):
    """One REST call without a token (the fault is applied before the token is checked)."""
    return requests.post(f"{server.base_url}/api/rs/{APP_QUERY}", json={}, timeout=timeout)


def _is_json(content):
    try:
        json.loads(content)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    ("wire", "mode", "status", "check"),
    [
        ("g2", "http500", 500, lambda content: b"<html>" in content),
        ("g2", "soap_fault", 500, lambda content: b"<faultcode>soap:Server</faultcode>" in content),
        ("g2", "malformed", 200, lambda content: not content.startswith(b"<")),
        ("rest", "http500", 500, lambda content: b"<html>" in content),
        ("rest", "http503", 503, lambda content: json.loads(content)["errors"][0]["kodu"] == "HTTP503"),
        ("rest", "soap_fault", 500, lambda content: json.loads(content)["errors"] == []),
        ("rest", "malformed", 200, lambda content: not _is_json(content)),
    ],
)
def test_fault_answers(sim, control, wire, mode, status, check):
    operation = "KurumKlinikSorgulama" if wire == "g2" else APP_QUERY
    post = _post if wire == "g2" else _rest_post
    control("faults", {"mode": mode, "operation": operation, "wire": wire, "count": 1})
    answer = post(sim)
    assert answer.status_code == status and check(answer.content)
    normal = post(sim)  # count consumed: back to normal (REST: 401 without a token)
    assert normal.status_code == (200 if wire == "g2" else 401)
    log = control("requests")
    assert [c["fault"] for c in log["calls"]] == [mode, None]


def test_fault_rule_matches_its_wire_and_operation(sim, control):
    control("faults", {"mode": "http500", "operation": APP_QUERY, "wire": "g2"})  # no such G2 operation
    control("faults", {"mode": "http500", "operation": "KurumKlinikSorgulama", "wire": "rest"})
    assert _post(sim).status_code == 200 and _rest_post(sim).status_code == 401
    status, body = _control_raw(sim, "faults", {"mode": "http500", "wire": "legacy"})
    assert status == 400 and "wire must be one of rest, g2" in body["text"]


def test_fault_truncated_executes_then_cuts(sim, control, g2):
    g2.ok("KurumKlinikEkleme", {"KlinikKodu": 157})
    control("faults", {"mode": "truncated", "operation": "KurumAltKlinikEkleme", "count": 1})
    with pytest.raises(etree.XMLSyntaxError):
        g2.call("KurumAltKlinikEkleme", {"KlinikKodu": 157, "AltKlinikAdi": "T"})
    assert "4001" in control("state")["clinics"]  # the change happened; only the answer was lost


def test_fault_truncated_body_is_half(sim, control):
    control("faults", {"mode": "truncated", "count": 1})
    answer = _post(sim)
    assert answer.status_code == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(answer.content)


def test_fault_refuse_answers_the_code_without_applying(sim, control, g2, rest):
    g2.ok("KurumKlinikEkleme", {"KlinikKodu": 157})
    control("faults", {"mode": "refuse", "code": "KLN-003", "operation": "KurumAltKlinikEkleme", "count": 1})
    assert g2.refusal("KurumAltKlinikEkleme", {"KlinikKodu": 157, "AltKlinikAdi": "T"}) == "KLN-003"
    control(
        "faults", {"mode": "refuse", "code": "KLN-003", "operation": "hbys/muayene-yeri/ekle", "count": 1}
    )
    assert rest.refusal("hbys/muayene-yeri/ekle", {"klinikKodu": 157, "muayeneYeriAdi": "T"}) == (
        400,
        "KLN-003",
    )
    assert control("state")["clinics"] == {}  # refused: nothing applied


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


# -- G2 WSDL / XSD download ------------------------------------------------------------------------
def test_g2_wsdl_and_xsd_are_served_with_local_addresses(sim_server):
    wsdl = requests.get(sim_server.g2_url + "?wsdl", timeout=5)
    assert wsdl.status_code == 200
    tree = etree.fromstring(wsdl.content)
    ns = {"soap": "http://schemas.xmlsoap.org/wsdl/soap/", "xs": "http://www.w3.org/2001/XMLSchema"}
    assert tree.find(".//soap:address", ns).get("location") == sim_server.g2_url
    location = tree.find(".//xs:import", ns).get("schemaLocation")
    assert location == sim_server.g2_url + "?xsd=MHRSServis.xsd"
    assert requests.get(location, timeout=5).content.count(b"<xs:element") > 30
    # The one schema is served whatever is asked: no file is read by the name in the request.
    probe = requests.get(sim_server.g2_url + "?xsd=../../etc/passwd", timeout=5)
    assert b"root:" not in probe.content and b"<xs:schema" in probe.content
    assert requests.get(sim_server.g2_url, timeout=5).status_code == 405
    assert requests.get(sim_server.base_url + "/PRSC_AR001001TR01?wsdl", timeout=5).status_code == 404


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
