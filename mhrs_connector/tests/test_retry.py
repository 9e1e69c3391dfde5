from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.sql_db import db_connect

from odoo.addons.mhrs_connector.models.mhrs_clinic import MhrsClinic

from .test_template import TemplateCase

CLINIC_REGISTER, CLINIC_DELETE = "clinic_register", "clinic_delete"


class TestRetryJob(TemplateCase):
    """The retry job. SOAP G2: a lost answer is adopted through the clinic query, which MHRS V2 does not
    have (over REST the registration is resent: TestRetryJobRest)."""

    mhrs_interface = "g2"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_model = cls.env["res.company"]

    def _fault(self, mode, operation="*", count=1, **extra):
        if operation == "*":
            self.sim.post("faults", dict({"mode": mode, "operation": operation, "count": count}, **extra))
        else:
            self.sim.fault(operation, mode, self.mhrs_interface, count=count, **extra)

    def _due(self, *records):
        """Pretend the back-off has expired."""
        for record in records:
            record.mhrs_next_retry = fields.Datetime.now() - timedelta(seconds=1)

    def _remote_clinics(self, name):
        return [row for row in self._mhrs_clinics().values() if row["name"].casefold() == name.casefold()]

    def test_cron_record_targets_the_company_entry_point(self):
        cron = self.env.ref("mhrs_connector.ir_cron_retry")
        self.assertEqual(cron.model_id.model, "res.company")
        self.assertIn("_mhrs_cron_retry", cron.code)
        self.assertTrue(cron.active)
        self.assertIn("mhrs.clinic", self.company_model._mhrs_retry_models())
        self.assertIn("mhrs.template", self.company_model._mhrs_retry_models())

    def test_lost_answer_of_a_registration_is_adopted_not_duplicated(self):
        clinic = self._clinic("Kardiyoloji 1")
        # MHRS registers the clinic, then the answer is cut in half.
        self._fault("truncated", CLINIC_REGISTER, execute=True)
        clinic.action_mhrs_register()
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("draft", "to_retry"))
        self.assertEqual(len(self._remote_clinics("Kardiyoloji 1")), 1)
        self._due(clinic)
        self.company_model._mhrs_cron_retry()
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("registered", "synced"))
        remote = self._remote_clinics("Kardiyoloji 1")
        self.assertEqual(len(remote), 1, "one clinic at MHRS, not two")
        self.assertEqual(clinic.mhrs_clinic_code, remote[0]["id"])
        self.assertEqual(self.sim.wire_calls(CLINIC_REGISTER, self.mhrs_interface), 1)
        self.assertFalse(clinic.mhrs_pending_operation)
        self.assertEqual(clinic.mhrs_retry_count, 0)
        self.assertTrue(clinic.message_ids.filtered(lambda m: "adopted" in (m.body or "")))
        cron_logs = self.env["mhrs.sync.log"].search(
            [("res_model", "=", "mhrs.clinic"), ("res_id", "=", clinic.id), ("trigger", "=", "cron")]
        )
        self.assertEqual(cron_logs.mapped("operation"), ["clinic_query"])

    def test_adoption_then_sends_changes_made_meanwhile(self):
        clinic = self._clinic("Kardiyoloji 2")
        self._fault("drop", CLINIC_REGISTER, execute=True)
        clinic.action_mhrs_register()
        self.assertEqual(clinic.mhrs_sync_state, "to_retry")
        # Renamed meanwhile (MHRS compares names without regard to case: still the same clinic).
        clinic.name = "kardiyoloji 2"
        self._due(clinic)
        self.company_model._mhrs_cron_retry()
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("registered", "synced"))
        remote = self._remote_clinics("Kardiyoloji 2")
        self.assertEqual(len(remote), 1)
        self.assertEqual(remote[0]["name"], "kardiyoloji 2")

    def test_unapplied_registration_is_resent_once(self):
        clinic = self._clinic("Kardiyoloji 3")
        self._fault("http500", CLINIC_REGISTER)
        clinic.action_mhrs_register()
        self.assertEqual(clinic.mhrs_sync_state, "to_retry")
        self.assertFalse(self._remote_clinics("Kardiyoloji 3"))
        self._due(clinic)
        self.assertEqual(self.company_model._mhrs_cron_retry(), 1)
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("registered", "synced"))
        self.assertEqual(len(self._remote_clinics("Kardiyoloji 3")), 1)

    def test_back_off_doubles_and_is_capped(self):
        clinic = self._clinic("Nöroloji 1")
        self._fault("drop", "*", count=50)
        start = fields.Datetime.now()
        clinic.action_mhrs_register()
        delays = []
        for _attempt in range(3):
            delays.append(round((clinic.mhrs_next_retry - start).total_seconds() / 60))
            self._due(clinic)
            start = fields.Datetime.now()
            self.company_model._mhrs_cron_retry()
        self.assertEqual(delays, [5, 10, 20])
        self.assertEqual(clinic.mhrs_retry_count, 4)
        clinic.mhrs_retry_count = 12
        self._due(clinic)
        start = fields.Datetime.now()
        self.company_model._mhrs_cron_retry()
        self.assertEqual(clinic.mhrs_retry_count, 13)
        self.assertEqual(round((clinic.mhrs_next_retry - start).total_seconds() / 3600), 6)
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("draft", "to_retry"))

    def test_not_yet_due_is_left_alone(self):
        clinic = self._clinic("Nöroloji 2")
        self._fault("http500", CLINIC_REGISTER)
        clinic.action_mhrs_register()
        calls = self.sim.calls()
        self.assertEqual(self.company_model._mhrs_cron_retry(), 0)
        self.assertEqual(self.sim.calls(), calls)
        self.assertEqual(clinic.mhrs_sync_state, "to_retry")

    def test_server_fault_is_retried_not_refused(self):
        clinic = self._clinic("Nöroloji 3")
        self._fault("soap_fault", CLINIC_REGISTER)
        clinic.action_mhrs_register()
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("draft", "to_retry"))
        self._due(clinic)
        self.company_model._mhrs_cron_retry()
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("registered", "synced"))

    def test_business_rejection_is_not_retried_and_managers_are_told(self):
        clinic = self._clinic("Göz 1")
        clinic.write(
            {
                "state": "registered",
                "mhrs_clinic_code": 888888,
                "mhrs_sync_state": "to_retry",
                "mhrs_pending_operation": "clinic_update",
                "mhrs_retry_count": 2,
            }
        )
        self.company_model._mhrs_cron_retry()
        self.assertEqual(clinic.mhrs_sync_state, "error")
        self.assertFalse(clinic.mhrs_pending_operation)
        self.assertIn("KLN-002", clinic.mhrs_last_error)
        activity = clinic.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertTrue(activity.user_id.has_group("mhrs_connector.group_mhrs_manager"))
        self.assertIn("KLN-002", activity.note)
        calls = self.sim.calls()
        self.company_model._mhrs_cron_retry()
        self.assertEqual(self.sim.calls(), calls, "a refusal is never resent")

    def test_one_failing_record_does_not_stop_the_batch(self):
        first, second = self._clinic("KBB 1"), self._clinic("KBB 2")
        self._fault("http500", CLINIC_REGISTER, count=2)
        first.action_mhrs_register()
        second.action_mhrs_register()
        self._due(first, second)
        original = MhrsClinic._mhrs_adopt_existing

        def broken(record, operation):
            if record == first:
                raise RuntimeError("defect")
            return original(record, operation)

        with patch.object(MhrsClinic, "_mhrs_adopt_existing", broken):
            self.company_model._mhrs_cron_retry(batch_size=1)
        self.assertEqual(second.state, "registered")
        self.assertEqual(first.mhrs_sync_state, "to_retry")
        self.assertGreater(first.mhrs_next_retry, fields.Datetime.now())

    def test_company_locked_by_another_worker_is_skipped(self):
        clinic = self._clinic("KBB 3")
        self._fault("http500", CLINIC_REGISTER)
        clinic.action_mhrs_register()
        self._due(clinic)
        other = db_connect(self.env.cr.dbname).cursor()
        try:
            other.execute("SELECT pg_try_advisory_xact_lock(hashtext('mhrs_retry'), %s)", (self.company.id,))
            self.assertTrue(other.fetchone()[0])
            self.assertEqual(self.company_model._mhrs_cron_retry(), 0)
            self.assertEqual(clinic.mhrs_sync_state, "to_retry")
        finally:
            other.rollback()
            other.close()
        self.company_model._mhrs_cron_retry()
        self.assertEqual(clinic.mhrs_sync_state, "synced")

    def test_cancellation_already_applied_is_adopted(self):
        clinic = self._clinic("KBB 4")
        clinic.action_mhrs_register()
        self._fault("truncated", CLINIC_DELETE, execute=True)
        clinic.action_mhrs_cancel()
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("registered", "to_retry"))
        self._due(clinic)
        self.company_model._mhrs_cron_retry()
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("cancelled", "synced"))

    def test_incomplete_settings_keep_the_queue(self):
        clinic = self._clinic("KBB 5")
        self._fault("http500", CLINIC_REGISTER)
        clinic.action_mhrs_register()
        self._due(clinic)
        url = self.company.mhrs_base_url
        self.company.mhrs_base_url = False
        calls = self.sim.calls()
        self.company_model._mhrs_cron_retry()
        self.assertEqual(
            (clinic.mhrs_sync_state, clinic.mhrs_pending_operation), ("to_retry", "clinic_register")
        )
        self.assertEqual(self.sim.calls(), calls)
        self.company.mhrs_base_url = url
        self.company_model._mhrs_cron_retry()
        self.assertEqual(clinic.mhrs_sync_state, "synced")


class TestRetryJobRest(TemplateCase):
    def test_unanswered_registration_is_resent_over_rest(self):
        """MHRS V2 has no clinic query: a registration MHRS did not apply is resent by the job."""
        clinic = self._clinic("Kardiyoloji 9")
        self.sim.fault(CLINIC_REGISTER, "http503", "rest", count=1)
        clinic.action_mhrs_register()
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("draft", "to_retry"))
        clinic.mhrs_next_retry = fields.Datetime.now() - timedelta(seconds=1)
        self.env["res.company"]._mhrs_cron_retry()
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("registered", "synced"))
        self.assertEqual(self.sim.wire_calls(CLINIC_REGISTER, "rest"), 2)
