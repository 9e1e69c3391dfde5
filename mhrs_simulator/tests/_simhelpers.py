"""Helpers shared by the simulator tests (values and builders; fixtures live in conftest.py)."""

from datetime import datetime

from mhrs_simulator.clock import TZ, local

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)  # the frozen simulator time of the ``sim`` fixture


PHYSICIAN = "10000000146"
PHYSICIAN_2 = "10000000214"
CITIZEN = "10000000382"
DAY = datetime(2026, 11, 27, tzinfo=TZ)  # tomorrow of NOW


def at(hour, minute=0, day=DAY):
    return day.replace(hour=hour, minute=minute)


def rest_dt(value):
    """MHRS V2's date: "yyyy-MM-dd HH:mm:ss" Istanbul wall clock."""
    return local(value).strftime("%Y-%m-%d %H:%M:%S")


def g2_dt(value):
    """G2's date: "dd.MM.yyyy HH:mm:ss" Istanbul wall clock."""
    return local(value).strftime("%d.%m.%Y %H:%M:%S")


def g2_range(start, end):
    return {"BaslangicTarihi": g2_dt(start), "BitisTarihi": g2_dt(end)}


def block(clinic, start, end, physician=PHYSICIAN, action=1, slot=15, capacity=1, branch=157):
    """A block as the simulator's logic takes it (CetvelDetayBilgileri with datetimes)."""
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


def g2_block(clinic, start, end, physician=PHYSICIAN, action=1, slot=15, capacity=1, branch=157):
    """The same block as G2's CetvelDetayBilgileri."""
    detail = {
        "HekimKlinikBilgileri": {
            "HekimBilgileri": {"HekimKodu": physician},
            "KlinikKodu": branch,
            "AltKlinikBilgileri": {"AltKlinikKodu": clinic},
        },
        "AksiyonKodu": action,
        "TarihBilgileri": g2_range(start, end),
    }
    if slot:
        detail.update(TedaviSuresi=slot, SlotBasinaDusenHastaSayisi=capacity)
    return detail


def rest_block(clinic, start, end, physician=PHYSICIAN, action=1, slot=15, capacity=1, branch=157):
    """The same block as MHRS V2's ``cetvel/ekle`` body."""
    return {
        "hekimTcKimlikNo": int(physician),
        "klinikKodu": branch,
        "muayeneYeriId": clinic,
        "aksiyonId": action,
        "randevuSuresi": slot or 0,
        "slotHastaSayisi": capacity if slot else 0,
        "baslangicZamani": rest_dt(start),
        "bitisZamani": rest_dt(end),
    }


def citizen(tckn=CITIZEN, phone="05321234567"):
    return {"TCKimlikNo": tckn, "Ad": "Ayşe", "Soyad": "Yılmaz", "TelefonNo": phone}
