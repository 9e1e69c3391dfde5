from datetime import datetime

from odoo.exceptions import UserError, ValidationError

from .common import INSTITUTION, MhrsCase, wire_name


class TestSettings(MhrsCase):
    """Settings and Test Connection; TestSettingsG2 runs the same over SOAP G2."""

    def test_settings_write_through_to_company(self):
        settings = self.env["res.config.settings"].create(
            {
                "mhrs_shortest_duration": 15,
                "mhrs_eod_sync_time": 22.5,
                "mhrs_status_grace": 45,
                "mhrs_sync_horizon_days": 10,
                "mhrs_interface": "g2",
                "mhrs_base_url": "https://mhrs.example.invalid",
                "mhrs_app_code": "APP-1",
                "mhrs_g2_user_code": "123",
                "mhrs_g2_password": "g2-pass",
                "mhrs_g2_user_type": 3,
                "mhrs_g2_namespace": "http://ns.example.invalid",
            }
        )
        settings.execute()
        self.assertEqual(self.company.mhrs_shortest_duration, 15)
        self.assertEqual(self.company.mhrs_eod_sync_time, 22.5)
        self.assertEqual(self.company.mhrs_status_grace, 45)
        self.assertEqual(self.company.mhrs_sync_horizon_days, 10)
        self.assertEqual(
            (
                self.company.mhrs_interface,
                self.company.mhrs_base_url,
                self.company.mhrs_app_code,
                self.company.mhrs_g2_user_code,
                self.company.mhrs_g2_password,
                self.company.mhrs_g2_user_type,
                self.company.mhrs_g2_namespace,
            ),
            ("g2", "https://mhrs.example.invalid", "APP-1", "123", "g2-pass", 3, "http://ns.example.invalid"),
        )

    def test_defaults_of_a_new_company(self):
        company = self.env["res.company"].create({"name": "Yeni Hastane"})
        self.assertEqual(company.mhrs_interface, "rest")
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

    def _probe(self):
        """The call Test Connection makes on this interface (REST: a fresh login; G2: branch query)."""
        return "login" if self.mhrs_interface == "rest" else "branch_query"

    def test_test_connection_succeeds_against_the_simulator(self):
        before = self.sim.wire_calls(self._probe(), self.mhrs_interface)
        settings = self.env["res.config.settings"].create({})
        action = settings.action_mhrs_test_connection()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.sim.wire_calls(self._probe(), self.mhrs_interface), before + 1)
        logs = self.env["mhrs.sync.log"].search([("wire", "=", self.mhrs_interface)])
        self.assertTrue(logs)
        for log in logs:
            self.assertNotIn(INSTITUTION["password"], log.request_xml or "")
            self.assertNotIn("eyJ", (log.request_xml or "") + (log.response_xml or ""))

    def test_operation_codes_button_opens_the_companys_codes_for_managers_only(self):
        """Settings → Operation Codes, pressed by a settings administrator who is an MHRS manager, and
        by one who is a plain MHRS user."""

        def user(login, group):
            return self.env["res.users"].create(
                {
                    "name": login,
                    "login": login,
                    "company_id": self.company.id,
                    "company_ids": [(6, 0, self.company.ids)],
                    "groups_id": [(6, 0, [self.env.ref("base.group_system").id, self.env.ref(group).id])],
                }
            )

        manager = user("mhrs-codes-manager", "mhrs_connector.group_mhrs_manager")
        settings = self.env["res.config.settings"].with_user(manager).create({})
        action = settings.action_mhrs_operation_codes()
        self.assertEqual(action["res_model"], "mhrs.operation.code")
        self.assertEqual(action["domain"], [("company_id", "=", self.company.id)])
        self.assertEqual(action["context"], {"default_company_id": self.company.id})
        clerk = user("mhrs-codes-clerk", "mhrs_connector.group_mhrs_user")
        settings = self.env["res.config.settings"].with_user(clerk).create({})
        with self.assertRaises(UserError):
            settings.action_mhrs_operation_codes()

    def test_test_connection_reports_wrong_password(self):
        field = "mhrs_password" if self.mhrs_interface == "rest" else "mhrs_g2_password"
        self.company[field] = "wrong-password"
        settings = self.env["res.config.settings"].create({})
        exc = self.assertRaisesKeepingLogs(UserError, settings.action_mhrs_test_connection)
        self.assertNotIn("wrong-password", str(exc))
        log = self.env["mhrs.sync.log"].search([], limit=1)
        self.assertIn(log.state, ("business_error", "transport_error"))
        self.assertNotIn("wrong-password", log.request_xml)
        self.assertNotIn("wrong-password", log.error_text or "")

    def test_missing_settings_are_named(self):
        field = "mhrs_username" if self.mhrs_interface == "rest" else "mhrs_g2_user_code"
        self.company[field] = False
        with self.assertRaises(UserError) as caught:
            self.env["mhrs.client"]._mhrs_call("test_connection", company=self.company)
        self.assertIn("kullanıcı", str(caught.exception))
        self.assertEqual(self.sim.calls(), 0)

    def test_operation_code_override_names_the_call(self):
        """The directive's codes are what users see: an override renames the call in the log (nothing
        of it is sent; the real wires have no such code)."""
        self.env["mhrs.operation.code"].create(
            {"company_id": self.company.id, "operation": "appointment_query", "code": "QUSC_IN009999TR01"}
        )
        self.env["mhrs.client"]._mhrs_call_ui(
            "appointment_query",
            company=self.company,
            branch=self.env.ref("mhrs_connector.mhrs_branch_103").code,
            start=datetime(2030, 1, 7, 8, 0),
            end=datetime(2030, 1, 7, 18, 0),
        )
        log = self.env["mhrs.sync.log"].search([("operation", "=", "appointment_query")], limit=1)
        self.assertEqual((log.code, log.wire), ("QUSC_IN009999TR01", self.mhrs_interface))
        self.assertNotIn("QUSC_IN009999TR01", log.request_xml)
        self.assertEqual(self.sim.wire_calls("appointment_query", self.mhrs_interface), 1)
        self.assertTrue(wire_name("appointment_query", self.mhrs_interface))


class TestSettingsG2(TestSettings):
    mhrs_interface = "g2"
