"""The simulator's operations no real wire reaches, on the logic (in-process ``Simulator``): templates
(Table 1 rows 5-8 have no MHRS counterpart), the one-call registration of final blocks with per-item answers,
the edit in place of a final block, and the slot query with capacities. The control interface's seeding
uses the same rules (templates and final blocks)."""

from datetime import time, timedelta

import pytest
from _simhelpers import NOW, PHYSICIAN, PHYSICIAN_2, at, block, citizen

from mhrs_simulator.codes import SimError

WEEK = {"BaslangicZamani": NOW, "BitisZamani": NOW + timedelta(days=7)}
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


def refused(logic, method, payload):
    """The MHRS error code ``method`` refuses ``payload`` with."""
    with pytest.raises(SimError) as info:
        logic(method, payload)
    return info.value.code


@pytest.fixture
def place(logic):
    """A clinic (157) and one final bookable block of PHYSICIAN tomorrow 09:00-10:00 (4 slots of 15 min)."""
    clinic = logic("clinic_register", {"KlinikKodu": 157, "AltKlinikAdi": "Dahiliye 1"})["AltKlinikKodu"]
    answer = logic(
        "schedule_register",
        {"CetvelBilgileri": [{"ReferansNo": "R1", "CetvelDetayBilgileri": block(clinic, at(9), at(10))}]},
    )
    schedule = answer["CetvelCevap"][0]["KesinCetvelId"]
    assert schedule
    return {"clinic": clinic, "schedule": schedule}


def _book(logic, place, start=None, minutes=15):
    start = start or at(9)
    return logic(
        "appointment_register",
        {
            "KesinCetvelId": place["schedule"],
            "RandevuZamanBilgisi": {
                "RandevuBaslangicZamani": start,
                "RandevuBitisZamani": start + timedelta(minutes=minutes),
            },
            "VatandasBilgileri": citizen(),
        },
    )["RandevuHrn"]


# -- templates -------------------------------------------------------------------------------------
def test_template_lifecycle(sim, logic):
    template = logic("template_register", {"SablonAdi": "Sabah", "SablonSatiri": LINES})["SablonId"]
    assert refused(logic, "template_register", {"SablonAdi": "SABAH", "SablonSatiri": LINES}) == "SBL-003"
    update = {"SablonId": template, "SablonAdi": "Sabah 2", "SablonSatiri": LINES[:1]}
    assert logic("template_update", update)["SablonId"] == template
    assert refused(logic, "template_update", dict(update, SablonId=999)) == "SBL-001"
    assert logic("template_set_state", {"SablonId": template, "AktifMi": False}) == {
        "SablonId": template,
        "AktifMi": False,
    }
    rows = logic("template_query", {"AktifMi": False})["SablonBilgileri"]
    assert [r["SablonAdi"] for r in rows] == ["Sabah 2"]
    assert rows[0]["SablonSatiri"][0]["BaslangicSaati"] == "08:00:00"
    assert logic("template_query", {"AktifMi": True})["SablonBilgileri"] == []
    assert refused(logic, "template_query", {"SablonId": 999}) == "SBL-001"


def test_template_lines_are_checked(sim, logic):
    overlap = [LINES[0], dict(LINES[1], BaslangicSaati=time(11, 0))]
    not_dividing = [dict(LINES[0], TedaviSuresi=25)]
    no_capacity = [dict(LINES[0], SlotBasinaDusenHastaSayisi=None)]
    unknown_action = [dict(LINES[1], AksiyonKodu=777)]
    for lines in (overlap, not_dividing, no_capacity, unknown_action):
        assert refused(logic, "template_register", {"SablonAdi": "X", "SablonSatiri": lines}) == "SBL-002"


def test_schedule_from_template_takes_slot_settings(sim, logic):
    clinic = logic("clinic_register", {"KlinikKodu": 157, "AltKlinikAdi": "Dahiliye 1"})["AltKlinikKodu"]
    template = logic("template_register", {"SablonAdi": "Sabah", "SablonSatiri": LINES})["SablonId"]
    detail = dict(block(clinic, at(8), at(12), slot=None), SablonId=template)
    answer = logic(
        "schedule_register", {"CetvelBilgileri": [{"ReferansNo": "t", "CetvelDetayBilgileri": detail}]}
    )
    assert answer["CetvelCevap"][0]["KesinCetvelId"]
    assert len(logic("slot_query", {"TarihBilgileri": WEEK, "KlinikKodu": 157})["Slot"]) == 12  # 20-min slots
    logic("template_set_state", {"SablonId": template, "AktifMi": False})
    detail = dict(block(clinic, at(8), at(12, day=at(0) + timedelta(days=1)), slot=None), SablonId=template)
    detail["TarihBilgileri"]["BaslangicZamani"] = at(8, day=at(0) + timedelta(days=1))
    answer = logic(
        "schedule_register", {"CetvelBilgileri": [{"ReferansNo": "u", "CetvelDetayBilgileri": detail}]}
    )
    assert answer["CetvelCevap"][0]["HataKodu"] == "SBL-001"  # an inactive template gives no settings


