"""MHRS's business rules over the real wires the simulator serves (REST MHRS V2 and SOAP G2), through plain
HTTP: success and at least one refusal per operation. The rules no real wire reaches are tested on the
logic in test_simulator_logic.py."""

from datetime import timedelta

import requests
from _simhelpers import (
    CITIZEN,
    NOW,
    PHYSICIAN,
    PHYSICIAN_2,
    at,
    g2_block,
    g2_dt,
    g2_range,
    rest_block,
    rest_dt,
)

from conftest import G2, INSTITUTION, Rest, open_branch

WEEK = (NOW, NOW + timedelta(days=7))
G2_WEEK = g2_range(*WEEK)


# -- authentication, unknown operations, malformed requests --------------------------------------------
def test_wrong_password_is_rejected(sim):
    status, answer = Rest(sim, password="wrong").login()
    assert (status, answer["errors"][0]["kodu"], answer["data"]) == (401, "GEN-001", None)
    assert G2(sim, password="wrong").refusal("KurumKlinikSorgulama") == "GEN-001"


def test_unknown_institution_is_rejected(sim):
    assert Rest(sim, institution=7654321).login()[0] == 401
    assert Rest(sim, user="7654321").login()[0] == 401
    assert G2(sim, institution=7654321).refusal("KurumKlinikSorgulama") == "GEN-001"


def test_token_is_required(sim, rest):
    assert rest.call("POST", "hbys/cetvel/search", {}, token="forged.token.x")[0] == 401
    status, answer = rest.call("POST", "hbys/cetvel/search", {"klinikKodu": 157})
    assert status == 400 and answer["errors"][0]["kodu"] == "GEN-002"  # logged in, the dates missing
    assert Rest(sim).login(uygulamaKodu="")[0] == 401  # no application code, no token


def test_unknown_operation_is_gen_003(sim, rest, g2):
    status, answer = rest.call("POST", "hbys/nope/nothing", {})
    assert (status, answer["errors"][0]["kodu"]) == (404, "GEN-003")
    unknown = g2.envelope("KurumKlinikSorgulama", {}).replace(
        b"KurumKlinikSorgulamaTalep", b"KurumYokIslemTalep"
    )
    answer = g2.post(unknown)
    assert answer.status_code == 500 and b"soap:Client" in answer.content and b"GEN-003" in answer.content


def test_schema_violation_is_gen_002(sim, rest, g2):
    body = g2.envelope("KurumAltKlinikSorgulama", {"KlinikKodu": 157}).replace(b">157<", b">not-a-number<")
    answer = g2.post(body)
    assert answer.status_code == 500 and b"soap:Client" in answer.content and b"GEN-002" in answer.content
    assert rest.login()[0] == 200
    answer = requests.post(
        sim.base_url + "/api/rs/hbys/cetvel/search",
        data=b"not json {",
        headers={"Authorization": f"Bearer {rest.token}"},
        timeout=5,
    )
    assert answer.status_code == 400 and answer.json()["errors"][0]["kodu"] == "GEN-002"
    wrong_type = {"klinikKodu": 157, "baslangicZamani": "01/12/2026", "bitisZamani": "02/12/2026"}
    assert rest.refusal("hbys/cetvel/search", wrong_type) == (400, "GEN-002")  # not "yyyy-MM-dd HH:mm:ss"


def test_non_xml_is_a_soap_fault(sim, g2):
    answer = g2.post(b"not xml at all")
    assert answer.status_code == 400 and b"soap:Client" in answer.content


def test_entities_are_not_resolved(sim, g2):
    body = g2.envelope("KurumAltKlinikEkleme", {"KlinikKodu": 157, "AltKlinikAdi": "PLACEHOLDER"})
    body = body.replace(b'<?xml version="1.0" encoding="utf-8"?>', b"")
    body = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + body.replace(
        b"PLACEHOLDER", b"&e;"
    )
    answer = g2.post(body)
    assert b"root:" not in answer.content
    assert not any("root:" in c["name"] for c in sim.simulator.state["clinics"].values())


