"""SOAP 1.1 on the server side with lxml: safe parsing, schema validation, payload <-> dict, responses.

The old contract files (mhrs_simulator/legacy_wsdl, no longer shipped by the addon) are read by path;
nothing of the addon is imported. ``handle`` turns one request body into one HTTP answer and never raises.
"""

import copy
import functools
import logging
import os
import threading
from dataclasses import dataclass
from datetime import date, datetime, time

from lxml import etree

from .clock import local, parse_datetime
from .codes import SimError, message
from .logic import OPERATIONS
from .tckn import is_valid

_logger = logging.getLogger(__name__)

TNS = "urn:mhrs-connector:PRSC_AR001001TR01"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE = "PRSC_AR001001TR01"
WSDL_DIR = os.environ.get("MHRS_WSDL_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "legacy_wsdl"
)
WSDL_FILE = f"{SERVICE}.wsdl"
XSD_FILE = f"{SERVICE}.xsd"

_INT = {
    "KlinikKodu",
    "AltKlinikKodu",
    "AksiyonKodu",
    "TedaviSuresi",
    "SlotBasinaDusenHastaSayisi",
    "DurumKodu",
    "KayitDurumKodu",
    "Cinsiyet",
    "SablonId",
    "KesinCetvelId",
    "IstisnaId",
    "InstitutionCode",
}
_BOOL = {"GoruntuluRandevu", "LokasyonDegisikligineDusurme", "AktifMi"}
_DATETIME = {
    "BaslangicZamani",
    "BitisZamani",
    "RandevuBaslangicZamani",
    "RandevuBitisZamani",
    "GelisZamani",
    "RandevuGerceklesmeZamani",
    "CreationTime",
}
_DATE = {"DogumTarihi"}
_TIME = {"BaslangicSaati", "BitisSaati"}
# Elements that may repeat (maxOccurs > 1) decode to lists even with one item.
_LISTS = {"SablonSatiri", "CetvelBilgileri", "RandevuBilgileri"}
_OP_LISTS = {"PRSC_IN001022TR01": {"KesinCetvelId"}, "QUSC_IN001001TR01": {"HekimKodu"}}


def safe_parser():
    # No entities, no DTD, no network: a hostile request must not read files or call out.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=True
    )


def q(name):
    return f"{{{TNS}}}{name}"


def local_name(element):
    return etree.QName(element).localname


# -- the contract's schema ------------------------------------------------------------------------------
_schema_lock = threading.Lock()  # libxml2 validation contexts are not shared between threads safely


@functools.cache
def _schema(directory):
    return etree.XMLSchema(etree.parse(os.path.join(directory, XSD_FILE), safe_parser()))


def validate(element, directory=None):
    """Errors of ``element`` (a request or response element) against the XSD; [] when valid."""
    schema = _schema(directory or WSDL_DIR)
    standalone = copy.deepcopy(element)
    with _schema_lock:
        if schema.validate(standalone):
            return []
        return [f"line {e.line}: {e.message}" for e in schema.error_log]


# -- decoding ---------------------------------------------------------------------------------------------
def _leaf(name, text):
    text = (text or "").strip()
    if name in _INT:
        return int(text)
    if name in _BOOL:
        return text in ("true", "1")
    if name in _DATETIME:
        return parse_datetime(text)
    if name in _DATE:
        return date.fromisoformat(text[:10])
    if name in _TIME:
        return time.fromisoformat(text[:8])
    return text


def to_dict(element, lists=frozenset()):
    """Payload element -> dict with the contract's names (repeatable elements as lists)."""
    out = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        name = local_name(child)
        value = to_dict(child, lists) if len(child) else _leaf(name, child.text)
        if name in _LISTS or name in lists:
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


# -- encoding ---------------------------------------------------------------------------------------------
def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return local(value).isoformat(timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def build(parent, name, value):
    """Append ``value`` as <name>: dicts nest (insertion order = XSD order), lists repeat, None skips."""
    if value is None:
        return
    if isinstance(value, list):
        for item in value:
            build(parent, name, item)
        return
    child = etree.SubElement(parent, q(name))
    if isinstance(value, dict):
        for key, item in value.items():
            build(child, key, item)
    else:
        child.text = _text(value)


def _envelope():
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV, "tns": TNS})
    return envelope, etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")


