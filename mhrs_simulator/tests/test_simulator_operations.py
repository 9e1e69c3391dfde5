"""Every contract operation over real HTTP through zeep: success and at least one error each."""

from datetime import time, timedelta

from _simhelpers import CITIZEN, NOW, PHYSICIAN, PHYSICIAN_2, at, block, citizen, issue, items

CLINIC_REGISTER, CLINIC_UPDATE, CLINIC_QUERY, CLINIC_CANCEL = (
    "PRSC_IN001023TR01",
    "PRSC_IN001024TR01",
    "QUSC_IN001005TR01",
    "PRSC_IN001026TR01",
)
TPL_REGISTER, TPL_UPDATE, TPL_STATE, TPL_QUERY = (
    "PRSC_IN001012TR01",
    "PRSC_IN001014TR01",
    "PRSC_IN001015TR01",
    "QUSC_IN001003TR01",
)
SCH_REGISTER, SCH_UPDATE, SCH_QUERY, SCH_CANCEL = (
    "PRSC_IN001017TR01",
    "PRSC_IN001019TR01",
    "QUSC_IN001004TR01",
    "PRSC_IN001022TR01",
)
EXCEPTION, APP_QUERY, APP_STATUS, APP_REGISTER, APP_CANCEL, SLOTS = (
    "PRSC_IN001010TR01",
    "QUSC_IN001001TR01",
    "PRSC_IN001009TR01",
    "PRSC_IN001007TR01",
    "PRSC_IN001008TR01",
    "QUSC_IN001002TR01",
)
WEEK = {"BaslangicZamani": NOW, "BitisZamani": NOW + timedelta(days=7)}


def _clinic(soap, name="Dahiliye 1", branch=157):
    return soap(CLINIC_REGISTER, {"KlinikKodu": branch, "AltKlinikAdi": name, "GoruntuluRandevu": False})


# -- envelope, auth, schema ------------------------------------------------------------------------
def test_wrong_password_is_rejected(sim, soap):
    answer = soap(CLINIC_QUERY, {}, password="wrong")
    assert issue(answer) == ("AR", "GEN-001")
    assert answer["Payload"] is None


def test_unknown_institution_is_rejected(sim, soap):
    assert issue(soap(CLINIC_QUERY, {}, institution=7654321)) == ("AR", "GEN-001")


def test_interaction_id_must_match_the_operation(sim, soap):
    assert issue(soap(CLINIC_QUERY, {}, interaction="QUSC_IN001004TR01")) == ("AR", "GEN-003")


def test_acting_user_tckn_checksum(sim, soap):
    assert issue(soap(CLINIC_QUERY, {}, acting="10000000147")) == ("AE", "GEN-005")


def test_target_message_id_echoes_the_request(sim, sim_server):
    import requests

    body = _raw_envelope("<m:Payload/>", message_id="abc-123")
    answer = requests.post(sim_server.url, data=body, headers={"SOAPAction": CLINIC_QUERY}, timeout=5)
    assert answer.status_code == 200
    assert b"<tns:TargetMessageId>abc-123</tns:TargetMessageId>" in answer.content


def test_schema_violation_is_gen_002(sim, sim_server):
    import requests

    body = _raw_envelope("<m:Payload><m:KlinikKodu>not-a-number</m:KlinikKodu></m:Payload>")
    answer = requests.post(sim_server.url, data=body, timeout=5)
    assert answer.status_code == 200
    assert b"<tns:TypeCode>AR</tns:TypeCode>" in answer.content and b"GEN-002" in answer.content


def test_unknown_body_element_and_non_xml_are_soap_faults(sim, sim_server):
    import requests

    unknown = _raw_envelope("<m:Payload/>").replace(b"QUSC_IN001005TR01>", b"QUSC_IN009999TR01>")
    for body in (unknown, b"not xml at all"):
        answer = requests.post(sim_server.url, data=body, timeout=5)
        assert answer.status_code == 500 and b"soap:Client" in answer.content


def test_entities_are_not_resolved(sim, sim_server):
    import requests

    body = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + _raw_envelope(
        "<m:Payload/>", declaration=False
    ).replace(b"<m:MessageId>m1", b"<m:MessageId>&e;")
    answer = requests.post(sim_server.url, data=body, timeout=5)
    assert b"root:" not in answer.content


