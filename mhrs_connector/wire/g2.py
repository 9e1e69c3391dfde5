"""The G2 SOAP wire (zeep), with the WSDL/XSD shipped in ``wire/g2/`` (generated from the published G2
types by tools/gen_g2_schema.py).

zeep builds each request from the WSDL types, the bytes are sent through a size-capped ``requests``
Session, the answer is parsed with a hardened lxml parser and turned back into plain values by zeep.
Every request carries ``YetkilendirmeGirisBilgileri`` and ``KurumBilgileri @GonderenBirim``; every answer
``TemelCevapBilgileri`` (``ServisBasarisi=false`` -> ``MhrsBusinessError`` with ``Aciklama``).

The namespace of the real service is redacted in the only public copy: the shipped files use the
placeholder ``http://xxxxxx.com``, replaced at load time by ``config.g2_namespace`` when set.
"""

import functools
import logging
import os
import re
import threading
from collections import Counter
from datetime import timedelta

import requests
from lxml import etree
from zeep import Client, Settings
from zeep.helpers import serialize_object
from zeep.transports import Transport

from . import g2_fast
from .common import PLACEHOLDER_NS, Recorder, fmt, parse_dt, parse_xml, read_capped, send, to_local
from .errors import MhrsBusinessError, MhrsError, MhrsMalformedResponse, MhrsTransportError
from .operations import OPERATIONS

G2_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "g2")
WSDL_FILE = os.path.join(G2_DIR, "MHRSServis.wsdl")
XSD_FILE = os.path.join(G2_DIR, "MHRSServis.xsd")
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
# Request element of each operation (MHRSServis.hvl.cs); the answer is ``<operation>Cevap``.
REQUEST_ELEMENTS = {"KurumRandevuSorgulamaObj": "KurumRandevuSorgulamaTalep"}
_CODE_IN_TEXT = re.compile(r"^\s*([A-Z]{2,6}-?\d{2,6})\s*[:\-]\s*(.*)$", re.S)

_logger = logging.getLogger(__name__)
_cache = {}
_cache_lock = threading.Lock()


class _LocalTransport(Transport):
    """Loads the shipped WSDL/XSD from disk with the configured namespace; never goes to the network."""

    def __init__(self, namespace):
        super().__init__(session=requests.Session())
        self.namespace = namespace

    def load(self, url):
        path = url[7:] if url.startswith("file://") else url
        if not os.path.isabs(path):
            path = os.path.join(G2_DIR, os.path.basename(path))
        if os.path.dirname(os.path.abspath(path)) != G2_DIR:
            raise MhrsTransportError("only the shipped G2 contract is loaded", code="WSDL", retryable=False)
        with open(path, "rb") as handle:
            content = handle.read()
        return content.replace(PLACEHOLDER_NS.encode(), self.namespace.encode())


def get_client(namespace):
    """The zeep Client for a namespace (building one parses 157 types: cached)."""
    key = (WSDL_FILE, namespace)
    with _cache_lock:
        client = _cache.get(key)
        if client is None:
            settings = Settings(
                strict=True, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True, forbid_external=True
            )
            client = Client(WSDL_FILE, transport=_LocalTransport(namespace), settings=settings)
            _cache[key] = client
        return client


def clear_cache():
    with _cache_lock:
        _cache.clear()


def request_element(operation):
    return REQUEST_ELEMENTS.get(operation, operation + "Talep")


def _plain(value):
    value = serialize_object(value, target_cls=dict)
    return value


