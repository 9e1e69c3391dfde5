"""Booking (operation 16) when MHRS's answer is lost: adopt what MHRS booked, never book twice."""

from odoo.exceptions import UserError

from .appointment_common import AppointmentCase, make_tckn

BOOK, QUERY = "appointment_book", "appointment_query"


class TestBookingAdoption(AppointmentCase):
    def _active_at_mhrs(self):
        return [a for a in self._sim_appointments().values() if a["record_status"] == 1]

    def test_truncated_answer_after_booking_is_adopted(self):
        # MHRS books the slot, then the answer is cut off: the wizard asks MHRS and adopts the booking.
        self.sim.fault(BOOK, "truncated", self.mhrs_interface, execute=True, count=1)
        appointment, _search = self._book()
        remote = self._active_at_mhrs()
        self.assertEqual(len(remote), 1)
        self.assertEqual(len(self._appointments()), 1)
        self.assertEqual(appointment.mhrs_hrn, remote[0]["hrn"])
        self.assertEqual(appointment.patient_tckn, make_tckn(345678913))
        self.assertEqual((appointment.state, appointment.mhrs_sync_state), ("booked", "synced"))
        self.assertIn("adopted", appointment.message_ids[0].body)
        self.assertEqual(
            (self.sim.wire_calls(BOOK, self.mhrs_interface), self.sim.wire_calls(QUERY, self.mhrs_interface)),
            (1, 1),
        )
        # The sync finds the same appointment: nothing new.
        run = self._sync_all()
        self.assertEqual((run.fetched_count, run.created_count, run.updated_count), (1, 0, 0))

    def test_lost_booking_not_made_is_reported(self):
        # The connection drops before MHRS books: MHRS confirms it holds nothing, the user is told so.
        self.sim.fault(BOOK, "drop", self.mhrs_interface, count=1)
        with self.assertRaisesRegex(UserError, "nothing was booked"):
            self._book()
        self.assertEqual(self._active_at_mhrs(), [])
        self.assertFalse(self._appointments())
        # Trying again books it once.
        self._book()
        self.assertEqual(len(self._active_at_mhrs()), 1)
        self.assertEqual(len(self._appointments()), 1)

    def test_booking_unknown_when_mhrs_cannot_be_asked(self):
        self.sim.fault(BOOK, "http500", self.mhrs_interface, execute=True, count=1)
        self.sim.fault(QUERY, "http500", self.mhrs_interface, count=1)
        with self.assertRaisesRegex(UserError, "could not be asked"):
            self._book()
        self.assertEqual(len(self._active_at_mhrs()), 1)
        # The next sync brings the booking MHRS made; it is not booked again.
        run = self._sync_all()
        self.assertEqual(run.created_count, 1)
        self.assertEqual(len(self._appointments()), 1)

    def test_business_refusal_is_not_queried(self):
        appointment, search = self._book()
        line = search.line_ids.filtered(lambda slot: slot.date_start == appointment.date_start)
        action = line.action_book()
        wizard = (
            self.env["mhrs.appointment.book.wizard"]
            .with_context(**action["context"])
            .create(
                {
                    "tckn": make_tckn(456789124),
                    "first_name": "Ali",
                    "last_name": "Kurt",
                    "phone": "05329876543",
                }
            )
        )
        queries = self.sim.wire_calls(QUERY, self.mhrs_interface)
        with self.assertRaises(UserError):
            wizard.action_book()
        self.assertEqual(self.sim.wire_calls(QUERY, self.mhrs_interface), queries)


class TestBookingAdoptionG2(TestBookingAdoption):
    mhrs_interface = "g2"
