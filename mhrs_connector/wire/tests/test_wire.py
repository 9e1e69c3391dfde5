"""One suite over both wires: every facade operation against the simulator over real HTTP."""

import json
import logging
import socket
import time
from datetime import datetime, timedelta

import pytest
import requests
import zeep
from lxml import etree

from conftest import INSTITUTION, PASSWORD, PATIENT, PHYSICIAN, PHYSICIAN_2, USER_CODE, config_for
from mhrs_connector.wire import (
    MhrsAuthError,
    MhrsBusinessError,
    MhrsClient,
    MhrsError,
    MhrsMalformedResponse,
    MhrsNotAvailable,
    MhrsTransportError,
    rest,
)
from mhrs_connector.wire.g2 import WSDL_FILE, XSD_FILE

WIRES = ["rest", "g2"]
# identical return shapes on both wires
APPOINTMENT_KEYS = {
    "hrn",
    "schedule_id",
    "branch",
    "clinic",
    "physician",
    "start",
    "end",
    "patient_tckn",
    "patient_name",
    "patient_surname",
    "birth_date",
    "gender",
    "phone",
    "record_status",
    "status",
    "note",
    "channel",
    "created",
}
SCHEDULE_KEYS = {
    "id",
    "branch",
    "clinic",
    "physician",
    "action",
    "start",
    "end",
    "slot_minutes",
    "capacity",
    "final",
}
SLOT_KEYS = {"slot_id", "schedule_id", "clinic", "physician", "branch", "start", "end", "free"}
DAY = datetime(2026, 11, 27)
BRANCH = 157


def at(hour, minute=0, day=DAY):
    return day.replace(hour=hour, minute=minute)


def block(clinic, start, end, physician=PHYSICIAN, action=1, slot=10, capacity=1):
    return {
        "branch": BRANCH,
        "physician": physician,
        "clinic": clinic,
        "action": action,
        "start": start,
        "end": end,
        "slot_minutes": slot,
        "capacity": capacity,
    }


def setup_place(client, name="Dahiliye 1", physician=PHYSICIAN):
    client.branch_register(BRANCH)
    client.physician_link(BRANCH, physician)
    return client.clinic_register(BRANCH, name)


def final_block(client, clinic, start, end, physician=PHYSICIAN):
    drafts = client.draft_add(block(clinic, start, end, physician))
    finals = client.draft_finalise(
        BRANCH, start.replace(hour=0), start.replace(hour=23, minute=59), physician
    )
    assert len(drafts) == 1 and len(finals) == 1
    return finals[0]["final_id"]


def only_on_g2(client, method, *args):
    """G2 has the operation; over REST the facade refuses it plainly instead of inventing a path."""
    if client.interface == "rest":
        with pytest.raises(MhrsNotAvailable):
            getattr(client, method)(*args)
        return None
    return getattr(client, method)(*args)


