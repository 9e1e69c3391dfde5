"""Bad input: hostile or broken answers from the endpoint, and invalid data entered in Odoo.

Answers come from the simulator's faults (malformed, truncated) and from a tiny local HTTP server
that serves canned hostile documents (DTDs, entity expansion, external entities, oversized bodies).
"""

import http.server
import re
import threading

from odoo import Command
from odoo.exceptions import UserError, ValidationError

from odoo.addons.mhrs_connector.soap import client as soap_client

from .test_template import TemplateCase

NS = "urn:mhrs-connector:PRSC_AR001001TR01"
CLINIC_REGISTER = "PRSC_IN001023TR01"
ADOPTED_CODE = 4242  # what a hostile answer tries to make us store


def envelope(message_id, prolog="", code="&#52;242", name_payload=""):
    """A clinic_register answer; valid as is, hostile once a prolog (DOCTYPE...) or entities are added."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{prolog}'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        f'<soap:Body><m:{CLINIC_REGISTER}_Response xmlns:m="{NS}">'
        "<m:Acknowledgement><m:TypeCode>AA</m:TypeCode>"
        f"<m:TargetMessageId>{message_id}</m:TargetMessageId>"
        "<m:ServiceTime>2026-01-05T09:00:00+03:00</m:ServiceTime></m:Acknowledgement>"
        f"<m:Payload>{name_payload}<m:AltKlinikKodu>{code}</m:AltKlinikKodu></m:Payload>"
        f"</m:{CLINIC_REGISTER}_Response></soap:Body></soap:Envelope>"
    ).encode()


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    + "]>"
)


class HostileServer:
    """127.0.0.1:<free port>; answers every POST with ``self.body(message_id)``; records every GET."""

    def __init__(self):
        self.body = None
        self.content_length = True
        self.gets = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_POST(self):
                request = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                found = re.search(r"MessageId>([^<]+)<", request)
                payload = owner.body(found.group(1) if found else "")
                self.send_response(200)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                if owner.content_length:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                owner.gets.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/PRSC_AR001001TR01"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class TestHostileAnswers(TemplateCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hostile = HostileServer()
        cls.addClassCleanup(cls.hostile.stop)

    def _register_against(self, body, content_length=True):
        """Register a clinic while the endpoint answers ``body``; returns (clinic, its last log)."""
        self.hostile.body = body
        self.hostile.content_length = content_length
        self.company.mhrs_endpoint_url = self.hostile.url
        clinic = self._clinic("Hostile Test")
        clinic.action_mhrs_register()
        log = self.env["mhrs.sync.log"].search(
            [("res_model", "=", "mhrs.clinic"), ("res_id", "=", clinic.id)], limit=1
        )
        return clinic, log

    def _assert_rejected(self, clinic, log, code="MALFORMED"):
        self.assertEqual(log.state, "malformed")
        self.assertEqual(log.error_code, code)
        self.assertEqual(clinic.state, "draft")
        self.assertFalse(clinic.mhrs_clinic_code, "nothing of the answer may reach the record")
        self.assertEqual(clinic.mhrs_sync_state, "to_retry")
        self.assertIn("okunamadı", clinic.mhrs_last_error)

    def test_harness_valid_answer_is_accepted(self):
        # The same canned answer without anything hostile is accepted: the rejections below are due
        # to the hostile parts only.
        clinic, log = self._register_against(envelope)
        self.assertEqual(log.state, "done")
        self.assertEqual((clinic.state, clinic.mhrs_clinic_code), ("registered", ADOPTED_CODE))

    def test_billion_laughs_is_rejected(self):
        clinic, log = self._register_against(
            lambda mid: envelope(mid, LAUGHS, name_payload="<m:X>&lol9;</m:X>")
        )
        # lxml stops the expansion itself (MALFORMED) or the DTD check does (MALFORMED-DTD).
        self.assertIn(log.error_code, ("MALFORMED", "MALFORMED-DTD"))
        self._assert_rejected(clinic, log, log.error_code)
        self.assertNotIn("lollollol", log.error_text or "")

    def test_external_entity_is_not_resolved(self):
        prolog = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        clinic, log = self._register_against(lambda mid: envelope(mid, prolog, code="&xxe;"))
        self._assert_rejected(clinic, log, "MALFORMED-DTD")
        for text in (log.error_text, log.response_xml, clinic.mhrs_last_error):
            self.assertNotIn("root:", text or "")

    def test_external_dtd_and_parameter_entities_are_not_fetched(self):
        base = self.hostile.url.rsplit("/", 1)[0]
        for prolog in (
            f'<!DOCTYPE soap:Envelope SYSTEM "{base}/evil.dtd">',
            f'<!DOCTYPE x [<!ENTITY % ext SYSTEM "{base}/ext.dtd"> %ext;]>',
        ):
            with self.subTest(prolog=prolog):
                clinic, log = self._register_against(lambda mid, prolog=prolog: envelope(mid, prolog))
                self.assertEqual(log.state, "malformed")
                self.assertFalse(clinic.mhrs_clinic_code)
        self.assertEqual(self.hostile.gets, [], "the parser must never reach the network")

    def test_oversized_answer_is_rejected(self):
        limit = soap_client.MAX_RESPONSE_BYTES
        padding = "<!-- " + "x" * (limit + 1024) + " -->"
        for declared in (True, False):
            with self.subTest(content_length=declared):
                clinic, log = self._register_against(
                    lambda mid: envelope(mid).replace(b"<soap:Body>", padding.encode() + b"<soap:Body>"),
                    content_length=declared,
                )
                self._assert_rejected(clinic, log, "MALFORMED-SIZE")
                self.assertLess(len(log.response_xml or ""), 1024)

    def test_not_xml_and_off_schema_answers_are_rejected(self):
        cases = [
            (lambda mid: b"\x00\xff garbage", "MALFORMED"),
            (lambda mid: b"<html><body>maintenance</body></html>", "MALFORMED"),
            (lambda mid: envelope(mid, code="not-a-number"), "MALFORMED-SCHEMA"),
            (lambda mid: envelope("another-request"), "MALFORMED-SCHEMA"),
        ]
        for body, code in cases:
            with self.subTest(code=code):
                clinic, log = self._register_against(body)
                self._assert_rejected(clinic, log, code)

    def test_simulator_malformed_and_truncated_answers(self):
        for mode in ("malformed", "truncated"):
            with self.subTest(mode=mode):
                self.sim.post("faults", {"mode": mode, "operation": CLINIC_REGISTER, "count": 1})
                clinic = self._clinic(f"Sim {mode}")
                clinic.action_mhrs_register()
                log = self.env["mhrs.sync.log"].search(
                    [("res_model", "=", "mhrs.clinic"), ("res_id", "=", clinic.id)], limit=1
                )
                self._assert_rejected(clinic, log)

    def test_malformed_answer_to_a_query_is_a_clear_error(self):
        self.sim.post("faults", {"mode": "malformed", "operation": "*", "count": 1})
        clinics = self.env["mhrs.clinic"].search([])
        with self.assertRaises(UserError) as caught:
            self.env["mhrs.clinic"].action_mhrs_query()
        self.assertIn("okunamadı", str(caught.exception))
        self.assertEqual(self.env["mhrs.clinic"].search([]), clinics)


class TestInvalidInput(TemplateCase):
    def test_invalid_tckns_are_refused(self):
        for tckn in ("12345678901", "00000000000", "1234", "abcdefghijk"):
            with self.subTest(tckn=tckn):
                with self.assertRaises(ValidationError):
                    self.env["mhrs.physician"].create(
                        {"name": "Dr. Yanlış", "tckn": tckn, "company_id": self.company.id}
                    )
                with self.assertRaises(ValidationError):
                    self.company.mhrs_responsible_tckn = tckn
        self.assertFalse(self.env["mhrs.physician"].search([("name", "=", "Dr. Yanlış")]))

    def test_reversed_and_empty_time_ranges_are_refused(self):
        for start, end in ((12.0, 8.0), (9.0, 9.0)):
            with self.subTest(start=start, end=end):
                with self.assertRaises(ValidationError) as caught:
                    self._template("Ters", [self._line(start, end, slot=15)])
                self.assertIn("must end after it starts", str(caught.exception))
        self.assertFalse(self.env["mhrs.template"].search([("name", "=", "Ters")]))
        if "mhrs.schedule" in self.env:
            self.assertIn("date_from", self.env["mhrs.schedule"]._fields)

    def test_unknown_branch_code_is_a_clear_refusal(self):
        branch = self.env["mhrs.branch"].create({"code": 99999, "name": "Bilinmeyen Branş"})
        clinic = self._clinic("Bilinmeyen", mhrs_branch_id=branch.id)
        message = self._expect_user_error(clinic.action_mhrs_register)
        self.assertIn("KLN-001", message)
        self.assertEqual((clinic.state, clinic.mhrs_clinic_code), ("draft", 0))
        self.assertEqual(clinic.mhrs_sync_state, "error")

    def test_unknown_operation_code_is_a_clear_refusal(self):
        self.company.mhrs_operation_code_ids = [
            Command.create({"operation": "clinic_register", "code": "PRSC_IN009999TR01"})
        ]
        clinic = self._clinic("Yanlış Kod")
        message = self._expect_user_error(clinic.action_mhrs_register)
        self.assertIn("GEN-003", message)
        self.assertEqual((clinic.state, clinic.mhrs_clinic_code), ("draft", 0))

    def test_missing_settings_send_nothing_and_write_nothing(self):
        clinic = self._clinic("Ayarsız")
        self.company.mhrs_password = False
        self.company.mhrs_endpoint_url = False
        calls, logs = self.sim.calls(), self.env["mhrs.sync.log"].search_count([])
        with self.assertRaises(UserError) as caught:
            clinic.action_mhrs_register()
        message = str(caught.exception)
        self.assertIn("incomplete", message)
        self.assertIn("Password", message)
        self.assertIn("Endpoint URL", message)
        self.assertEqual(self.sim.calls(), calls)
        self.assertEqual(self.env["mhrs.sync.log"].search_count([]), logs)
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("draft", "not_sent"))
