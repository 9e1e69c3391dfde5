"""What both wires share: the settings, local-time conversion, secret masking, call records, the
size-capped HTTP read and the hardened XML parser (copied from the old ``soap`` package so that it can be
deleted later)."""

import contextlib
import logging
import re
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import requests
import urllib3
from lxml import etree

from .errors import MhrsError, MhrsMalformedResponse, MhrsTransportError

_logger = logging.getLogger("mhrs_connector.wire")
MAX_RESPONSE_BYTES = 20 * 1024 * 1024  # 20 MiB: a month of a big hospital's appointments fits
G2_PATH = "/MHRSWS/services/mhrsweb"
REST_FORMAT = "%Y-%m-%d %H:%M:%S"  # ATLAS: ToString("yyyy-MM-dd HH:mm:ss")
# ATLAS fills G2 dates with DateTime.ToString() under the tr-TR culture: "dd.MM.yyyy HH:mm:ss" (inferred).
G2_FORMAT = "%d.%m.%Y %H:%M:%S"
PLACEHOLDER_NS = "http://xxxxxx.com"  # the namespace as redacted in the only public copy (ATLAS)


@dataclass
class WireConfig:
    """Everything the wire needs for one company. Datetimes in and out of the facade are naive local
    wall-clock times of ``tz`` (aware values are converted to ``tz`` first)."""

    interface: str = "rest"  # "rest" (MHRS V2) or "g2" (SOAP)
    base_url: str = ""  # https://host[:port], no path
    institution_code: int = 0  # kurumKodu / KurumKodu
    acting_tckn: str = ""  # islemYapanTcKimlikNo / IslemYapanKisiTCNo
    # REST (MHRS V2)
    username: str = ""  # kullaniciAdi (digits)
    password: str = ""  # parola
    app_code: str = ""  # uygulamaKodu
    # SOAP G2
    user_code: str = ""  # KullaniciKodu (digits)
    user_password: str = ""  # KullaniciSifre
    user_type: int = 0  # KulaniciTuru
    sender_unit: str = ""  # KurumBilgileri/@GonderenBirim (the HBYS vendor's code)
    g2_namespace: str = ""  # empty = the shipped placeholder; the Ministry gives the real one
    g2_path: str = G2_PATH
    g2_date_format: str = G2_FORMAT
    # both
    timeout: float = 30.0
    tz: str = "Europe/Istanbul"
    verify_tls: bool = True
    max_response_bytes: int = MAX_RESPONSE_BYTES
    extra_secrets: tuple = field(default_factory=tuple)

    @property
    def zone(self):
        return ZoneInfo(self.tz)

    def secrets(self):
        return [s for s in (self.password, self.user_password, *self.extra_secrets) if s]

    def check(self):
        """Refuse settings the wire cannot send (numeric fields), before any call."""
        numeric = {"institution_code": self.institution_code, "acting_tckn": self.acting_tckn}
        numeric.update(
            {"username": self.username}
            if self.interface == "rest"
            else {"user_code": self.user_code, "user_type": self.user_type}
        )
        wrong = [name for name, value in numeric.items() if not str(value).strip().isdigit()]
        if wrong or not self.base_url:
            raise MhrsError(
                f"MHRS settings incomplete or not numeric: {', '.join(wrong) or 'base_url'}", code="CONFIG"
            )


def to_local(value, config):
    """Facade datetime -> naive local wall-clock time of the config's zone."""
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is not None:
        value = value.astimezone(config.zone).replace(tzinfo=None)
    return value.replace(microsecond=0)


def fmt(value, pattern, config):
    return None if value is None else to_local(value, config).strftime(pattern)