@pytest.mark.parametrize("interface", WIRES)
def test_every_operation(make_client, sim, interface):
    client = make_client(interface)
    assert client.test_connection()["interface"] == interface
    assert 1 in {a["code"] for a in client.action_codes()}

    clinic = setup_place(client)
    branches = only_on_g2(client, "branch_query")
    assert branches is None or BRANCH in {b["code"] for b in branches}
    only_on_g2(client, "clinic_update", clinic, "Dahiliye Bir")
    clinics = only_on_g2(client, "clinic_query", BRANCH)
    assert clinics is None or {"id": clinic, "name": "Dahiliye Bir", "branch": BRANCH} in clinics

    # row 9: drafts, one withdrawn, the other finalised
    kept = client.draft_add(block(clinic, at(9), at(10)))
    dropped = client.draft_add(block(clinic, at(13), at(14)))
    client.draft_delete(dropped[0])
    finals = client.draft_finalise(BRANCH, at(0), at(23, 59), PHYSICIAN)
    assert [f["final_id"] for f in finals] and len(finals) == 1
    assert finals[0]["draft_id"] in (None, kept[0])
    final_id = finals[0]["final_id"]

    # rows 11 and 10: query, then widen the block
    [row] = client.schedule_query(BRANCH, at(0), at(23, 59), PHYSICIAN)
    assert set(row) == SCHEDULE_KEYS
    assert (row["id"], row["clinic"], row["physician"], row["start"], row["end"]) == (
        final_id,
        clinic,
        PHYSICIAN,
        at(9),
        at(10),
    )
    assert (row["action"], row["slot_minutes"], row["capacity"]) == (1, 10, 1)
    if client.interface == "g2":
        # G2: a final block is not edited in place (the addon deletes it and adds it again).
        with pytest.raises(MhrsBusinessError) as info:
            client.schedule_update(final_id, block(clinic, at(9), at(11)))
        assert info.value.code == "CTV-005"
        client.schedule_cancel([final_id], BRANCH, at(9), at(10), PHYSICIAN)
        final_id = final_block(client, clinic, at(9), at(11))
    else:
        final_id = client.schedule_update(final_id, block(clinic, at(9), at(11)))
    [row] = client.schedule_query(BRANCH, at(0), at(23, 59), PHYSICIAN)
    assert (row["id"], row["end"]) == (final_id, at(11))

    # rows 18, 16, 14: free slots, booking, query
    slots = client.slot_query(BRANCH, PHYSICIAN, at(0), at(23, 59))
    assert [s["start"] for s in slots] == [at(9) + timedelta(minutes=10 * i) for i in range(12)]
    assert all(s["free"] and s["schedule_id"] == final_id and set(s) == SLOT_KEYS for s in slots)
    patient = {"tckn": PATIENT, "name": "Ayşe", "surname": "Yılmaz", "phone": "5321234567"}
    hrn = client.appointment_book(slots[0], patient, note="ilk")
    second = client.appointment_book(slots[1], patient)
    assert not client.slot_query(BRANCH, PHYSICIAN, at(9), at(9, 10))[0]["free"]
    found = {a["hrn"]: a for a in client.appointment_query(BRANCH, at(0), at(23, 59), PHYSICIAN)}
    assert set(found) == {hrn, second}
    assert all(set(a) == APPOINTMENT_KEYS for a in found.values())
    assert (found[hrn]["patient_tckn"], found[hrn]["start"], found[hrn]["clinic"]) == (PATIENT, at(9), clinic)
    assert found[hrn]["record_status"] == 1 and found[hrn]["physician"] == PHYSICIAN

    # row 17 then 15 (after the appointment's time)
    assert client.appointment_cancel(second) == second
    cancelled = client.appointment_query(BRANCH, at(0), at(23, 59), PHYSICIAN, record_status=2)
    assert [a["hrn"] for a in cancelled] == [second]
    sim.simulator.clock.set(datetime(2026, 11, 27, 9, 20, tzinfo=sim.simulator.clock.now().tzinfo))
    result = client.appointment_set_status(
        [{"hrn": hrn, "attended": True, "arrived": at(9, 2), "realized": at(9, 5)}]
    )
    assert result == [{"hrn": hrn, "ok": True, "code": None, "text": None}]
    assert sim.simulator.state["appointments"][hrn]["status"] == 1

    # row 13: an exception on the rest of the block; query and withdrawal exist on G2 only
    exception_id = client.exception_add(
        {
            "branch": BRANCH,
            "physician": PHYSICIAN,
            "action": 5,
            "start": at(10),
            "end": at(11),
            "description": "Yıllık izin",
            "email": "it@example.org",
            "phone": "3120000000",
            "document": ("izin.pdf", b"%PDF-1.4 test"),
        }
    )
    recorded = sim.simulator.state["exceptions"][str(exception_id)]
    assert (recorded["physician"], recorded["action"], recorded["document"]) == (PHYSICIAN, 5, "izin.pdf")
    listed = only_on_g2(client, "exception_query", at(0), at(23, 59), BRANCH, PHYSICIAN)
    assert listed is None or [e["id"] for e in listed] == [exception_id]
    only_on_g2(client, "exception_delete", exception_id)
    if interface == "g2":
        assert str(exception_id) not in sim.simulator.state["exceptions"]

    # row 12: a block without bookings is cancelled
    other = final_block(
        client, clinic, at(14, 0, DAY + timedelta(days=1)), at(15, 0, DAY + timedelta(days=1))
    )
    next_day = DAY + timedelta(days=1)
    assert client.schedule_cancel([other], BRANCH, at(0, 0, next_day), at(23, 59, next_day), PHYSICIAN) == [
        other
    ]
    assert client.schedule_query(BRANCH, at(0, 0, next_day), at(23, 59, next_day), PHYSICIAN) == []

    # row 4: an unused clinic
    spare = client.clinic_register(BRANCH, "Yedek")
    only_on_g2(client, "clinic_delete", spare)
    refused = 1 if client.interface == "g2" else 0  # G2: the in-place change refused above
    assert sum(r.status != "ok" for r in client.records if r.operation != "login") == refused