def _raw_envelope(payload, message_id="m1", declaration=True):
    text = (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:m="urn:mhrs-connector:PRSC_AR001001TR01"><soap:Body><m:QUSC_IN001005TR01><m:Header>'
        f"<m:MessageId>{message_id}</m:MessageId><m:CreationTime>2026-11-26T10:00:00+03:00</m:CreationTime>"
        "<m:InteractionId>QUSC_IN001005TR01</m:InteractionId><m:ProcessingCode>T</m:ProcessingCode>"
        "<m:Sender><m:InstitutionCode>1234567</m:InstitutionCode><m:VendorCode>V</m:VendorCode></m:Sender>"
        f"<m:ActingUserTCKN>{PHYSICIAN}</m:ActingUserTCKN><m:Authentication><m:Username>demo</m:Username>"
        "<m:Password>demo-password</m:Password></m:Authentication></m:Header>"
        f"{payload}</m:QUSC_IN001005TR01></soap:Body></soap:Envelope>"
    )
    return (('<?xml version="1.0" encoding="utf-8"?>' if declaration else "") + text).encode()


# -- clinics ---------------------------------------------------------------------------------------
def test_clinic_lifecycle(sim, soap):
    first = _clinic(soap)["Payload"]["AltKlinikKodu"]
    second = _clinic(soap, "Dahiliye 2")["Payload"]["AltKlinikKodu"]
    assert (first, second) == (4001, 4002)
    assert issue(_clinic(soap, " dahiliye 1 ")) == ("AE", "KLN-003")
    assert issue(_clinic(soap, "X", branch=999)) == ("AE", "KLN-001")
    updated = soap(
        CLINIC_UPDATE, {"AltKlinikKodu": second, "AltKlinikAdi": "Dahiliye B", "GoruntuluRandevu": True}
    )
    assert updated["Payload"]["AltKlinikKodu"] == second
    assert issue(soap(CLINIC_UPDATE, {"AltKlinikKodu": second, "AltKlinikAdi": "Dahiliye 1"})) == (
        "AE",
        "KLN-003",
    )
    assert issue(soap(CLINIC_UPDATE, {"AltKlinikKodu": 9999, "AltKlinikAdi": "Y"})) == ("AE", "KLN-002")
    assert soap(CLINIC_CANCEL, {"AltKlinikKodu": second})["Payload"]["AltKlinikKodu"] == second
    assert issue(soap(CLINIC_CANCEL, {"AltKlinikKodu": second})) == ("AE", "KLN-005")
    rows = soap(CLINIC_QUERY, {"KlinikKodu": 157})["Payload"]["AltKlinikBilgileri"]
    assert [(r["AltKlinikKodu"], r["AltKlinikAdi"], r["GoruntuluRandevu"], r["AktifMi"]) for r in rows] == [
        (4001, "Dahiliye 1", False, True),
        (4002, "Dahiliye B", True, False),
    ]
    assert items(soap(CLINIC_QUERY, {"KlinikKodu": 132}), "AltKlinikBilgileri") == []
    assert issue(soap(CLINIC_QUERY, {"KlinikKodu": 999})) == ("AE", "KLN-001")


def test_clinic_with_future_schedule_cannot_be_cancelled(world, soap):
    assert issue(soap(CLINIC_CANCEL, {"AltKlinikKodu": world["clinic"]})) == ("AE", "KLN-004")


# -- templates -------------------------------------------------------------------------------------
LINES = [
    {
        "BaslangicSaati": time(8, 0),
        "BitisSaati": time(12, 0),
        "AksiyonKodu": 1,
        "TedaviSuresi": 20,
        "SlotBasinaDusenHastaSayisi": 1,
    },
    {"BaslangicSaati": time(12, 0), "BitisSaati": time(13, 0), "AksiyonKodu": 46},
]