def parse_dt(text, patterns):
    """A wire date-time string -> naive local datetime; the first pattern that fits wins."""
    if isinstance(text, datetime):
        return text.replace(tzinfo=None)
    if not isinstance(text, str) or not text.strip():
        raise MhrsMalformedResponse(f"not a date-time: {text!r}")
    value = text.strip()
    if len(value) == 19 and value[4] == "-" and value[10] in " T":
        # ``YYYY-MM-DD HH:MM:SS`` (MHRS V2), parsed in C: strptime costs a sync of 12,000 appointments
        # a tenth of its time. The same value as the pattern would give.
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(value)
    if (
        patterns[0] == G2_FORMAT
        and len(value) == 19
        and value[2] == value[5] == "."
        and value[10] == " "
        and value[13] == value[16] == ":"
    ):
        # ``DD.MM.YYYY HH:MM:SS`` (G2), reordered to ISO and parsed in C, as above.
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(f"{value[6:10]}-{value[3:5]}-{value[:2]} {value[11:]}")
    for pattern in patterns:
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    try:  # ISO 8601 (MHRS V2 answers ``2023-05-02T09:00:00``)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MhrsMalformedResponse(f"not a date-time: {value!r}") from exc
    return parsed.replace(tzinfo=None)


# -- secrets ----------------------------------------------------------------------------------------------
_KEYED = [
    re.compile(r'("(?:parola|password|jwt|token)"\s*:\s*")[^"]*(")', re.IGNORECASE),
    re.compile(r"(<(?:[\w-]+:)?(?:KullaniciSifre|Parola)\b[^>]*>)[^<]*(</)", re.IGNORECASE),
    re.compile(
        r"((?:Authorization|Bearer)[\"']?\s*[:=]?\s*[\"']?(?:Bearer\s+)?)[A-Za-z0-9._~+/=-]{8,}", re.I
    ),
]
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def mask(text, secrets=()):
    """``text`` with every password, parola, KullaniciSifre and JWT replaced by ``***``."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    for pattern in _KEYED:
        text = pattern.sub(lambda m: m.group(1) + "***" + (m.group(2) if m.lastindex > 1 else ""), text)
    text = _JWT.sub("***", text)
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "***")
    return text


@dataclass
class CallRecord:
    """What ``on_call`` receives for every HTTP exchange (texts already masked)."""

    operation: str  # registry key (clinic_register...), or "login"
    wire: str  # "rest" or "g2"
    url: str
    started: float
    duration_ms: float = 0.0
    status: str = "ok"  # ok, business_error, transport_error, malformed, error
    http_status: int | None = None
    request_text: str | None = None
    response_text: str | None = None
    error_code: str | None = None
    error_text: str | None = None
    ref: object = None  # what ``on_send`` returned for this exchange


LOG_TEXT_MAX = (
    2 * 1024 * 1024
)  # characters of an exchange kept for the call log (masked, then cut again there)


def _log_masked(text, secrets):
    """The masked text of an exchange for the log, at most LOG_TEXT_MAX characters: masking a whole
    10 MiB answer costs more than the call log (256 KB by default) ever keeps of it. Masked before the
    cut, with a margin longer than any password or token, so that no secret is ever half-kept."""
    if text is None or len(text) <= LOG_TEXT_MAX:
        return mask(text, secrets)
    total = len(text)
    head = mask(text[: LOG_TEXT_MAX + 8192], secrets)[:LOG_TEXT_MAX]
    return f"{head}\n[… cut by the client, {total} characters in total]"


class Recorder:
    """Times one exchange and hands the masked record to ``on_call`` whatever happens."""

    def __init__(self, client, operation, wire, url):
        self.client = client
        self.record = CallRecord(operation, wire, url, time.time())
        self._t0 = time.monotonic()

    def __enter__(self):
        return self.record

    def sending(self):
        """The request is built and about to leave: hand a masked copy to ``on_send``."""
        callback = getattr(self.client, "on_send", None)
        if not callback:
            return
        rec = self.record
        secrets = self.client.config.secrets() + self.client.extra_secrets()
        early = replace(rec, request_text=mask(rec.request_text, secrets), status="pending")
        try:
            rec.ref = callback(early)
        except Exception:  # a broken recorder must never stop the call
            _logger.exception("MHRS send recorder failed for %s", rec.operation)

    def __exit__(self, exc_type, exc, _tb):
        rec = self.record
        rec.duration_ms = round((time.monotonic() - self._t0) * 1000, 1)
        secrets = self.client.config.secrets() + self.client.extra_secrets()
        rec.request_text = _log_masked(rec.request_text, secrets)
        rec.response_text = _log_masked(rec.response_text, secrets)
        if exc is not None:
            rec.status = getattr(exc, "state", "error")
            rec.error_code = getattr(exc, "code", None)
            rec.error_text = mask(str(exc), secrets)
        _logger.debug(
            "MHRS %s %s %s -> %s (HTTP %s, %.0f ms)%s\n>>> %s\n<<< %s",
            rec.wire,
            rec.operation,
            rec.url,
            rec.status,
            rec.http_status,
            rec.duration_ms,
            f" {rec.error_code}: {rec.error_text}" if rec.error_text else "",
            (rec.request_text or "")[:4000],
            (rec.response_text or "")[:4000],
        )
        if self.client.on_call:
            try:
                self.client.on_call(rec)
            except Exception:  # a broken recorder must not turn MHRS's answer into a failure
                _logger.exception("MHRS call recorder failed for %s", rec.operation)
        return False


# -- HTTP ---------------------------------------------------------------------------------------------------
def read_capped(response, limit):
    """The body of a streamed ``requests`` response, refusing more than ``limit`` bytes."""
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        response.close()
        raise MhrsMalformedResponse(f"answer larger than {limit} bytes", code="MALFORMED-SIZE")
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(65536):
            size += len(chunk)
            if size > limit:
                raise MhrsMalformedResponse(f"answer larger than {limit} bytes", code="MALFORMED-SIZE")
            chunks.append(chunk)
    except requests.exceptions.ChunkedEncodingError as exc:
        raise MhrsTransportError("connection broken while reading the answer", code="CONNECTION") from exc
    except requests.exceptions.ConnectionError as exc:
        raise MhrsTransportError("connection broken while reading the answer", code="CONNECTION") from exc
    except requests.exceptions.Timeout as exc:
        raise MhrsTransportError("timed out while reading the answer", code="TIMEOUT") from exc
    finally:
        response.close()
    body = b"".join(chunks)
    if declared and declared.isdigit() and int(declared) != len(body):
        raise MhrsMalformedResponse("truncated answer", code="MALFORMED")
    return body


def _never_connected(exc):
    """True when ``exc`` (a requests ConnectionError) failed before a connection was made (refused, no
    route, name not resolved): the request never reached MHRS."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError)


