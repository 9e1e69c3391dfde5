"""MHRS V2 (REST/JSON) under /api/rs/, on the simulator's one state.

``POST /api/rs/login`` issues an HS256 JWT (secret per server, lifetime ``settings.jwt_lifetime_s``,
default 3600 s); every ``/api/rs/hbys/...`` call needs ``Authorization: Bearer <jwt>`` and answers 401
for a missing, forged or expired token, or one issued before ``settings.jwt_not_before`` (epoch
seconds: the control interface's way to revoke every token). Answers are the envelope
``{lang, success, infos, warnings, errors, data}`` (the appointment cancel's is
``{data, errorList, httpStatus, infoList, valid, warningList}``, as ATLAS models it); refusals come with
HTTP 400 and ``errors`` / ``errorList`` ``[{kodu, mesaj}]``. Dates are "yyyy-MM-dd HH:mm:ss" Istanbul
wall-clock strings.
"""

import base64
import copy
import email.parser
import hashlib
import hmac
import json
import os
import time
from datetime import datetime

from .clock import TZ, local
from .codes import ACTIONS, BOOKABLE_ACTIONS, SimError
from .outcome import Outcome

PREFIX = "/api/rs/"
FORMAT = "%Y-%m-%d %H:%M:%S"


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Tokens:
    def __init__(self):
        self.secret = os.urandom(32)

    def issue(self, institution, user, lifetime):
        now = time.time()
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(
            json.dumps(
                {"sub": str(user), "kurumKodu": institution, "iat": now, "exp": int(now + lifetime)}
            ).encode()
        )
        signature = _b64(hmac.new(self.secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        return f"{header}.{payload}.{signature}"

    def check(self, token, not_before=0):
        """The institution of a valid token, else None."""
        try:
            header, payload, signature = token.split(".")
            expected = _b64(hmac.new(self.secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
            if not hmac.compare_digest(signature, expected):
                return None
            claims = json.loads(_unb64(payload))
        except (ValueError, AttributeError):
            return None
        if claims.get("exp", 0) <= time.time() or claims.get("iat", 0) < (not_before or 0):
            return None
        return claims.get("kurumKodu")


def envelope(data=None, errors=None, infos=None, shape="success"):
    """The answer body: ``{lang, success, infos, warnings, errors, data}``, or with ``shape="valid"`` the
    envelope ATLAS models for the appointment cancel (``MHRSRandevuIptal_Output``:
    ``{data, errorList, httpStatus, infoList, valid, warningList}``). ``httpStatus`` is a string there;
    its values were never seen: Spring's status names are assumed."""
    if shape == "valid":
        body = {
            "data": data,
            "errorList": errors or [],
            "httpStatus": "BAD_REQUEST" if errors else "OK",
            "infoList": infos or [],
            "valid": not errors,
            "warningList": [],
        }
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    return json.dumps(
        {
            "lang": "tr",
            "success": not errors,
            "infos": infos or [],
            "warnings": [],
            "errors": errors or [],
            "data": data,
        },
        ensure_ascii=False,
    ).encode("utf-8")


def _dt(text):
    if not isinstance(text, str) or not text.strip():
        raise SimError("GEN-006")
    try:
        return datetime.strptime(text.strip(), FORMAT).replace(tzinfo=TZ)
    except ValueError as exc:
        raise SimError("GEN-002", f"Tarih biçimi geçersiz: {text}") from exc


def _s(value):
    return local(value).strftime(FORMAT) if value is not None else None


def _physician(value):
    return None if value in (None, "", 0) else str(value)


def _place(value):
    return None if value in (None, -1, 0) else int(value)


def _detail(p, prefix=""):
    return {
        "HekimKodu": _physician(p.get("hekimTcKimlikNo")),
        "KlinikKodu": p.get("klinikKodu"),
        "AltKlinikKodu": _place(p.get(prefix + "MuayeneYeriId" if prefix else "muayeneYeriId")),
        "AksiyonKodu": p.get(prefix + "AksiyonId" if prefix else "aksiyonId"),
        "TedaviSuresi": p.get(prefix + "Randevusuresi" if prefix else "randevuSuresi") or None,
        "SlotBasinaDusenHastaSayisi": p.get(prefix + "SlotHastaSayisi" if prefix else "slotHastaSayisi")
        or None,
        "TarihBilgileri": {
            "BaslangicZamani": _dt(p.get(prefix + "BaslangicZamani" if prefix else "baslangicZamani")),
            "BitisZamani": _dt(p.get(prefix + "BitisZamani" if prefix else "bitisZamani")),
        },
    }


def _schedule_json(sim, s):
    clinic = sim.state["clinics"].get(str(s["clinic"])) or {}
    return {
        "cetvelId": s["id"],
        "cetvelDurumu": {"val": 2, "valText": "KESİN"},
        "cetvelTipi": {"val": 1, "valText": "HEKİM"},
        "aksiyonId": s["action"],
        "baslangicZamani": _s(s["start"]),
        "bitisZamani": _s(s["end"]),
        "kurumKodu": s["institution"],
        "klinikKodu": s["branch"],
        "klinikAdi": sim.state["branches"].get(str(s["branch"])),
        "muayeneYeriId": s["clinic"],
        "muayeneYeriAdi": clinic.get("name"),
        "hekimTcKimlikNo": int(s["physician"]),
        "randevuSuresi": s.get("slot") or 0,
        "slotHastaSayisi": s.get("capacity") or 0,
        "enKucukYas": None,
        "enKucukYasTipi": None,
        "enBuyukYas": None,
        "enBuyukYasTipi": None,
        "cinsiyet": None,
        "ikOzelDurum": [],
    }


# -- operations: (simulator, institution, body) -> data ----------------------------------------------------
def _branch_add(sim, inst, p):
    sim.branch_register(inst, p["klinikKodu"])


def _physician_add(sim, inst, p):
    sim.physician_link(inst, p["klinikKodu"], str(p["hekimTcKimlikNo"]), bool(p.get("lgeciciGorevli")))


def _actions(_sim, _inst, _p):
    return [
        {
            "aciklama": name,
            "aksiyonAcik": code in BOOKABLE_ACTIONS,
            "aksiyonAdi": name,
            "aksiyonId": code,
            "aksiyonIslemTuru": None,
            "cetvelTipi": None,
            "esnek": False,
            "istisnaBelge": False,
            "kosulBirDahil": False,
            "kosulIkiGrup": None,
        }
        for code, name in sorted(ACTIONS.items())
    ]


def _clinic_add(sim, inst, p):
    clinic_id = sim.clinic_register_real(inst, p["klinikKodu"], p["muayeneYeriAdi"])
    return {"kurumKodu": inst, "muayeneYeriAdi": p["muayeneYeriAdi"], "muayeneYeriId": clinic_id}


def _draft_add(sim, inst, p):
    return [{"cetvelId": str(sim.draft_add(inst, _detail(p)))}]


def _draft_delete(sim, inst, p):
    sim.draft_delete(inst, [p["cetvelId"]])


def _finalise(sim, inst, p):
    done = sim.draft_finalise(
        inst,
        p["klinikKodu"],
        _dt(p["baslangicTarihi"]),
        _dt(p["bitisTarihi"]),
        _physician(p.get("hekimTcKimlikNo")),
        _place(p.get("muayeneYeriId")),
    )
    return [_schedule_json(sim, sim.state["schedules"][str(final)]) for _draft, final in done]


def _schedule_search(sim, inst, p):
    rows = sim.call(
        "schedule_query",
        inst,
        {
            "TarihBilgileri": {
                "BaslangicZamani": _dt(p["baslangicZamani"]),
                "BitisZamani": _dt(p["bitisZamani"]),
            },
            "KlinikKodu": p["klinikKodu"],
            "AltKlinikKodu": _place(p.get("muayeneYeriId")),
            "HekimKodu": _physician(p.get("hekimTcKimlikNo")),
        },
    )["CetvelBilgileri"]
    return [_schedule_json(sim, sim.state["schedules"][str(r["KesinCetvelId"])]) for r in rows]


def _plan_change(sim, inst, p):
    """Delete the listed final blocks and add the new ones, all or nothing; answers the queried plan."""
    deletes = [int(i) for i in p.get("silinecekCetvelIdList") or []]
    with sim.lock:
        snapshot = copy.deepcopy({"s": sim.state["schedules"], "q": sim.state["seq"]})
        try:
            if deletes:
                sim.call("schedule_cancel", inst, {"KesinCetvelId": deletes})
            for item in p.get("eklenecekCetvelTalepList") or []:
                detail = _detail(
                    dict(
                        item,
                        hekimTcKimlikNo=p.get("sorgulananHekimTCKimlikNo"),
                        klinikKodu=p["sorgulananKlinikKodu"],
                    ),
                    prefix="eklenecekCetvel",
                )
                sim.final_add(inst, detail)
        except SimError:
            _restore(sim, snapshot)
            raise
    return _schedule_search(
        sim,
        inst,
        {
            "baslangicZamani": p["sorgulananBaslangicZamani"],
            "bitisZamani": p["sorgulananBitisZamani"],
            "klinikKodu": p["sorgulananKlinikKodu"],
            "muayeneYeriId": p.get("sorgulananMuayeneYeriId"),
            "hekimTcKimlikNo": p.get("sorgulananHekimTCKimlikNo"),
        },
    )


def _restore(sim, snapshot):
    sim.state["schedules"] = snapshot["s"]
    sim.state["seq"] = snapshot["q"]
    sim._slot_index_cache = None


def _exception_add(sim, inst, p):
    rows = sim.call(
        "appointment_exception",
        inst,
        {
            "IstisnaEkleme": {
                "HekimKodu": _physician(p.get("hekimTcKimlikNoList")),
                "KlinikKodu": int(p["klinikKodu"]),
                "AltKlinikKodu": _place(int(p.get("muayeneYeriIdList") or -1)),
                "TarihBilgileri": {
                    "BaslangicZamani": _dt(p.get("baslangicTarihSaati")),
                    "BitisZamani": _dt(p.get("bitisTarihSaati")),
                },
                "AksiyonKodu": int(p["aksiyonId"]),
                "Aciklama": p.get("aciklama") or "",
                "Email": p.get("eposta"),
                "TelefonNo": p.get("telefonNo"),
                "IstisnaDokumanBilgileri": {"IstisnaDokumanAdi": p.get("istisnaBelgeAdi")},
            }
        },
    )["IstisnaDetayBilgileri"]
    e = rows[0]
    return {
        "aksiyonId": e["AksiyonKodu"],
        "baslangicZamani": _s(e["TarihBilgileri"]["BaslangicZamani"]),
        "bitisZamani": _s(e["TarihBilgileri"]["BitisZamani"]),
        "cetvelTipi": 1,
        "hekimTcKimlikNo": int(e["HekimKodu"]),
        "islemYapanKurumKodu": inst,
        "istisnaId": e["IstisnaId"],
        "klinikKodu": e["KlinikKodu"],
        "muayeneYeriAdi": None,
    }


def _appointment_query(sim, inst, p):
    physician = _physician(p.get("hekimTcKimlikNo"))
    rows = sim.call(
        "appointment_query",
        inst,
        {
            "TarihBilgileri": {
                "BaslangicZamani": _dt(p.get("strBaslangicZamani")),
                "BitisZamani": _dt(p.get("strBitisZamani")),
            },
            "KlinikKodu": p["klinikKodu"],
            "HekimKodu": [physician] if physician else None,
            "AltKlinikKodu": _place(p.get("muayeneYeriId")),
            "KayitDurumKodu": p.get("kayitDurumKodu"),
        },
    )["KurumRandevuBilgileri"]
    out = []
    for a in rows:
        clinic = sim.state["clinics"].get(str(a["AltKlinikKodu"])) or {}
        out.append(
            {
                "aksiyonAdi": ACTIONS.get(1),
                "aksiyonId": 1,
                "cetvelId": a["KesinCetvelId"],
                "baslangicZamani": _s(a["TarihBilgileri"]["BaslangicZamani"]),
                "bitisZamani": _s(a["TarihBilgileri"]["BitisZamani"]),
                "eskiMuayeneYeriAdi": None,
                "eskiMuayeneYeriId": None,
                "gerceklesmeDurumu": {"val": a["DurumKodu"], "valText": ""},
                "gizliRandevu": False,
                "hekimAdSoyad": "",
                "hekimTcKimlikNo": int(a["HekimKodu"]),
                "hrn": a["RandevuHrn"],
                "islemYapilanKurumKodu": inst,
                "klinikAdi": sim.state["branches"].get(str(a["KlinikKodu"])),
                "klinikKodu": a["KlinikKodu"],
                "kurumAdi": "",
                "muayeneYeriAdi": clinic.get("name"),
                "muayeneYeriId": a["AltKlinikKodu"],
                "randevuAlinmaZamani": _s(a["EklenmeZamani"]),
                "randevuKanali": a["EkleyenKullaniciTipi"],
                "randevuKayitDurumu": {"val": a["KayitDurumKodu"], "valText": ""},
                "randevuNotu": a.get("RandevuNotu"),
                "randevuTuru": {"val": a.get("RandevuTuru") or 0, "valText": ""},
                "vatandasAdi": a["HastaAdi"],
                "vatandasCinsiyet": {"val": str(a.get("Cinsiyet") or ""), "valText": ""},
                "vatandasDogumTarihi": a.get("HastaDogumTarihi"),
                "vatandasSoyadi": a["HastaSoyadi"],
                "vatandasTcKimlikNo": int(a["HastaTCKimlikNo"]),
                "vatandasTelefonList": [
                    {"telefonNumarasi": a["TelefonNo"], "telefonTipi": {"sira": 1, "val": 1, "valText": ""}}
                ]
                if a.get("TelefonNo")
                else [],
            }
        )
    return out


def _set_status(sim, inst, p):
    items = []
    for i in p.get("randevuGerceklesmeBilgisiEklemeTalepList") or []:
        arrived, realized = i.get("hastaGelisZamani"), i.get("randevuGerceklesmeZamani")
        items.append(
            {
                "RandevuHrn": i["hastaRandevuNumarasi"],
                "DurumKodu": 1 if int(i["randevuGerceklesmeBilgisi"]) == 1 else 2,
                "GelisZamani": _dt(arrived) if arrived else None,
                "RandevuGerceklesmeZamani": _dt(realized) if realized else None,
            }
        )
    rows = sim.call("appointment_set_status", inst, {"RandevuBilgileri": items})["RandevuDurumSonuc"]
    failed = [r for r in rows if not r["GuncellemeBasarisi"]]
    if failed:
        raise SimError(failed[0]["HataKodu"], failed[0]["Aciklama"])


def _book(sim, inst, p):
    schedule, start, end = sim.slot_by_id(inst, p["slotID"])
    tckn = str(p["hastaTCKimlikNo"])
    record = sim.call(
        "appointment_register",
        inst,
        {
            "KesinCetvelId": schedule["id"],
            "RandevuZamanBilgisi": {"RandevuBaslangicZamani": start, "RandevuBitisZamani": end},
            "VatandasBilgileri": {
                "TCKimlikNo": tckn,
                "Ad": "",
                "Soyad": "",
                "TelefonNo": str(p.get("telefonNo") or "") or None,
            },
            "RandevuNotu": p.get("randevuNotu") or None,
        },
    )
    clinic = sim.state["clinics"].get(str(schedule["clinic"])) or {}
    return {
        "hastaRandevuNumarasi": record["RandevuHrn"],
        "hekimAdiSoyadi": "",
        "klinikAdi": "",
        "kurumAdi": "",
        "muayeneYeriAdi": clinic.get("name"),
        "randevuUyarisi": None,
        "randevuZamani": _s(start),
    }


def _cancel(sim, inst, p):
    sim.call("appointment_cancel", inst, {"RandevuHrn": p["hastaRandevuNumarasi"]})
    return {}  # ATLAS's RandevuIptalResult has no field


def _slots(sim, inst, p):
    rows = sim.slot_rows(
        inst,
        p["klinikKodu"],
        str(p["hekimTcKimlikNo"]),
        _dt(p["strBaslangicZamani"]),
        _dt(p["strBitisZamani"]),
        _place(p.get("muayeneYeriId")),
    )
    out = []
    for r in rows:
        clinic = sim.state["clinics"].get(str(r["schedule"]["clinic"])) or {}
        out.append(
            {
                "cetvelId": r["schedule"]["id"],
                "muayeneYeriId": r["schedule"]["clinic"],
                "muayeneYeriAdi": clinic.get("name"),
                "aksiyonId": r["schedule"]["action"],
                "slotId": r["slot_id"],
                "saat": _s(r["start"]),
                "baslangicZamani": _s(r["start"]),
                "bitisZamani": _s(r["end"]),
                "durum": r["free"],
                "vatandasaUygun": r["free"],
                "enbuyukyas": None,
                "enkucukyas": None,
                "cinsiyet": None,
                "ozellikler": None,
                "ekMi": False,
            }
        )
    return out


ROUTES = {
    ("POST", "hbys/kurum-klinik/kurum-klinik-ekle"): _branch_add,
    ("POST", "hbys/klinik-hekim/ekle"): _physician_add,
    ("GET", "hbys/cetvel/aksiyon-bilgileri"): _actions,
    ("POST", "hbys/muayene-yeri/ekle"): _clinic_add,
    ("POST", "hbys/cetvel/ekle"): _draft_add,
    ("DELETE", "hbys/cetvel"): _draft_delete,
    ("POST", "hbys/cetvel/kesinlestir"): _finalise,
    ("POST", "hbys/cetvel/search"): _schedule_search,
    ("POST", "hbys/cetvel/calisma-plani-guncelle"): _plan_change,
    ("POST", "hbys/istisna"): _exception_add,
    ("POST", "hbys/randevu/kurum-randevulari-sorgula"): _appointment_query,
    ("POST", "hbys/randevu/randevu-gerceklesme-bilgisi"): _set_status,
    ("POST", "hbys/randevu/randevu-ekle"): _book,
    ("POST", "hbys/randevu/randevu-iptal"): _cancel,
    ("POST", "hbys/randevu/detay-sorgula"): _slots,
}
# Paths answered with the other envelope (see ``envelope``), refusals included.
VALID_SHAPED = {"hbys/randevu/randevu-iptal"}
INFOS = {
    "hbys/randevu/randevu-gerceklesme-bilgisi": [
        {"kodu": "RND6032", "mesaj": "Randevu gerçekleşme bilgisi kaydedildi."}
    ]
}


def operation_of(path):
    """Fault-matching name of a REST call: the path under /api/rs/ (``login``, ``hbys/cetvel/ekle``...)."""
    return path[len(PREFIX) :].strip("/") if path.startswith(PREFIX) else None


def _multipart(environ, raw):
    message = email.parser.BytesParser().parsebytes(
        b"Content-Type: " + environ.get("CONTENT_TYPE", "").encode() + b"\r\n\r\n" + raw
    )
    fields = {}
    for part in message.get_payload() if message.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        if name and not part.get_filename():
            fields[name] = part.get_payload(decode=True).decode("utf-8")
    return fields


def _error(status, code, text, operation, shape="success"):
    body = envelope(errors=[{"kodu": code, "mesaj": text}], shape=shape)
    return Outcome(status, body, operation, False, code)


def _refused(code):
    """A handler that refuses with MHRS's ``code`` (the "refuse" fault) instead of applying anything."""

    def refuse(sim, inst, body):
        raise SimError(code)

    return refuse


def handle(sim, tokens, environ, raw, refuse=None):  # noqa: PLR0911 - one return per refusal
    """One REST request -> Outcome (never raises); ``refuse``: answer this MHRS error code instead of
    applying the operation (the "refuse" fault)."""
    method, name = environ["REQUEST_METHOD"], operation_of(environ.get("PATH_INFO", ""))
    try:
        if "multipart/form-data" in environ.get("CONTENT_TYPE", ""):
            body = _multipart(environ, raw)
        else:
            body = json.loads(raw or b"{}") if raw else {}
        if not isinstance(body, dict):
            raise ValueError("body must be an object")
    except ValueError:
        return _error(400, "GEN-002", "İstek JSON değil.", name)
    settings = sim.state["settings"]
    if (method, name) == ("POST", "login"):
        try:
            with sim.lock:
                inst = sim.authenticate_user(
                    body.get("kullaniciAdi"), body.get("parola"), body.get("kurumKodu")
                )
        except SimError:
            return _error(401, "GEN-001", "Kullanıcı adı veya parola hatalı.", name)
        if not body.get("uygulamaKodu"):
            return _error(401, "GEN-001", "Uygulama kodu zorunludur.", name)
        jwt = tokens.issue(inst, body.get("kullaniciAdi"), float(settings.get("jwt_lifetime_s") or 3600))
        data = {
            "uuid": "",
            "jwt": jwt,
            "kullaniciUuid": "",
            "kullaniciAdi": str(body.get("kullaniciAdi")),
            "kullaniciSoyadi": "",
            "kullaniciTipi": None,
            "islemKanali": "HBYS",
            "girisTipi": None,
        }
        return Outcome(200, envelope(data), name, True)
    handler = ROUTES.get((method, name))
    if handler is None:
        return _error(404, "GEN-003", f"Tanımsız servis {method} {name}.", name)
    auth = environ.get("HTTP_AUTHORIZATION", "")
    inst = tokens.check(auth[7:], settings.get("jwt_not_before")) if auth.startswith("Bearer ") else None
    if inst is None:
        return _error(401, "GEN-001", "Oturum geçersiz veya süresi dolmuş.", name)
    if int(body.get("islemYapilanKurumKodu") or inst) != inst:
        return _error(403, "GEN-004", "Kurum kodu oturumla uyuşmuyor.", name)
    shape = "valid" if name in VALID_SHAPED else "success"
    try:
        data = (_refused(refuse) if refuse else handler)(sim, inst, body)
    except SimError as error:
        return _error(400, error.code, error.text, name, shape)
    except (KeyError, TypeError, ValueError) as error:
        return _error(400, "GEN-002", f"{type(error).__name__}: {error}", name, shape)
    return Outcome(200, envelope(data, infos=INFOS.get(name), shape=shape), name, True)