# -- branches, physicians, clinics -------------------------------------------------------------------------
def test_branch_and_physician_registration(sim, g2):
    assert g2.refusal(
        "KurumHekimEkleme", {"KlinikKodu": 157, "HekimKodu": PHYSICIAN, "GeciciGorevli": False}
    ) == (
        "KLN-001"  # the branch is not registered yet
    )
    assert g2.refusal("KurumKlinikEkleme", {"KlinikKodu": 999}) == "KLN-001"
    g2.ok("KurumKlinikEkleme", {"KlinikKodu": 157})
    g2.ok("KurumKlinikEkleme", {"KlinikKodu": 157})  # idempotent
    assert g2.ok("KurumKlinikSorgulama")["KlinikBilgileri"] == [
        {"KlinikKodu": 157, "KlinikAdi": "İç Hastalıkları"}
    ]
    bad = {"KlinikKodu": 157, "HekimKodu": "12345678901", "GeciciGorevli": False}
    assert g2.refusal("KurumHekimEkleme", bad) == "GEN-005"
    g2.ok("KurumHekimEkleme", dict(bad, HekimKodu=PHYSICIAN))
    assert sim.simulator.state["links"][f"{INSTITUTION}:157"] == [PHYSICIAN]


def test_clinic_lifecycle(sim, g2, rest, logic):
    open_branch(g2, physicians=())
    first = g2.clinic()["AltKlinikKodu"]
    second = rest.ok("hbys/muayene-yeri/ekle", {"klinikKodu": 157, "muayeneYeriAdi": "Dahiliye 2"})
    assert (first, second["muayeneYeriId"]) == (4001, 4002)
    second = second["muayeneYeriId"]
    assert (
        g2.refusal("KurumAltKlinikEkleme", {"KlinikKodu": 157, "AltKlinikAdi": " dahiliye 1 "}) == "KLN-003"
    )
    assert rest.refusal("hbys/muayene-yeri/ekle", {"klinikKodu": 157, "muayeneYeriAdi": "DAHILIYE 2"}) == (
        400,
        "KLN-003",
    )
    assert g2.refusal("KurumAltKlinikEkleme", {"KlinikKodu": 999, "AltKlinikAdi": "X"}) == "KLN-001"
    assert (
        g2.refusal("KurumAltKlinikEkleme", {"KlinikKodu": 132, "AltKlinikAdi": "X"}) == "KLN-001"
    )  # not ours
    rename = {"AltKlinikKodu": second, "AltKlinikAdi": "Dahiliye B", "LokasyonDegisikligineDusurme": True}
    g2.ok("KurumAltKlinikAdiGuncelleme", rename)
    assert sim.simulator.state["clinics"][str(second)]["no_location_change"] is True
    assert g2.refusal("KurumAltKlinikAdiGuncelleme", dict(rename, AltKlinikAdi="Dahiliye 1")) == "KLN-003"
    assert g2.refusal("KurumAltKlinikAdiGuncelleme", dict(rename, AltKlinikKodu=9999)) == "KLN-002"
    # The video flag has no real wire: the logic takes it (GoruntuluRandevu).
    logic("clinic_update", {"AltKlinikKodu": second, "AltKlinikAdi": "Dahiliye B", "GoruntuluRandevu": True})
    g2.ok("KurumAltKlinikSilme", {"AltKlinikKodu": second})
    assert g2.refusal("KurumAltKlinikSilme", {"AltKlinikKodu": second}) == "KLN-005"
    assert g2.refusal("KurumAltKlinikAdiGuncelleme", rename) == "KLN-005"  # a deleted clinic stays deleted
    # G2 lists the active clinics; the state keeps the deleted one, renamed, with its video flag.
    listed = g2.ok("KurumAltKlinikSorgulama", {"KlinikKodu": 157})["AltKlinikBilgileri"]
    assert listed == [{"AltKlinikKodu": 4001, "AltKlinikAdi": "Dahiliye 1"}]
    rows = logic("clinic_query", {"KlinikKodu": 157})["AltKlinikBilgileri"]
    assert [(r["AltKlinikKodu"], r["AltKlinikAdi"], r["GoruntuluRandevu"], r["AktifMi"]) for r in rows] == [
        (4001, "Dahiliye 1", False, True),
        (4002, "Dahiliye B", True, False),
    ]
    assert g2.ok("KurumAltKlinikSorgulama", {"KlinikKodu": 132})["AltKlinikBilgileri"] == []
    assert g2.refusal("KurumAltKlinikSorgulama", {"KlinikKodu": 999}) == "KLN-001"