@pytest.mark.parametrize(("first", "second"), [("rest", "g2"), ("g2", "rest")])
def test_booking_is_seen_over_the_other_wire(make_client, first, second):
    one, other = make_client(first), make_client(second)
    clinic = setup_place(one)
    final_block(one, clinic, at(9), at(10))
    slot = other.slot_query(BRANCH, PHYSICIAN, at(9), at(10))[0]
    hrn = other.appointment_book(
        slot, {"tckn": PATIENT, "name": "Ali", "surname": "Can", "phone": "5320000000"}
    )
    assert [a["hrn"] for a in one.appointment_query(BRANCH, at(0), at(23), PHYSICIAN)] == [hrn]
    assert not one.slot_query(BRANCH, PHYSICIAN, at(9), at(9, 10))[0]["free"]


@pytest.mark.parametrize("interface", WIRES)
def test_real_workflow_is_enforced(make_client, interface):
    client = make_client(interface)
    with pytest.raises(MhrsBusinessError) as info:
        client.clinic_register(BRANCH, "Kayıtsız branş")
    assert info.value.code == "KLN-001"
    clinic = setup_place(client)
    with pytest.raises(MhrsBusinessError):  # physician not linked to the branch
        client.draft_add(block(clinic, at(9), at(10), physician=PHYSICIAN_2))
    client.draft_add(block(clinic, at(9), at(10)))
    assert client.slot_query(BRANCH, PHYSICIAN, at(0), at(23)) == []  # a draft opens no slot


def logins(client):
    return [r for r in client.records if r.operation == "login"]


def test_jwt_is_reused_until_exp(make_client):
    client = make_client("rest")
    for _ in range(3):
        client.action_codes()
    assert len(logins(client)) == 1
    second = make_client("rest")  # same base URL, institution and user: the token is shared in memory
    second.action_codes()
    assert logins(second) == []


def test_jwt_about_to_expire_is_renewed_before_use(make_client, sim):
    sim.simulator.seed({"settings": {"jwt_lifetime_s": 5}})  # inside the client's safety margin
    client = make_client("rest")
    client.action_codes()
    client.action_codes()
    assert len(logins(client)) == 2


def test_token_refused_by_mhrs_means_one_new_login(make_client, sim):
    client = make_client("rest")
    client.action_codes()
    sim.simulator.seed({"settings": {"jwt_not_before": time.time() + 0.001}})  # MHRS revokes every token
    time.sleep(0.01)
    client.action_codes()
    statuses = [(r.operation, r.http_status) for r in client.records]
    assert statuses == [
        ("login", 200),
        ("action_codes", 200),
        ("action_codes", 401),
        ("login", 200),
        ("action_codes", 200),
    ]


def test_forged_token_is_refused_and_replaced(make_client):
    client = make_client("rest")
    forged = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDAsImt1cnVtS29kdSI6MTIzNDU2N30.Zm9yZ2Vk"
    rest._tokens[client.wire._token_key] = (forged, 4102444800)
    assert client.action_codes()
    assert [r.http_status for r in client.records] == [401, 200, 200]
    assert rest._tokens[client.wire._token_key][0] != forged


def test_refused_again_after_a_fresh_login_is_an_auth_error(make_client, sim):
    client = make_client("rest")
    client.action_codes()
    sim.faults.add(
        {"mode": "http401", "wire": "rest", "operation": "hbys/cetvel/aksiyon-bilgileri", "count": 2}
    )
    with pytest.raises(MhrsAuthError) as info:
        client.action_codes()
    assert not info.value.retryable
    assert len(logins(client)) == 2  # one new login, never a loop


@pytest.mark.parametrize("interface", WIRES)
def test_wrong_password(make_client, interface):
    client = make_client(interface, password="wrong-pass", user_password="wrong-pass")
    error = MhrsAuthError if interface == "rest" else MhrsBusinessError
    with pytest.raises(error) as info:
        client.action_codes()
    assert "wrong-pass" not in str(info.value)


