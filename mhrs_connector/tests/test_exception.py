import base64
from datetime import datetime, time, timedelta

from lxml import etree

from odoo.exceptions import UserError

from .appointment_common import TZ, AppointmentCase, utc_naive
from .test_schedule import ScheduleCase


class ExceptionCase(AppointmentCase):
    mhrs_interface = "g2"

    def _exception(self, **vals):
        """Doctor A's annual leave (action 5) on the appointment day, 09:00-12:00, as a draft."""
        return self.env["mhrs.exception"].create(
            {
                "physician_id": self.doctor_a.id,
                "clinic_id": self.clinic.id,
                "date_start": utc_naive(datetime.combine(self.day, time(9))),
                "date_end": utc_naive(datetime.combine(self.day, time(12))),
                "action_code_id": self.env.ref("mhrs_connector.mhrs_action_code_5").id,
                "description": "Yıllık izin",
                **vals,
            }
        )


class TestException(ExceptionCase):
    """The Ministry's decision is read through G2's exception query; MHRS V2 has none
    (TestExceptionRest)."""

    def _exception(self, **vals):
        """With the contact and the document the Ministry's officer reads."""
        contact = {
            "phone": "03121234567",
            "email": "dahiliye@example.com",
            "document": base64.b64encode(b"%PDF-1.4 izin onayi"),
            "document_name": "izin.pdf",
        }
        return super()._exception(**{**contact, **vals})

    def _book_for_a(self, count):
        start = datetime.combine(self.day, time(0), TZ)
        end = datetime.combine(self.day, time(23), TZ)
        self.sim.post(
            "citizens",
            {
                "bookings": count * 4,
                "seed": 11,
                "window": {"start": start.isoformat(), "end": end.isoformat()},
            },
        )
        self._sync_all()
        return self._appointments([("physician_id", "=", self.doctor_a.id), ("state", "=", "booked")])

    def test_approval_cancels_affected_appointments(self):
        booked = self._book_for_a(2)
        self.assertTrue(booked)
        others = self._appointments([("physician_id", "=", self.doctor_b.id)])
        exception = self._exception()
        # The form shows the appointments the exception would cancel, before sending.
        self.assertEqual(exception.appointment_ids, booked)
        exception.action_mhrs_send()
        self.assertEqual(exception.state, "sent")
        self.assertTrue(exception.mhrs_exception_id)
        # Still pending at MHRS: the follow-up changes nothing.
        self.env["mhrs.exception"]._cron_exception_follow_up()
        self.assertEqual(exception.state, "sent")
        self.sim.post("exceptions", {"id": int(exception.mhrs_exception_id), "approve": True})
        self.env["mhrs.exception"]._cron_exception_follow_up()
        self.assertEqual(exception.state, "approved")
        self.assertEqual(set(booked.mapped("state")), {"cancelled"})
        self.assertEqual(set(booked.mapped("cancelled_by")), {"exception"})
        self.assertEqual(set(others.mapped("state")), {"booked"})
        run = self.env["mhrs.sync.run"].search([("kind", "=", "exception")])
        self.assertEqual(run.cancelled_count, len(booked))
        remote = self._sim_appointments()
        self.assertTrue(all(remote[a.mhrs_hrn]["record_status"] == 2 for a in booked))

    def test_rejection_keeps_the_reason(self):
        exception = self._exception()
        exception.action_mhrs_send()
        self.sim.post(
            "exceptions", {"id": int(exception.mhrs_exception_id), "approve": False, "reason": "Belge eksik"}
        )
        exception.action_mhrs_check()
        self.assertEqual(exception.state, "rejected")
        self.assertEqual(exception.rejection_reason, "Belge eksik")
        self.assertIn("Belge eksik", " ".join(exception.message_ids.mapped("body")))

    def test_invalid_exception_refused(self):
        # A bookable action (working hours) cannot be the reason of an exception.
        exception = self._exception(action_code_id=self.env.ref("mhrs_connector.mhrs_action_code_1").id)
        self.assertRaisesKeepingLogs(UserError, exception.action_mhrs_send)
        self.assertEqual(exception.state, "draft")
        self.assertEqual(exception.mhrs_sync_state, "error")


class TestExceptionRest(TestException):
    mhrs_interface = "rest"

    def test_sent_over_rest_and_the_decision_is_not_asked(self):
        exception = self._exception()
        exception.action_mhrs_send()
        self.assertEqual(exception.state, "sent")
        self.assertTrue(exception.mhrs_exception_id)
        log = self.env["mhrs.sync.log"].search([("operation", "=", "exception_add")], limit=1)
        self.assertEqual((log.wire, log.state), ("rest", "done"))
        with self.assertRaisesRegex(UserError, "Exception query over REST"):
            exception.action_mhrs_check()
        self.assertEqual(exception.state, "sent")

    # The decision cannot be read over MHRS V2.
    test_approval_cancels_affected_appointments = None
    test_rejection_keeps_the_reason = None


