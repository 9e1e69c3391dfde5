"""Pure-Python SOAP client of the modelled MHRS contract PRSC_AR001001TR01 (docs/contract.md).

No Odoo import here: the addon's models call one method per operation with plain Python values and get
plain dicts back, so the wire (zeep, HTTP, XML hardening) stays testable without a database and a second
transport could later be added behind the same methods.

Flow of a call: zeep builds the envelope from the WSDL types -> we serialise it once (what is sent is
exactly what is logged) -> a size-capped POST through zeep's Transport and an explicit requests Session ->
we parse the answer ourselves with a hardened lxml parser (no DTD, no entities, no network, size limit),
classify it (transport / SOAP fault / Acknowledgement AE-AR / malformed) -> zeep deserialises the Payload
-> plain dicts. The `on_call` callback receives a record of every call, successful or not.
"""

import datetime
import logging
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests
from lxml import etree
from zeep import Client, Settings
from zeep.helpers import serialize_object
from zeep.transports import Transport

from .errors import MhrsBusinessError, MhrsError, MhrsMalformedResponse, MhrsTransportError
from .fast_decode import DECODERS as LXML_DECODERS
from .operations import OPERATIONS

_logger = logging.getLogger(__name__)

NAMESPACE = "urn:mhrs-connector:PRSC_AR001001TR01"
SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
# The legacy contract's WSDL lives with the simulator's old endpoint, which still serves it.
WSDL_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "legacy_wsdl"
)
DEFAULT_WSDL = os.path.join(WSDL_DIR, "PRSC_AR001001TR01.wsdl")
DEFAULT_XSD = os.path.join(WSDL_DIR, "PRSC_AR001001TR01.xsd")
BINDING_QNAME = f"{{{NAMESPACE}}}PRSC_AR001001TR01Binding"
MAX_RESPONSE_BYTES = 20 * 1024 * 1024  # 20 MiB

_PASSWORD_RE = re.compile(r"(<(?:[\w.-]+:)?Password\b[^>]*>)(.*?)(</(?:[\w.-]+:)?Password\s*>)", re.S)

# Optional fast decoders: method -> callable(payload_element: lxml element) -> plain dict. Registering one
# bypasses zeep's deserialisation for that method (e.g. for very large appointment_query answers, decode
# KurumRandevuBilgileri with lxml directly). Must return the same shape zeep + _plain would. Used only for
# answers validated against the shipped XSD; a decoder that raises falls back to zeep (fast_decode.py).
FAST_DECODERS = dict(LXML_DECODERS)


@dataclass
class MhrsConfig:
    """Connection settings of one company (endpoint, credentials, environment, operation codes)."""

    endpoint_url: str = "http://127.0.0.1:8070/PRSC_AR001001TR01"
    wsdl_url: str = None  # None = the WSDL shipped with the addon; else a local path or URL
    institution_code: int = 0
    vendor_code: str = ""
    username: str = ""
    password: str = ""
    acting_user_tckn: str = ""
    environment: str = "test"  # 'test' -> ProcessingCode T, 'production' -> P
    timeout: float = 30
    operation_codes: dict = field(default_factory=dict)  # method -> code override

    def code_for(self, method):
        """Effective operation code: the company's override, else the contract's default."""
        return (self.operation_codes or {}).get(method) or OPERATIONS[method].code

    @property
    def processing_code(self):
        return "P" if self.environment in ("prod", "production", "P") else "T"


class _CappedTransport(Transport):
    """zeep Transport whose POST streams the answer and stops at MAX_RESPONSE_BYTES.

    zeep's own post() would load any amount of data into memory before we could look at it.
    """

    max_bytes = MAX_RESPONSE_BYTES

    def post(self, address, message, headers):
        response = self.session.post(
            address, data=message, headers=headers, timeout=self.operation_timeout, stream=True
        )
        with response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes:
                raise MhrsMalformedResponse(f"response of {declared} bytes is too large", "MALFORMED-SIZE")
            chunks, size = [], 0
            for chunk in response.iter_content(chunk_size=65536):
                size += len(chunk)
                if size > self.max_bytes:
                    raise MhrsMalformedResponse("response exceeds the size limit", "MALFORMED-SIZE")
                chunks.append(chunk)
            response._content = b"".join(chunks)
        return response


@dataclass
class _Wire:
    """What is built once per (WSDL, endpoint, timeout): zeep client, bound service, validator."""

    client: Client
    service: object
    operation_names: frozenset
    schema: object  # lxml XMLSchema of the shipped XSD, or None for a foreign WSDL
    schema_lock: threading.Lock


