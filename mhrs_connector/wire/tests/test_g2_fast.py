"""The lxml fast decoder of the G2 appointment query answer against zeep, on real simulator answers."""

import copy
from datetime import datetime

import pytest
from lxml import etree
from test_wire import BRANCH, PHYSICIAN, PHYSICIAN_2, at, final_block, setup_place

from mhrs_connector.wire import g2, g2_fast
from mhrs_connector.wire.common import G2_FORMAT, parse_dt
from mhrs_connector.wire.errors import MhrsMalformedResponse

XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def tckn(nine):
    digits = [int(c) for c in str(nine)]
    digits.append((7 * sum(digits[0:9:2]) - sum(digits[1:8:2])) % 10)
    digits.append(sum(digits) % 10)
    return "".join(str(d) for d in digits)


def zeep_value(wire, answer):
    """What the zeep path makes of an answer element (the reference)."""
    return g2._plain(wire.zeep.get_element(answer.tag).parse(answer, wire.zeep.wsdl.types))


def spy_answers(client):
    """Every answer element the wire decodes, with what the fast path returned for it (None: zeep)."""
    seen = []
    real = client.wire._fast_decode

    def spy(g2_operation, answer):
        value = real(g2_operation, answer)
        seen.append((g2_operation, copy.deepcopy(answer), value))
        return value

    client.wire._fast_decode = spy
    return seen


@pytest.fixture
def booked(make_client, sim):
    """A day of appointments over G2: with and without phone, birth date and note, one cancelled."""
    client = make_client("g2")
    clinic = setup_place(client)
    final_block(client, clinic, at(9), at(10))
    slots = client.slot_query(BRANCH, PHYSICIAN, at(0), at(23, 59))
    hrns = []
    for index, slot in enumerate(slots[:5]):
        patient = {"tckn": tckn(200000000 + index * 7), "name": "Ayşe", "surname": f"Yılmaz {index}"}
        patient["phone"] = "532123456" + str(index)
        if index % 2 == 0:
            patient["birth_date"] = f"0{index + 1}.02.1980"
        hrns.append(client.appointment_book(slot, patient, note="not & <özel>" if index == 1 else None))
    client.appointment_cancel(hrns[3])
    # booking needs a phone; an appointment taken elsewhere (e.g. by ALO 182) may have none
    sim.simulator.state["appointments"][hrns[4]]["phone"] = None
    return client, hrns


def test_fast_decoder_gives_what_zeep_gives_and_is_used(booked):
    client, hrns = booked
    seen = spy_answers(client)
    before = dict(client.wire.decoded)
    everything = client.appointment_query(BRANCH, at(0), at(23, 59), PHYSICIAN)
    cancelled = client.appointment_query(BRANCH, at(0), at(23, 59), PHYSICIAN, record_status=2)
    nobody = client.appointment_query(BRANCH, at(0), at(23, 59), PHYSICIAN_2)
    assert {a["hrn"] for a in everything} == set(hrns)
    assert [a["hrn"] for a in cancelled] == [hrns[3]]
    assert nobody == []
    # the three answers went through the fast path, none through zeep
    assert client.wire.decoded["fast"] == before.get("fast", 0) + 3
    assert client.wire.decoded["zeep"] == before.get("zeep", 0)
    assert [op for op, _answer, _value in seen] == ["KurumRandevuSorgulamaObj"] * 3
    for _op, answer, value in seen:
        assert value == zeep_value(client.wire, answer)
    rows = seen[0][2]["KurumRandevuBilgileri"]
    assert len(rows) == 5
    # the answers held the optional fields both present and missing
    assert {row["RandevuNotu"] for row in rows} == {None, "not & <özel>"}
    assert {len(row["VatandasTelefonBilgileri"]) for row in rows} == {0, 1}
    assert {row["HastaDogumTarihi"] is None for row in rows} == {True, False}
    assert {row["KayitDurumKodu"] for row in rows} == {1, 2}
    assert isinstance(rows[0]["HastaTCKimlikNo"], int) and rows[0]["RefakatciIstiyormu"] is False
    assert seen[2][2]["KurumRandevuBilgileri"] == []


def test_off_model_answers_fall_back_to_zeep(booked):
    client, _hrns = booked
    seen = spy_answers(client)
    client.appointment_query(BRANCH, at(0), at(23, 59), PHYSICIAN)
    answer = seen[0][1]
    decode = g2_fast.decoder(g2.XSD_FILE, "KurumRandevuSorgulamaObj", client.wire.namespace)
    ns = etree.QName(answer).namespace
    first = answer.find(f"{{{ns}}}KurumRandevuBilgileri")
    note = first.find(f"{{{ns}}}RandevuNotu")
    if note is None:
        note = etree.Element(f"{{{ns}}}RandevuNotu")
        first.find(f"{{{ns}}}RandevuTuru").addnext(note)
    note.set(XSI_NIL, "true")
    with pytest.raises(g2_fast.FastDecodeError):
        decode(answer)
    real_fast = g2.G2Wire._fast_decode.__get__(client.wire)
    assert real_fast("KurumRandevuSorgulamaObj", answer) is None
    # the wire still decodes it, through zeep, to the same row
    zeep_before = client.wire.decoded["zeep"]
    envelope = etree.Element(f"{{{g2.SOAP_ENV}}}Envelope")
    etree.SubElement(envelope, f"{{{g2.SOAP_ENV}}}Body").append(answer)
    value = g2.G2Wire._decode(client.wire, "KurumRandevuSorgulamaObj", 200, etree.tostring(envelope))
    assert client.wire.decoded["zeep"] == zeep_before + 1
    assert value["KurumRandevuBilgileri"][0]["RandevuNotu"] is None
    assert len(value["KurumRandevuBilgileri"]) == 5
    # an element out of schema order is not guessed either
    swapped = copy.deepcopy(seen[0][1])
    row = swapped.find(f"{{{ns}}}KurumRandevuBilgileri")
    row.append(row[0])
    with pytest.raises(g2_fast.FastDecodeError):
        decode(swapped)


def test_other_answers_stay_on_zeep(make_client):
    client = make_client("g2")
    before = client.wire.decoded["zeep"]
    client.action_codes()
    assert client.wire.decoded["zeep"] == before + 1
    assert client.wire.decoded["fast"] == 0


@pytest.mark.parametrize(
    "text", ["01.12.2026 09:15:00", "29.02.2028 23:59:59", " 07.01.2026 00:00:00 ", "1.12.2026 09:15:00"]
)
def test_g2_dates_parse_as_the_pattern_does(text):
    assert parse_dt(text, (G2_FORMAT,)) == datetime.strptime(text.strip(), G2_FORMAT)


@pytest.mark.parametrize("text", ["31.02.2026 09:15:00", "01.12.2026 09:15+01", "aa.bb.cccc dd:ee:ff"])
def test_g2_dates_that_do_not_fit_are_refused(text):
    with pytest.raises(MhrsMalformedResponse):
        parse_dt(text, (G2_FORMAT,))
