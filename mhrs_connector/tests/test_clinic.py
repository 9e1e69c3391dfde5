import socket
from datetime import timedelta
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user
from odoo.tools import mute_logger

from odoo.addons.mhrs_connector.models.mhrs_clinic import MhrsClinic

from .common import MhrsCase


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class ClinicCase(MhrsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.branch = cls.env.ref("mhrs_connector.mhrs_branch_157")
        cls.mhrs_user = new_test_user(
            cls.env, login="clinic_user", groups="mhrs_connector.group_mhrs_user", company_id=cls.company.id
        )
        cls.manager = new_test_user(
            cls.env,
            login="clinic_manager",
            groups="mhrs_connector.group_mhrs_manager",
            company_id=cls.company.id,
        )

    def _clinic(self, name="Dahiliye 1", **vals):
        return self.env["mhrs.clinic"].create(
            dict({"name": name, "mhrs_branch_id": self.branch.id, "company_id": self.company.id}, **vals)
        )

    def _mhrs_clinics(self):
        """The simulator's clinics (read through its control interface: MHRS V2 has no clinic query)."""
        return {clinic["id"]: clinic for clinic in self.sim.get("state")["clinics"].values()}

    @property
    def rest(self):
        return self.mhrs_interface == "rest"

    def _logs(self, record):
        return self.env["mhrs.sync.log"].search(
            [("res_model", "=", record._name), ("res_id", "=", record.id)]
        )

    def _expect_user_error(self, method):
        """Like assertRaises, without its savepoint: a rollback would also undo what the separate
        cursor wrote, as in test mode it shares the test's transaction."""
        try:
            method()
        except UserError as exc:
            return str(exc)
        self.fail("UserError expected")
        return None

    def _last_message(self, record):
        """Body of the newest chatter message that has one (tracking messages have none)."""
        record.invalidate_recordset()
        return next((str(m.body) for m in record.message_ids if m.body), "")


class TestClinic(ClinicCase):
    """Clinic actions over MHRS V2 (REST); TestClinicG2 runs them over SOAP G2."""

    def test_register_update_cancel(self):
        clinic = self._clinic(video_consultation=True)
        action = clinic.action_mhrs_register()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(clinic.state, "registered")
        self.assertEqual(clinic.mhrs_sync_state, "synced")
        self.assertTrue(clinic.mhrs_clinic_code)
        remote = self._mhrs_clinics()[clinic.mhrs_clinic_code]
        self.assertEqual((remote["branch"], remote["name"]), (157, "Dahiliye 1"))
        self.assertIn("Registered on MHRS", " ".join(clinic.message_ids.mapped("body")))
        # The branch was registered first, once.
        self.assertIn(self.branch, self.company.mhrs_registered_branch_ids)
        self.assertEqual(self.sim.wire_calls("branch_register", self.mhrs_interface), 1)
        self._clinic("Dahiliye 3").action_mhrs_register()
        self.assertEqual(self.sim.wire_calls("branch_register", self.mhrs_interface), 1)

        clinic.write({"name": "Dahiliye 2", "video_consultation": False})
        if self.rest:
            # MHRS V2 has no clinic update or deletion: said plainly, nothing sent, nothing changed.
            before = self.sim.calls()
            message = self._expect_user_error(clinic.action_mhrs_update)
            self.assertIn("Clinic update", message)
            self.assertIn("REST (MHRS V2)", message)
            self._expect_user_error(clinic.action_mhrs_cancel)
            self.assertEqual(self.sim.calls(), before)
            self.assertEqual(clinic.state, "registered")
            return
        action = clinic.action_mhrs_update()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertEqual(self._mhrs_clinics()[clinic.mhrs_clinic_code]["name"], "Dahiliye 2")
        self.assertEqual(clinic.action_mhrs_cancel()["params"]["type"], "success")
        self.assertEqual(clinic.state, "cancelled")
        self.assertFalse(self._mhrs_clinics()[clinic.mhrs_clinic_code]["active"])
        logs = self._logs(clinic)
        self.assertEqual(
            set(logs.mapped("operation")),
            {"branch_register", "clinic_register", "clinic_update", "clinic_delete"},
        )
        self.assertEqual(set(logs.mapped("state")), {"done"})
        self.assertEqual(set(logs.mapped("wire")), {"g2"})
        self.assertEqual(
            logs.filtered(lambda log: log.operation == "clinic_register").code, "PRSC_IN001023TR01"
        )

    def test_draft_clinic_is_cancelled_without_mhrs(self):
        clinic = self._clinic()
        before = self.sim.calls()
        clinic.action_mhrs_cancel()
        self.assertEqual(clinic.state, "cancelled")
        self.assertEqual(self.sim.calls(), before)

    def test_cancel_unknown_clinic_is_refused_by_mhrs(self):
        if self.rest:
            return  # MHRS V2 has no clinic deletion (test_register_update_cancel)
        clinic = self._clinic()
        clinic.write({"state": "registered", "mhrs_clinic_code": 999999})
        message = self._expect_user_error(clinic.action_mhrs_cancel)
        self.assertIn("KLN-002", message)
        self.assertEqual(clinic.mhrs_sync_state, "error")
        self.assertIn("KLN-002", clinic.mhrs_last_error)
        self.assertIn("KLN-002", self._last_message(clinic))
        log = self._logs(clinic)[:1]
        self.assertEqual((log.state, log.error_code), ("business_error", "KLN-002"))
        self.assertEqual(clinic.state, "registered")

    def test_register_same_name_twice_is_refused_by_mhrs(self):
        self._clinic().action_mhrs_register()
        twin = self._clinic()
        message = self._expect_user_error(twin.action_mhrs_register)
        self.assertIn("KLN-003", message)
        self.assertEqual(twin.state, "draft")

    def test_update_unknown_clinic_is_refused_by_mhrs(self):
        if self.rest:
            return  # MHRS V2 has no clinic update (test_register_update_cancel)
        clinic = self._clinic()
        clinic.write({"state": "registered", "mhrs_clinic_code": 888888})
        self.assertIn("KLN-002", self._expect_user_error(clinic.action_mhrs_update))

    def test_query_with_wrong_credentials_is_refused(self):
        self._clinic().action_mhrs_register()
        self.company.write({"mhrs_password": "wrong", "mhrs_g2_password": "wrong"})
        with self.assertRaises(UserError):
            self.env["mhrs.clinic"].action_mhrs_query()

    def test_transport_error_keeps_the_operation_for_retry(self):
        clinic = self._clinic()
        good_url = self.company.mhrs_base_url
        self.company.mhrs_base_url = closed_port_url()
        action = clinic.action_mhrs_register()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertEqual(clinic.state, "draft")
        self.assertEqual(clinic.mhrs_sync_state, "to_retry")
        self.assertEqual(clinic.mhrs_pending_operation, "clinic_register")
        self.assertEqual(clinic.mhrs_retry_count, 1)
        self.assertTrue(clinic.mhrs_next_retry)
        self.assertIn("will be retried", self._last_message(clinic))
        self.assertEqual(self._logs(clinic)[:1].state, "transport_error")

        self.company.mhrs_base_url = good_url
        clinic._mhrs_retry_pending()
        self.assertEqual(clinic.state, "registered")
        self.assertEqual(clinic.mhrs_sync_state, "synced")
        self.assertFalse(clinic.mhrs_pending_operation)
        self.assertIn(clinic.mhrs_clinic_code, self._mhrs_clinics())

    def test_cancel_blockers_are_named_and_nothing_is_sent(self):
        clinic = self._clinic()
        clinic.action_mhrs_register()
        before = self.sim.calls()
        with patch.object(MhrsClinic, "_mhrs_cancel_blockers", lambda self: ["Schedule Dr. A 01.12"]):
            with self.assertRaises(UserError) as caught:
                clinic.action_mhrs_cancel()
        self.assertIn("Schedule Dr. A 01.12", str(caught.exception))
        self.assertEqual(self.sim.calls(), before)
        self.assertEqual(clinic.state, "registered")

    def test_future_appointments_block_cancel_and_are_named(self):
        clinic = self._clinic()
        clinic.action_mhrs_register()
        physician = self.env["mhrs.physician"].create({"name": "Dr. Deniz Ak", "tckn": "11111111110"})
        patient = self.env["res.partner"].create({"name": "Ali Veli", "tckn": "10000000146"})
        start = fields.Datetime.now() + timedelta(days=2)
        self.env["mhrs.appointment"].create(
            {
                "mhrs_hrn": "2099010100000001",
                "company_id": self.company.id,
                "partner_id": patient.id,
                "physician_id": physician.id,
                "clinic_id": clinic.id,
                "state": "booked",
                "date_start": start,
                "date_end": start + timedelta(minutes=15),
            }
        )
        before = self.sim.calls()
        exc = self.assertRaisesKeepingLogs(UserError, clinic.action_mhrs_cancel)
        self.assertIn("2099010100000001", str(exc))
        self.assertIn("1 future appointment", str(exc))
        self.assertEqual(self.sim.calls(), before)
        self.assertEqual(clinic.state, "registered")

    def test_query_and_import_clinics_of_another_hbys(self):
        mine = self._clinic("Dahiliye 1")
        mine.action_mhrs_register()
        draft = self._clinic("Dahiliye Taslak")
        if self.rest:
            # MHRS V2 has no clinic query: the list button says so.
            message = self._expect_user_error(self.env["mhrs.clinic"].action_mhrs_query)
            self.assertIn("Clinic query", message)
            return
        self.sim.post("seed", {"clinics": [{"branch": 157, "name": "Dahiliye Diğer HBYS"}]})
        # Another HBYS renamed our clinic directly on MHRS.
        self.env["mhrs.client"]._mhrs_call(
            "clinic_update", company=self.company, clinic_id=mine.mhrs_clinic_code, name="Dahiliye A"
        )
        action = self.env["mhrs.clinic"].action_mhrs_query()
        wizard = self.env["mhrs.clinic.query.wizard"].browse(action["res_id"])
        kinds = {(line.kind, line.mhrs_name or line.clinic_id.name) for line in wizard.line_ids}
        expected = {
            ("only_mhrs", "Dahiliye Diğer HBYS"),
            ("different", "Dahiliye A"),
            ("only_here", draft.name),
        }
        self.assertLessEqual(expected, kinds)
        # Anything else is a local draft (the demo data's clinics, when installed).
        self.assertEqual(
            {kind for kind, _name in kinds - expected}, {"only_here"} if kinds - expected else set()
        )
        self.assertEqual(wizard.importable_count, 1)
        wizard.action_import()
        imported = self.env["mhrs.clinic"].search([("name", "=", "Dahiliye Diğer HBYS")])
        self.assertEqual(len(imported), 1)
        self.assertEqual(imported.state, "registered")
        self.assertEqual(imported.mhrs_branch_id.code, 157)
        self.assertIn(imported.mhrs_clinic_code, self._mhrs_clinics())
        # Imported clinics are ordinary clinics: they can be updated on MHRS.
        imported.action_mhrs_update()
        self.assertEqual(imported.mhrs_sync_state, "synced")


class TestClinicG2(TestClinic):
    mhrs_interface = "g2"


class TestPhysician(ClinicCase):
    def test_tckn_is_validated_and_unique_per_company(self):
        physicians = self.env["mhrs.physician"]
        with self.assertRaises(ValidationError):
            physicians.create({"name": "Dr. X", "tckn": "12345678901"})
        doctor = physicians.create({"name": "Dr. Y", "tckn": "10000000146"})
        self.assertTrue(doctor.mhrs_sync)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            physicians.create({"name": "Dr. Z", "tckn": "10000000146"})
        clinic = self._clinic()
        doctor.clinic_ids = clinic
        self.assertEqual(clinic.physician_ids, doctor)


class TestClinicAccess(ClinicCase):
    mhrs_interface = "g2"  # the update button reaches MHRS over G2 only

    def test_user_presses_buttons_but_only_manager_deletes(self):
        clinic = self._clinic().with_user(self.mhrs_user)
        clinic.action_mhrs_register()
        self.assertEqual(clinic.state, "registered")
        clinic.write({"name": "Dahiliye Yeni"})
        clinic.action_mhrs_update()
        with self.assertRaises(AccessError):
            clinic.unlink()
        physician = (
            self.env["mhrs.physician"]
            .with_user(self.mhrs_user)
            .create({"name": "Dr. U", "tckn": "10000000146"})
        )
        with self.assertRaises(AccessError):
            physician.unlink()
        with self.assertRaises(AccessError):
            self.env.ref("mhrs_connector.mhrs_branch_157").with_user(self.mhrs_user).write({"name": "X"})
        clinic.with_user(self.manager).unlink()
        physician.with_user(self.manager).unlink()
        self.env.ref("mhrs_connector.mhrs_branch_157").with_user(self.manager).write(
            {"name": "İç Hastalıkları"}
        )
