"""After the first MHRS answer in a transaction, nothing raises (issue #15): a next step MHRS refuses, an
applier that fails, or any later step that raises never rolls back what MHRS did. The refusals come from
the simulator over real HTTP (its "refuse" fault); only the local steps are patched to fail."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields

from odoo.addons.mhrs_connector.models.mhrs_clinic import MhrsClinic
from odoo.addons.mhrs_connector.models.mhrs_record_mixin import MhrsRecordMixin

from .appointment_common import AppointmentCase
from .test_clinic import ClinicCase

CLINIC_REGISTER, CLINIC_UPDATE = "clinic_register", "clinic_update"
NET_LOGGER = "odoo.addons.mhrs_connector.tools.outcome"


def broken(method, error="storing is broken", model_class=MhrsClinic):
    """``method`` of every clinic raises, as a defect or a failing local step would."""
    return patch.object(model_class, method, side_effect=RuntimeError(error))


class TestOutcomeKept(ClinicCase):
    """Over MHRS V2 (REST); TestOutcomeKeptG2 runs the same over SOAP G2."""

    def _refuse(self, operation, code):
        self.sim.fault(operation, "refuse", self.mhrs_interface, count=1, code=code)

    def test_branch_registered_then_clinic_refused_keeps_the_branch(self):
        clinic = self._clinic("Dahiliye Ret")
        self.assertNotIn(self.branch, self.company.mhrs_registered_branch_ids)
        self._refuse(CLINIC_REGISTER, "KLN-003")
        action = clinic.action_mhrs_register()
        # No error rolls back the branch MHRS registered: a warning says what MHRS did and refused.
        self.assertStickyWarning(action, "Kurum Klinik Ekleme")
        self.assertIn("KLN-003", action["params"]["message"])
        self.assertIn(self.branch, self.company.mhrs_registered_branch_ids)
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("draft", "error"))
        self.assertIn("KLN-003", clinic.mhrs_last_error)
        self.assertIn("KLN-003", self._last_message(clinic))
        # Pressed again: the clinic is registered, the branch is not registered a second time.
        action = clinic.action_mhrs_register()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("registered", "synced"))
        self.assertEqual(self.sim.wire_calls("branch_register", self.mhrs_interface), 1)

    def test_first_step_refused_still_raises(self):
        """Nothing done at MHRS yet (the branch is known): the refusal is an error, as before."""
        self._clinic("Dahiliye Önce").action_mhrs_register()
        clinic = self._clinic("Dahiliye Sonra")
        self._refuse(CLINIC_REGISTER, "KLN-003")
        message = self._expect_user_error(clinic.action_mhrs_register)
        self.assertIn("KLN-003", message)
        self.assertEqual(clinic.mhrs_sync_state, "error")

    def test_failing_applier_keeps_the_outcome_and_the_retry_adopts_it(self):
        clinic = self._clinic("Dahiliye Kayıt")
        with (
            broken("_mhrs_apply_clinic_register"),
            self.assertLogs("odoo.addons.mhrs_connector.models.mhrs_record_mixin", "WARNING"),
        ):
            action = clinic.action_mhrs_register()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("storing is broken", action["params"]["message"])
        # Not rolled back: explained, kept To Retry; MHRS holds the clinic (and the branch here too).
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("draft", "to_retry"))
        self.assertEqual(clinic.mhrs_pending_operation, CLINIC_REGISTER)
        self.assertIn("MHRS accepted", clinic.mhrs_last_error)
        self.assertIn("storing is broken", clinic.mhrs_last_error)
        self.assertIn(self.branch, self.company.mhrs_registered_branch_ids)
        remote = [c for c in self._mhrs_clinics().values() if c["name"] == "Dahiliye Kayıt"]
        self.assertEqual(len(remote), 1)
        if self.rest:
            return  # MHRS V2 has no clinic query: nothing to adopt from
        clinic.mhrs_next_retry = fields.Datetime.now() - timedelta(seconds=1)
        self.env["res.company"]._mhrs_cron_retry()
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("registered", "synced"))
        self.assertEqual(clinic.mhrs_clinic_code, remote[0]["id"])
        self.assertEqual(self.sim.wire_calls(CLINIC_REGISTER, self.mhrs_interface), 1)

    def test_step_raising_after_the_answer_is_caught_by_the_net(self):
        clinic = self._clinic("Dahiliye Ağ")
        with (
            broken("_mhrs_action_result", "notification is broken", MhrsRecordMixin),
            self.assertLogs(NET_LOGGER, "WARNING"),
        ):
            action = clinic.action_mhrs_register()
        self.assertStickyWarning(action, "notification is broken")
        self.assertIn("Poliklinik Kayıt", action["params"]["message"])
        clinic.invalidate_recordset()
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("registered", "synced"))
        self.assertIn(clinic.mhrs_clinic_code, self._mhrs_clinics())
        self.assertIn("Registered on MHRS", self._last_message(clinic))

    def test_local_changes_flag_is_part_of_the_outcome(self):
        if self.rest:
            self.skipTest("MHRS V2 has no clinic update")
        clinic = self._clinic("Dahiliye Ad")
        clinic.action_mhrs_register()
        clinic.name = "Dahiliye Yeni Ad"
        self.assertTrue(clinic.mhrs_local_changes)
        with (
            broken("_mhrs_action_result", "notification is broken", MhrsRecordMixin),
            self.assertLogs(NET_LOGGER, "WARNING"),
        ):
            action = clinic.action_mhrs_update()
        self.assertEqual(action["params"]["type"], "warning")
        clinic.invalidate_recordset()
        self.assertEqual(clinic.mhrs_sync_state, "synced")
        self.assertFalse(clinic.mhrs_local_changes, "MHRS has the new name: nothing left to send")
        self.assertEqual(self._mhrs_clinics()[clinic.mhrs_clinic_code]["name"], "Dahiliye Yeni Ad")


class TestOutcomeKeptG2(TestOutcomeKept):
    mhrs_interface = "g2"

    def test_adoption_kept_when_the_update_is_refused(self):
        """Retry job: the lost registration is adopted; the update of the name changed meanwhile is
        refused by MHRS. The adoption stands, the refusal is the clinic's error, the managers are told."""
        clinic = self._clinic("Kardiyoloji Ret")
        self.sim.fault(CLINIC_REGISTER, "drop", self.mhrs_interface, count=1, execute=True)
        clinic.action_mhrs_register()
        self.assertEqual(clinic.mhrs_sync_state, "to_retry")
        clinic.name = "kardiyoloji ret"  # MHRS compares names without case: still the same clinic
        self._refuse(CLINIC_UPDATE, "KLN-002")
        clinic.mhrs_next_retry = fields.Datetime.now() - timedelta(seconds=1)
        self.env["res.company"]._mhrs_cron_retry()
        remote = [c for c in self._mhrs_clinics().values() if c["name"].casefold() == "kardiyoloji ret"]
        self.assertEqual(len(remote), 1)
        self.assertEqual((clinic.state, clinic.mhrs_clinic_code), ("registered", remote[0]["id"]))
        self.assertEqual(clinic.mhrs_sync_state, "error")
        self.assertIn("KLN-002", clinic.mhrs_last_error)
        self.assertFalse(clinic.mhrs_pending_operation)
        self.assertIn("KLN-002", clinic.activity_ids.note)
        self.assertEqual(self.sim.wire_calls(CLINIC_REGISTER, self.mhrs_interface), 1)


class TestAppointmentOutcomeKept(AppointmentCase):
    """The cancellation wizard's confirmation is an entry point too (MHRS V2; G2 below)."""

    def test_cancellation_kept_when_a_later_step_raises(self):
        appointment, _search = self._book()
        action = appointment.action_mhrs_cancel()
        wizard = self.env[action["res_model"]].with_context(**action["context"]).create({"reason": "İzin"})
        with (
            broken("_mhrs_action_result", "notification is broken", MhrsRecordMixin),
            self.assertLogs(NET_LOGGER, "WARNING"),
        ):
            action = wizard.action_confirm()
        self.assertStickyWarning(action, "notification is broken")
        appointment.invalidate_recordset()
        self.assertEqual((appointment.state, appointment.mhrs_sync_state), ("cancelled", "synced"))
        self.assertEqual(self._sim_appointments()[appointment.mhrs_hrn]["record_status"], 2)


class TestAppointmentOutcomeKeptG2(TestAppointmentOutcomeKept):
    mhrs_interface = "g2"
