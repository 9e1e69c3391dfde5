"""SOAP G2 at /MHRSWS/services/mhrsweb, on the simulator's one state (stdlib + lxml).

Every request is validated against the simulator's copy of the G2 schema; the header's
YetkilendirmeGirisBilgileri must match the institution; refusals answer ``ServisBasarisi=false`` with
``Aciklama`` "<code>: <text>". Dates are "dd.MM.yyyy HH:mm:ss" Istanbul wall-clock strings.
"""

import functools
from datetime import datetime
from xml.sax.saxutils import quoteattr

from lxml import etree

from . import g2codec
from .clock import TZ, local
from .codes import ACTIONS, BOOKABLE_ACTIONS, BRANCHES, SimError
from .outcome import Outcome

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
G2_PATH = "/MHRSWS/services/mhrsweb"
FORMAT = "%d.%m.%Y %H:%M:%S"
# request element -> operation (MHRSServis.hvl.cs); the others are <operation>Talep
_ODD_REQUESTS = {"KurumRandevuSorgulamaTalep": "KurumRandevuSorgulamaObj"}


def _dt(text):
    if not text:
        raise SimError("GEN-006")
    for pattern in (FORMAT, "%d.%m.%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=TZ)
        except ValueError:
            continue
    raise SimError("GEN-002", f"Tarih biçimi geçersiz: {text}")


def _s(value):
    return local(value).strftime(FORMAT) if value is not None else None


def _range(tarih):
    tarih = tarih or {}
    return {
        "BaslangicZamani": _dt(tarih.get("BaslangicTarihi")),
        "BitisZamani": _dt(tarih.get("BitisTarihi")),
    }


def _g2_range(start, end):
    return {"BaslangicTarihi": _s(start), "BitisTarihi": _s(end)}


def _detail_in(d):
    place = d.get("HekimKlinikBilgileri") or {}
    return {
        "HekimKodu": (place.get("HekimBilgileri") or {}).get("HekimKodu"),
        "KlinikKodu": place.get("KlinikKodu"),
        "AltKlinikKodu": (place.get("AltKlinikBilgileri") or {}).get("AltKlinikKodu"),
        "AksiyonKodu": d.get("AksiyonKodu"),
        "TedaviSuresi": d.get("TedaviSuresi"),
        "SlotBasinaDusenHastaSayisi": d.get("SlotBasinaDusenHastaSayisi"),
        "TarihBilgileri": _range(d.get("TarihBilgileri")),
    }


def _detail_out(sim, s):
    clinic = sim.state["clinics"].get(str(s["clinic"])) or {}
    return {
        "HekimKlinikBilgileri": {
            "HekimBilgileri": {"HekimKodu": s["physician"], "Cinsiyet": 0},
            "KlinikKodu": s["branch"],
            "KlinikAdi": sim.state["branches"].get(str(s["branch"])),
            "AltKlinikBilgileri": {"AltKlinikKodu": s["clinic"], "AltKlinikAdi": clinic.get("name")},
        },
        "AksiyonKodu": s["action"],
        "TedaviSuresi": s.get("slot"),
        "SlotBasinaDusenHastaSayisi": s.get("capacity"),
        "TarihBilgileri": _g2_range(s["start"], s["end"]),
    }


# -- operations: (simulator, institution, request dict) -> answer dict without TemelCevapBilgileri ---------
def _branch_add(sim, inst, p):
    sim.branch_register(inst, p["KlinikKodu"])
    return {}


def _branch_query(sim, inst, _p):
    return {
        "KlinikBilgileri": [
            {"KlinikKodu": b, "KlinikAdi": n or BRANCHES.get(b)} for b, n in sim.branch_query(inst)
        ]
    }


def _physician_add(sim, inst, p):
    sim.physician_link(inst, p["KlinikKodu"], p["HekimKodu"], bool(p.get("GeciciGorevli")))
    return {}


def _actions(_sim, _inst, _p):
    return {
        "AksiyonBilgileri": [
            {
                "AksiyonKodu": code,
                "Aciklama": name,
                "AksiyonTipi": 1 if code in BOOKABLE_ACTIONS else 0,
                "Mustesna": 0,
                "Gun": 0,
                "IslemTipi": 0,
            }
            for code, name in sorted(ACTIONS.items())
        ]
    }


def _clinic_add(sim, inst, p):
    return {"AltKlinikKodu": sim.clinic_register_real(inst, p["KlinikKodu"], p["AltKlinikAdi"])}


def _clinic_update(sim, inst, p):
    sim.call(
        "clinic_update",
        inst,
        {
            "AltKlinikKodu": p["AltKlinikKodu"],
            "AltKlinikAdi": p["AltKlinikAdi"],
            "LokasyonDegisikligineDusurme": p.get("LokasyonDegisikligineDusurme"),
        },
    )
    return {}


def _clinic_query(sim, inst, p):
    rows = sim.call("clinic_query", inst, {"KlinikKodu": p["KlinikKodu"]})["AltKlinikBilgileri"]
    return {
        "AltKlinikBilgileri": [
            {"AltKlinikKodu": r["AltKlinikKodu"], "AltKlinikAdi": r["AltKlinikAdi"]}
            for r in rows
            if r["AktifMi"]
        ]
    }


def _clinic_delete(sim, inst, p):
    sim.call("clinic_cancel", inst, {"AltKlinikKodu": p["AltKlinikKodu"]})
    return {}


def _draft_add(sim, inst, p):
    answers = []
    for item in p["TaslakCetvelBilgileri"]:
        try:
            draft_id = sim.draft_add(inst, _detail_in(item["CetvelDetayBilgileri"] or {}))
        except SimError as error:
            answers.append(
                {
                    "ReferansNo": item.get("ReferansNo"),
                    "Aciklama": f"{error.code}: {error.text}",
                    "TaslakCetvelId": [],
                }
            )
            continue
        answers.append({"ReferansNo": item.get("ReferansNo"), "TaslakCetvelId": [draft_id]})
    return {"TaslakCetvelCevap": answers}


def _draft_delete(sim, inst, p):
    return {"TaslakCetvelId": sim.draft_delete(inst, p["TaslakCetvelId"])}


def _finalise(sim, inst, p):
    dates = _range(p.get("TarihBilgileri"))
    physician = (p.get("HekimBilgileri") or {}).get("HekimKodu")
    done = sim.draft_finalise(
        inst, p["KlinikKodu"], dates["BaslangicZamani"], dates["BitisZamani"], physician
    )
    return {"taslakKesinMap": [{"TaslakCetvelId": d, "KesinCetvelId": f} for d, f in done]}


def _schedule_query(sim, inst, p):
    rows = sim.call(
        "schedule_query",
        inst,
        {
            "TarihBilgileri": _range(p.get("TarihBilgileri")),
            "KlinikKodu": p.get("KlinikKodu"),
            "AltKlinikKodu": p.get("AltKlinikKodu"),
            "HekimKodu": (p.get("HekimBilgileri") or {}).get("HekimKodu"),
            "AksiyonKodu": p.get("AksiyonKodu"),
        },
    )["CetvelBilgileri"]
    out = []
    for row in rows:
        s = sim.state["schedules"][str(row["KesinCetvelId"])]
        out.append(
            {
                "KesinCetvelId": s["id"],
                "TaslakCetvelId": s.get("draft"),
                "CetvelDetayBilgileri": _detail_out(sim, s),
            }
        )
    return {"KesinCetvelDetayBilgileri": out}


def _schedule_update(sim, inst, p):
    """A final block is never edited in place (issue #14): it is deleted and added again."""
    schedule = sim.state["schedules"].get(str(p["KesinCetvelId"]))
    if not schedule or schedule["institution"] != inst or not schedule["active"]:
        raise SimError("CTV-002")
    raise SimError("CTV-005")


def _schedule_delete(sim, inst, p):
    ids = sim.call("schedule_cancel", inst, {"KesinCetvelId": p["KesinCetvelId"]})["KesinCetvelId"]
    return {"KesinCetvelId": ids}


def _exception_out(sim, e):
    return {
        "IstisnaId": e["IstisnaId"],
        "KurumKodu": 0,
        "KlinikKodu": e["KlinikKodu"],
        "HekimKodu": e["HekimKodu"],
        "TarihBilgileri": _g2_range(
            e["TarihBilgileri"]["BaslangicZamani"], e["TarihBilgileri"]["BitisZamani"]
        ),
        "AksiyonKodu": e["AksiyonKodu"],
        "Aciklama": e["Aciklama"],
        "istisnaTipi": 1,
        "IstisnaDurumKodu": e["IstisnaDurumKodu"],
        "RedNedeni": e.get("RedNedeni"),
    }


def _exception_add(sim, inst, p):
    phone = (p.get("TelefonIletisimBilgileri") or {}).get("TelefonNo")
    rows = sim.call(
        "appointment_exception",
        inst,
        {
            "IstisnaEkleme": {
                "HekimKodu": p.get("HekimKodu"),
                "KlinikKodu": p["KlinikKodu"],
                "AltKlinikKodu": None,
                "TarihBilgileri": _range(p.get("TarihBilgileri")),
                "AksiyonKodu": p["AksiyonKodu"],
                "Aciklama": p.get("Aciklama") or "",
                "Email": p.get("Email"),
                "TelefonNo": phone,
                "IstisnaDokumanBilgileri": p.get("IstisnaDokumanBilgileri"),
            }
        },
    )["IstisnaDetayBilgileri"]
    return {"IstisnaDetayBilgileri": [dict(_exception_out(sim, r), KurumKodu=inst) for r in rows]}


def _exception_query(sim, inst, p):
    rows = sim.call(
        "appointment_exception",
        inst,
        {
            "IstisnaSorgulama": {
                "TarihBilgileri": _range(p.get("TarihBilgileri")),
                "HekimKodu": (p.get("HekimBilgileri") or {}).get("HekimKodu"),
            }
        },
    )["IstisnaDetayBilgileri"]
    branch = p.get("KlinikKodu")
    return {
        "IstisnaDetayBilgileri": [
            dict(_exception_out(sim, r), KurumKodu=inst) for r in rows if branch in (None, r["KlinikKodu"])
        ]
    }


def _exception_delete(sim, inst, p):
    return {"IstisnaId": sim.exception_delete(inst, p["IstisnaId"])}


def _appointment_query(sim, inst, p):
    rows = sim.call(
        "appointment_query",
        inst,
        {
            "TarihBilgileri": _range(p.get("TarihBilgileri")),
            "KlinikKodu": p["KlinikKodu"],
            "HekimKodu": [p["HekimKodu"]] if p.get("HekimKodu") else None,
            "KayitDurumKodu": p.get("KayitDurumKodu"),
        },
    )["KurumRandevuBilgileri"]
    name = sim.state["institutions"].get(str(inst), {}).get("name")
    # A day's 12,000 rows share a few hundred distinct times: each formatted once.
    stamp = functools.lru_cache(maxsize=4096)(_s)
    out = []
    for a in rows:
        clinic = sim.state["clinics"].get(str(a["AltKlinikKodu"])) or {}
        out.append(
            {
                "RandevuHrn": a["RandevuHrn"],
                "TarihBilgileri": {
                    "BaslangicTarihi": stamp(a["TarihBilgileri"]["BaslangicZamani"]),
                    "BitisTarihi": stamp(a["TarihBilgileri"]["BitisZamani"]),
                },
                "KurumAd": name,
                "KlinikBilgileri": {
                    "KlinikKodu": a["KlinikKodu"],
                    "KlinikAdi": sim.state["branches"].get(str(a["KlinikKodu"])),
                },
                "AltKlinikKodu": a["AltKlinikKodu"],
                "YeniAltKlinikAdi": clinic.get("name"),
                "HekimKodu": a["HekimKodu"],
                "HastaTCKimlikNo": int(a["HastaTCKimlikNo"]),
                "HastaAdi": a["HastaAdi"],
                "HastaSoyadi": a["HastaSoyadi"],
                "HastaDogumTarihi": a.get("HastaDogumTarihi"),
                "Cinsiyet": a.get("Cinsiyet") or 0,
                "VatandasTelefonBilgileri": [{"TelefonNo": a["TelefonNo"], "NumaraTipi": 1}]
                if a.get("TelefonNo")
                else [],
                "KayitDurumKodu": a["KayitDurumKodu"],
                "DurumKodu": a["DurumKodu"],
                "RefakatciIstiyormu": False,
                "Engelli": False,
                "Kimsesiz": False,
                "YuksekRiskliGebe": False,
                "RandevuTuru": a.get("RandevuTuru") or 0,
                "RandevuNotu": a.get("RandevuNotu"),
                "SanalTC": False,
                "EklenmeZamani": stamp(a["EklenmeZamani"]),
                "EkleyenKullaniciTipi": a["EkleyenKullaniciTipi"],
            }
        )
    return {"KurumRandevuBilgileri": out}


def _set_status(sim, inst, p):
    items = [
        {
            "RandevuHrn": i["RandevuHrn"],
            "DurumKodu": i["DurumKodu"],
            "GelisZamani": _dt(i["GelisZamani"]) if i.get("GelisZamani") else None,
            "RandevuGerceklesmeZamani": _dt(i["RandevuGerceklesmeZamani"])
            if i.get("RandevuGerceklesmeZamani")
            else None,
        }
        for i in p["RandevuBilgileri"]
    ]
    rows = sim.call("appointment_set_status", inst, {"RandevuBilgileri": items})["RandevuDurumSonuc"]
    return {
        "RandevuDurumSonuc": [
            {
                "RandevuHrn": r["RandevuHrn"],
                "GuncellemeBasarisi": r["GuncellemeBasarisi"],
                "HataKodu": r.get("HataKodu"),
                "Aciklama": r.get("Aciklama"),
            }
            for r in rows
        ]
    }


def _book(sim, inst, p):
    citizen = p.get("VatandasBilgileri") or {}
    phones = ((citizen.get("VatandasIletisimBilgileri") or {}).get("TelefonIletisimBilgileri")) or []
    when = p.get("RandevuZamanBilgisi") or {}
    birth = citizen.get("DogumTarihi")
    return sim.call(
        "appointment_register",
        inst,
        {
            "KesinCetvelId": p["KesinCetvelId"],
            "RandevuZamanBilgisi": {
                "RandevuBaslangicZamani": _dt(when.get("RandevuBaslangicZamani")),
                "RandevuBitisZamani": _dt(when.get("RandevuBitisZamani")),
            },
            "VatandasBilgileri": {
                "TCKimlikNo": citizen.get("TCKimlikNo") or "",
                "Ad": citizen.get("Ad") or "",
                "Soyad": citizen.get("Soyad") or "",
                "TelefonNo": phones[0].get("TelefonNo") if phones else None,
                "Cinsiyet": citizen.get("Cinsiyet"),
                "DogumTarihi": _dt(birth).date() if birth else None,
            },
            "RandevuNotu": p.get("RandevuNotu"),
        },
    )


def _cancel(sim, inst, p):
    return sim.call("appointment_cancel", inst, {"RandevuHrn": p["RandevuHrn"]})


def _slots(sim, inst, p):
    day = _dt(p["Tarih"])
    start = day.replace(hour=0, minute=0, second=0)
    end = start + (datetime(2000, 1, 2) - datetime(2000, 1, 1))
    rows = sim.slot_rows(inst, p["KlinikKodu"], p["HekimKodu"], start, end)
    hours = {}
    for r in rows:
        clinic = sim.state["clinics"].get(str(r["schedule"]["clinic"])) or {}
        hours.setdefault(local(r["start"]).hour, []).append(
            {
                "Baslangic": _s(r["start"]),
                "Bitis": _s(r["end"]),
                "Durum": "BOS" if r["free"] else "DOLU",
                "EgitimArastirmaUyarisi": False,
                "KesinCetvelId": r["schedule"]["id"],
                "AltKlinikBilgileri": {
                    "AltKlinikKodu": r["schedule"]["clinic"],
                    "AltKlinikAdi": clinic.get("name"),
                },
                "RandevuTuru": 0,
            }
        )
    day_text = local(start).strftime("%d.%m.%Y")
    return {
        "CalismaGunDetaylari": [
            {
                "Tarih": day_text,
                "CalismaSaatleri": [{"Saat": h, "Slotlar": slots} for h, slots in sorted(hours.items())],
            }
        ]
        if hours
        else [],
        "RandevuGunDurumlari": [
            {"Tarih": day_text, "Durum": "BOS" if any(r["free"] for r in rows) else "DOLU"}
        ],
    }


HANDLERS = {
    "KurumKlinikEkleme": _branch_add,
    "KurumKlinikSorgulama": _branch_query,
    "KurumHekimEkleme": _physician_add,
    "AksiyonBilgileriSorgulama": _actions,
    "KurumAltKlinikEkleme": _clinic_add,
    "KurumAltKlinikAdiGuncelleme": _clinic_update,
    "KurumAltKlinikSorgulama": _clinic_query,
    "KurumAltKlinikSilme": _clinic_delete,
    "KurumTaslakCetvelEkleme": _draft_add,
    "KurumTaslakCetvelSilme": _draft_delete,
    "KurumTaslakCetvelKesinlestirme": _finalise,
    "KurumKesinCetvelSorgulama": _schedule_query,
    "KurumKesinCetvelGuncelleme": _schedule_update,
    "KurumKesinCetvelSilme": _schedule_delete,
    "KurumIstisnaEkleme": _exception_add,
    "KurumIstisnaSorgulama": _exception_query,
    "KurumIstisnaSilme": _exception_delete,
    "KurumRandevuSorgulamaObj": _appointment_query,
    "RandevuDurumGuncelle": _set_status,
    "RandevuEkleme": _book,
    "RandevuIptal": _cancel,
    "RandevuCetvelOzetDetaySorgulama": _slots,
}


def operation_of(element_name):
    if element_name in _ODD_REQUESTS:
        return _ODD_REQUESTS[element_name]
    return element_name[: -len("Talep")] if element_name.endswith("Talep") else None


def peek_operation(body):
    """The G2 operation of a request body (for fault matching), or None."""
    try:
        root = etree.fromstring(body, g2codec.safe_parser())
        return operation_of(etree.QName(root.find(f"{{{SOAP_ENV}}}Body")[0]).localname)
    except Exception:
        return None


def fault_bytes(code, text):
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    fault = etree.SubElement(etree.SubElement(env, f"{{{SOAP_ENV}}}Body"), f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = code
    etree.SubElement(fault, "faultstring").text = text
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def _answer(namespace, operation, values, ok, text, now, check):
    """The answer envelope as bytes, written as text (g2codec.encode_text); ``check`` validates it."""
    base = {"ServisBasarisi": ok, "ServisZamani": _s(now), "Aciklama": text}
    element = g2codec.encode_text(
        "m", operation + "Cevap", operation + "CevapType", dict(values, TemelCevapBilgileri=base)
    )
    data = (
        f"<?xml version='1.0' encoding='utf-8'?>\n<soap:Envelope xmlns:soap={quoteattr(SOAP_ENV)}"
        f" xmlns:m={quoteattr(namespace)}><soap:Body>{element}</soap:Body></soap:Envelope>"
    ).encode()
    errors = []
    if check:
        body = etree.fromstring(data, g2codec.safe_parser()).find(f"{{{SOAP_ENV}}}Body")
        errors = g2codec.validate(body[0], namespace)
    return data, errors


def handle(sim, body, namespace, check=False, refuse=None):
    """One G2 request body -> Outcome (never raises); ``refuse``: answer this MHRS error code instead of
    applying the operation (the "refuse" fault)."""
    try:
        root = etree.fromstring(body, g2codec.safe_parser())
        request = root.find(f"{{{SOAP_ENV}}}Body")[0]
    except Exception:
        return Outcome(400, fault_bytes("soap:Client", "GEN-002: İstek okunamadı."))
    name = etree.QName(request)
    operation = operation_of(name.localname)
    if name.namespace != namespace or operation not in HANDLERS:
        return Outcome(
            500, fault_bytes("soap:Client", f"GEN-003: Tanımsız işlem {name.localname}."), operation
        )
    schema_errors = g2codec.validate(request, namespace)
    if schema_errors:
        return Outcome(
            500, fault_bytes("soap:Client", f"GEN-002: {schema_errors[0]}"), operation, issue="GEN-002"
        )
    _, elements = g2codec.schema_model()
    payload = g2codec.decode(request, elements[name.localname])
    ok, text, values, issue = True, None, {}, None
    try:
        login = payload.get("YetkilendirmeGirisBilgileri") or {}
        inst = (payload.get("KurumBilgileri") or {}).get("KurumKodu")
        institution = sim.authenticate_user(login.get("KullaniciKodu"), login.get("KullaniciSifre"), inst)
        if refuse:
            raise SimError(refuse)
        values = HANDLERS[operation](sim, institution, payload)
    except SimError as error:
        ok, text, issue = False, f"{error.code}: {error.text}", error.code
        values = g2codec.required_defaults(operation + "CevapType")
    except (KeyError, TypeError, ValueError) as error:
        ok, text, issue = False, f"GEN-002: {type(error).__name__}: {error}", "GEN-002"
        values = g2codec.required_defaults(operation + "CevapType")
    data, errors = _answer(namespace, operation, values, ok, text, sim.now(), check)
    return Outcome(200, data, operation, ok, issue, errors)