def test_clinic_with_future_schedule_cannot_be_cancelled(world, g2):
    assert g2.refusal("KurumAltKlinikSilme", {"AltKlinikKodu": world["clinic"]}) == "KLN-004"


# -- schedules: drafts, finalisation, query, change, deletion -----------------------------------------------
def _active(world):
    """The active final blocks by id (the state, to see that a refused call changed nothing)."""
    return {k: s for k, s in world["server"].simulator.state["schedules"].items() if s["active"]}


def test_draft_blocks_answer_per_item(world, g2):
    clinic = world["clinic"]
    answers = g2.drafts(
        ("ok", g2_block(clinic, at(13), at(15))),
        ("conflict", g2_block(clinic, at(9, 30), at(11))),  # overlaps the world's final 09:00-10:00 block
        ("draft-conflict", g2_block(clinic, at(14), at(14, 30))),  # overlaps the "ok" draft
        ("not-linked", g2_block(clinic, at(16), at(17), physician="10000000078")),
        ("bad-tckn", g2_block(clinic, at(16), at(17), physician="12345678901")),
        ("bad-range", g2_block(clinic, at(17), at(16), physician=PHYSICIAN_2)),
        ("no-slot", g2_block(clinic, at(16), at(17), physician=PHYSICIAN_2, slot=None)),
        ("leave", g2_block(clinic, at(16), at(17), physician=PHYSICIAN_2, action=5, slot=None)),
        ("unknown-clinic", g2_block(9999, at(18), at(19), physician=PHYSICIAN_2)),
        ("two-days", g2_block(clinic, at(20), at(9, day=at(0) + timedelta(days=1)), physician=PHYSICIAN_2)),
    )
    codes = {ref: error for ref, _draft, error in answers}
    assert codes == {
        "ok": None,
        "conflict": "CTV-001",
        "draft-conflict": "CTV-001",
        "not-linked": "CTV-004",
        "bad-tckn": "CTV-004",  # never linked: an invalid TCKN is refused at the link (GEN-005)
        "bad-range": "GEN-006",
        "no-slot": "CTV-004",
        "leave": None,
        "unknown-clinic": "KLN-002",
        "two-days": "CTV-004",
    }
    assert all(draft for _ref, draft, error in answers if error is None)
    # Drafts open no slot until they are finalised.
    assert (
        g2.ok("KurumKesinCetvelSorgulama", {"TarihBilgileri": G2_WEEK})["KesinCetvelDetayBilgileri"][0][
            "KesinCetvelId"
        ]
        == world["schedule"]
    )
    finals = g2.finalise(at(0))
    assert len(finals) == 2


def test_draft_delete(world, g2, rest):
    [(_ref, draft, _error)] = g2.drafts(("d", g2_block(world["clinic"], at(13), at(14))))
    assert g2.refusal("KurumTaslakCetvelSilme", {"TaslakCetvelId": [draft, 1]}) == "CTV-002"  # all or nothing
    assert g2.ok("KurumTaslakCetvelSilme", {"TaslakCetvelId": [draft]})["TaslakCetvelId"] == [draft]
    [(_ref, draft, _error)] = g2.drafts(("d", g2_block(world["clinic"], at(13), at(14))))
    rest.ok("hbys/cetvel", {"cetvelId": draft}, method="DELETE")
    assert g2.finalise(at(0)) == []
    assert rest.refusal("hbys/cetvel", {"cetvelId": draft}, method="DELETE") == (400, "CTV-002")


