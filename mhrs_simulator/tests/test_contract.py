"""Contract tests of the shipped WSDL/XSD and the pure-Python client; no simulator, no Odoo.

Wire-level behaviour (timeouts, malformed answers, faults) is exercised against a tiny real HTTP server
on 127.0.0.1 that returns canned bytes.
"""

import datetime
import http.server
import re
import socket
import threading
import time

import pytest
from lxml import etree
from zeep import Client

try:  # mhrs_simulator/tests as a package, or as a plain rootdir-less test folder
    from ._client_import import OPERATIONS, ROOT, MhrsClient, MhrsConfig, client_module, errors
except ImportError:
    from _client_import import OPERATIONS, ROOT, MhrsClient, MhrsConfig, client_module, errors

NS = "urn:mhrs-connector:PRSC_AR001001TR01"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
WSDL = ROOT / "mhrs_simulator/legacy_wsdl/PRSC_AR001001TR01.wsdl"
XSD = ROOT / "mhrs_simulator/legacy_wsdl/PRSC_AR001001TR01.xsd"
TZ = datetime.timezone(datetime.timedelta(hours=3))
PASSWORD = "s3cr&t<pw>"


def _dt(hour, minute=0):
    return datetime.datetime(2026, 11, 27, hour, minute, tzinfo=TZ)


PERIOD = {"BaslangicZamani": _dt(8), "BitisZamani": _dt(17)}
BLOCK = {
    "HekimKodu": "10000000146",
    "KlinikKodu": 157,
    "AltKlinikKodu": 4001,
    "SablonId": 7,
    "AksiyonKodu": 1,
    "TedaviSuresi": 15,
    "SlotBasinaDusenHastaSayisi": 1,
    "TarihBilgileri": {"BaslangicZamani": _dt(8, 30), "BitisZamani": _dt(12)},
}
LINES = [
    {
        "BaslangicSaati": datetime.time(8, 30),
        "BitisSaati": datetime.time(12),
        "AksiyonKodu": 1,
        "TedaviSuresi": 15,
        "SlotBasinaDusenHastaSayisi": 1,
    },
    {"BaslangicSaati": datetime.time(12), "BitisSaati": datetime.time(13), "AksiyonKodu": 46},
]
SAMPLES = {
    "clinic_register": {"KlinikKodu": 157, "AltKlinikAdi": "Dahiliye 1", "GoruntuluRandevu": False},
    "clinic_update": {
        "AltKlinikKodu": 4001,
        "AltKlinikAdi": "Dahiliye 1",
        "LokasyonDegisikligineDusurme": True,
    },
    "clinic_query": {"KlinikKodu": 157},
    "clinic_cancel": {"AltKlinikKodu": 4001},
    "template_register": {"SablonAdi": "Sabah", "SablonSatiri": LINES},
    "template_update": {"SablonId": 7, "SablonAdi": "Sabah", "SablonSatiri": LINES},
    "template_set_state": {"SablonId": 7, "AktifMi": False},
    "template_query": {"AktifMi": True},
    "schedule_register": {"CetvelBilgileri": [{"ReferansNo": "R1", "CetvelDetayBilgileri": BLOCK}]},
    "schedule_update": {"KesinCetvelId": 99, "CetvelDetayBilgileri": BLOCK},
    "schedule_query": {"TarihBilgileri": PERIOD, "KlinikKodu": 157, "HekimKodu": "10000000146"},
    "schedule_cancel": {"KesinCetvelId": [99, 100]},
    "appointment_exception": {
        "IstisnaEkleme": {
            "HekimKodu": "10000000146",
            "KlinikKodu": 157,
            "TarihBilgileri": PERIOD,
            "AksiyonKodu": 5,
            "Aciklama": "Yıllık izin",
            "IstisnaDokumanBilgileri": {"IstisnaDokumanAdi": "izin.pdf", "IstisnaDokuman": b"%PDF-1.4"},
        }
    },
    "appointment_query": {
        "TarihBilgileri": PERIOD,
        "KlinikKodu": 157,
        "HekimKodu": ["10000000146", "10000000078"],
    },
    "appointment_set_status": {
        "RandevuBilgileri": [
            {"RandevuHrn": "H1", "DurumKodu": 1, "GelisZamani": _dt(9, 5)},
            {"RandevuHrn": "H2", "DurumKodu": 2},
        ]
    },
    "appointment_register": {
        "KesinCetvelId": 99,
        "RandevuZamanBilgisi": {"RandevuBaslangicZamani": _dt(9), "RandevuBitisZamani": _dt(9, 15)},
        "VatandasBilgileri": {
            "TCKimlikNo": "10000000078",
            "Ad": "Ayşe",
            "Soyad": "Yılmaz",
            "Cinsiyet": 2,
            "DogumTarihi": datetime.date(1980, 5, 1),
            "TelefonNo": "5321234567",
        },
        "RandevuNotu": "ilk muayene",
    },
    "appointment_cancel": {"RandevuHrn": "H1", "IptalNedeni": "hasta istedi"},
    "slot_query": {"TarihBilgileri": PERIOD, "KlinikKodu": 157},
}


