import socket

from odoo.exceptions import UserError

from .common import INSTITUTION, MhrsCase


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestSyncLog(MhrsCase):
    def _logs(self):
        return self.env["mhrs.sync.log"].search([("company_id", "=", self.company.id)])

    def test_successful_call_is_logged_without_the_password(self):
        result = self.env["mhrs.connector.mixin"]._mhrs_call(
            "clinic_register", company=self.company,
            KlinikKodu=157, AltKlinikAdi="Dahiliye 1", GoruntuluRandevu=False,
        )
        self.assertTrue(result["AltKlinikKodu"])
        log = self._logs()[:1]
        self.assertEqual(log.state, "done")
        self.assertEqual(log.operation, "clinic_register")
        self.assertEqual(log.code, "PRSC_IN001023TR01")
        self.assertEqual(log.trigger, "manual")
        self.assertIn("Dahiliye 1", log.request_xml)
        self.assertIn(str(result["AltKlinikKodu"]), log.response_xml)
        self.assertNotIn(INSTITUTION["password"], log.request_xml + log.response_xml)
        self.assertIn("***", log.request_xml)

    def test_business_error_is_logged_and_shown_in_turkish(self):
        exc = self.assertRaisesKeepingLogs(
            UserError, self.env["mhrs.connector.mixin"]._mhrs_call_ui,
            "clinic_cancel", company=self.company, AltKlinikKodu=999999,
        )
        self.assertIn("KLN-002", str(exc))
        log = self._logs()[:1]
        self.assertEqual(log.state, "business_error")
        self.assertEqual(log.error_code, "KLN-002")

    def test_transport_error_is_logged(self):
        self.company.mhrs_endpoint_url = f"http://127.0.0.1:{_closed_port()}/PRSC_AR001001TR01"
        self.assertRaisesKeepingLogs(
            UserError, self.env["mhrs.connector.mixin"]._mhrs_call_ui, "clinic_query", company=self.company
        )
        log = self._logs()[:1]
        self.assertEqual(log.state, "transport_error")
        self.assertNotIn(INSTITUTION["password"], (log.request_xml or "") + (log.error_text or ""))

    def test_cron_trigger_is_recorded(self):
        self.env["mhrs.connector.mixin"].with_context(mhrs_trigger="cron")._mhrs_call(
            "clinic_query", company=self.company
        )
        self.assertEqual(self._logs()[:1].trigger, "cron")