def test_physician_conflicts_across_clinics(world, g2, rest):
    open_branch(g2, branch=132, physicians=(PHYSICIAN,))
    other = g2.clinic("Çocuk 1", branch=132)["AltKlinikKodu"]
    body = rest_block(other, at(9, 45), at(10, 15), branch=132)
    assert rest.refusal("hbys/cetvel/ekle", body) == (400, "CTV-001")


def test_schedule_query_change_and_delete(world, g2, rest):
    schedule, clinic = world["schedule"], world["clinic"]
    rows = g2.ok(
        "KurumKesinCetvelSorgulama", {"TarihBilgileri": G2_WEEK, "HekimBilgileri": {"HekimKodu": PHYSICIAN}}
    )["KesinCetvelDetayBilgileri"]
    assert [(r["KesinCetvelId"], r["CetvelDetayBilgileri"]["TedaviSuresi"]) for r in rows] == [(schedule, 15)]
    assert (
        g2.ok("KurumKesinCetvelSorgulama", {"TarihBilgileri": G2_WEEK, "AksiyonKodu": 5})[
            "KesinCetvelDetayBilgileri"
        ]
        == []
    )
    # G2: a final block is not edited in place.
    update = {"KesinCetvelId": schedule, "CetvelDetayBilgileri": g2_block(clinic, at(9), at(11), slot=30)}
    assert g2.refusal("KurumKesinCetvelGuncelleme", update) == "CTV-005"
    assert g2.refusal("KurumKesinCetvelGuncelleme", dict(update, KesinCetvelId=1)) == "CTV-002"
    # REST: the plan change deletes and adds, all or nothing, and answers the queried plan.
    plan = {
        "sorgulananKlinikKodu": 157,
        "sorgulananHekimTCKimlikNo": int(PHYSICIAN),
        "sorgulananBaslangicZamani": rest_dt(WEEK[0]),
        "sorgulananBitisZamani": rest_dt(WEEK[1]),
        "silinecekCetvelIdList": [schedule],
        "eklenecekCetvelTalepList": [
            {
                "eklenecekCetvelMuayeneYeriId": clinic,
                "eklenecekCetvelAksiyonId": 1,
                "eklenecekCetvelRandevusuresi": 30,
                "eklenecekCetvelSlotHastaSayisi": 1,
                "eklenecekCetvelBaslangicZamani": rest_dt(at(9)),
                "eklenecekCetvelBitisZamani": rest_dt(at(11)),
            }
        ],
    }
    bad = dict(plan, silinecekCetvelIdList=[schedule, 1])
    assert rest.refusal("hbys/cetvel/calisma-plani-guncelle", bad) == (400, "CTV-002")
    assert list(_active(world)) == [str(schedule)]  # nothing changed
    [row] = rest.ok("hbys/cetvel/calisma-plani-guncelle", plan)
    assert (row["randevuSuresi"], row["bitisZamani"]) == (30, rest_dt(at(11))) and row["cetvelId"] != schedule
    searched = rest.ok(
        "hbys/cetvel/search",
        {"klinikKodu": 157, "baslangicZamani": rest_dt(WEEK[0]), "bitisZamani": rest_dt(WEEK[1])},
    )
    assert [r["cetvelId"] for r in searched] == [row["cetvelId"]]
    # G2 deletion: all or nothing, then done.
    assert g2.refusal("KurumKesinCetvelSilme", {"KesinCetvelId": [row["cetvelId"], 1]}) == "CTV-002"
    assert g2.ok("KurumKesinCetvelSilme", {"KesinCetvelId": [row["cetvelId"]]})["KesinCetvelId"] == [
        row["cetvelId"]
    ]
    assert g2.ok("KurumKesinCetvelSorgulama", {"TarihBilgileri": G2_WEEK})["KesinCetvelDetayBilgileri"] == []


