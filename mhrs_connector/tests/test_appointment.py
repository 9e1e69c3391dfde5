from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user

from .appointment_common import AppointmentCase, make_tckn

CANCEL = "appointment_cancel"


class TestAppointment(AppointmentCase):
    def test_book_from_free_slot(self):
        appointment, search = self._book()
        self.assertEqual(len(search.line_ids), 9)
        self.assertTrue(appointment.mhrs_hrn)
        self.assertEqual(appointment.state, "booked")
        self.assertEqual(appointment.physician_id, self.doctor_a)
        self.assertEqual(appointment.clinic_id, self.clinic)
        self.assertEqual(appointment.mhrs_channel, "4")
        self.assertEqual(appointment.partner_id.tckn, make_tckn(345678913))
        remote = self._sim_appointments()[appointment.mhrs_hrn]
        self.assertEqual(remote["tckn"], make_tckn(345678913))
        self.assertEqual(remote["record_status"], 1)
        # The slot is now taken: one free slot less.
        search.action_search()
        self.assertEqual(len(search.line_ids), 8)
        # A sync afterwards finds it and changes nothing.
        run = self._sync_all()
        self.assertEqual((run.fetched_count, run.created_count, run.updated_count), (1, 0, 0))

    def test_hospital_cancel(self):
        appointment, _search = self._book()
        action = appointment.action_mhrs_cancel()
        wizard = self.env[action["res_model"]].with_context(**action["context"]).create({"reason": "İzin"})
        wizard.action_confirm()
        self.assertEqual(appointment.state, "cancelled")
        self.assertEqual(appointment.cancelled_by, "hospital")
        remote = self._sim_appointments()[appointment.mhrs_hrn]
        self.assertEqual((remote["record_status"], remote["cancelled_by"]), (2, 2))
        # Already cancelled: no second call to MHRS.
        calls = self.sim.wire_calls(CANCEL, self.mhrs_interface)
        self.assertFalse(appointment._mhrs_cancel("again"))
        with self.assertRaises(UserError):
            appointment.action_mhrs_cancel()
        self.assertEqual(self.sim.wire_calls(CANCEL, self.mhrs_interface), calls)

    def test_citizen_cancel_seen_by_sync(self):
        appointment, _search = self._book()
        result = self.sim.post("citizens", {"cancellations": 1, "seed": 7})
        self.assertEqual(result["cancelled"], [appointment.mhrs_hrn])
        run = self._sync_all()
        self.assertEqual(run.cancelled_count, 1)
        self.assertEqual(appointment.state, "cancelled")
        self.assertEqual(appointment.cancelled_by, "patient_mhrs")
        calls = self.sim.wire_calls(CANCEL, self.mhrs_interface)
        self.assertFalse(appointment._mhrs_cancel("too late"))
        self.assertEqual(self.sim.wire_calls(CANCEL, self.mhrs_interface), calls)

    def test_booking_refused_slot_taken(self):
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
        with self.assertRaises(UserError):
            wizard.action_book()
        self.assertEqual(len(self._appointments()), 1)

    def test_mhrs_user_books_cancels_and_queries(self):
        user = new_test_user(
            self.env, login="reception", groups="mhrs_connector.group_mhrs_user", company_id=self.company.id
        )
        self.env = self.env(user=user)
        appointment, _search = self._book(tckn=make_tckn(567891235))
        self.assertEqual(appointment.partner_id.tckn, make_tckn(567891235))
        action = appointment.action_mhrs_cancel()
        self.env[action["res_model"]].with_context(**action["context"]).create(
            {"reason": "Hasta istedi"}
        ).action_confirm()
        self.assertEqual(appointment.state, "cancelled")
        self.sim.post("citizens", {"bookings": 3, "seed": 21})
        wizard = self.env["mhrs.appointment.query.wizard"].create(
            {"date_to": fields.Datetime.now() + timedelta(days=14)}
        )
        run = self.env["mhrs.sync.run"].browse(wizard.action_query()["res_id"])
        self.assertEqual((run.state, run.created_count), ("done", 3))


class TestAppointmentG2(TestAppointment):
    mhrs_interface = "g2"