class TestExceptionBlocks(ScheduleCase):
    mhrs_interface = "g2"

    def test_approved_exception_keeps_the_blocks_mhrs_keeps_open(self):
        """A 10:00-11:00 exception inside an 08:00-12:00 block: MHRS closes the hour, not the block.
        After the approval Odoo asks MHRS and keeps the block registered, so that cancelling the
        schedule later cancels it at MHRS too."""
        schedule = self._schedule(template=self.template_morning, date_to=self.monday)
        schedule.action_mhrs_register()
        line = schedule.line_ids
        self.assertEqual((len(line), line.state), (1, "registered"))
        exception = self.env["mhrs.exception"].create(
            {
                "physician_id": self.physician.id,
                "clinic_id": self.clinic.id,
                "date_start": line.date_start + timedelta(hours=2),
                "date_end": line.date_start + timedelta(hours=3),
                "action_code_id": self.env.ref("mhrs_connector.mhrs_action_code_5").id,
                "description": "Toplantı",
            }
        )
        exception.action_mhrs_send()
        self.sim.post("exceptions", {"id": int(exception.mhrs_exception_id), "approve": True})
        exception.action_mhrs_check()
        self.assertEqual(exception.state, "approved")
        self.assertEqual(line.state, "registered")
        schedule.action_mhrs_cancel()
        self.assertEqual(line.state, "cancelled")
        remote = self.sim.get("state")["schedules"][line.mhrs_schedule_id]
        self.assertFalse(remote["active"])


class TestExceptionWorkflow(ExceptionCase):
    """Exceptions with the document MHRS requires for their action, and withdrawn before the decision."""

    def _sim_exceptions(self):
        return list(self.sim.get("state")["exceptions"].values())

    def test_document_required_by_the_action_is_checked_before_any_call(self):
        self.env.ref("mhrs_connector.mhrs_action_code_5").document_required = True
        exception = self._exception()
        calls = self.sim.calls()
        with self.assertRaisesRegex(UserError, "supporting document"):
            exception.action_mhrs_send()
        self.assertEqual(self.sim.calls(), calls)
        exception.write({"document": base64.b64encode(b"%PDF-1.4 izin"), "document_name": "izin.pdf"})
        exception.action_mhrs_send()
        self.assertEqual(exception.state, "sent")
        [sent] = self._sim_exceptions()
        self.assertEqual(sent["document"], "izin.pdf")  # REST: multipart with istisnaBelgesi

    def _withdraw_button(self):
        arch = self.env["mhrs.exception"].get_view(view_type="form")["arch"]
        return etree.fromstring(arch).xpath("//button[@name='action_mhrs_withdraw']")[0]

    def test_withdraw_a_sent_exception(self):
        self.assertEqual(self._withdraw_button().get("invisible"), "not mhrs_withdrawable")
        exception = self._exception()
        self.assertFalse(exception.mhrs_withdrawable, "a draft is not at MHRS")
        exception.action_mhrs_send()
        self.assertEqual(len(self._sim_exceptions()), 1)
        self.assertTrue(exception.mhrs_withdrawable)
        action = exception.action_mhrs_withdraw()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(exception.state, "cancelled")
        self.assertFalse(exception.mhrs_withdrawable)
        self.assertEqual(self._sim_exceptions(), [])
        with self.assertRaisesRegex(UserError, "waiting for approval"):
            exception.action_mhrs_withdraw()


class TestExceptionWorkflowRest(TestExceptionWorkflow):
    mhrs_interface = "rest"

    def test_withdraw_a_sent_exception(self):
        """MHRS V2 has no known path to delete an exception: the button is not offered; pressed anyway
        (an older page), it says so and sends nothing."""
        self.assertEqual(self._withdraw_button().get("invisible"), "not mhrs_withdrawable")
        exception = self._exception()
        exception.action_mhrs_send()
        self.assertFalse(exception.mhrs_withdrawable)
        calls = self.sim.calls()
        exc = self.assertRaisesKeepingLogs(UserError, exception.action_mhrs_withdraw)
        self.assertIn("MHRS V2", str(exc))
        self.assertEqual(self.sim.calls(), calls)
        self.assertEqual(exception.state, "sent")
        self.assertEqual(len(self._sim_exceptions()), 1)
