from odoo.exceptions import UserError, ValidationError

from .common import INSTITUTION, MhrsCase


class TestSettings(MhrsCase):
    def test_settings_write_through_to_company(self):
        settings = self.env["res.config.settings"].create(
            {
                "mhrs_shortest_duration": 15,
                "mhrs_eod_sync_time": 22.5,
                "mhrs_status_grace": 45,
                "mhrs_sync_horizon_days": 10,
                "mhrs_environment": "production",
            }
        )
        settings.execute()
        self.assertEqual(self.company.mhrs_shortest_duration, 15)
        self.assertEqual(self.company.mhrs_eod_sync_time, 22.5)
        self.assertEqual(self.company.mhrs_status_grace, 45)
        self.assertEqual(self.company.mhrs_sync_horizon_days, 10)
        self.assertEqual(self.company.mhrs_environment, "production")

    def test_defaults_of_a_new_company(self):
        company = self.env["res.company"].create({"name": "Yeni Hastane"})
        self.assertEqual(company.mhrs_environment, "test")
        self.assertEqual(company.mhrs_timeout, 30)
        self.assertEqual(company.mhrs_eod_sync_time, 22.0)
        self.assertEqual(company.mhrs_sync_horizon_days, 15)

    def test_invalid_values_are_refused(self):
        with self.assertRaises(ValidationError):
            self.company.mhrs_institution_code = "12A45"
        with self.assertRaises(ValidationError):
            self.company.mhrs_responsible_tckn = "12345678901"
        with self.assertRaises(ValidationError):
            self.company.mhrs_shortest_duration = 0
        with self.assertRaises(ValidationError):
            self.company.mhrs_eod_sync_time = 24.5

    def test_partner_tckn_checksum(self):
        partner = self.env["res.partner"].create({"name": "Ayşe Yılmaz", "tckn": "10000000146"})
        self.assertEqual(partner.tckn, "10000000146")
        with self.assertRaises(ValidationError):
            partner.tckn = "10000000147"
        with self.assertRaises(ValidationError):
            partner.tckn = "01234567890"

    def test_test_connection_succeeds_against_the_simulator(self):
        before = self.sim.calls("QUSC_IN001005TR01")
        settings = self.env["res.config.settings"].create({})
        action = settings.action_mhrs_test_connection()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.sim.calls("QUSC_IN001005TR01"), before + 1)

    def test_test_connection_reports_wrong_password(self):
        self.company.mhrs_password = "wrong-password"
        settings = self.env["res.config.settings"].create({})
        exc = self.assertRaisesKeepingLogs(UserError, settings.action_mhrs_test_connection)
        self.assertIn("GEN-001", str(exc))
        log = self.env["mhrs.sync.log"].search([], limit=1)
        self.assertEqual((log.state, log.error_code), ("business_error", "GEN-001"))
        self.assertNotIn("wrong-password", log.request_xml)

    def test_missing_settings_are_named(self):
        self.company.mhrs_username = False
        with self.assertRaises(UserError) as caught:
            self.env["mhrs.connector.mixin"]._mhrs_call("clinic_query", company=self.company)
        self.assertIn("Username", str(caught.exception))
        self.assertEqual(self.sim.calls(), 0)

    def test_operation_code_override_is_sent(self):
        self.env["mhrs.operation.code"].create(
            {
                "company_id": self.company.id,
                "operation": "clinic_query",
                "code": "QUSC_IN009999TR01",
            }
        )
        # The shipped WSDL has no such operation: the default message goes out under the new code,
        # which the simulator refuses because the interaction id and the body disagree.
        exc = self.assertRaisesKeepingLogs(
            UserError, self.env["mhrs.connector.mixin"]._mhrs_call_ui, "clinic_query", company=self.company
        )
        self.assertIn("GEN-003", str(exc))
        log = self.env["mhrs.sync.log"].search([("operation", "=", "clinic_query")], limit=1)
        self.assertEqual(log.code, "QUSC_IN009999TR01")
        self.assertIn("QUSC_IN009999TR01", log.request_xml)
        self.assertTrue(INSTITUTION["username"] in log.request_xml)
