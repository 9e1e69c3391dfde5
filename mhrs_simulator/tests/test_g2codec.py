"""The simulator's G2 text encoder writes the same answer element as the lxml tree encoder (the
reference), valid against the schema, with XML's special characters escaped."""

import pytest
from lxml import etree

from mhrs_simulator import g2codec, wire_g2

NS = "urn:test:g2"
ROW = {
    "RandevuHrn": "2026120100000001",
    "TarihBilgileri": {"BaslangicTarihi": "01.12.2026 08:00:00", "BitisTarihi": "01.12.2026 08:15:00"},
    "KurumAd": 'Hastane <A&B> "Merkez"',
    "KlinikBilgileri": {"KlinikKodu": 157, "KlinikAdi": "İç Hastalıkları"},
    "AltKlinikKodu": 4001,
    "HekimKodu": "10000000146",
    "HastaTCKimlikNo": 10000000078,
    "HastaAdi": "Ayşe",
    "HastaSoyadi": "Öztürk",
    "Cinsiyet": 2,
    "VatandasTelefonBilgileri": [{"TelefonNo": "05321234567", "NumaraTipi": 1}],
    "KayitDurumKodu": 1,
    "DurumKodu": 0,
    "RefakatciIstiyormu": False,
    "Engelli": True,
    "Kimsesiz": False,
    "YuksekRiskliGebe": False,
    "RandevuTuru": 0,
    "RandevuNotu": "satır 1\r\nsatır 2 > 1",
    "SanalTC": False,
    "EklenmeZamani": "30.11.2026 10:00:00",
    "EkleyenKullaniciTipi": 2,
}
VALUE = {
    "TemelCevapBilgileri": {"ServisBasarisi": True, "ServisZamani": "30.11.2026 10:00:00"},
    "KurumRandevuBilgileri": [ROW, dict(ROW, RandevuHrn="2026120100000002", RandevuNotu=None)],
}
OP = "KurumRandevuSorgulamaObj"


def _tree_encoded():
    root = etree.Element("root", nsmap={"m": NS})
    return g2codec.encode(root, NS, OP + "Cevap", OP + "CevapType", VALUE)


def test_text_encoder_writes_the_tree_encoders_element():
    text = g2codec.encode_text("m", OP + "Cevap", OP + "CevapType", VALUE)
    wrapped = f'<root xmlns:m="{NS}">{text}</root>'.encode()
    parsed = etree.fromstring(wrapped)[0]
    assert etree.tostring(parsed, method="c14n") == etree.tostring(_tree_encoded(), method="c14n")
    assert g2codec.validate(parsed, NS) == []
    assert parsed.findtext(f"{{{NS}}}KurumRandevuBilgileri/{{{NS}}}KurumAd") == ROW["KurumAd"]
    # A carriage return survives the round trip as lxml writes it (a bare CR would be read as LF).
    assert parsed.findtext(f"{{{NS}}}KurumRandevuBilgileri/{{{NS}}}RandevuNotu") == ROW["RandevuNotu"]


def test_answer_envelope_is_valid_and_checked():
    data, errors = wire_g2._answer(NS, OP, VALUE, True, None, wire_g2.datetime(2026, 11, 30, 10), True)
    assert errors == []
    body = etree.fromstring(data).find(f"{{{wire_g2.SOAP_ENV}}}Body")
    assert len(body[0].findall(f"{{{NS}}}KurumRandevuBilgileri")) == 2


def test_text_encoder_refuses_what_xml_cannot_carry():
    with pytest.raises(ValueError):
        g2codec.encode_text(
            "m",
            OP + "Cevap",
            OP + "CevapType",
            dict(VALUE, KurumRandevuBilgileri=[dict(ROW, RandevuNotu="bell \x07")]),
        )