def _config(endpoint="http://127.0.0.1:9/PRSC_AR001001TR01", **kwargs):
    values = {
        "endpoint_url": endpoint,
        "institution_code": 1234567,
        "vendor_code": "ODOO-MHRS",
        "username": "u",
        "password": PASSWORD,
        "acting_user_tckn": "10000000146",
        "timeout": 5,
    }
    values.update(kwargs)
    return MhrsConfig(**values)


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """Shadow pytest-odoo's autouse fixture of the same name: these tests need no Odoo database."""
    yield


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(XSD)))


# ---------------------------------------------------------------- tiny canned HTTP server
class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append((dict(self.headers), body))
        status, headers, payload = self.server.responder(body)
        if payload is None:  # drop the connection without an answer
            self.close_connection = True
            return
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the client hanging up early (size limit, timeout) is expected here


@pytest.fixture
def server():
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.requests = []
    httpd.responder = lambda body: (200, {}, b"")
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/PRSC_AR001001TR01"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    client_module.clear_cache()


def _message_id(request_body):
    return etree.fromstring(request_body).findtext(f".//{{{NS}}}MessageId")


def _answer(op_code, payload_xml, type_code="AA", issues="", target=None):
    """A responder building a SOAP 1.1 answer that echoes the request's MessageId."""

    def responder(body):
        xml = (
            f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP}"><s:Body>'
            f'<m:{op_code}_Response xmlns:m="{NS}"><m:Acknowledgement><m:TypeCode>{type_code}</m:TypeCode>'
            f"<m:TargetMessageId>{target or _message_id(body)}</m:TargetMessageId>"
            f"<m:ServiceTime>2026-11-27T09:00:00+03:00</m:ServiceTime>{issues}</m:Acknowledgement>"
            f"{payload_xml}</m:{op_code}_Response></s:Body></s:Envelope>"
        )
        return 200, {"Content-Type": "text/xml; charset=utf-8"}, xml.encode()

    return responder


