"""What MHRS owns on an appointment is read-only in Odoo: the views show it read-only (form, list, the
calendar cannot drag or resize it) and write() refuses a change outside the sync (issue #15, Major)."""

from datetime import timedelta

from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user

from odoo.addons.mhrs_connector.models.mhrs_appointment import MHRS_OWNED_FIELDS

from .appointment_common import AppointmentCase


class TestAppointmentOwnedFields(AppointmentCase):
    def test_owned_fields_refused_outside_the_sync(self):
        appointment, _search = self._book()
        start = appointment.date_start
        user = new_test_user(
            self.env, login="desk_owned", groups="mhrs_connector.group_mhrs_user", company_id=self.company.id
        )
        as_user = appointment.with_user(user)
        for vals in (
            {"date_start": start + timedelta(hours=1), "date_end": appointment.date_end + timedelta(hours=1)},
            {"physician_id": self.doctor_b.id},
            {"clinic_id": False},
            {"patient_tckn": "10000000146"},
        ):
            with self.assertRaisesRegex(UserError, "cancel the appointment on MHRS and book a new one"):
                as_user.write(vals)
        self.assertEqual(
            (appointment.date_start, appointment.physician_id, appointment.patient_tckn),
            (start, self.doctor_a, self._sim_appointments()[appointment.mhrs_hrn]["tckn"]),
        )
        # Writing the values it already has is no change: accepted.
        as_user.write({"physician_id": self.doctor_a.id, "date_start": start})
        # The sync still brings MHRS's own changes.
        run = self._sync_all()
        self.assertEqual(run.state, "done")

    def test_views_show_owned_fields_read_only(self):
        appointment, _search = self._book()
        described = self.env["mhrs.appointment"].fields_get(list(MHRS_OWNED_FIELDS), ["readonly"])
        self.assertEqual({name for name, attrs in described.items() if not attrs["readonly"]}, set())
        # The form refuses to edit them, as the browser would.
        form = Form(appointment)
        for name in ("date_start", "date_end", "physician_id", "clinic_id", "patient_tckn", "partner_id"):
            with self.assertRaises(AssertionError):
                setattr(form, name, False)
        # The calendar makes events draggable only when its start field is writable (calendar_model.js
        # canEdit): read-only start, no drag or resize; no quick create either.
        calendar = etree.fromstring(self.env["mhrs.appointment"].get_view(view_type="calendar")["arch"])
        self.assertEqual(calendar.get("quick_create"), "0")
        self.assertTrue(described[calendar.get("date_start")]["readonly"])
        self.assertTrue(described[calendar.get("date_stop")]["readonly"])