def test_template_lifecycle(sim, soap):
    template = soap(TPL_REGISTER, {"SablonAdi": "Sabah", "SablonSatiri": LINES})["Payload"]["SablonId"]
    assert issue(soap(TPL_REGISTER, {"SablonAdi": "SABAH", "SablonSatiri": LINES})) == ("AE", "SBL-003")
    assert (
        soap(TPL_UPDATE, {"SablonId": template, "SablonAdi": "Sabah 2", "SablonSatiri": LINES[:1]})[
            "Payload"
        ]["SablonId"]
        == template
    )
    assert issue(soap(TPL_UPDATE, {"SablonId": 999, "SablonAdi": "Z", "SablonSatiri": LINES})) == (
        "AE",
        "SBL-001",
    )
    assert soap(TPL_STATE, {"SablonId": template, "AktifMi": False})["Payload"] == {
        "SablonId": template,
        "AktifMi": False,
    }
    rows = soap(TPL_QUERY, {"AktifMi": False})["Payload"]["SablonBilgileri"]
    assert [r["SablonAdi"] for r in rows] == ["Sabah 2"]
    assert rows[0]["SablonSatiri"][0]["BaslangicSaati"] == time(8, 0)
    assert items(soap(TPL_QUERY, {"AktifMi": True}), "SablonBilgileri") == []
    assert issue(soap(TPL_QUERY, {"SablonId": 999})) == ("AE", "SBL-001")


def test_template_lines_are_checked(sim, soap):
    overlap = [LINES[0], dict(LINES[1], BaslangicSaati=time(11, 0))]
    not_dividing = [dict(LINES[0], TedaviSuresi=25)]
    no_capacity = [dict(LINES[0], SlotBasinaDusenHastaSayisi=None)]
    unknown_action = [dict(LINES[1], AksiyonKodu=777)]
    for lines in (overlap, not_dividing, no_capacity, unknown_action):
        assert issue(soap(TPL_REGISTER, {"SablonAdi": "X", "SablonSatiri": lines})) == ("AE", "SBL-002")


# -- schedules -------------------------------------------------------------------------------------
def test_schedule_register_answers_per_item(world, soap):
    clinic = world["clinic"]
    items = [
        ("ok", block(clinic, at(13), at(15))),
        ("conflict", block(clinic, at(9, 30), at(11))),  # overlaps the world's 09:00-10:00 block
        ("bad-tckn", block(clinic, at(16), at(17), physician="12345678901")),
        ("bad-range", block(clinic, at(17), at(16), physician=PHYSICIAN_2)),
        ("no-slot", block(clinic, at(16), at(17), physician=PHYSICIAN_2, slot=None)),
        ("leave", block(clinic, at(16), at(17), physician=PHYSICIAN_2, action=5, slot=None)),
        ("unknown-clinic", block(9999, at(18), at(19), physician=PHYSICIAN_2)),
    ]
    answers = soap(
        SCH_REGISTER, {"CetvelBilgileri": [{"ReferansNo": r, "CetvelDetayBilgileri": d} for r, d in items]}
    )["Payload"]["CetvelCevap"]
    codes = {a["ReferansNo"]: a["HataKodu"] for a in answers}
    assert codes == {
        "ok": None,
        "conflict": "CTV-001",
        "bad-tckn": "GEN-005",
        "bad-range": "GEN-006",
        "no-slot": "CTV-004",
        "leave": None,
        "unknown-clinic": "KLN-002",
    }
    assert all(a["KesinCetvelId"] for a in answers if a["HataKodu"] is None)


def test_physician_conflicts_across_clinics(world, soap):
    other = _clinic(soap, "Çocuk 1", branch=132)["Payload"]["AltKlinikKodu"]
    answer = soap(
        SCH_REGISTER,
        {
            "CetvelBilgileri": [
                {"ReferansNo": "x", "CetvelDetayBilgileri": block(other, at(9, 45), at(10, 15), branch=132)}
            ]
        },
    )
    assert answer["Payload"]["CetvelCevap"][0]["HataKodu"] == "CTV-001"