FAULTS = [
    ("http503", MhrsTransportError, True),
    ("http500", MhrsTransportError, True),
    ("soap_fault", MhrsTransportError, True),
    ("drop", MhrsTransportError, True),
    ("timeout", MhrsTransportError, True),
    ("malformed", MhrsMalformedResponse, False),
    ("truncated", MhrsMalformedResponse, False),
]


@pytest.mark.parametrize("interface", WIRES)
@pytest.mark.parametrize(("mode", "error", "retryable"), FAULTS)
def test_faults_become_typed_errors(make_client, sim, interface, mode, error, retryable):
    client = make_client(interface, timeout=1)
    client.branch_register(BRANCH)  # logged in (REST) before the fault
    sim.faults.add({"mode": mode, "wire": interface, "count": 1, "timeout_s": 3})
    with pytest.raises(error) as info:
        client.branch_register(BRANCH)
    assert info.value.retryable is retryable
    assert client.records[-1].status == info.value.state
    client.branch_register(BRANCH)  # the service is back


@pytest.mark.parametrize("interface", WIRES)
def test_latency_still_answers(make_client, sim, interface):
    client = make_client(interface)
    sim.faults.add({"mode": "latency", "wire": interface, "count": 1, "latency_ms": 50})
    client.branch_register(BRANCH)
    assert client.records[-1].status == "ok"


@pytest.mark.parametrize("interface", WIRES)
def test_size_limit(make_client, interface):
    client = make_client(interface, max_response_bytes=200)
    with pytest.raises(MhrsMalformedResponse) as info:
        client.action_codes()
    assert info.value.code == "MALFORMED-SIZE"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"success": true, "errors": []}', 200),  # no data
        (b'{"success": "yes", "data": []}', 200),  # wrong type
        (b"[1, 2]", 200),  # not an envelope
        (b"<html>proxy error</html>", 200),  # not JSON
    ],
)
def test_rest_strict_parsing(make_client, body, status):
    client = make_client("rest")
    with pytest.raises(MhrsMalformedResponse):
        client.wire._decode(status, body)


def test_rest_business_errors_carry_every_code(make_client):
    client = make_client("rest")
    body = json.dumps(
        {
            "success": False,
            "errors": [{"kodu": "CTV-001", "mesaj": "a"}, {"kodu": "CTV-004", "mesaj": "b"}],
            "data": None,
        }
    )
    with pytest.raises(MhrsBusinessError) as info:
        client.wire._decode(400, body.encode())
    assert info.value.issues == [("CTV-001", "a"), ("CTV-004", "b")]


