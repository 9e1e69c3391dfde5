"""The G3 "MHRS V2" REST/JSON wire (ATLAS region ``MHRS_V2 2020_11_10``).

Login ``POST /api/rs/login`` -> ``data.jwt``, sent as ``Authorization: Bearer``; the token is kept in
memory per (base URL, institution, user) until its ``exp`` and a second login happens only on HTTP 401,
once per call. Every answer is the envelope ``{lang, success, infos, warnings, errors, data}``. Field names
are those of ATLAS's JSON classes (``g3-types.json``); paths are under ``/api/rs/hbys/``.
"""

import base64
import binascii
import json
import threading
import time

import requests

from .common import REST_FORMAT, Recorder, fmt, parse_dt, read_capped, send, to_local
from .errors import (
    MhrsAuthError,
    MhrsBusinessError,
    MhrsMalformedResponse,
    MhrsNotAvailable,
    MhrsTransportError,
)
from .operations import OPERATIONS

LOGIN_PATH = "/api/rs/login"
API_PREFIX = "/api/rs/hbys/"
_EXP_MARGIN = 30  # seconds: a token about to expire is renewed before use

_tokens = {}  # (base URL, institution, user) -> (jwt, exp); memory only, never written anywhere
_tokens_lock = threading.Lock()


def clear_tokens():
    with _tokens_lock:
        _tokens.clear()


def jwt_exp(token):
    """The ``exp`` claim of a JWT, read without verifying the signature (we only need to know when it
    stops working); None when it cannot be read."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        exp = json.loads(base64.urlsafe_b64decode(payload)).get("exp")
    except (IndexError, ValueError, binascii.Error, AttributeError):
        return None
    return exp if isinstance(exp, int | float) else None


def _int(value, what):
    if type(value) is int:  # the usual case, first (a bool is not an int here)
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise MhrsMalformedResponse(f"{what} is not an integer: {value!r}")
    return value


def _opt_int(value, what):
    return None if value is None else _int(value, what)


def _val(value):
    """ATLAS's ``{val, valText}`` code objects, or a bare value."""
    return value.get("val") if isinstance(value, dict) else value