def test_schedule_with_bookings_is_locked(world, g2, rest):
    world["hrn"]()
    assert g2.refusal("KurumKesinCetvelSilme", {"KesinCetvelId": [world["schedule"]]}) == "CTV-003"
    plan = {
        "sorgulananKlinikKodu": 157,
        "sorgulananBaslangicZamani": rest_dt(WEEK[0]),
        "sorgulananBitisZamani": rest_dt(WEEK[1]),
        "silinecekCetvelIdList": [world["schedule"]],
    }
    assert rest.refusal("hbys/cetvel/calisma-plani-guncelle", plan) == (400, "CTV-003")
    assert list(_active(world)) == [str(world["schedule"])]


def test_schedule_from_template_takes_slot_settings(sim, control, rest):
    seeded = control(
        "seed",
        {
            "clinics": [{"branch": 157, "name": "Dahiliye 1"}],
            "templates": [
                {
                    "name": "Sabah",
                    "lines": [
                        {"start": "08:00", "end": "12:00", "action": 1, "slot_minutes": 20, "capacity": 1},
                        {"start": "12:00", "end": "13:00", "action": 46},
                    ],
                }
            ],
        },
    )
    control(
        "seed",
        {
            "schedules": [
                {
                    "physician": PHYSICIAN,
                    "branch": 157,
                    "clinic": seeded["clinics"][0],
                    "template": seeded["templates"][0],
                    "start": at(8).isoformat(),
                    "end": at(12).isoformat(),
                }
            ]
        },
    )
    assert len(rest.slots(*WEEK)) == 12  # 4 hours of 20-minute slots


# -- slots and appointments ---------------------------------------------------------------------------------
def test_slots_from_schedule(world, rest, g2):
    slots = rest.slots(*WEEK)
    assert [(s["baslangicZamani"][11:16], s["durum"]) for s in slots] == [
        ("09:00", True),
        ("09:15", True),
        ("09:30", True),
        ("09:45", True),
    ]
    assert slots[0]["baslangicZamani"] == "2026-11-27 09:00:00"  # Istanbul wall clock
    world["hrn"]()
    assert rest.slots(*WEEK)[0]["durum"] is False
    assert rest.slots(*WEEK, branch=132) == []
    assert rest.slots(*WEEK, physician=PHYSICIAN_2) == []
    query = {"KurumKodu": INSTITUTION, "KlinikKodu": 157, "HekimKodu": PHYSICIAN, "Tarih": g2_dt(at(0))}
    day = g2.ok("RandevuCetvelOzetDetaySorgulama", query)
    [hour] = day["CalismaGunDetaylari"][0]["CalismaSaatleri"]
    assert [(s["Baslangic"], s["Durum"]) for s in hour["Slotlar"]] == [
        ("27.11.2026 09:00:00", "DOLU"),
        ("27.11.2026 09:15:00", "BOS"),
        ("27.11.2026 09:30:00", "BOS"),
        ("27.11.2026 09:45:00", "BOS"),
    ]
    assert day["RandevuGunDurumlari"] == [{"Tarih": "27.11.2026", "Durum": "BOS"}]


def _g2_booking(world, start, tckn=CITIZEN, phone="05321234567"):
    citizen = {"TCKimlikNo": tckn, "Ad": "Ayşe", "Soyad": "Yılmaz", "Cinsiyet": 2}
    if phone is not None:
        citizen["VatandasIletisimBilgileri"] = {
            "TelefonIletisimBilgileri": [{"TelefonNo": phone, "NumaraTipi": 1}]
        }
    return {
        "KesinCetvelId": world["schedule"],
        "RandevuZamanBilgisi": {
            "RandevuBaslangicZamani": g2_dt(start),
            "RandevuBitisZamani": g2_dt(start + timedelta(minutes=15)),
        },
        "VatandasBilgileri": citizen,
    }


