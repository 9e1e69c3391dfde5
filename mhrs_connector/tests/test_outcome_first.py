"""Once MHRS has answered, its outcome is recorded in Odoo whatever fails afterwards: a user without an
e-mail address (chatter) or any follow-up step that raises never undoes a booking, a cancellation or a
registration MHRS has made (issue #15, Blocker). The MHRS calls are real, over HTTP to the simulator."""

from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user

from odoo.addons.mhrs_connector.models.mhrs_record_mixin import MhrsRecordMixin
from odoo.addons.mhrs_connector.wizards.mhrs_appointment_book_wizard import MhrsAppointmentBookWizard

from .appointment_common import AppointmentCase
from .test_template import TemplateCase


def failing_follow_up():
    """Every chatter line of the addon raises, as a broken mail server or module would."""
    return patch.object(MhrsRecordMixin, "_mhrs_log_note", side_effect=RuntimeError("chatter is down"))


class TestAppointmentOutcomeFirst(AppointmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A receptionist created with a login only: no e-mail address.
        cls.receptionist = new_test_user(
            cls.env,
            login="desk_no_mail",
            groups="mhrs_connector.group_mhrs_user",
            company_id=cls.company.id,
            email=False,
        )

    def _cancel(self, appointment):
        action = appointment.action_mhrs_cancel()
        wizard = self.env[action["res_model"]].with_context(**action["context"]).create({"reason": "İzin"})
        return wizard.action_confirm()

    def test_user_without_email_books_and_cancels(self):
        self.assertFalse(self.receptionist.email)
        self.env = self.env(user=self.receptionist)
        appointment, _search = self._book()
        self.assertEqual((appointment.state, appointment.mhrs_sync_state), ("booked", "synced"))
        self.assertEqual(self._sim_appointments()[appointment.mhrs_hrn]["record_status"], 1)
        self.assertIn("Booked on MHRS", " ".join(appointment.message_ids.mapped("body")))
        action = self._cancel(appointment)
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(appointment.state, "cancelled")
        self.assertEqual(self._sim_appointments()[appointment.mhrs_hrn]["record_status"], 2)

    def test_failing_follow_up_keeps_booking_and_cancellation(self):
        self.env = self.env(user=self.receptionist)
        with failing_follow_up():
            appointment, _search = self._book()
        # The appointment opens under a warning saying what failed after MHRS booked it.
        self.assertEqual(self.last_booking_action["params"]["type"], "warning")
        self.assertIn("chatter is down", self.last_booking_action["params"]["message"])
        self.assertTrue(appointment.exists())
        self.assertEqual((appointment.state, appointment.mhrs_sync_state), ("booked", "synced"))
        self.assertEqual(self._sim_appointments()[appointment.mhrs_hrn]["record_status"], 1)
        with failing_follow_up():
            action = self._cancel(appointment)
        # The user is told what failed after MHRS answered; the cancellation stands.
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("chatter is down", action["params"]["message"])
        self.assertEqual((appointment.state, appointment.cancelled_by), ("cancelled", "hospital"))
        self.assertEqual(self._sim_appointments()[appointment.mhrs_hrn]["record_status"], 2)
        # In step: a sync afterwards changes nothing.
        run = self._sync_all()
        self.assertEqual((run.created_count, run.updated_count, run.cancelled_count), (0, 0, 0))

    def test_booking_odoo_cannot_record_is_not_rolled_back_and_is_synced(self):
        """MHRS booked; creating the Odoo record fails: no error undoes anything, the user is told the HRN
        (not to book again) and the sync brings the appointment."""
        self.env = self.env(user=self.receptionist)
        broken = patch.object(
            MhrsAppointmentBookWizard,
            "_mhrs_create_appointment",
            side_effect=ValidationError("patient record refused"),
        )
        booked_before = set(self._sim_appointments())
        with broken, self.assertLogs("odoo.addons.mhrs_connector.wizards.mhrs_appointment_book_wizard"):
            appointment, _search = self._book()
        self.assertFalse(appointment)
        action = self.last_booking_action
        self.assertEqual((action["tag"], action["params"]["type"]), ("display_notification", "warning"))
        (hrn,) = set(self._sim_appointments()) - booked_before
        self.assertIn(hrn, action["params"]["message"])
        self.assertEqual(self._sim_appointments()[hrn]["record_status"], 1)
        self.assertFalse(self.env["mhrs.appointment"].search([("mhrs_hrn", "=", hrn)]))
        self.env = self.env(user=self.env.ref("base.user_root"))
        self._sync_all()
        self.assertEqual(self.env["mhrs.appointment"].search([("mhrs_hrn", "=", hrn)]).state, "booked")

    def test_outcome_that_never_reached_odoo_is_adopted(self):
        """Had an outcome been lost anyway (MHRS did it, Odoo did not record it), the next press adopts
        what MHRS holds instead of being refused for ever."""
        appointment, _search = self._book()
        self.env["mhrs.client"]._mhrs_call(
            "appointment_cancel", company=self.company, hrn=appointment.mhrs_hrn
        )
        action = self._cancel(appointment)
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual((appointment.state, appointment.cancelled_by), ("cancelled", "hospital"))
        self.assertEqual(appointment.mhrs_sync_state, "synced")


class TestTemplateOutcomeFirst(TemplateCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager_no_mail = new_test_user(
            cls.env,
            login="planner_no_mail",
            groups="mhrs_connector.group_mhrs_manager",
            company_id=cls.company.id,
            email=False,
        )

    def test_user_without_email_activates_template(self):
        """Templates are local (MHRS has no template service): activating one writes a chatter note,
        which a user without an e-mail address can do."""
        self.env = self.env(user=self.manager_no_mail)
        template = self._template("Sabah 20 dk", [self._line(8.0, 12.0, slot=20)])
        calls = self.sim.calls()
        self.assertTrue(template.action_activate())
        self.assertEqual(template.state, "registered")
        self.assertEqual(self.sim.calls(), calls)