_WIRES = {}
_WIRES_LOCK = threading.Lock()


def _build_wire(wsdl, endpoint, timeout):
    session = requests.Session()
    session.verify = True
    transport = _CappedTransport(session=session, timeout=timeout, operation_timeout=timeout)
    settings = Settings(
        strict=True, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    client = Client(wsdl, transport=transport, settings=settings)
    binding = BINDING_QNAME if BINDING_QNAME in client.wsdl.bindings else next(iter(client.wsdl.bindings))
    service = client.create_service(binding, endpoint)
    names = frozenset(client.wsdl.bindings[binding]._operations)
    schema = None
    if os.path.abspath(wsdl) == DEFAULT_WSDL:
        schema = etree.XMLSchema(etree.parse(DEFAULT_XSD, _safe_parser()))
    return _Wire(client, service, names, schema, threading.Lock())


def get_wire(wsdl, endpoint, timeout):
    """The cached zeep machinery for (wsdl, endpoint, timeout): loading a WSDL is too slow per call."""
    key = (wsdl, endpoint, timeout)
    with _WIRES_LOCK:
        wire = _WIRES.get(key)
        if wire is None:
            wire = _WIRES[key] = _build_wire(wsdl, endpoint, timeout)
        return wire


def clear_cache():
    """Forget every cached zeep client (settings changed, tests)."""
    with _WIRES_LOCK:
        _WIRES.clear()


def _safe_parser():
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )


def mask_secrets(xml_text):
    """Replace the text of every Password element by *** so logs never hold the credential."""
    return _PASSWORD_RE.sub(r"\1***\3", xml_text) if xml_text else xml_text