def test_booking_rules(world, rest, g2):
    hrn = world["hrn"]()
    assert len(hrn) == 16 and hrn.startswith("20261127")
    assert world["book"]()[1]["errors"][0]["kodu"] == "RND-001"  # capacity 1, taken
    assert g2.refusal("RandevuEkleme", _g2_booking(world, at(9))) == "RND-001"
    assert g2.refusal("RandevuEkleme", _g2_booking(world, at(9, 5))) == "RND-001"  # not a slot boundary
    assert world["book"](at(9, 15), phone="")[1]["errors"][0]["kodu"] == "RND-004"
    assert g2.refusal("RandevuEkleme", _g2_booking(world, at(9, 15), phone=None)) == "RND-004"
    assert world["book"](at(9, 15), tckn="12345678901")[1]["errors"][0]["kodu"] == "GEN-005"
    assert g2.refusal("RandevuEkleme", _g2_booking(world, NOW - timedelta(hours=1))) == "RND-005"
    assert rest.refusal(
        "hbys/randevu/randevu-ekle", {"slotID": 99999900000, "hastaTCKimlikNo": int(CITIZEN)}
    ) == (
        400,
        "RND-001",
    )
    second = g2.ok("RandevuEkleme", _g2_booking(world, at(9, 15)))["RandevuHrn"]
    assert second != hrn and world["server"].simulator.state["appointments"][second]["phone"] == "05321234567"


def test_appointment_cancel_and_query(world, rest, g2):
    hrn = world["hrn"]()
    status, answer = rest.call("POST", "hbys/randevu/randevu-iptal", {"hastaRandevuNumarasi": hrn})
    assert (status, answer["valid"], answer["httpStatus"]) == (200, True, "OK")  # ATLAS's cancel envelope
    status, answer = rest.call("POST", "hbys/randevu/randevu-iptal", {"hastaRandevuNumarasi": hrn})
    assert (status, answer["valid"], answer["errorList"][0]["kodu"]) == (400, False, "RND-003")
    assert g2.refusal("RandevuIptal", {"RandevuHrn": hrn}) == "RND-003"
    assert g2.refusal("RandevuIptal", {"RandevuHrn": "nope"}) == "RND-002"
    second = world["hrn"]()  # the slot is free again
    rows = rest.appointments(*WEEK, hekimTcKimlikNo=int(PHYSICIAN))
    assert [(r["hrn"], r["randevuKayitDurumu"]["val"]) for r in rows] == [(hrn, 2), (second, 1)]
    row = rows[1]
    assert (row["vatandasTcKimlikNo"], row["randevuKanali"], row["gerceklesmeDurumu"]["val"]) == (
        int(CITIZEN),
        4,
        0,
    )
    assert row["randevuAlinmaZamani"] == rest_dt(NOW)
    appointments = world["server"].simulator.state["appointments"]
    assert (appointments[hrn]["cancelled_by"], appointments[second]["cancelled_by"]) == (
        2,
        None,
    )  # the hospital
    active = rest.appointments(*WEEK, kayitDurumKodu=1)
    assert [r["hrn"] for r in active] == [second]
    assert rest.appointments(*WEEK, hekimTcKimlikNo=int(PHYSICIAN_2)) == []
    assert [r["RandevuHrn"] for r in g2.appointments(*WEEK, HekimKodu=PHYSICIAN, KayitDurumKodu=1)] == [
        second
    ]
    assert g2.appointments(*WEEK, HekimKodu=PHYSICIAN_2) == []
    bad = {"KlinikKodu": 157, "TarihBilgileri": g2_range(NOW, NOW)}
    assert g2.refusal("KurumRandevuSorgulamaObj", bad) == "GEN-006"
    body = {"klinikKodu": 157, "strBaslangicZamani": rest_dt(NOW), "strBitisZamani": rest_dt(NOW)}
    assert rest.refusal("hbys/randevu/kurum-randevulari-sorgula", body) == (400, "GEN-006")