def response_element(code, ack, target, service_time, issues=(), payload=None):
    element = etree.Element(q(f"{code}_Response"), nsmap={"tns": TNS})
    build(
        element,
        "Acknowledgement",
        {
            "TypeCode": ack,
            "TargetMessageId": target or "",
            "ServiceTime": service_time,
            "DetectedIssue": [{"Code": c, "Text": t} for c, t in issues],
        },
    )
    if ack == "AA":
        build(element, "Payload", payload or {})
    return element


def envelope_bytes(element):
    envelope, body = _envelope()
    body.append(element)
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def fault_bytes(faultcode, faultstring, detail_code=None):
    """A SOAP 1.1 Fault (faultcode is soap:Client or soap:Server)."""
    envelope, body = _envelope()
    fault = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = faultcode
    etree.SubElement(fault, "faultstring").text = faultstring
    if detail_code:
        etree.SubElement(etree.SubElement(fault, "detail"), q("Code")).text = detail_code
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


# -- one request ------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    status: int
    body: bytes
    code: str = None  # operation code, when known
    ack: str = "fault"  # AA / AE / AR / fault
    issue: str = None  # first DetectedIssue code
    response_errors: tuple = ()  # schema errors of our own response (only when checked)


class _Reject(Exception):
    def __init__(self, code, text=None):
        super().__init__(code)
        self.code, self.text = code, text or message(code)


def _request_element(body):
    try:
        root = etree.fromstring(body, safe_parser())
    except etree.XMLSyntaxError as error:
        raise _Reject("soap:Client", f"XML okunamadı: {error}") from None
    soap_body = root.find(f"{{{SOAP_ENV}}}Body") if root.tag == f"{{{SOAP_ENV}}}Envelope" else None
    children = [c for c in (soap_body if soap_body is not None else []) if isinstance(c.tag, str)]
    if len(children) != 1:
        raise _Reject("soap:Client", "SOAP 1.1 zarfı ve tek bir gövde öğesi bekleniyor.")
    element = children[0]
    if etree.QName(element).namespace != TNS or local_name(element) not in OPERATIONS:
        raise _Reject("soap:Client", f"{message('GEN-003')} ({etree.QName(element).localname})")
    return element


def _authenticate(simulator, header):
    sender, auth = header.get("Sender", {}), header.get("Authentication", {})
    institution = simulator.authenticate(
        sender.get("InstitutionCode"), auth.get("Username"), auth.get("Password")
    )
    return institution


def _answer(simulator, code, element):
    """(ack, issues, payload) for a request element that is a known operation."""
    errors = validate(element)
    if errors:
        return "AR", [("GEN-002", f"{message('GEN-002')} {errors[0]}")], None
    header = to_dict(element.find(q("Header")))
    try:
        institution = _authenticate(simulator, header)
        if header["InteractionId"] != code:
            raise SimError(
                "GEN-003", f"{message('GEN-003')} InteractionId {header['InteractionId']} != {code}"
            )
        if not is_valid(header["ActingUserTCKN"]):
            raise SimError("GEN-005", f"{message('GEN-005')} (ActingUserTCKN)")
        payload = to_dict(element.find(q("Payload")), _OP_LISTS.get(code, frozenset()))
        return "AA", [], simulator.call(code, institution, payload)
    except SimError as error:
        return error.ack, [(error.code, error.text)], None


def _message_id(element):
    found = element.find(f"{q('Header')}/{q('MessageId')}")
    return found.text if found is not None else ""


def handle(simulator, body, check_response=False):
    """One HTTP request body -> Outcome. Never raises: a bug becomes a soap:Server fault."""
    try:
        element = _request_element(body)
    except _Reject as reject:
        return Outcome(
            500, fault_bytes(reject.code, reject.text), issue="GEN-003" if "GEN-003" in reject.text else None
        )
    code = local_name(element)
    try:
        ack, issues, payload = _answer(simulator, code, element)
    except Exception as error:
        _logger.exception("simulator error in %s", code)
        return Outcome(500, fault_bytes("soap:Server", f"Simülatör hatası: {error!r}"), code=code)
    response = response_element(code, ack, _message_id(element), simulator.now(), issues, payload)
    errors = tuple(validate(response)) if check_response else ()
    if errors:
        _logger.error("response of %s does not match the schema: %s", code, errors)
    return Outcome(200, envelope_bytes(response), code, ack, issues[0][0] if issues else None, errors)