class G2Wire:
    name = "g2"

    def __init__(self, client):
        self.client = client
        self.config = client.config
        self.namespace = self.config.g2_namespace or PLACEHOLDER_NS
        self.endpoint = self.config.base_url.rstrip("/") + self.config.g2_path
        self.session = requests.Session()
        self.zeep = get_client(self.namespace)
        # Answers decoded per path ("fast" lxml or "zeep"): the tests and the bench read it.
        self.decoded = Counter()

    # -- plumbing -------------------------------------------------------------------------------------
    def _header(self):
        cfg = self.config
        return {
            "YetkilendirmeGirisBilgileri": {
                "KullaniciKodu": int(cfg.user_code),
                "KullaniciSifre": cfg.user_password,
                "KulaniciTuru": int(cfg.user_type),
            },
            "KurumBilgileri": {
                "KurumKodu": int(cfg.institution_code),
                "IslemYapanKisiTCNo": int(cfg.acting_tckn),
                "GonderenBirim": cfg.sender_unit,
            },
        }

    def build(self, g2_operation, payload):
        """The request envelope bytes for one operation (also used by the XSD test)."""
        element = self.zeep.get_element(f"{{{self.namespace}}}{request_element(g2_operation)}")
        try:
            body = element(**self._header(), **payload)
        except (TypeError, ValueError) as exc:
            raise MhrsError(f"cannot build {g2_operation}: {exc}", code="REQUEST") from exc
        node = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV, "m": self.namespace})
        etree.SubElement(node, f"{{{SOAP_ENV}}}Header")
        container = etree.SubElement(node, f"{{{SOAP_ENV}}}Body")
        element.render(container, body)
        return etree.tostring(node, xml_declaration=True, encoding="utf-8")

    def call(self, operation, payload):
        g2_operation = OPERATIONS[operation].g2
        cfg = self.config
        recorder = Recorder(self.client, operation, self.name, self.endpoint)
        with recorder as rec:
            raw_request = self.build(g2_operation, payload)
            rec.request_text = raw_request.decode("utf-8")
            recorder.sending()
            response = send(
                self.session,
                "POST",
                self.endpoint,
                cfg.timeout,
                cfg.verify_tls,
                data=raw_request,
                headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
            )
            rec.http_status = response.status_code
            raw = read_capped(response, cfg.max_response_bytes)
            rec.response_text = raw.decode("utf-8", "replace")
            return self._decode(g2_operation, response.status_code, raw)

    def _decode(self, g2_operation, status, raw):
        if status in (502, 503, 504, 401):
            raise MhrsTransportError(f"MHRS temporarily unavailable (HTTP {status})", status_code=status)
        try:
            root = parse_xml(raw)
        except MhrsMalformedResponse:
            if status >= 500:
                raise MhrsTransportError(f"MHRS server error (HTTP {status})", status_code=status) from None
            raise
        body = root.find(f"{{{SOAP_ENV}}}Body")
        if root.tag != f"{{{SOAP_ENV}}}Envelope" or body is None or not len(body):
            if status >= 500:  # a proxy's or server's error page
                raise MhrsTransportError(f"MHRS server error (HTTP {status})", status_code=status)
            raise MhrsMalformedResponse("answer is not a SOAP envelope")
        answer = body[0]
        if answer.tag == f"{{{SOAP_ENV}}}Fault":
            code = (answer.findtext("faultcode") or "").strip()
            text = (answer.findtext("faultstring") or "").strip()
            if code.endswith("Server"):
                raise MhrsTransportError(f"MHRS server fault: {text}", code="SOAP-FAULT", status_code=status)
            raise MhrsBusinessError(code or "SOAP-FAULT", text)
        expected = f"{{{self.namespace}}}{g2_operation}Cevap"
        if answer.tag != expected:
            raise MhrsMalformedResponse(f"unexpected answer element {etree.QName(answer).localname}")
        value = self._fast_decode(g2_operation, answer)
        if value is None:
            try:
                element = self.zeep.get_element(expected)
                value = _plain(element.parse(answer, self.zeep.wsdl.types))
            except Exception as exc:  # zeep raises many kinds on off-schema content
                raise MhrsMalformedResponse(f"answer does not match the G2 types: {exc}") from exc
            self.decoded["zeep"] += 1
        base = value.get("TemelCevapBilgileri") or {}
        if base.get("ServisBasarisi") is not True:
            if base.get("ServisBasarisi") is None:
                raise MhrsMalformedResponse("answer without TemelCevapBilgileri/ServisBasarisi")
            text = (base.get("Aciklama") or "").strip()
            match = _CODE_IN_TEXT.match(text)
            code, text = (match.group(1), match.group(2).strip()) if match else ("G2", text)
            raise MhrsBusinessError(code, text)
        return value

    def _fast_decode(self, g2_operation, answer):
        """The answer decoded by the lxml fast path (same values as zeep), or None to let zeep do it."""
        if g2_operation not in g2_fast.FAST_ANSWERS:
            return None
        try:
            value = g2_fast.decoder(XSD_FILE, g2_operation, self.namespace)(answer)
        except (ValueError, KeyError, TypeError) as exc:  # FastDecodeError is a ValueError
            _logger.info("G2 %s answer left to zeep: %s", g2_operation, exc)
            return None
        self.decoded["fast"] += 1
        return value

    def _t(self, value):
        return fmt(value, self.config.g2_date_format, self.config)

    def _dt(self, text):
        return parse_dt(text, (self.config.g2_date_format, "%d.%m.%Y", "%Y-%m-%d %H:%M:%S"))

    def _range(self, start, end):
        return {"BaslangicTarihi": self._t(start), "BitisTarihi": self._t(end)}

    # -- operations -------------------------------------------------------------------------------------
    def test_connection(self):
        return {"interface": "g2", "branches": len(self.branch_query())}

    def branch_register(self, branch):
        self.call("branch_register", {"KlinikKodu": int(branch)})

    def branch_query(self):
        rows = self.call("branch_query", {}).get("KlinikBilgileri") or []
        return [{"code": r["KlinikKodu"], "name": r.get("KlinikAdi") or ""} for r in rows]

    def physician_link(self, branch, physician, temporary=False):
        self.call(
            "physician_link",
            {"KlinikKodu": int(branch), "HekimKodu": str(physician), "GeciciGorevli": bool(temporary)},
        )

    def action_codes(self):
        rows = self.call("action_codes", {}).get("AksiyonBilgileri") or []
        # G2's AksiyonBilgileri says nothing of bookable or documents (None: unknown).
        return [
            {"code": r["AksiyonKodu"], "name": r.get("Aciklama") or "", "open": None, "document": None}
            for r in rows
        ]

    def clinic_register(self, branch, name):
        value = self.call("clinic_register", {"KlinikKodu": int(branch), "AltKlinikAdi": name})
        if value.get("AltKlinikKodu") is None:
            raise MhrsMalformedResponse("clinic registration answer without AltKlinikKodu")
        return value["AltKlinikKodu"]

    def clinic_update(self, clinic_id, name, no_location_change=False):
        self.call(
            "clinic_update",
            {
                "AltKlinikKodu": int(clinic_id),
                "AltKlinikAdi": name,
                "LokasyonDegisikligineDusurme": bool(no_location_change),
            },
        )

    def clinic_query(self, branch):
        rows = self.call("clinic_query", {"KlinikKodu": int(branch)}).get("AltKlinikBilgileri") or []
        return [
            {"id": r["AltKlinikKodu"], "name": r.get("AltKlinikAdi") or "", "branch": int(branch)}
            for r in rows
        ]

    def clinic_delete(self, clinic_id):
        self.call("clinic_delete", {"AltKlinikKodu": int(clinic_id)})

    def _detail(self, block):
        place = {"KlinikKodu": int(block["branch"])}
        if block.get("physician"):
            place = {"HekimBilgileri": {"HekimKodu": str(block["physician"])}, **place}
        if block.get("clinic") is not None:
            place["AltKlinikBilgileri"] = {"AltKlinikKodu": int(block["clinic"])}
        detail = {"HekimKlinikBilgileri": place, "AksiyonKodu": int(block["action"])}
        if block.get("slot_minutes"):
            detail["TedaviSuresi"] = int(block["slot_minutes"])
        if block.get("capacity"):
            detail["SlotBasinaDusenHastaSayisi"] = int(block["capacity"])
        detail["TarihBilgileri"] = self._range(block["start"], block["end"])
        return detail

    def draft_add(self, block):
        value = self.call(
            "draft_add",
            {
                "TaslakCetvelBilgileri": [
                    {"ReferansNo": str(block.get("ref") or "1"), "CetvelDetayBilgileri": self._detail(block)}
                ]
            },
        )
        answers = value.get("TaslakCetvelCevap") or []
        ids = [i for a in answers for i in (a.get("TaslakCetvelId") or [])]
        if not ids:
            text = " ".join(a.get("Aciklama") or "" for a in answers).strip()
            match = _CODE_IN_TEXT.match(text)
            raise MhrsBusinessError(match.group(1) if match else "G2", match.group(2) if match else text)
        return ids

    def draft_delete(self, draft_id):
        self.call("draft_delete", {"TaslakCetvelId": [int(draft_id)]})

    def draft_finalise(self, branch, start, end, physician=None, clinic=None):
        payload = {"TarihBilgileri": self._range(start, end)}
        if physician:
            payload["HekimBilgileri"] = {"HekimKodu": str(physician)}
        payload["KlinikKodu"] = int(branch)
        rows = self.call("draft_finalise", payload).get("taslakKesinMap") or []
        return [{"draft_id": r.get("TaslakCetvelId"), "final_id": r["KesinCetvelId"]} for r in rows if r]

    def _schedule_out(self, final_id, detail):
        place = detail.get("HekimKlinikBilgileri") or {}
        dates = detail.get("TarihBilgileri") or {}
        return {
            "id": final_id,
            "branch": place.get("KlinikKodu"),
            "clinic": (place.get("AltKlinikBilgileri") or {}).get("AltKlinikKodu"),
            "physician": (place.get("HekimBilgileri") or {}).get("HekimKodu"),
            "action": detail.get("AksiyonKodu"),
            "start": self._dt(dates.get("BaslangicTarihi")),
            "end": self._dt(dates.get("BitisTarihi")),
            "slot_minutes": detail.get("TedaviSuresi"),
            "capacity": detail.get("SlotBasinaDusenHastaSayisi"),
            "final": True,
        }

    def schedule_query(self, branch, start, end, physician=None, clinic=None):
        payload = {"TarihBilgileri": self._range(start, end), "KlinikKodu": int(branch)}
        if clinic is not None:
            payload["AltKlinikKodu"] = int(clinic)
        if physician:
            payload["HekimBilgileri"] = {"HekimKodu": str(physician)}
        rows = self.call("schedule_query", payload).get("KesinCetvelDetayBilgileri") or []
        return [self._schedule_out(r["KesinCetvelId"], r.get("CetvelDetayBilgileri") or {}) for r in rows]

    def schedule_update(self, final_id, block):
        value = self.call(
            "schedule_update", {"KesinCetvelId": int(final_id), "CetvelDetayBilgileri": self._detail(block)}
        )
        return value.get("KesinCetvelId") or int(final_id)

    def schedule_cancel(self, final_ids, branch, start, end, physician=None, clinic=None):
        value = self.call("schedule_cancel", {"KesinCetvelId": [int(i) for i in final_ids]})
        return list(value.get("KesinCetvelId") or [])

    def exception_add(self, exc):
        payload = {
            "HekimKodu": str(exc["physician"]) if exc.get("physician") else None,
            "KlinikKodu": int(exc["branch"]),
            "TarihBilgileri": self._range(exc["start"], exc["end"]),
            "AksiyonKodu": int(exc["action"]),
            "Aciklama": exc["description"],
            "Email": exc.get("email"),
        }
        if exc.get("phone"):
            payload["TelefonIletisimBilgileri"] = {"TelefonNo": str(exc["phone"]), "NumaraTipi": 1}
        if exc.get("document"):
            payload["IstisnaDokumanBilgileri"] = {
                "IstisnaDokumanAdi": exc["document"][0],
                "IstisnaDokuman": exc["document"][1],
            }
        rows = self.call("exception_add", payload).get("IstisnaDetayBilgileri") or []
        if not rows or rows[0].get("IstisnaId") is None:
            raise MhrsMalformedResponse("exception answer without IstisnaId")
        return rows[0]["IstisnaId"]

    def exception_query(self, start, end, branch=None, physician=None):
        payload = {"TarihBilgileri": self._range(start, end)}
        if branch is not None:
            payload["KlinikKodu"] = int(branch)
        if physician:
            payload["HekimBilgileri"] = {"HekimKodu": str(physician)}
        rows = self.call("exception_query", payload).get("IstisnaDetayBilgileri") or []
        return [
            {
                "id": r["IstisnaId"],
                "branch": r.get("KlinikKodu"),
                "physician": r.get("HekimKodu"),
                "start": self._dt((r.get("TarihBilgileri") or {}).get("BaslangicTarihi")),
                "end": self._dt((r.get("TarihBilgileri") or {}).get("BitisTarihi")),
                "action": r.get("AksiyonKodu"),
                "description": r.get("Aciklama"),
                "status": r.get("IstisnaDurumKodu"),
                "reason": r.get("RedNedeni"),
            }
            for r in rows
        ]

    def exception_delete(self, exception_id):
        self.call("exception_delete", {"IstisnaId": int(exception_id)})

    def appointment_query(self, branch, start, end, physician=None, clinic=None, record_status=None):
        payload = {"KlinikKodu": int(branch)}
        if physician:
            payload["HekimKodu"] = str(physician)
        payload["TarihBilgileri"] = self._range(start, end)
        if record_status is not None:
            payload["KayitDurumKodu"] = int(record_status)
        rows = self.call("appointment_query", payload).get("KurumRandevuBilgileri") or []
        # A hospital day's thousands of rows share a few hundred distinct times: each parsed once.
        parse = functools.lru_cache(maxsize=4096)(self._dt)
        out = []
        for r in rows:
            if clinic is not None and r.get("AltKlinikKodu") != clinic:
                continue
            phones = r.get("VatandasTelefonBilgileri") or []
            dates = r.get("TarihBilgileri") or {}
            out.append(
                {
                    "hrn": r["RandevuHrn"],
                    "schedule_id": None,  # G2 does not return it
                    "branch": (r.get("KlinikBilgileri") or {}).get("KlinikKodu"),
                    "clinic": r.get("AltKlinikKodu"),
                    "physician": r.get("HekimKodu"),
                    "start": parse(dates.get("BaslangicTarihi")),
                    "end": parse(dates.get("BitisTarihi")),
                    "patient_tckn": None if r.get("HastaTCKimlikNo") is None else str(r["HastaTCKimlikNo"]),
                    "patient_name": r.get("HastaAdi") or "",
                    "patient_surname": r.get("HastaSoyadi") or "",
                    "birth_date": r.get("HastaDogumTarihi"),
                    "gender": r.get("Cinsiyet") or None,
                    "phone": phones[0].get("TelefonNo") if phones else None,
                    "record_status": r.get("KayitDurumKodu"),
                    "status": r.get("DurumKodu"),
                    "note": r.get("RandevuNotu"),
                    "channel": r.get("EkleyenKullaniciTipi"),
                    "created": parse(r["EklenmeZamani"]) if r.get("EklenmeZamani") else None,
                }
            )
        return out

    def appointment_set_status(self, items):
        value = self.call(
            "appointment_set_status",
            {
                "RandevuBilgileri": [
                    {
                        "RandevuHrn": i["hrn"],
                        "DurumKodu": 1 if i["attended"] else 2,
                        "GelisZamani": self._t(i.get("arrived")),
                        "RandevuGerceklesmeZamani": self._t(i.get("realized")),
                    }
                    for i in items
                ]
            },
        )
        return [
            {
                "hrn": r.get("RandevuHrn"),
                "ok": bool(r.get("GuncellemeBasarisi")),
                "code": r.get("HataKodu"),
                "text": r.get("Aciklama"),
            }
            for r in value.get("RandevuDurumSonuc") or []
        ]

    def appointment_book(self, slot, patient, note=None):
        citizen = {
            "TCKimlikNo": str(patient["tckn"]),
            "Ad": patient.get("name"),
            "Soyad": patient.get("surname"),
        }
        if patient.get("phone"):
            citizen["VatandasIletisimBilgileri"] = {
                "TelefonIletisimBilgileri": [
                    {"TelefonNo": str(patient["phone"]), "NumaraTipi": int(patient.get("phone_type") or 1)}
                ]
            }
        citizen["Cinsiyet"] = int(patient.get("gender") or 0)
        if patient.get("birth_date"):
            citizen["DogumTarihi"] = str(patient["birth_date"])
        value = self.call(
            "appointment_book",
            {
                "KesinCetvelId": int(slot["schedule_id"]),
                "RandevuZamanBilgisi": {
                    "RandevuBaslangicZamani": self._t(slot["start"]),
                    "RandevuBitisZamani": self._t(slot["end"]),
                },
                "VatandasBilgileri": citizen,
                "RefakatciIstiyormu": False,
                "RandevuNotu": note,
            },
        )
        if not value.get("RandevuHrn"):
            raise MhrsMalformedResponse("booking answer without RandevuHrn")
        return value["RandevuHrn"]

    def appointment_cancel(self, hrn):
        value = self.call("appointment_cancel", {"RandevuHrn": hrn})
        return value.get("RandevuHrn") or hrn

    def slot_query(self, branch, physician, start, end, clinic=None, patient_tckn=None, action=1):
        start, end = to_local(start, self.config), to_local(end, self.config)
        out, day = [], start.date()
        while day <= (end - timedelta(seconds=1)).date():
            value = self.call(
                "slot_query",
                {
                    "KurumKodu": int(self.config.institution_code),
                    "KlinikKodu": int(branch),
                    "HekimKodu": str(physician),
                    "Tarih": day.strftime("%d.%m.%Y"),
                    "TCKimlikNo": str(patient_tckn) if patient_tckn else None,
                },
            )
            for work_day in value.get("CalismaGunDetaylari") or []:
                for hour in work_day.get("CalismaSaatleri") or []:
                    for s in hour.get("Slotlar") or []:
                        slot_start, slot_end = self._dt(s.get("Baslangic")), self._dt(s.get("Bitis"))
                        place = s.get("AltKlinikBilgileri") or {}
                        if not start <= slot_start < end or clinic not in (None, place.get("AltKlinikKodu")):
                            continue
                        out.append(
                            {
                                "slot_id": None,
                                "schedule_id": s.get("KesinCetvelId"),
                                "clinic": place.get("AltKlinikKodu"),
                                "physician": str(physician),
                                "branch": int(branch),
                                "start": slot_start,
                                "end": slot_end,
                                "free": (s.get("Durum") or "").upper() == "BOS",
                            }
                        )
            day += timedelta(days=1)
        return out