# -- final blocks in one call, edited in place ----------------------------------------------------------
def test_schedule_register_answers_per_item(sim, logic, place):
    clinic = place["clinic"]
    items = [
        ("ok", block(clinic, at(13), at(15))),
        ("conflict", block(clinic, at(9, 30), at(11))),  # overlaps the 09:00-10:00 block
        ("bad-tckn", block(clinic, at(16), at(17), physician="12345678901")),
        ("bad-range", block(clinic, at(17), at(16), physician=PHYSICIAN_2)),
        ("no-slot", block(clinic, at(16), at(17), physician=PHYSICIAN_2, slot=None)),
        ("leave", block(clinic, at(16), at(17), physician=PHYSICIAN_2, action=5, slot=None)),
        ("unknown-clinic", block(9999, at(18), at(19), physician=PHYSICIAN_2)),
    ]
    answers = logic(
        "schedule_register",
        {"CetvelBilgileri": [{"ReferansNo": r, "CetvelDetayBilgileri": d} for r, d in items]},
    )["CetvelCevap"]
    codes = {a["ReferansNo"]: a.get("HataKodu") for a in answers}
    assert codes == {
        "ok": None,
        "conflict": "CTV-001",
        "bad-tckn": "GEN-005",
        "bad-range": "GEN-006",
        "no-slot": "CTV-004",
        "leave": None,
        "unknown-clinic": "KLN-002",
    }
    assert all(a["KesinCetvelId"] for a in answers if a.get("HataKodu") is None)


def test_schedule_update_in_place(sim, logic, place):
    schedule, clinic = place["schedule"], place["clinic"]
    update = {"KesinCetvelId": schedule, "CetvelDetayBilgileri": block(clinic, at(9), at(11), slot=30)}
    assert logic("schedule_update", update)["KesinCetvelId"] == schedule
    rows = logic("schedule_query", {"TarihBilgileri": WEEK, "HekimKodu": PHYSICIAN})["CetvelBilgileri"]
    assert [
        (r["KesinCetvelId"], r["ReferansNo"], r["CetvelDetayBilgileri"]["TedaviSuresi"]) for r in rows
    ] == [(schedule, "R1", 30)]
    assert refused(logic, "schedule_update", dict(update, KesinCetvelId=1)) == "CTV-002"
    _book(logic, place, minutes=30)
    assert refused(logic, "schedule_update", update) == "CTV-003"  # booked: locked


# -- the slot query with capacities ------------------------------------------------------------------------
def test_slot_query(sim, logic, place):
    slots = logic("slot_query", {"TarihBilgileri": WEEK, "KlinikKodu": 157, "HekimKodu": PHYSICIAN})["Slot"]
    assert [(s["BaslangicZamani"].strftime("%H:%M"), s["Kapasite"], s["DoluSayisi"]) for s in slots] == [
        ("09:00", 1, 0),
        ("09:15", 1, 0),
        ("09:30", 1, 0),
        ("09:45", 1, 0),
    ]
    assert slots[0]["BaslangicZamani"].utcoffset() == timedelta(hours=3)
    _book(logic, place)
    assert logic("slot_query", {"TarihBilgileri": WEEK, "KlinikKodu": 157})["Slot"][0]["DoluSayisi"] == 1
    assert logic("slot_query", {"TarihBilgileri": WEEK, "KlinikKodu": 132})["Slot"] == []
    assert refused(logic, "slot_query", {"TarihBilgileri": WEEK, "KlinikKodu": 999}) == "KLN-001"


# -- the exception query by id ------------------------------------------------------------------------------
def test_exception_query_by_id(sim, logic, place):
    """G2's exception query filters by period, branch and physician only; the query by id is the logic's."""
    added = logic(
        "appointment_exception",
        {
            "IstisnaEkleme": {
                "HekimKodu": PHYSICIAN,
                "KlinikKodu": 157,
                "AltKlinikKodu": place["clinic"],
                "TarihBilgileri": {"BaslangicZamani": at(9), "BitisZamani": at(9, 30)},
                "AksiyonKodu": 5,
                "Aciklama": "Yıllık izin",
            }
        },
    )["IstisnaDetayBilgileri"][0]
    assert (added["IstisnaDurumKodu"], added["AltKlinikKodu"]) == (1, place["clinic"])
    query = {"TarihBilgileri": WEEK, "IstisnaId": added["IstisnaId"]}
    found = logic("appointment_exception", {"IstisnaSorgulama": query})["IstisnaDetayBilgileri"]
    assert [e["IstisnaId"] for e in found] == [added["IstisnaId"]]
    assert (
        logic("appointment_exception", {"IstisnaSorgulama": {"TarihBilgileri": WEEK}})[
            "IstisnaDetayBilgileri"
        ]
        == found
    )
    other = {"TarihBilgileri": WEEK, "HekimKodu": PHYSICIAN_2}
    assert logic("appointment_exception", {"IstisnaSorgulama": other})["IstisnaDetayBilgileri"] == []
    query["IstisnaId"] = 999
    assert refused(logic, "appointment_exception", {"IstisnaSorgulama": query}) == "IST-001"