def _plain(value):
    """zeep/OrderedDict structures -> plain dicts and lists, recursively."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _check_aware(value, path="Payload"):
    """Refuse naive datetimes early: the contract requires an explicit offset on every date-time."""
    if isinstance(value, datetime.datetime) and value.utcoffset() is None:
        raise ValueError(f"{path}: datetime without time zone: {value!r}")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_aware(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for item in value:
            _check_aware(item, path)


class MhrsClient:
    """One method per operation of the contract; keyword arguments = the request Payload's fields."""

    def __init__(self, config, on_call=None, on_send=None):
        self.config = config
        self.on_call = on_call
        # Called with the call's record (request built, no answer yet) just before it is sent, so that
        # a process killed while MHRS works leaves a trace of the call.
        self.on_send = on_send

    # ------------------------------------------------------------------ operations (contract table)
    def clinic_register(self, **payload):
        return self._call("clinic_register", payload)

    def clinic_update(self, **payload):
        return self._call("clinic_update", payload)

    def clinic_query(self, **payload):
        return self._call("clinic_query", payload)

    def clinic_cancel(self, **payload):
        return self._call("clinic_cancel", payload)

    def template_register(self, **payload):
        return self._call("template_register", payload)

    def template_update(self, **payload):
        return self._call("template_update", payload)

    def template_set_state(self, **payload):
        return self._call("template_set_state", payload)

    def template_query(self, **payload):
        return self._call("template_query", payload)

    def schedule_register(self, **payload):
        """Per-item results: {'CetvelCevap': [...]}; item errors (HataKodu) do not raise."""
        return self._call("schedule_register", payload)

    def schedule_update(self, **payload):
        return self._call("schedule_update", payload)

    def schedule_query(self, **payload):
        return self._call("schedule_query", payload)

    def schedule_cancel(self, **payload):
        return self._call("schedule_cancel", payload)

    def appointment_exception(self, **payload):
        """Takes IstisnaEkleme={...} (add) or IstisnaSorgulama={...} (query)."""
        return self._call("appointment_exception", payload)

    def appointment_query(self, **payload):
        return self._call("appointment_query", payload)

    def appointment_set_status(self, **payload):
        """Per-item results: {'RandevuDurumSonuc': [...]}; item errors (HataKodu) do not raise."""
        return self._call("appointment_set_status", payload)

    def appointment_register(self, **payload):
        return self._call("appointment_register", payload)

    def appointment_cancel(self, **payload):
        return self._call("appointment_cancel", payload)

    def slot_query(self, **payload):
        return self._call("slot_query", payload)

    # ------------------------------------------------------------------ machinery
    def _wire(self):
        """Cached zeep machinery; a remote WSDL that cannot be fetched is a (retryable) transport error."""
        cfg = self.config
        try:
            return get_wire(cfg.wsdl_url or DEFAULT_WSDL, cfg.endpoint_url, cfg.timeout)
        except requests.RequestException as exc:
            raise MhrsTransportError(f"WSDL {cfg.wsdl_url} could not be loaded: {exc}", code="WSDL") from exc

    def build_header(self, code):
        """The HL7 v3-style wrapper header; InteractionId is the code actually used."""
        cfg = self.config
        return {
            "MessageId": str(uuid.uuid4()),
            "CreationTime": datetime.datetime.now().astimezone().replace(microsecond=0),
            "InteractionId": code,
            "ProcessingCode": cfg.processing_code,
            "Sender": {"InstitutionCode": cfg.institution_code, "VendorCode": cfg.vendor_code},
            "ActingUserTCKN": cfg.acting_user_tckn,
            "Authentication": {"Username": cfg.username, "Password": cfg.password},
        }

    def build_request(self, method, payload):
        """Envelope bytes, header and WSDL operation name for a call (no network); tests use it too.

        An overridden code is looked up as a WSDL operation; a WSDL without it keeps the default
        operation's message, while InteractionId and SOAPAction carry the override.
        """
        wire = self._wire()
        code = self.config.code_for(method)
        op_name = code if code in wire.operation_names else OPERATIONS[method].code
        _check_aware(payload)
        header = self.build_header(code)
        envelope = wire.client.create_message(wire.service, op_name, Header=header, Payload=payload)
        body = etree.tostring(envelope, encoding="utf-8", xml_declaration=True)
        return body, header, op_name, code

    def _call(self, method, payload):
        body, header, op_name, code = self.build_request(method, payload)
        record = {
            "operation": method,
            "code": code,
            "state": "done",
            "error_code": None,
            "error_text": None,
            "duration_ms": 0,
            "request_xml": mask_secrets(body.decode("utf-8")),
            "response_xml": None,
        }
        self._notify(record, self.on_send)
        start = time.monotonic()
        try:
            return self._exchange(method, op_name, code, body, header["MessageId"], record)
        except MhrsError as exc:
            record.update(state=exc.state, error_code=exc.code, error_text=exc.text or str(exc))
            raise
        finally:
            record["duration_ms"] = int((time.monotonic() - start) * 1000)
            self._notify(record, self.on_call)

    @staticmethod
    def _notify(record, callback):
        """Hand the record to a callback; a failing callback must never break the call."""
        if not callback:
            return
        try:
            callback(record)
        except Exception:
            _logger.exception("MHRS on_call callback failed for %s", record.get("operation"))

    def _exchange(self, method, op_name, code, body, message_id, record):
        wire = self._wire()
        response = self._post(wire, code, body)
        content = response.content or b""
        record["response_xml"] = mask_secrets(content.decode("utf-8", "replace"))  # XML default encoding
        doc = self._parse(content, response.status_code)
        self._raise_for_fault(doc)
        if response.status_code != 200:
            raise MhrsTransportError(
                f"HTTP {response.status_code}",
                code=f"HTTP-{response.status_code}",
                status_code=response.status_code,
                retryable=response.status_code >= 500,
            )
        answer = self._answer_element(doc, op_name)
        self._validate(wire, answer)
        payload = self._check_acknowledgement(answer, message_id)
        return self._decode(wire, method, op_name, doc, payload)

    def _post(self, wire, code, body):
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{code}"'}
        try:
            return wire.client.transport.post(self.config.endpoint_url, body, headers)
        except requests.Timeout as exc:
            raise MhrsTransportError(f"timeout: {exc}", code="TIMEOUT") from exc
        except requests.RequestException as exc:  # refused, reset, dropped mid-body, TLS
            raise MhrsTransportError(f"connection error: {exc}", code="CONNECTION") from exc

    @staticmethod
    def _parse(content, status_code):
        """Hardened parse: no DTD, no entities, no network; an unusable 5xx body is a transport error."""
        try:
            root = etree.fromstring(content, _safe_parser())
        except (etree.XMLSyntaxError, ValueError) as exc:
            if status_code >= 500:
                raise MhrsTransportError(
                    f"HTTP {status_code}", code=f"HTTP-{status_code}", status_code=status_code
                ) from exc
            raise MhrsMalformedResponse(f"invalid XML (HTTP {status_code}): {exc}") from exc
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
            raise MhrsMalformedResponse("response carries a DOCTYPE/DTD", "MALFORMED-DTD")
        if root.tag != f"{{{SOAP11_NS}}}Envelope":
            if status_code >= 500:
                raise MhrsTransportError(
                    f"HTTP {status_code}", code=f"HTTP-{status_code}", status_code=status_code
                )
            raise MhrsMalformedResponse(f"root element is {root.tag}, not a SOAP 1.1 Envelope")
        return root

    @staticmethod
    def _raise_for_fault(doc):
        """SOAP Fault -> business error; the code is the detail's Code if any, else the faultcode."""
        fault = doc.find(f"{{{SOAP11_NS}}}Body/{{{SOAP11_NS}}}Fault")
        if fault is None:
            return
        faultcode = (fault.findtext("faultcode") or "").strip()
        text = (fault.findtext("faultstring") or "").strip()
        detail_code = None
        detail = fault.find("detail")
        if detail is not None:
            node = next((n for n in detail.iter() if etree.QName(n).localname == "Code" and n.text), None)
            detail_code = node.text.strip() if node is not None else None
        raise MhrsBusinessError(detail_code or faultcode.split(":")[-1] or "FAULT", text)

    @staticmethod
    def _answer_element(doc, op_name):
        body = doc.find(f"{{{SOAP11_NS}}}Body")
        answer = body[0] if body is not None and len(body) else None
        expected = f"{{{NAMESPACE}}}{op_name}_Response"
        if answer is None or answer.tag != expected:
            found = None if answer is None else answer.tag
            raise MhrsMalformedResponse(f"expected {expected} in the Body, found {found}", "MALFORMED-SCHEMA")
        return answer

    @staticmethod
    def _validate(wire, answer):
        """Check the answer against the shipped XSD (only when the shipped WSDL is in use)."""
        if wire.schema is None:
            return
        with wire.schema_lock:  # lxml validators are not meant to be shared between threads
            valid = wire.schema.validate(answer)
            error = wire.schema.error_log.last_error
        if not valid:
            raise MhrsMalformedResponse(f"response does not match the schema: {error}", "MALFORMED-SCHEMA")

    @staticmethod
    def _check_acknowledgement(answer, message_id):
        """AE/AR -> MhrsBusinessError with all DetectedIssues; returns the Payload element on AA."""
        ns = {"m": NAMESPACE}
        ack = answer.find("m:Acknowledgement", ns)
        if ack is None:
            raise MhrsMalformedResponse("Acknowledgement missing", "MALFORMED-SCHEMA")
        type_code = (ack.findtext("m:TypeCode", namespaces=ns) or "").strip()
        issues = [
            tuple((issue.findtext(f"m:{name}", namespaces=ns) or "").strip() for name in ("Code", "Text"))
            for issue in ack.findall("m:DetectedIssue", ns)
        ]
        if type_code in ("AE", "AR"):
            code, text = issues[0] if issues else (type_code, "")
            raise MhrsBusinessError(code, text, issues or None, type_code=type_code)
        if type_code != "AA":
            raise MhrsMalformedResponse(f"unknown Acknowledgement TypeCode {type_code!r}", "MALFORMED-SCHEMA")
        target = (ack.findtext("m:TargetMessageId", namespaces=ns) or "").strip()
        if target != message_id:
            raise MhrsMalformedResponse(
                f"TargetMessageId {target!r} does not answer request {message_id}", "MALFORMED-SCHEMA"
            )
        payload = answer.find("m:Payload", ns)
        if payload is None:
            raise MhrsMalformedResponse("accepted (AA) answer without Payload", "MALFORMED-SCHEMA")
        return payload

    @staticmethod
    def _decode(wire, method, op_name, doc, payload):
        """Payload -> plain dicts (0..n fields as lists, absent optionals None); zeep unless a fast hook."""
        fast = FAST_DECODERS.get(method) if wire.schema is not None else None
        if fast is not None:
            try:
                return fast(payload)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                _logger.warning("MHRS %s: fast decoder failed (%s), decoding with zeep", method, exc)
        try:
            operation = wire.service._binding.get(op_name)
            result = serialize_object(operation.process_reply(doc), target_cls=dict)
        except Exception as exc:  # zeep raises assorted types for off-schema content
            raise MhrsMalformedResponse(f"cannot decode response: {exc}", "MALFORMED-SCHEMA") from exc
        result = _plain(result)
        payload_dict = result.get("Payload") if isinstance(result, dict) else None
        if payload_dict is None:  # zeep reads an empty <Payload/> as None: give the empty shape instead
            payload_dict = _empty_payload(wire, op_name)
        return payload_dict


def _empty_payload(wire, op_name):
    """The response Payload type with every field absent: optionals None, 0..n fields []."""
    response = wire.client.get_element(f"{{{NAMESPACE}}}{op_name}_Response")
    payload_type = dict(response.type.elements)["Payload"].type
    return _plain(serialize_object(payload_type(), target_cls=dict))