# ---------------------------------------------------------------- contract files
def test_wsdl_loads_offline_with_all_operations(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("network access while loading the WSDL")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    zclient = Client(str(WSDL))
    binding = zclient.wsdl.bindings[f"{{{NS}}}PRSC_AR001001TR01Binding"]
    codes = {op.code for op in OPERATIONS.values()}
    assert set(binding._operations) == codes
    assert len(codes) == 18
    for name, operation in binding._operations.items():
        assert operation.soapaction == name
    port = zclient.wsdl.services["PRSC_AR001001TR01Service"].ports["PRSC_AR001001TR01Port"]
    assert port.binding_options["address"] == "http://127.0.0.1:8070/PRSC_AR001001TR01"


def test_contract_files_say_they_are_not_official():
    for path in (WSDL, XSD):
        head = path.read_text(encoding="utf-8")[:2000]
        assert "NOT the Ministry" in head
        for code in ("PRSC_IN001007TR01", "PRSC_IN001008TR01", "QUSC_IN001002TR01"):
            assert code in head


def test_operation_registry():
    assert len(OPERATIONS) == 18
    assert sorted(op.row for op in OPERATIONS.values()) == list(range(1, 19))
    assert {m for m, op in OPERATIONS.items() if op.placeholder} == {
        "appointment_register",
        "appointment_cancel",
        "slot_query",
    }
    assert {m for m, op in OPERATIONS.items() if op.per_item} == {
        "schedule_register",
        "appointment_set_status",
    }
    assert OPERATIONS["clinic_register"].name_tr == "Poliklinik Kayıt"
    assert all(hasattr(MhrsClient, method) for method in OPERATIONS)


@pytest.mark.parametrize("method", sorted(SAMPLES))
def test_request_validates_against_xsd(method, schema):
    assert set(SAMPLES) == set(OPERATIONS)
    body, header, op_name, code = MhrsClient(_config()).build_request(method, SAMPLES[method])
    envelope = etree.fromstring(body)
    request = envelope.find(f"{{{SOAP}}}Body")[0]
    assert request.tag == f"{{{NS}}}{OPERATIONS[method].code}"
    assert schema.validate(request), schema.error_log
    assert request.findtext(f"{{{NS}}}Header/{{{NS}}}InteractionId") == code == OPERATIONS[method].code
    assert request.findtext(f"{{{NS}}}Header/{{{NS}}}ProcessingCode") == "T"
    created = request.findtext(f"{{{NS}}}Header/{{{NS}}}CreationTime")
    assert re.search(r"(Z|[+-]\d\d:\d\d)$", created)


def test_processing_code_production(schema):
    body = MhrsClient(_config(environment="production")).build_request("clinic_cancel", {"AltKlinikKodu": 1})[
        0
    ]
    assert etree.fromstring(body).findtext(f".//{{{NS}}}ProcessingCode") == "P"


def test_naive_datetime_refused():
    payload = {
        "TarihBilgileri": {"BaslangicZamani": datetime.datetime(2026, 1, 1, 8), "BitisZamani": _dt(9)},
        "KlinikKodu": 157,
    }
    with pytest.raises(ValueError, match="time zone"):
        MhrsClient(_config()).build_request("slot_query", payload)


def test_error_messages_cover_contract_table():
    contract = (ROOT / "docs/contract-legacy.md").read_text(encoding="utf-8")
    codes = set(re.findall(r"^\| ([A-Z]{3}-\d{3}) \|", contract, re.M))
    codes |= {f"RDG-{n:03d}" for n in range(1, 9)}
    assert len(codes) > 25
    assert codes <= set(errors.ERROR_MESSAGES)
    exc = errors.MhrsBusinessError("KLN-003", "ayni ad")
    assert errors.user_message(exc) == errors.ERROR_MESSAGES["KLN-003"]
    assert "XYZ-1" in errors.user_message(errors.MhrsBusinessError("XYZ-1", "bilinmeyen"))
    assert "zaman aşımı" in errors.user_message(errors.MhrsTransportError("t", code="TIMEOUT"))
    assert "HTTP 503" in errors.user_message(errors.MhrsTransportError("x", code="HTTP-503", status_code=503))
    assert "boyut" in errors.user_message(errors.MhrsMalformedResponse("big", "MALFORMED-SIZE"))


# ---------------------------------------------------------------- over HTTP with canned answers
def test_success_returns_plain_payload_and_masks_password(server):
    payload = (
        "<m:Payload><m:AltKlinikBilgileri><m:KlinikKodu>157</m:KlinikKodu><m:AltKlinikKodu>4001</m:AltKlinikKodu>"
        "<m:AltKlinikAdi>Dahiliye 1</m:AltKlinikAdi><m:GoruntuluRandevu>false</m:GoruntuluRandevu>"
        "<m:AktifMi>true</m:AktifMi></m:AltKlinikBilgileri></m:Payload>"
    )
    server.responder = _answer("QUSC_IN001005TR01", payload)
    records = []
    result = MhrsClient(_config(server.url), on_call=records.append).clinic_query(KlinikKodu=157)
    assert result == {
        "AltKlinikBilgileri": [
            {
                "KlinikKodu": 157,
                "AltKlinikKodu": 4001,
                "AltKlinikAdi": "Dahiliye 1",
                "GoruntuluRandevu": False,
                "AktifMi": True,
            }
        ]
    }
    assert type(result) is dict and type(result["AltKlinikBilgileri"][0]) is dict
    headers, sent = server.requests[0]
    assert headers["SOAPAction"] == '"QUSC_IN001005TR01"'
    assert PASSWORD.encode() not in sent and b"s3cr&amp;t&lt;pw&gt;" in sent  # really sent, escaped
    (record,) = records
    assert record["state"] == "done" and record["operation"] == "clinic_query"
    assert record["code"] == "QUSC_IN001005TR01" and record["error_code"] is None
    assert "<ns0:Password>***</ns0:Password>" in record["request_xml"]
    assert "s3cr" not in record["request_xml"]
    assert "AltKlinikBilgileri" in record["response_xml"] and record["duration_ms"] >= 0


def test_empty_lists_and_absent_optionals(server):
    server.responder = _answer("QUSC_IN001001TR01", "<m:Payload/>")
    assert MhrsClient(_config(server.url)).appointment_query(TarihBilgileri=PERIOD) == {
        "KurumRandevuBilgileri": []
    }
    server.responder = _answer(
        "PRSC_IN001017TR01",
        "<m:Payload><m:CetvelCevap><m:ReferansNo>R1</m:ReferansNo><m:HataKodu>CTV-001</m:HataKodu>"
        "</m:CetvelCevap></m:Payload>",
    )
    result = MhrsClient(_config(server.url)).schedule_register(**SAMPLES["schedule_register"])
    assert result == {
        "CetvelCevap": [{"ReferansNo": "R1", "KesinCetvelId": None, "HataKodu": "CTV-001", "Aciklama": None}]
    }


def test_operation_code_override(server):
    server.responder = _answer("PRSC_IN001007TR01", "<m:Payload><m:RandevuHrn>H9</m:RandevuHrn></m:Payload>")
    cfg = _config(server.url, operation_codes={"appointment_register": "PRSC_IN001099TR01"})
    records = []
    result = MhrsClient(cfg, on_call=records.append).appointment_register(**SAMPLES["appointment_register"])
    assert result == {"RandevuHrn": "H9"}
    headers, sent = server.requests[0]
    assert headers["SOAPAction"] == '"PRSC_IN001099TR01"'
    request = etree.fromstring(sent).find(f"{{{SOAP}}}Body")[0]
    assert request.tag == f"{{{NS}}}PRSC_IN001007TR01"  # not in the WSDL: default operation's message
    assert request.findtext(f"{{{NS}}}Header/{{{NS}}}InteractionId") == "PRSC_IN001099TR01"
    assert records[0]["code"] == "PRSC_IN001099TR01"


def test_acknowledgement_error_becomes_business_error(server):
    issues = (
        "<m:DetectedIssue><m:Code>KLN-003</m:Code><m:Text>Aynı adla alt klinik var</m:Text></m:DetectedIssue>"
        "<m:DetectedIssue><m:Code>GEN-006</m:Code><m:Text>Tarih</m:Text></m:DetectedIssue>"
    )
    server.responder = _answer("PRSC_IN001023TR01", "", type_code="AE", issues=issues)
    records = []
    with pytest.raises(errors.MhrsBusinessError) as info:
        MhrsClient(_config(server.url), on_call=records.append).clinic_register(**SAMPLES["clinic_register"])
    assert info.value.code == "KLN-003" and info.value.type_code == "AE"
    assert info.value.issues == [("KLN-003", "Aynı adla alt klinik var"), ("GEN-006", "Tarih")]
    assert not info.value.retryable
    assert records[0]["state"] == "business_error" and records[0]["error_code"] == "KLN-003"
    assert "***" in records[0]["request_xml"]


def test_soap_fault_becomes_business_error(server):
    fault = (
        f'<s:Envelope xmlns:s="{SOAP}"><s:Body><s:Fault><faultcode>s:Client</faultcode>'
        '<faultstring>Kimlik doğrulanamadı</faultstring><detail><m:Code xmlns:m="urn:x">GEN-001</m:Code>'
        "</detail></s:Fault></s:Body></s:Envelope>"
    ).encode()
    server.responder = lambda body: (500, {"Content-Type": "text/xml"}, fault)
    with pytest.raises(errors.MhrsBusinessError) as info:
        MhrsClient(_config(server.url)).clinic_cancel(AltKlinikKodu=1)
    assert info.value.code == "GEN-001" and info.value.text == "Kimlik doğrulanamadı"
    assert "kimlik doğrulaması" in errors.user_message(info.value)


@pytest.mark.parametrize(
    ("status", "body", "kind", "code"),
    [
        (
            200,
            b'<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Bo',
            errors.MhrsMalformedResponse,
            "MALFORMED",
        ),
        (
            200,
            b'<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY x "boom">]>'
            b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&x;</s:Body></s:Envelope>',
            errors.MhrsMalformedResponse,
            "MALFORMED-DTD",
        ),
        (200, b"<html><body>Bakim</body></html>", errors.MhrsMalformedResponse, "MALFORMED"),
        (500, b"<html><body>Internal Server Error</body></html>", errors.MhrsTransportError, "HTTP-500"),
        (503, b"Service Unavailable", errors.MhrsTransportError, "HTTP-503"),
        (200, b"", errors.MhrsMalformedResponse, "MALFORMED"),
    ],
    ids=["truncated", "doctype-entity", "html-200", "html-500", "text-503", "empty"],
)
def test_malformed_and_http_errors(server, status, body, kind, code):
    server.responder = lambda request: (status, {"Content-Type": "text/html"}, body)
    records = []
    with pytest.raises(kind) as info:
        MhrsClient(_config(server.url), on_call=records.append).clinic_cancel(AltKlinikKodu=1)
    assert info.value.code == code
    assert records[0]["state"] == kind.state and records[0]["error_code"] == code
    assert info.value.retryable is (kind is errors.MhrsTransportError)
    assert errors.user_message(info.value)


def test_off_schema_answers_are_malformed(server):
    server.responder = _answer("PRSC_IN001026TR01", "<m:Payload><m:Unknown>1</m:Unknown></m:Payload>")
    with pytest.raises(errors.MhrsMalformedResponse):
        MhrsClient(_config(server.url)).clinic_cancel(AltKlinikKodu=1)
    server.responder = _answer(
        "PRSC_IN001026TR01",
        "<m:Payload><m:AltKlinikKodu>1</m:AltKlinikKodu></m:Payload>",
        target="another-message",
    )
    with pytest.raises(errors.MhrsMalformedResponse, match="TargetMessageId"):
        MhrsClient(_config(server.url)).clinic_cancel(AltKlinikKodu=1)
    server.responder = _answer("PRSC_IN001026TR01", "")
    with pytest.raises(errors.MhrsMalformedResponse, match="without Payload"):
        MhrsClient(_config(server.url)).clinic_cancel(AltKlinikKodu=1)
    server.responder = _answer(
        "PRSC_IN001023TR01", "<m:Payload><m:AltKlinikKodu>1</m:AltKlinikKodu></m:Payload>"
    )
    with pytest.raises(errors.MhrsMalformedResponse, match="expected"):
        MhrsClient(_config(server.url)).clinic_cancel(AltKlinikKodu=1)


def test_oversized_answer(server, monkeypatch):
    monkeypatch.setattr(client_module._CappedTransport, "max_bytes", 10_000)
    padding = "<!--" + "x" * 20_000 + "-->"
    server.responder = _answer(
        "PRSC_IN001026TR01", f"{padding}<m:Payload><m:AltKlinikKodu>1</m:AltKlinikKodu>" "</m:Payload>"
    )
    with pytest.raises(errors.MhrsMalformedResponse) as info:
        MhrsClient(_config(server.url)).clinic_cancel(AltKlinikKodu=1)
    assert info.value.code == "MALFORMED-SIZE"
    assert client_module.MAX_RESPONSE_BYTES == 20 * 1024 * 1024


def test_oversized_answer_without_content_length(server, monkeypatch):
    monkeypatch.setattr(client_module._CappedTransport, "max_bytes", 10_000)

    class Streaming(_Handler):
        protocol_version = "HTTP/1.0"

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"<a>" + b"x" * 1000 + b"</a>")

    server.RequestHandlerClass = Streaming
    with pytest.raises(errors.MhrsMalformedResponse) as info:
        MhrsClient(_config(server.url)).clinic_cancel(AltKlinikKodu=1)
    assert info.value.code == "MALFORMED-SIZE"