def test_schedule_update_query_cancel(world, soap):
    schedule, clinic = world["schedule"], world["clinic"]
    assert (
        soap(
            SCH_UPDATE,
            {"KesinCetvelId": schedule, "CetvelDetayBilgileri": block(clinic, at(9), at(11), slot=30)},
        )["Payload"]["KesinCetvelId"]
        == schedule
    )
    rows = soap(SCH_QUERY, {"TarihBilgileri": WEEK, "HekimKodu": PHYSICIAN})["Payload"]["CetvelBilgileri"]
    assert [
        (r["KesinCetvelId"], r["ReferansNo"], r["CetvelDetayBilgileri"]["TedaviSuresi"]) for r in rows
    ] == [(schedule, "R1", 30)]
    assert items(soap(SCH_QUERY, {"TarihBilgileri": WEEK, "AksiyonKodu": 5}), "CetvelBilgileri") == []
    assert issue(
        soap(SCH_UPDATE, {"KesinCetvelId": 1, "CetvelDetayBilgileri": block(clinic, at(9), at(11))})
    ) == ("AE", "CTV-002")
    assert issue(soap(SCH_CANCEL, {"KesinCetvelId": [schedule, 1]})) == ("AE", "CTV-002")
    assert soap(SCH_CANCEL, {"KesinCetvelId": [schedule]})["Payload"]["KesinCetvelId"] == [schedule]
    assert items(soap(SCH_QUERY, {"TarihBilgileri": WEEK}), "CetvelBilgileri") == []


def test_schedule_with_bookings_is_locked(world, soap):
    assert issue(world["book"]())[0] == "AA"
    detail = block(world["clinic"], at(9), at(11))
    assert issue(soap(SCH_UPDATE, {"KesinCetvelId": world["schedule"], "CetvelDetayBilgileri": detail})) == (
        "AE",
        "CTV-003",
    )
    assert issue(soap(SCH_CANCEL, {"KesinCetvelId": [world["schedule"]]})) == ("AE", "CTV-003")


def test_schedule_from_template_takes_slot_settings(sim, soap):
    clinic = _clinic(soap)["Payload"]["AltKlinikKodu"]
    template = soap(TPL_REGISTER, {"SablonAdi": "Sabah", "SablonSatiri": LINES})["Payload"]["SablonId"]
    detail = dict(block(clinic, at(8), at(12), slot=None), SablonId=template)
    answer = soap(SCH_REGISTER, {"CetvelBilgileri": [{"ReferansNo": "t", "CetvelDetayBilgileri": detail}]})
    assert answer["Payload"]["CetvelCevap"][0]["KesinCetvelId"]
    slots = soap(SLOTS, {"TarihBilgileri": WEEK, "KlinikKodu": 157})["Payload"]["Slot"]
    assert len(slots) == 12  # 4 hours of 20-minute slots


# -- slots and appointments ------------------------------------------------------------------------
def test_slots_from_schedule(world, soap):
    slots = soap(SLOTS, {"TarihBilgileri": WEEK, "KlinikKodu": 157, "HekimKodu": PHYSICIAN})["Payload"][
        "Slot"
    ]
    assert [(s["BaslangicZamani"].strftime("%H:%M"), s["Kapasite"], s["DoluSayisi"]) for s in slots] == [
        ("09:00", 1, 0),
        ("09:15", 1, 0),
        ("09:30", 1, 0),
        ("09:45", 1, 0),
    ]
    assert slots[0]["BaslangicZamani"].utcoffset() == timedelta(hours=3)
    world["book"]()
    slots = soap(SLOTS, {"TarihBilgileri": WEEK, "KlinikKodu": 157})["Payload"]["Slot"]
    assert slots[0]["DoluSayisi"] == 1
    assert items(soap(SLOTS, {"TarihBilgileri": WEEK, "KlinikKodu": 132}), "Slot") == []
    assert issue(soap(SLOTS, {"TarihBilgileri": WEEK, "KlinikKodu": 999})) == ("AE", "KLN-001")


def test_booking_rules(world, soap):
    book = world["book"]
    hrn = book()["Payload"]["RandevuHrn"]
    assert len(hrn) == 16 and hrn.startswith("20261127")
    assert issue(book()) == ("AE", "RND-001")  # capacity 1, taken
    assert issue(book(at(9, 5))) == ("AE", "RND-001")  # not a slot boundary
    assert issue(book(at(9, 15), citizen(phone=""))) == ("AE", "RND-004")
    assert issue(book(at(9, 15), citizen(tckn="12345678901"))) == ("AE", "GEN-005")
    assert issue(book(NOW - timedelta(hours=1))) == ("AE", "RND-005")