@pytest.mark.parametrize("interface", WIRES)
def test_secrets_never_leave_the_wire(make_client, sim, interface, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(interface)
    clinic = setup_place(client)
    final_block(client, clinic, at(9), at(10))
    with pytest.raises(MhrsBusinessError):
        client.clinic_register(999, "Yok")
    sim.faults.add({"mode": "http500", "wire": interface, "count": 1})
    with pytest.raises(MhrsTransportError):
        client.action_codes()
    jwt = rest._tokens.get(client.wire._token_key, ("",))[0] if interface == "rest" else ""
    texts = [caplog.text] + [
        f"{r.url} {r.request_text} {r.response_text} {r.error_text}" for r in client.records
    ]
    for secret in filter(None, [PASSWORD, jwt, jwt.split(".")[-1] if jwt else ""]):
        assert not [t for t in texts if secret in t]
    masked = [r.request_text for r in client.records if r.operation in ("login", "branch_register")]
    assert all("***" in text for text in masked if interface == "g2" or '"parola"' in text)


def test_g2_requests_validate_against_the_shipped_xsd(make_client):
    client = make_client("g2")
    clinic = setup_place(client)
    final_block(client, clinic, at(9), at(10))
    slot = client.slot_query(BRANCH, PHYSICIAN, at(9), at(10))[0]
    hrn = client.appointment_book(slot, {"tckn": PATIENT, "name": "A", "surname": "B", "phone": "5320000000"})
    client.appointment_query(BRANCH, at(0), at(23), PHYSICIAN)
    client.appointment_cancel(hrn)
    client.exception_query(at(0), at(23), BRANCH, PHYSICIAN)
    schema = etree.XMLSchema(etree.parse(XSD_FILE))
    checked = set()
    for record in client.records:
        envelope = etree.fromstring(record.request_text.encode())
        request = envelope.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")[0]
        assert schema.validate(request), (record.operation, schema.error_log)
        first = [etree.QName(c).localname for c in request][:2]
        assert first == ["YetkilendirmeGirisBilgileri", "KurumBilgileri"]
        assert request.find("{*}KurumBilgileri").get("{http://xxxxxx.com}GonderenBirim") == "ODOO"
        checked.add(record.operation)
    assert len(checked) >= 10


def test_g2_namespace_is_a_setting(sim):
    sim.app.g2_namespace = "urn:test:mhrs"
    try:
        client = MhrsClient(config_for(sim, "g2", g2_namespace="urn:test:mhrs"))
        client.branch_register(BRANCH)
        assert BRANCH in {b["code"] for b in client.branch_query()}
        other = MhrsClient(config_for(sim, "g2"))  # the placeholder namespace is refused by this server
        with pytest.raises(MhrsBusinessError):
            other.branch_query()
    finally:
        sim.app.g2_namespace = "http://xxxxxx.com"


def test_g2_wsdl_is_served_with_the_shipped_operations(sim):
    served = zeep.Client(sim.g2_url + "?wsdl")  # the XSD comes from the same server (?xsd=)
    [service] = served.wsdl.services.values()
    [port] = service.ports.values()
    assert port.binding_options["address"] == sim.g2_url
    shipped = etree.parse(WSDL_FILE).getroot()
    names = {o.get("name") for o in shipped.iter("{http://schemas.xmlsoap.org/wsdl/}operation")}
    assert set(port.binding._operations) == names


def test_simulator_refuses_expired_and_forged_tokens(sim):
    url = sim.base_url + "/api/rs/hbys/cetvel/aksiyon-bilgileri"
    tokens = sim.app.tokens
    expired = tokens.issue(INSTITUTION, USER_CODE, -10)
    valid = tokens.issue(INSTITUTION, USER_CODE, 60)
    header, payload, _sig = valid.split(".")
    for token in (expired, f"{header}.{payload}.AAAA", "not-a-jwt", ""):
        answer = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert answer.status_code == 401
        assert answer.json()["errors"][0]["kodu"] == "GEN-001"
    answer = requests.get(url, headers={"Authorization": f"Bearer {valid}"}, timeout=5)
    assert answer.status_code == 200 and answer.json()["success"] is True


@pytest.mark.parametrize("interface", WIRES)
def test_settings_the_wire_cannot_send_are_refused_before_any_call(sim, interface):
    with pytest.raises(MhrsError) as info:
        MhrsClient(config_for(sim, interface, username="demo", user_code="demo", acting_tckn=""))
    assert info.value.code == "CONFIG"


@pytest.mark.parametrize("interface", WIRES)
def test_refused_schedule_change_changes_nothing(make_client, interface):
    client = make_client(interface)
    clinic = setup_place(client)
    first = final_block(client, clinic, at(9), at(10))
    client.draft_add(block(clinic, at(11), at(12)))
    client.draft_finalise(BRANCH, at(0), at(23, 59), PHYSICIAN)
    with pytest.raises(MhrsBusinessError) as info:
        client.schedule_update(first, block(clinic, at(9), at(11, 30)))  # would overlap the 11:00 block
    # REST refuses the overlap; G2 refuses any in-place change of a final block.
    assert info.value.code == ("CTV-001" if interface == "rest" else "CTV-005")
    rows = client.schedule_query(BRANCH, at(0), at(23, 59), PHYSICIAN)
    assert [(r["start"], r["end"]) for r in rows] == [(at(9), at(10)), (at(11), at(12))]
    assert first in {r["id"] for r in rows}


def test_simulator_refuses_off_schema_g2_and_unknown_rest(sim):
    envelope = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://xxxxxx.com">'
        "<s:Body><m:KurumKlinikEklemeTalep><m:KlinikKodu>abc</m:KlinikKodu></m:KurumKlinikEklemeTalep>"
        "</s:Body></s:Envelope>"
    )
    answer = requests.post(
        sim.g2_url, data=envelope.encode(), headers={"Content-Type": "text/xml"}, timeout=5
    )
    fault = etree.fromstring(answer.content).find(".//{http://schemas.xmlsoap.org/soap/envelope/}Fault")
    assert answer.status_code == 500 and fault.findtext("faultcode") == "soap:Client"
    assert fault.findtext("faultstring").startswith("GEN-002")
    answer = requests.post(sim.base_url + "/api/rs/hbys/randevu/yok", json={}, timeout=5)
    assert answer.status_code == 404 and answer.json()["errors"][0]["kodu"] == "GEN-003"