def _gender(value):
    """MHRS gender code as int (G2 ``Cinsiyet``), None when unknown."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and int(text) else None


def _list(data, what):
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise MhrsMalformedResponse(f"{what}: 'data' is not a list of objects")
    return data


def _dict(data, what):
    if not isinstance(data, dict):
        raise MhrsMalformedResponse(f"{what}: 'data' is not an object")
    return data


# The two answer envelopes of MHRS V2 as ATLAS models them: most answers (e.g. Schedule.cs's
# ``Root_Output``, Appointment.cs's ``MhrsRandevuDetaySorgulamaResponse``) are
# ``{lang, success, infos, warnings, errors, data}``; the appointment cancel (Appointment.cs,
# ``MHRSRandevuIptal_Output``) and the exception delete (MHRSIstisnaSorgulamaSilme.cs, ``Delete_Output``)
# are ``{data, errorList, httpStatus, infoList, valid, warningList}``. Either is accepted for any answer.
ENVELOPES = (
    ("success", ("infos", "warnings", "errors")),
    ("valid", ("infoList", "warningList", "errorList")),
)


def _envelope_keys(envelope):
    """(flag key, list keys) of the envelope ``envelope`` is, or None when it is neither."""
    if not isinstance(envelope, dict):
        return None
    for flag, lists in ENVELOPES:
        if isinstance(envelope.get(flag), bool):
            return flag, lists
    return None


class RestWire:
    name = "rest"

    def __init__(self, client):
        self.client = client
        self.config = client.config
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json"})
        self._token_key = (
            self.config.base_url.rstrip("/"),
            int(self.config.institution_code or 0),
            str(self.config.username),
        )

    # -- plumbing -------------------------------------------------------------------------------------
    def url(self, path):
        return self.config.base_url.rstrip("/") + (path if path.startswith("/") else API_PREFIX + path)

    def current_token(self):
        with _tokens_lock:
            entry = _tokens.get(self._token_key)
        if entry and (entry[1] is None or entry[1] - _EXP_MARGIN > time.time()):
            return entry[0]
        return None

    def login(self):
        cfg = self.config
        body = {
            "kullaniciAdi": _int(cfg.username, "username"),
            "parola": cfg.password,
            "kurumKodu": int(cfg.institution_code),
            "uygulamaKodu": cfg.app_code,
        }
        data = self._exchange("login", "POST", LOGIN_PATH, body, token=None)
        jwt = _dict(data, "login").get("jwt")
        if not isinstance(jwt, str) or not jwt:
            raise MhrsMalformedResponse("login answer without data.jwt")
        with _tokens_lock:
            _tokens[self._token_key] = (jwt, jwt_exp(jwt))
        return jwt

    def _forget_token(self, token):
        with _tokens_lock:
            if _tokens.get(self._token_key, (None,))[0] == token:
                del _tokens[self._token_key]

    def call(self, operation, body=None, files=None):
        method, path = OPERATIONS[operation].g3
        token = self.current_token() or self.login()
        try:
            return self._exchange(operation, method, path, body, token=token, files=files)
        except MhrsAuthError:
            # A token MHRS no longer accepts (expired early, revoked, server restarted): log in once more.
            self._forget_token(token)
            token = self.login()
            return self._exchange(operation, method, path, body, token=token, files=files)

    def _exchange(self, operation, method, path, body, token, files=None):
        cfg, url = self.config, self.url(path)
        recorder = Recorder(self.client, operation, self.name, url)
        with recorder as rec:
            kwargs = {}
            if token:
                kwargs["headers"] = {"Authorization": f"Bearer {token}"}
            if files is not None:  # multipart/form-data (exception): plain fields + the document, if any
                fields = {k: "" if v is None else str(v) for k, v in body.items()}
                kwargs["files"] = [(k, (None, v)) for k, v in fields.items()] + list(files.items())
                rec.request_text = json.dumps(fields, ensure_ascii=False)
            elif body is not None:
                raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
                kwargs["data"] = raw
                kwargs.setdefault("headers", {})["Content-Type"] = "application/json; charset=utf-8"
                rec.request_text = raw.decode("utf-8")
            recorder.sending()
            response = send(self.session, method, url, cfg.timeout, cfg.verify_tls, **kwargs)
            rec.http_status = response.status_code
            raw = read_capped(response, cfg.max_response_bytes)
            rec.response_text = raw.decode("utf-8", "replace")
            return self._decode(response.status_code, raw)

    @staticmethod
    def _decode(status, raw):
        if status == 401:
            raise MhrsAuthError("MHRS refused the credentials or the token (HTTP 401)")
        if status in (502, 503, 504):
            raise MhrsTransportError(f"MHRS temporarily unavailable (HTTP {status})", status_code=status)
        try:
            envelope = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            if status >= 500:
                raise MhrsTransportError(f"MHRS server error (HTTP {status})", status_code=status) from exc
            raise MhrsMalformedResponse(f"answer is not JSON (HTTP {status})") from exc
        keys = _envelope_keys(envelope)
        if keys is None:
            raise MhrsMalformedResponse("answer is not an MHRS envelope (no boolean 'success' or 'valid')")
        ok_key, lists = keys
        for key in lists:
            if envelope.get(key) is not None and not isinstance(envelope[key], list):
                raise MhrsMalformedResponse(f"'{key}' is not a list")
        # The errors of either envelope (the cancel's error branch in ATLAS reads ``errors`` although its
        # answer class has ``errorList``: both are taken).
        errors = [
            e for key in ("errors", "errorList") for e in envelope.get(key) or [] if isinstance(e, dict)
        ]
        if errors or not envelope[ok_key] or status >= 400:
            if not errors and status >= 500:
                raise MhrsTransportError(f"MHRS server error (HTTP {status})", status_code=status)
            issues = [(str(e.get("kodu") or ""), str(e.get("mesaj") or "")) for e in errors] or [
                (f"HTTP{status}", "")
            ]
            raise MhrsBusinessError(issues[0][0], issues[0][1], issues)
        if "data" not in envelope:
            raise MhrsMalformedResponse("answer has no 'data'")
        return envelope["data"]

    # -- helpers ----------------------------------------------------------------------------------------
    def _base(self):
        return {
            "islemYapilanKurumKodu": int(self.config.institution_code),
            "islemYapanTcKimlikNo": int(self.config.acting_tckn),
        }

    def _t(self, value):
        return fmt(value, REST_FORMAT, self.config)

    @staticmethod
    def _dt(value):
        return parse_dt(value, (REST_FORMAT,))

    def _na(self, operation):
        raise MhrsNotAvailable(operation, self.name)

    # -- operations -------------------------------------------------------------------------------------
    def test_connection(self):
        """A fresh login (proves address and credentials), then one authorised call."""
        with _tokens_lock:
            _tokens.pop(self._token_key, None)
        self.login()
        return {"interface": "rest", "actions": len(self.action_codes())}

    def branch_register(self, branch):
        self.call("branch_register", {"klinikKodu": int(branch), **self._base()})

    def branch_query(self):
        self._na("branch_query")

    def physician_link(self, branch, physician, temporary=False):
        self.call(
            "physician_link",
            {
                "hekimTcKimlikNo": int(physician),
                "klinikKodu": int(branch),
                "lgeciciGorevli": bool(temporary),
                "lhekimOncelikSirasi": False,
                **self._base(),
            },
        )

    def action_codes(self):
        data = _list(self.call("action_codes"), "action codes")
        return [
            {
                "code": _int(a.get("aksiyonId"), "aksiyonId"),
                "name": a.get("aksiyonAdi") or "",
                "open": a.get("aksiyonAcik"),
                "document": a.get("istisnaBelge"),
            }
            for a in data
        ]

    def clinic_register(self, branch, name):
        data = _dict(
            self.call("clinic_register", {"klinikKodu": int(branch), "muayeneYeriAdi": name, **self._base()}),
            "clinic registration",
        )
        return _int(data.get("muayeneYeriId"), "muayeneYeriId")

    def clinic_update(self, clinic_id, name, no_location_change=False):
        self._na("clinic_update")

    def clinic_query(self, branch):
        self._na("clinic_query")

    def clinic_delete(self, clinic_id):
        self._na("clinic_delete")

    def _block(self, block):
        return {
            "aksiyonId": int(block["action"]),
            "baslangicZamani": self._t(block["start"]),
            "bitisZamani": self._t(block["end"]),
            "cetvelTipi": 1 if block.get("physician") else 2,
            "cinsiyet": block.get("gender"),
            "enBuyukYas": block.get("max_age"),
            "enBuyukYasTipi": block.get("max_age_unit"),
            "enKucukYas": block.get("min_age"),
            "enKucukYasTipi": block.get("min_age_unit"),
            "hekimTcKimlikNo": int(block["physician"]) if block.get("physician") else None,
            "ikOzelDurumList": list(block.get("special") or []),
            "klinikKodu": int(block["branch"]),
            "muayeneYeriId": block.get("clinic"),
            "randevuSuresi": int(block.get("slot_minutes") or 0),
            "slotHastaSayisi": int(block.get("capacity") or 0),
        }

    def draft_add(self, block):
        data = _list(self.call("draft_add", {**self._block(block), **self._base()}), "draft")
        return [_int(d.get("cetvelId"), "cetvelId") for d in data]

    def draft_delete(self, draft_id):
        self.call("draft_delete", {"cetvelId": int(draft_id), **self._base()})

    def draft_finalise(self, branch, start, end, physician=None, clinic=None):
        data = _list(
            self.call(
                "draft_finalise",
                {
                    "baslangicTarihi": self._t(start),
                    "bitisTarihi": self._t(end),
                    "cetvelTipi": 1 if physician else 2,
                    "hekimTcKimlikNo": int(physician) if physician else None,
                    "klinikKodu": int(branch),
                    "muayeneYeriId": clinic if clinic is not None else -1,
                    "semtDahilMi": False,
                    **self._base(),
                },
            ),
            "finalisation",
        )
        return [{"draft_id": None, "final_id": _int(d.get("cetvelId"), "cetvelId")} for d in data]

    def _schedule_out(self, d):
        return {
            "id": _int(d.get("cetvelId"), "cetvelId"),
            "branch": _int(d.get("klinikKodu"), "klinikKodu"),
            "clinic": _opt_int(d.get("muayeneYeriId"), "muayeneYeriId"),
            "physician": None if d.get("hekimTcKimlikNo") is None else str(d["hekimTcKimlikNo"]),
            "action": _int(d.get("aksiyonId"), "aksiyonId"),
            "start": self._dt(d.get("baslangicZamani")),
            "end": self._dt(d.get("bitisZamani")),
            "slot_minutes": _opt_int(d.get("randevuSuresi"), "randevuSuresi"),
            "capacity": _opt_int(d.get("slotHastaSayisi"), "slotHastaSayisi"),
            "final": _val(d.get("cetvelDurumu")) in (None, 2, "2", "KESIN"),
        }

    def schedule_query(self, branch, start, end, physician=None, clinic=None):
        data = _list(
            self.call(
                "schedule_query",
                {
                    "baslangicZamani": self._t(start),
                    "bitisZamani": self._t(end),
                    "cetvelTipi": 1 if physician else 2,
                    "hekimTcKimlikNo": int(physician) if physician else None,
                    "klinikKodu": int(branch),
                    "muayeneYeriId": clinic if clinic is not None else -1,
                    "islemYapilanKurumKodu": int(self.config.institution_code),
                },
            ),
            "schedule query",
        )
        return [self._schedule_out(d) for d in data]

    def _plan_change(self, operation, branch, start, end, physician, clinic, delete_ids, add_blocks):
        adds = []
        for block in add_blocks:
            b = self._block(block)
            adds.append(
                {
                    "cinsiyet": b["cinsiyet"],
                    "eklenecekCetvelAksiyonId": b["aksiyonId"],
                    "eklenecekCetvelBaslangicZamani": b["baslangicZamani"],
                    "eklenecekCetvelBitisZamani": b["bitisZamani"],
                    "eklenecekCetvelKurumKodu": int(self.config.institution_code),
                    "eklenecekCetvelMuayeneYeriId": b["muayeneYeriId"],
                    "eklenecekCetvelRandevusuresi": b["randevuSuresi"],
                    "eklenecekCetvelSlotHastaSayisi": b["slotHastaSayisi"],
                    "enBuyukYas": b["enBuyukYas"],
                    "enBuyukYasTipi": b["enBuyukYasTipi"],
                    "enKucukYas": b["enKucukYas"],
                    "enKucukYasTipi": b["enKucukYasTipi"],
                    "ikOzelDurumList": b["ikOzelDurumList"],
                }
            )
        data = self.call(
            operation,
            {
                "eklenecekCetvelTalepList": adds,
                "semtDahilMi": False,
                "silinecekCetvelIdList": [int(i) for i in delete_ids],
                "sorgulananBaslangicZamani": self._t(start),
                "sorgulananBitisZamani": self._t(end),
                "sorgulananCetvelTipi": 1 if physician else 2,
                "sorgulananHekimTCKimlikNo": int(physician) if physician else None,
                "sorgulananKlinikKodu": int(branch),
                "sorgulananMuayeneYeriId": clinic,
                **self._base(),
            },
        )
        return [self._schedule_out(d) for d in _list(data or [], "plan change")]

    def schedule_update(self, final_id, block):
        after = self._plan_change(
            "schedule_update",
            block["branch"],
            block["start"],
            block["end"],
            block.get("physician"),
            block.get("clinic"),
            [final_id],
            [block],
        )
        start, end = to_local(block["start"], self.config), to_local(block["end"], self.config)
        new = [s["id"] for s in after if s["start"] == start and s["end"] == end and s["id"] != final_id]
        if not new:
            raise MhrsMalformedResponse("plan change answer does not contain the new block")
        return new[0]

    def schedule_cancel(self, final_ids, branch, start, end, physician=None, clinic=None):
        self._plan_change("schedule_cancel", branch, start, end, physician, clinic, final_ids, [])
        return [int(i) for i in final_ids]

    def exception_add(self, exc):
        body = {
            "aciklama": exc["description"],
            "aksiyonId": int(exc["action"]),
            "baslangicTarihSaati": self._t(exc["start"]),
            "bitisTarihSaati": self._t(exc["end"]),
            "cetvelTipi": 1 if exc.get("physician") else 2,
            "eposta": exc.get("email") or "",
            "hekimTcKimlikNoList": exc.get("physician") or "",
            "muayeneYeriIdList": exc.get("clinic") if exc.get("clinic") is not None else -1,
            "klinikKodu": int(exc["branch"]),
            "telefonNo": exc.get("phone") or "",
            "istisnaBelgeAdi": (exc.get("document") or ("", b""))[0],
            **self._base(),
        }
        document = exc.get("document")
        files = {"istisnaBelgesi": (document[0], document[1])} if document else {}
        data = self.call("exception_add", body, files=files)
        if isinstance(data, list):
            data = data[0] if data else {}
        return _int(_dict(data, "exception").get("istisnaId"), "istisnaId")

    def exception_query(self, start, end, branch=None, physician=None):
        self._na("exception_query")

    def exception_delete(self, exception_id):
        self._na("exception_delete")

    def appointment_query(self, branch, start, end, physician=None, clinic=None, record_status=None):
        data = _list(
            self.call(
                "appointment_query",
                {
                    "aksiyonId": None,
                    "gerceklesmeDurumu": None,
                    "hekimTcKimlikNo": int(physician) if physician else None,
                    "kayitDurumKodu": record_status,
                    "klinikKodu": int(branch),
                    "muayeneYeriId": clinic,
                    "semtDahilMi": False,
                    "strBaslangicZamani": self._t(start),
                    "strBitisZamani": self._t(end),
                    **self._base(),
                },
            ),
            "appointment query",
        )
        out = []
        times = {}  # wire text -> datetime: a day's appointments start and end at a few dozen times

        def when(text):
            try:
                return times[text]
            except KeyError:
                times[text] = value = self._dt(text)
                return value
            except TypeError:  # not a string: parse_dt says what is wrong with it
                return self._dt(text)

        for a in data:
            phones = a.get("vatandasTelefonList") or []
            out.append(
                {
                    "hrn": str(a.get("hrn") or ""),
                    "schedule_id": _opt_int(a.get("cetvelId"), "cetvelId"),
                    "branch": _opt_int(a.get("klinikKodu"), "klinikKodu"),
                    "clinic": _opt_int(a.get("muayeneYeriId"), "muayeneYeriId"),
                    "physician": None if a.get("hekimTcKimlikNo") is None else str(a["hekimTcKimlikNo"]),
                    "start": when(a.get("baslangicZamani")),
                    "end": when(a.get("bitisZamani")),
                    "patient_tckn": None
                    if a.get("vatandasTcKimlikNo") is None
                    else str(a["vatandasTcKimlikNo"]),
                    "patient_name": a.get("vatandasAdi") or "",
                    "patient_surname": a.get("vatandasSoyadi") or "",
                    "birth_date": a.get("vatandasDogumTarihi"),
                    "gender": _gender(_val(a.get("vatandasCinsiyet"))),
                    "phone": (phones[0] or {}).get("telefonNumarasi") if phones else None,
                    "record_status": _opt_int(_val(a.get("randevuKayitDurumu")), "randevuKayitDurumu"),
                    "status": _opt_int(_val(a.get("gerceklesmeDurumu")), "gerceklesmeDurumu"),
                    "note": a.get("randevuNotu"),
                    "channel": _opt_int(a.get("randevuKanali"), "randevuKanali"),
                    "created": self._dt(a["randevuAlinmaZamani"]) if a.get("randevuAlinmaZamani") else None,
                }
            )
            if not out[-1]["hrn"]:
                raise MhrsMalformedResponse("appointment without hrn")
        return out

    def appointment_set_status(self, items):
        self.call(
            "appointment_set_status",
            {
                "randevuGerceklesmeBilgisiEklemeTalepList": [
                    {
                        "hastaGelisZamani": self._t(i.get("arrived")) or "",
                        "hastaRandevuNumarasi": i["hrn"],
                        "randevuGerceklesmeBilgisi": 1 if i["attended"] else 0,
                        "randevuGerceklesmeZamani": self._t(i.get("realized")) or "",
                    }
                    for i in items
                ],
                **self._base(),
            },
        )
        return [{"hrn": i["hrn"], "ok": True, "code": None, "text": None} for i in items]

    def appointment_book(self, slot, patient, note=None):
        data = _dict(
            self.call(
                "appointment_book",
                {
                    "hastaTCKimlikNo": int(patient["tckn"]),
                    "randevuNotu": note or "",
                    "slotID": _int(slot.get("slot_id"), "slot_id"),
                    "telefonNo": int(patient.get("phone") or 0),
                    "telefonTipi": int(patient.get("phone_type") or 1),
                    **self._base(),
                },
            ),
            "booking",
        )
        hrn = data.get("hastaRandevuNumarasi")
        if not isinstance(hrn, str) or not hrn:
            raise MhrsMalformedResponse("booking answer without hastaRandevuNumarasi")
        return hrn

    def appointment_cancel(self, hrn):
        self.call("appointment_cancel", {"hastaRandevuNumarasi": hrn, **self._base()})
        return hrn

    def slot_query(self, branch, physician, start, end, clinic=None, patient_tckn=None, action=1):
        data = _list(
            self.call(
                "slot_query",
                {
                    "aksiyonId": int(action),
                    "hastaTcKimlikNo": int(patient_tckn) if patient_tckn else 0,
                    "hekimTcKimlikNo": int(physician),
                    "klinikKodu": int(branch),
                    "muayeneYeriId": clinic if clinic is not None else -1,
                    "strBaslangicZamani": self._t(start),
                    "strBitisZamani": self._t(end),
                    "vatandasaUygunMu": bool(patient_tckn),
                    **self._base(),
                },
            ),
            "slot query",
        )
        return [
            {
                "slot_id": _int(s.get("slotId"), "slotId"),
                "schedule_id": _int(s.get("cetvelId"), "cetvelId"),
                "clinic": _opt_int(s.get("muayeneYeriId"), "muayeneYeriId"),
                "physician": str(physician),
                "branch": int(branch),
                "start": self._dt(s.get("baslangicZamani")),
                "end": self._dt(s.get("bitisZamani")),
                "free": bool(s.get("durum")),
            }
            for s in data
        ]
