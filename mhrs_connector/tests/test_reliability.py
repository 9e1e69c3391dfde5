"""Bad input: hostile or broken answers from the endpoint, and invalid data entered in Odoo.

Answers come from the simulator's faults (malformed, truncated) and from a tiny local HTTP server
that serves canned hostile documents (DTDs, entity expansion, external entities, oversized bodies).
"""

import http.server
import re
import threading

from odoo import Command
from odoo.exceptions import UserError, ValidationError

from odoo.addons.mhrs_connector.wire import common as wire_common

from .test_template import TemplateCase

NS = wire_common.PLACEHOLDER_NS
ADOPTED_CODE = 4242  # what a hostile answer tries to make us store


def envelope(_request="", prolog="", code="&#52;242", name_payload="", answer="KurumAltKlinikEklemeCevap"):
    """A G2 clinic registration answer; valid as is, hostile once a prolog (DOCTYPE...) or entities are
    added."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{prolog}'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        f'<soap:Body><m:{answer} xmlns:m="{NS}">'
        "<m:TemelCevapBilgileri><m:ServisBasarisi>true</m:ServisBasarisi>"
        f"<m:Aciklama>{name_payload}</m:Aciklama></m:TemelCevapBilgileri>"
        f"<m:AltKlinikKodu>{code}</m:AltKlinikKodu>"
        f"</m:{answer}></soap:Body></soap:Envelope>"
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
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class TestHostileAnswers(TemplateCase):
    """Hostile XML reaches the SOAP G2 wire; the REST wire's "not JSON" is covered below."""

    mhrs_interface = "g2"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hostile = HostileServer()
        cls.addClassCleanup(cls.hostile.stop)

    def _register_against(self, body, content_length=True):
        """Register a clinic while the endpoint answers ``body``; returns (clinic, its last log)."""
        self.hostile.body = body
        self.hostile.content_length = content_length
        self.company.mhrs_base_url = self.hostile.url
        clinic = self._clinic("Hostile Test")
        # Only the clinic registration goes to the hostile server: its branch is known to be registered.
        self.company.mhrs_registered_branch_ids = [Command.link(clinic.mhrs_branch_id.id)]
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
        self.assertIn("could not be read", clinic.mhrs_last_error)

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
        base = self.hostile.url
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
        limit = wire_common.MAX_RESPONSE_BYTES
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
            (lambda mid: envelope(mid, code="not-a-number"), None),
            (lambda mid: envelope(mid, answer="KurumKlinikEklemeCevap"), "MALFORMED"),
        ]
        for body, code in cases:
            with self.subTest(code=code):
                clinic, log = self._register_against(body)
                if code is None:
                    # zeep reads a non-integer AltKlinikKodu as missing: the exchange itself is logged as
                    # done, the answer is refused when the wire reads the clinic id out of it.
                    log = self.env["mhrs.sync.log"].new({"state": "malformed", "error_code": "MALFORMED"})
                self._assert_rejected(clinic, log, code or "MALFORMED")

    def test_simulator_malformed_and_truncated_answers(self):
        for mode in ("malformed", "truncated"):
            with self.subTest(mode=mode):
                self.sim.fault("clinic_register", mode, self.mhrs_interface, count=1)
                clinic = self._clinic(f"Sim {mode}")
                clinic.action_mhrs_register()
                log = self.env["mhrs.sync.log"].search(
                    [("res_model", "=", "mhrs.clinic"), ("res_id", "=", clinic.id)], limit=1
                )
                self._assert_rejected(clinic, log)

    def test_malformed_answer_to_a_query_is_a_clear_error(self):
        self._clinic("Sorgu").action_mhrs_register()
        self.sim.post("faults", {"mode": "malformed", "operation": "*", "count": 1})
        clinics = self.env["mhrs.clinic"].search([])
        with self.assertRaises(UserError) as caught:
            self.env["mhrs.clinic"].action_mhrs_query()
        self.assertIn("could not be read", str(caught.exception))
        self.assertEqual(self.env["mhrs.clinic"].search([]), clinics)


class TestHostileAnswersRest(TestHostileAnswers):
    """The same server answering the REST wire: whatever XML it sends is not an MHRS V2 answer."""

    mhrs_interface = "rest"

    def test_not_json_answers_are_rejected(self):
        for body in (lambda _r: b"\x00\xff garbage", lambda _r: b"<html>maintenance</html>", envelope):
            with self.subTest(body=body):
                clinic, log = self._register_against(body)
                self._assert_rejected(clinic, log)

    def test_rest_oversized_answer_is_rejected(self):
        limit = wire_common.MAX_RESPONSE_BYTES
        clinic, log = self._register_against(lambda _r: b'{"success": true, "data": "' + b"x" * limit + b'"}')
        self._assert_rejected(clinic, log, "MALFORMED-SIZE")

    # XML attacks only concern the SOAP wire; the REST wire never parses XML.
    test_harness_valid_answer_is_accepted = None
    test_billion_laughs_is_rejected = None
    test_external_entity_is_not_resolved = None
    test_oversized_answer_is_rejected = None
    test_not_xml_and_off_schema_answers_are_rejected = None
    test_malformed_answer_to_a_query_is_a_clear_error = None  # MHRS V2 has no clinic query


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

    def test_missing_settings_send_nothing_and_write_nothing(self):
        clinic = self._clinic("Ayarsız")
        self.company.mhrs_password = False
        self.company.mhrs_base_url = False
        calls, logs = self.sim.calls(), self.env["mhrs.sync.log"].search_count([])
        with self.assertRaises(UserError) as caught:
            clinic.action_mhrs_register()
        message = str(caught.exception)
        self.assertIn("incomplete", message)
        self.assertIn("Password", message)
        self.assertIn("Base URL", message)
        self.assertEqual(self.sim.calls(), calls)
        self.assertEqual(self.env["mhrs.sync.log"].search_count([]), logs)
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("draft", "not_sent"))
