"""A clinic registration whose answer was lost over MHRS V2 (REST), which has no clinic query (#13/#15).

MHRS may have registered it: resending it would be refused as a duplicate name, so the clinic waits for a
person to check MHRS, then Mark as Registered (a manager, with MHRS's examination place id) or Register
Again. When MHRS surely did nothing (503), the retry resends as before.
"""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError

from .test_clinic import ClinicCase

REGISTER = "clinic_register"


class TestLostRegistrationRest(ClinicCase):
    mhrs_interface = "rest"

    def setUp(self):
        super().setUp()
        self.company.mhrs_timeout = 1  # a "timeout" fault costs one client timeout

    def _remote(self, name):
        return [row for row in self._mhrs_clinics().values() if row["name"] == name]

    def _retry_job(self, clinic):
        clinic.mhrs_next_retry = fields.Datetime.now() - timedelta(seconds=1)
        self.env["res.company"]._mhrs_cron_retry()

    def _lose_answer(self, name, mode, execute=True):
        clinic = self._clinic(name).with_user(self.mhrs_user)
        self.sim.fault(REGISTER, mode, "rest", count=1, execute=execute)
        clinic.action_mhrs_register()
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("draft", "to_retry"))
        self.assertTrue(clinic.mhrs_maybe_applied)
        return clinic

    def _assert_held(self, clinic, calls):
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("draft", "error"))
        self.assertTrue(clinic.mhrs_maybe_applied)
        self.assertFalse(clinic.mhrs_pending_operation)
        self.assertEqual(self.sim.wire_calls(REGISTER, "rest"), calls, "not resent blindly")
        self.assertIn("Mark as Registered", clinic.mhrs_last_error)
        self.assertIn("Register Again", clinic.mhrs_last_error)
        self.assertIn(clinic.name, clinic.mhrs_last_error)

    def test_lost_answer_waits_for_a_check_then_marked_registered(self):
        for mode in ("timeout", "truncated"):
            with self.subTest(mode=mode):
                before = self.sim.wire_calls(REGISTER, "rest")
                name = f"Kardiyoloji {mode}"
                clinic = self._lose_answer(name, mode)
                remote = self._remote(name)
                self.assertEqual(len(remote), 1, "MHRS registered it")
                self._retry_job(clinic)
                self._assert_held(clinic, before + 1)
                summaries = clinic.activity_ids.mapped("summary")
                self.assertTrue(any("Check at MHRS" in s for s in summaries), summaries)
                # Register on MHRS is refused until somebody checked MHRS.
                with self.assertRaises(UserError):
                    clinic.action_mhrs_register()
                # A user cannot mark it; a manager can, with a valid id only.
                with self.assertRaises(UserError):
                    clinic.action_mhrs_mark_registered()
                as_manager = clinic.with_user(self.manager)
                action = as_manager.action_mhrs_mark_registered()
                wizard_model = self.env[action["res_model"]].with_user(self.manager)
                with self.assertRaises(AccessError):
                    self.env[action["res_model"]].with_user(self.mhrs_user).with_context(
                        **action["context"]
                    ).create({"examination_place_id": "1"})
                for bad in ("abc", "0", "-5", "12a", "99999999999", "١٢"):
                    wizard = wizard_model.with_context(**action["context"]).create(
                        {"examination_place_id": bad}
                    )
                    with self.assertRaises(ValidationError):
                        wizard.action_confirm()
                wizard = wizard_model.with_context(**action["context"]).create(
                    {"examination_place_id": f" {remote[0]['id']} "}
                )
                self.assertEqual(wizard.clinic_id, clinic)
                wizard.action_confirm()
                self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("registered", "synced"))
                self.assertEqual(clinic.mhrs_clinic_code, remote[0]["id"])
                self.assertFalse(clinic.mhrs_maybe_applied)
                self.assertEqual(self.sim.wire_calls(REGISTER, "rest"), before + 1)
                self.assertEqual(len(self._remote(name)), 1)
                self.assertIn("marked it as registered", self._last_message(clinic))

    def test_lost_answer_not_held_at_mhrs_is_registered_again(self):
        # The connection timed out before MHRS did anything: only a person looking at MHRS knows that.
        clinic = self._lose_answer("Nöroloji L", "timeout", execute=False)
        self.assertFalse(self._remote("Nöroloji L"))
        # Pressing Register again before the job: checked first, not resent.
        clinic.action_mhrs_register()
        self._assert_held(clinic, 1)
        clinic.action_mhrs_register_again()
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("registered", "synced"))
        self.assertFalse(clinic.mhrs_maybe_applied)
        self.assertEqual(self.sim.wire_calls(REGISTER, "rest"), 2)
        self.assertEqual(clinic.mhrs_clinic_code, self._remote("Nöroloji L")[0]["id"])
        with self.assertRaises(UserError):
            clinic.with_user(self.manager).action_mhrs_mark_registered()

    def test_unapplied_registration_is_resent(self):
        """503: MHRS surely did nothing; the retry resends as before, nobody has to check."""
        clinic = self._clinic("Nöroloji 503").with_user(self.mhrs_user)
        self.sim.fault(REGISTER, "http503", "rest", count=1)
        clinic.action_mhrs_register()
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("draft", "to_retry"))
        self.assertFalse(clinic.mhrs_maybe_applied)
        self._retry_job(clinic)
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("registered", "synced"))
        self.assertEqual(self.sim.wire_calls(REGISTER, "rest"), 2)
        self.assertEqual(len(self._remote("Nöroloji 503")), 1)