def _status(g2, *items):
    rows = g2.ok("RandevuDurumGuncelle", {"RandevuBilgileri": list(items)})["RandevuDurumSonuc"]
    return [(r["GuncellemeBasarisi"], r["HataKodu"]) for r in rows]


def test_status_update_rules(world, g2, rest):
    hrn = world["hrn"]()
    cancelled = world["hrn"](at(9, 15))
    rest.ok("hbys/randevu/randevu-iptal", {"hastaRandevuNumarasi": cancelled})

    assert _status(g2, {"RandevuHrn": hrn, "DurumKodu": 1, "GelisZamani": g2_dt(at(8, 55))}) == [
        (False, "RDG-006")  # the appointment's time has not come
    ]
    world["server"].simulator.clock.set(at(9, 20))
    assert _status(
        g2,
        {"RandevuHrn": hrn, "DurumKodu": 3},
        {"RandevuHrn": hrn, "DurumKodu": 1},
        {"RandevuHrn": "2026112799999999", "DurumKodu": 2},
        {"RandevuHrn": cancelled, "DurumKodu": 2},
        {
            "RandevuHrn": hrn,
            "DurumKodu": 1,
            "GelisZamani": g2_dt(at(8, 55)),
            "RandevuGerceklesmeZamani": g2_dt(at(9, 5)),
        },
        {"RandevuHrn": hrn, "DurumKodu": 1, "GelisZamani": g2_dt(at(8, 55))},
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
    [row] = g2.appointments(*WEEK, KayitDurumKodu=1)
    assert row["DurumKodu"] == 2
    # Every status MHRS could take counts, the repeat answered RDG-008 too: a status sent twice shows.
    appointments = world["server"].simulator.state["appointments"]
    assert (appointments[hrn]["status_sets"], appointments[cancelled].get("status_sets")) == (3, None)
    # REST answers the first refusal of its items as the call's error.
    item = {"hastaRandevuNumarasi": cancelled, "randevuGerceklesmeBilgisi": 2}
    assert rest.refusal(
        "hbys/randevu/randevu-gerceklesme-bilgisi", {"randevuGerceklesmeBilgisiEklemeTalepList": [item]}
    ) == (
        400,
        "RDG-007",
    )
    status, answer = rest.call(
        "POST",
        "hbys/randevu/randevu-gerceklesme-bilgisi",
        {
            "randevuGerceklesmeBilgisiEklemeTalepList": [
                dict(
                    item,
                    hastaRandevuNumarasi=hrn,
                    randevuGerceklesmeBilgisi=1,
                    hastaGelisZamani=rest_dt(at(8, 58)),
                )
            ]
        },
    )
    assert status == 200 and answer["infos"][0]["kodu"] == "RND6032"
    assert appointments[hrn]["status"] == 1


def test_status_update_of_another_institution(world, control, sim):
    hrn = world["hrn"]()
    control("seed", {"institution": {"code": 7654321, "username": "other", "password": "pw"}})
    other = G2(sim, user=7654321, password="pw", institution=7654321)
    assert _status(other, {"RandevuHrn": hrn, "DurumKodu": 2}) == [(False, "RDG-004")]


# -- exceptions ---------------------------------------------------------------------------------------------
def _exception(g2, **extra):
    values = {
        "HekimKodu": PHYSICIAN,
        "KlinikKodu": 157,
        "TarihBilgileri": g2_range(at(9), at(9, 30)),
        "AksiyonKodu": 5,
        "Aciklama": "Yıllık izin",
    }
    values.update(extra)
    return g2.call("KurumIstisnaEkleme", values)


def test_exception_approval_cancels_appointments(world, g2, rest, control):
    first = world["hrn"]()
    outside = world["hrn"](at(9, 30))
    [added] = _exception(g2)["IstisnaDetayBilgileri"]
    assert added["IstisnaDurumKodu"] == 1
    query = {"TarihBilgileri": G2_WEEK, "HekimBilgileri": {"HekimKodu": PHYSICIAN}}
    found = g2.ok("KurumIstisnaSorgulama", query)["IstisnaDetayBilgileri"]
    assert [e["IstisnaId"] for e in found] == [added["IstisnaId"]]
    decided = control("exceptions", {"id": added["IstisnaId"], "approve": True})["exception"]
    assert decided["cancelled_appointments"] == [first]
    rows = {r["hrn"]: r for r in rest.appointments(*WEEK)}
    assert rows[first]["randevuKayitDurumu"]["val"] == 2 and rows[outside]["randevuKayitDurumu"]["val"] == 1
    assert world["server"].simulator.state["appointments"][first]["cancelled_by"] == 3  # the Ministry
    slots = rest.slots(*WEEK)
    assert [s["baslangicZamani"][11:16] for s in slots] == ["09:30", "09:45"]  # closed ones gone
    assert g2.refusal("RandevuEkleme", _g2_booking(world, at(9))) == "RND-001"
    [found] = g2.ok("KurumIstisnaSorgulama", query)["IstisnaDetayBilgileri"]
    assert found["IstisnaDurumKodu"] == 2
    # A decided exception cannot be withdrawn.
    assert g2.refusal("KurumIstisnaSilme", {"IstisnaId": added["IstisnaId"]}) == "IST-002"


def test_exception_rejection_auto_approve_and_withdrawal(world, g2, rest, control):
    [added] = _exception(g2)["IstisnaDetayBilgileri"]
    rejected = control("exceptions", {"id": added["IstisnaId"], "approve": False, "reason": "Belge eksik"})
    assert (rejected["exception"]["status"], rejected["exception"]["reason"]) == (3, "Belge eksik")
    control("exceptions", {"auto_approve": True})
    body = {
        "hekimTcKimlikNoList": PHYSICIAN,
        "klinikKodu": 157,
        "baslangicTarihSaati": rest_dt(at(9, 30)),
        "bitisTarihSaati": rest_dt(at(10)),
        "aksiyonId": 5,
        "aciklama": "Yıllık izin",
    }
    auto = rest.ok("hbys/istisna", body)
    assert world["server"].simulator.state["exceptions"][str(auto["istisnaId"])]["status"] == 2
    control("exceptions", {"auto_approve": None})
    [pending] = _exception(g2, TarihBilgileri=g2_range(at(9, 45), at(10)))["IstisnaDetayBilgileri"]
    assert (
        g2.ok("KurumIstisnaSilme", {"IstisnaId": pending["IstisnaId"]})["IstisnaId"] == pending["IstisnaId"]
    )
    assert g2.refusal("KurumIstisnaSilme", {"IstisnaId": pending["IstisnaId"]}) == "IST-001"


def test_exception_errors(world, g2, rest):
    def refused(**extra):
        base = _exception(g2, **extra)["TemelCevapBilgileri"]
        assert not base["ServisBasarisi"]
        return base["Aciklama"].split(":")[0]

    assert refused(AksiyonKodu=1) == "IST-002"  # bookable action
    assert refused(TarihBilgileri=g2_range(NOW - timedelta(days=2), NOW - timedelta(days=1))) == "IST-002"
    assert refused(HekimKodu=PHYSICIAN_2) == "IST-002"  # nothing to close
    assert refused(HekimKodu="11111111111") == "GEN-005"
    body = {
        "hekimTcKimlikNoList": PHYSICIAN,
        "klinikKodu": 157,
        "baslangicTarihSaati": rest_dt(at(9)),
        "bitisTarihSaati": rest_dt(at(9, 30)),
        "aksiyonId": 777,
        "aciklama": "?",
    }
    assert rest.refusal("hbys/istisna", body) == (400, "IST-002")  # unknown action
    assert g2.refusal("KurumIstisnaSilme", {"IstisnaId": 999}) == "IST-001"