def test_rest_cancel_answers_atlas_valid_envelope(make_client, sim):
    """ATLAS models the cancel's answer as ``{data, errorList, httpStatus, infoList, valid, warningList}``
    (MHRSRandevuIptal_Output): the simulator answers it, the wire reads it, a refusal keeps its code."""
    client = make_client("rest")
    clinic = setup_place(client)
    final_block(client, clinic, at(9), at(10))
    slot = client.slot_query(BRANCH, PHYSICIAN, at(0), at(23, 59))[0]
    patient = {"tckn": PATIENT, "name": "Ayşe", "surname": "Yılmaz", "phone": "5321234567"}
    hrn = client.appointment_book(slot, patient)
    assert client.appointment_cancel(hrn) == hrn
    answer = json.loads(client.records[-1].response_text)
    assert set(answer) == {"data", "errorList", "httpStatus", "infoList", "valid", "warningList"}
    assert answer["valid"] is True and answer["errorList"] == []
    with pytest.raises(MhrsBusinessError) as info:
        client.appointment_cancel("2026112799999999")
    refusal = json.loads(client.records[-1].response_text)
    assert refusal["valid"] is False and refusal["errorList"][0]["kodu"] == info.value.code


@pytest.mark.parametrize(
    ("body", "status", "outcome"),
    [
        (b'{"data": {}, "errorList": [], "httpStatus": "OK", "infoList": [], "valid": true}', 200, {}),
        (b'{"data": null, "errorList": [{"kodu": "RND-005", "mesaj": "x"}], "valid": false}', 400, "RND-005"),
        (b'{"data": null, "errors": [{"kodu": "RND-004", "mesaj": "y"}], "valid": false}', 400, "RND-004"),
        (b'{"data": {}, "valid": "yes"}', 200, MhrsMalformedResponse),
        (b'{"data": {}, "valid": true, "errorList": "none"}', 200, MhrsMalformedResponse),
        (b'{"errorList": [], "valid": true}', 200, MhrsMalformedResponse),  # no data
    ],
)
def test_rest_reads_both_atlas_envelopes(make_client, body, status, outcome):
    client = make_client("rest")
    if outcome is MhrsMalformedResponse:
        with pytest.raises(MhrsMalformedResponse):
            client.wire._decode(status, body)
    elif isinstance(outcome, str):
        with pytest.raises(MhrsBusinessError) as info:
            client.wire._decode(status, body)
        assert info.value.code == outcome
    else:
        assert client.wire._decode(status, body) == outcome


MAYBE_APPLIED = {
    "http503": False,  # MHRS (or its gateway) did nothing
    "http500": True,
    "soap_fault": True,
    "drop": True,
    "timeout": True,
    "malformed": True,
    "truncated": True,
}


@pytest.mark.parametrize("interface", WIRES)
@pytest.mark.parametrize("mode", sorted(MAYBE_APPLIED))
def test_failures_say_whether_mhrs_may_have_applied_the_request(make_client, sim, interface, mode):
    """A registration whose answer was lost may exist at MHRS (must not be resent blindly); one refused
    before any work surely does not."""
    client = make_client(interface, timeout=1)
    client.branch_register(BRANCH)
    sim.faults.add({"mode": mode, "wire": interface, "count": 1, "timeout_s": 3})
    with pytest.raises(MhrsError) as info:
        client.branch_register(BRANCH)
    assert info.value.maybe_applied is MAYBE_APPLIED[mode]


@pytest.mark.parametrize("interface", WIRES)
def test_refused_connection_was_not_applied(sim, interface):
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = MhrsClient(config_for(sim, interface, base_url=f"http://127.0.0.1:{port}", timeout=2))
    with pytest.raises(MhrsTransportError) as info:
        client.action_codes()
    assert info.value.code == "CONNECTION" and info.value.maybe_applied is False