def test_connection_refused():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    records = []
    with pytest.raises(errors.MhrsTransportError) as info:
        MhrsClient(_config(f"http://127.0.0.1:{port}/x"), on_call=records.append).clinic_cancel(
            AltKlinikKodu=1
        )
    assert info.value.retryable and info.value.code == "CONNECTION"
    assert records[0]["state"] == "transport_error" and records[0]["response_xml"] is None
    client_module.clear_cache()


def test_dropped_connection(server):
    server.responder = lambda body: (200, {}, None)
    with pytest.raises(errors.MhrsTransportError) as info:
        MhrsClient(_config(server.url)).clinic_cancel(AltKlinikKodu=1)
    assert info.value.retryable


def test_timeout(server):
    def slow(body):
        time.sleep(1.5)
        return 200, {}, b""

    server.responder = slow
    with pytest.raises(errors.MhrsTransportError) as info:
        MhrsClient(_config(server.url, timeout=0.5)).clinic_cancel(AltKlinikKodu=1)
    assert info.value.code == "TIMEOUT" and info.value.retryable
    assert "zaman aşımı" in errors.user_message(info.value)


def test_failing_callback_does_not_break_the_call(server, caplog):
    server.responder = _answer(
        "PRSC_IN001026TR01", "<m:Payload><m:AltKlinikKodu>1</m:AltKlinikKodu></m:Payload>"
    )

    def broken(record):
        raise RuntimeError("log table locked")

    assert MhrsClient(_config(server.url), on_call=broken).clinic_cancel(AltKlinikKodu=1) == {
        "AltKlinikKodu": 1
    }
    assert "on_call callback failed" in caplog.text


def test_zeep_client_is_cached(server):
    cfg = _config(server.url)
    first = MhrsClient(cfg)._wire()
    assert MhrsClient(_config(server.url))._wire() is first
    assert MhrsClient(_config(server.url, timeout=7))._wire() is not first
    assert first.client.transport.operation_timeout == 5 and first.client.transport.load_timeout == 5
    assert first.client.transport.session.verify is True