def test_appointment_cancel_and_query(world, soap):
    hrn = world["book"]()["Payload"]["RandevuHrn"]
    assert (
        soap(APP_CANCEL, {"RandevuHrn": hrn, "IptalNedeni": "hekim izinli"})["Payload"]["RandevuHrn"] == hrn
    )
    assert issue(soap(APP_CANCEL, {"RandevuHrn": hrn})) == ("AE", "RND-003")
    assert issue(soap(APP_CANCEL, {"RandevuHrn": "nope"})) == ("AE", "RND-002")
    second = world["book"]()["Payload"]["RandevuHrn"]  # the slot is free again
    rows = soap(APP_QUERY, {"TarihBilgileri": WEEK, "HekimKodu": [PHYSICIAN, PHYSICIAN_2]})["Payload"][
        "KurumRandevuBilgileri"
    ]
    assert [(r["RandevuHrn"], r["KayitDurumKodu"], r["IptalEdenTipi"]) for r in rows] == [
        (hrn, 2, 2),
        (second, 1, None),
    ]
    row = rows[1]
    assert (row["HastaTCKimlikNo"], row["EkleyenKullaniciTipi"], row["DurumKodu"]) == (CITIZEN, 4, 0)
    assert row["EklenmeZamani"] == NOW
    active = soap(APP_QUERY, {"TarihBilgileri": WEEK, "KayitDurumKodu": 1})["Payload"][
        "KurumRandevuBilgileri"
    ]
    assert [r["RandevuHrn"] for r in active] == [second]
    other = soap(APP_QUERY, {"TarihBilgileri": WEEK, "HekimKodu": [PHYSICIAN_2]})
    assert items(other, "KurumRandevuBilgileri") == []
    bad = {"BaslangicZamani": NOW, "BitisZamani": NOW}
    assert issue(soap(APP_QUERY, {"TarihBilgileri": bad})) == ("AE", "GEN-006")


def test_status_update_rules(world, soap, sim_server):
    hrn = world["book"]()["Payload"]["RandevuHrn"]
    cancelled = world["book"](at(9, 15))["Payload"]["RandevuHrn"]
    soap(APP_CANCEL, {"RandevuHrn": cancelled})

    def update(*items):
        answer = soap(APP_STATUS, {"RandevuBilgileri": list(items)})["Payload"]["RandevuDurumSonuc"]
        return [(r["GuncellemeBasarisi"], r["HataKodu"]) for r in answer]

    assert update({"RandevuHrn": hrn, "DurumKodu": 1, "GelisZamani": at(8, 55)}) == [(False, "RDG-006")]
    sim_server.simulator.clock.set(at(9, 20))
    assert update(
        {"RandevuHrn": hrn, "DurumKodu": 3},
        {"RandevuHrn": hrn, "DurumKodu": 1},
        {"RandevuHrn": "2026112799999999", "DurumKodu": 2},
        {"RandevuHrn": cancelled, "DurumKodu": 2},
        {"RandevuHrn": hrn, "DurumKodu": 1, "GelisZamani": at(8, 55), "RandevuGerceklesmeZamani": at(9, 5)},
        {"RandevuHrn": hrn, "DurumKodu": 1, "GelisZamani": at(8, 55)},
        {"RandevuHrn": hrn, "DurumKodu": 2},
    ) == [
        (False, "RDG-001"),
        (False, "RDG-002"),
        (False, "RDG-003"),
        (False, "RDG-007"),
        (True, None),
        (False, "RDG-008"),
        (True, None),
    ]
    row = soap(APP_QUERY, {"TarihBilgileri": WEEK})["Payload"]["KurumRandevuBilgileri"][0]
    assert row["DurumKodu"] == 2
    # Every status MHRS could take counts, the repeat answered RDG-008 too: a status sent twice shows.
    appointments = sim_server.simulator.state["appointments"]
    assert (appointments[hrn]["status_sets"], appointments[cancelled].get("status_sets")) == (3, None)


