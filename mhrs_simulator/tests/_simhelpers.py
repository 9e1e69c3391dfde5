"""Helpers shared by the simulator tests (values and builders; fixtures live in conftest.py)."""

from datetime import datetime

from mhrs_simulator.clock import TZ

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)  # the frozen simulator time of the ``sim`` fixture


PHYSICIAN = "10000000146"
PHYSICIAN_2 = "10000000214"
CITIZEN = "10000000382"
DAY = datetime(2026, 11, 27, tzinfo=TZ)  # tomorrow of NOW


def at(hour, minute=0, day=DAY):
    return day.replace(hour=hour, minute=minute)


def block(clinic, start, end, physician=PHYSICIAN, action=1, slot=15, capacity=1, branch=157):
    detail = {
        "HekimKodu": physician,
        "KlinikKodu": branch,
        "AltKlinikKodu": clinic,
        "AksiyonKodu": action,
        "TarihBilgileri": {"BaslangicZamani": start, "BitisZamani": end},
    }
    if slot:
        detail.update(TedaviSuresi=slot, SlotBasinaDusenHastaSayisi=capacity)
    return detail


def citizen(tckn=CITIZEN, phone="05321234567"):
    return {"TCKimlikNo": tckn, "Ad": "Ayşe", "Soyad": "Yılmaz", "TelefonNo": phone}


def issue(answer):
    """(TypeCode, first issue code) of a response."""
    ack = answer["Acknowledgement"]
    return ack["TypeCode"], (ack["DetectedIssue"][0]["Code"] if ack["DetectedIssue"] else None)


def items(answer, key):
    """A 0..n list of a response payload (zeep gives None for an empty <Payload/>)."""
    return (answer["Payload"] or {}).get(key) or []