def send(session, method, url, timeout, verify, **kwargs):
    """One HTTP request; network trouble becomes a retryable ``MhrsTransportError``."""
    try:
        return session.request(method, url, timeout=timeout, verify=verify, stream=True, **kwargs)
    except requests.exceptions.ConnectTimeout as exc:  # the request never left
        raise MhrsTransportError(
            f"no connection within {timeout} s", code="TIMEOUT", maybe_applied=False
        ) from exc
    except requests.exceptions.Timeout as exc:
        raise MhrsTransportError(f"no answer within {timeout} s", code="TIMEOUT") from exc
    except requests.exceptions.ConnectionError as exc:
        raise MhrsTransportError(
            "connection refused or dropped", code="CONNECTION", maybe_applied=not _never_connected(exc)
        ) from exc
    except requests.exceptions.RequestException as exc:
        raise MhrsTransportError(f"HTTP error: {type(exc).__name__}", code="TRANSPORT") from exc


def safe_parser():
    """No entities, no DTD, no network, no huge trees: a hostile answer must not read files or call out."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )


def parse_xml(body):
    if b"<!DOCTYPE" in body[:2048] or b"<!ENTITY" in body:
        raise MhrsMalformedResponse("DTD or entity declaration in the answer", code="MALFORMED-DTD")
    try:
        return etree.fromstring(body, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise MhrsMalformedResponse(f"answer is not well-formed XML: {exc}") from exc