def test_status_update_of_another_institution(world, soap, control):
    hrn = world["book"]()["Payload"]["RandevuHrn"]
    control("seed", {"institution": {"code": 7654321, "username": "other", "password": "pw"}})
    answer = soap(
        APP_STATUS,
        {"RandevuBilgileri": [{"RandevuHrn": hrn, "DurumKodu": 2}]},
        institution=7654321,
        username="other",
        password="pw",
    )
    assert answer["Payload"]["RandevuDurumSonuc"][0]["HataKodu"] == "RDG-004"


# -- exceptions ------------------------------------------------------------------------------------
def _exception(soap, world, **extra):
    payload = {
        "HekimKodu": PHYSICIAN,
        "KlinikKodu": 157,
        "AltKlinikKodu": world["clinic"],
        "TarihBilgileri": {"BaslangicZamani": at(9), "BitisZamani": at(9, 30)},
        "AksiyonKodu": 5,
        "Aciklama": "Yıllık izin",
    }
    payload.update(extra)
    return soap(EXCEPTION, {"IstisnaEkleme": payload})


def test_exception_approval_cancels_appointments(world, soap, control):
    first = world["book"]()["Payload"]["RandevuHrn"]
    outside = world["book"](at(9, 30))["Payload"]["RandevuHrn"]
    added = _exception(soap, world)["Payload"]["IstisnaDetayBilgileri"][0]
    assert added["IstisnaDurumKodu"] == 1
    found = soap(EXCEPTION, {"IstisnaSorgulama": {"TarihBilgileri": WEEK, "HekimKodu": PHYSICIAN}})
    assert [e["IstisnaId"] for e in found["Payload"]["IstisnaDetayBilgileri"]] == [added["IstisnaId"]]
    decided = control("exceptions", {"id": added["IstisnaId"], "approve": True})["exception"]
    assert decided["cancelled_appointments"] == [first]
    rows = {
        r["RandevuHrn"]: r
        for r in soap(APP_QUERY, {"TarihBilgileri": WEEK})["Payload"]["KurumRandevuBilgileri"]
    }
    assert (rows[first]["KayitDurumKodu"], rows[first]["IptalEdenTipi"]) == (2, 3)
    assert rows[outside]["KayitDurumKodu"] == 1
    slots = soap(SLOTS, {"TarihBilgileri": WEEK, "KlinikKodu": 157})["Payload"]["Slot"]
    assert [s["BaslangicZamani"].strftime("%H:%M") for s in slots] == ["09:30", "09:45"]  # closed ones gone
    assert issue(world["book"]()) == ("AE", "RND-001")
    query = {"TarihBilgileri": WEEK, "IstisnaId": added["IstisnaId"]}
    assert (
        soap(EXCEPTION, {"IstisnaSorgulama": query})["Payload"]["IstisnaDetayBilgileri"][0][
            "IstisnaDurumKodu"
        ]
        == 2
    )


def test_exception_rejection_and_auto_approve(world, soap, control):
    added = _exception(soap, world)["Payload"]["IstisnaDetayBilgileri"][0]
    rejected = control("exceptions", {"id": added["IstisnaId"], "approve": False, "reason": "Belge eksik"})
    assert (rejected["exception"]["status"], rejected["exception"]["reason"]) == (3, "Belge eksik")
    control("exceptions", {"auto_approve": True})
    auto = _exception(soap, world, TarihBilgileri={"BaslangicZamani": at(9, 30), "BitisZamani": at(10)})
    assert auto["Payload"]["IstisnaDetayBilgileri"][0]["IstisnaDurumKodu"] == 2


def test_exception_errors(world, soap):
    assert issue(_exception(soap, world, AksiyonKodu=1)) == ("AE", "IST-002")  # bookable action
    past = {"BaslangicZamani": NOW - timedelta(days=2), "BitisZamani": NOW - timedelta(days=1)}
    assert issue(_exception(soap, world, TarihBilgileri=past)) == ("AE", "IST-002")
    assert issue(_exception(soap, world, HekimKodu=PHYSICIAN_2)) == ("AE", "IST-002")  # nothing to close
    assert issue(_exception(soap, world, HekimKodu="11111111111")) == ("AE", "GEN-005")
    query = {"TarihBilgileri": WEEK, "IstisnaId": 999}
    assert issue(soap(EXCEPTION, {"IstisnaSorgulama": query})) == ("AE", "IST-001")
