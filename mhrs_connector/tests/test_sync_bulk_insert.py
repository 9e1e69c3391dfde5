"""New appointments of the sync are written with one INSERT per page (tools/bulk_insert.py): the rows must
be the ones create() would write, and the sync must fall back to create() when the fast path refuses."""

from datetime import datetime, time, timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user
from odoo.tools import SQL

from ..engines import appointment_sync
from ..engines.appointment_codes import QUIET_CREATE
from ..engines.appointment_sync import AppointmentSync
from ..tools import bulk_insert
from ..tools.bulk_insert import insert_records
from ..tools.dates import to_aware
from .appointment_common import TZ, AppointmentCase, utc_naive
from .test_sync_queries import sql_writes

# Columns that differ between two rows written for the same values.
OWN_COLUMNS = {"id", "mhrs_hrn"}


class TestSyncBulkInsert(AppointmentCase):
    def _mhrs_rows(self):
        """MHRS's answer for the test day, fetched over HTTP through the client, as the sync reads it."""
        start = utc_naive(datetime.combine(self.day, time(0)))
        return self.env["mhrs.client"]._mhrs_call(
            "appointment_query",
            company=self.company,
            branch=157,
            start=to_aware(start),
            end=to_aware(start + timedelta(days=1)),
        )

    def _sync_vals(self, rows):
        """The values the sync gives for new appointments, through the sync's own helpers."""
        Appointment = self.env["mhrs.appointment"]
        partners = AppointmentSync(Appointment).find_partners(rows)
        physicians = {doctor.tckn: doctor for doctor in self.doctors}
        clinics = {self.clinic.mhrs_clinic_code: self.clinic}
        lines = AppointmentSync(Appointment).schedule_lines(self.company, rows)
        vals_list = []
        for row in rows:
            vals = AppointmentSync(Appointment).row_vals(row, partners, physicians, clinics)
            vals["schedule_line_id"] = lines.get(vals["mhrs_schedule_ref"], False)
            vals_list.append(dict(vals, mhrs_hrn=row["hrn"], company_id=self.company.id))
        return vals_list

    def _columns(self, records):
        self.env.flush_all()
        self.env.cr.execute(
            SQL("SELECT * FROM mhrs_appointment WHERE id IN %s ORDER BY id", tuple(records.ids))
        )
        names = [column.name for column in self.env.cr.description]
        return [
            {name: value for name, value in zip(names, row, strict=True) if name not in OWN_COLUMNS}
            for row in self.env.cr.fetchall()
        ]

    def test_bulk_rows_equal_create_rows(self):
        self.sim.post("citizens", {"bookings": 6, "seed": 41})
        rows = self._mhrs_rows()
        self.assertEqual(len(rows), 6)
        vals_list = self._sync_vals(rows)
        # The variants the sync meets: cancelled at MHRS, a status MHRS already holds, no patient.
        vals_list[1].update(state="cancelled", cancelled_by="patient_mhrs")
        vals_list[2].update(state="attended", mhrs_status_code="1")
        vals_list[3].update(partner_id=False, patient_tckn=False, patient_name=False, note="Kontrol")
        Appointment = self.env["mhrs.appointment"]
        with (
            sql_writes("mhrs_appointment") as statements,
            patch.object(bulk_insert, "copy_rows", wraps=bulk_insert.copy_rows) as copies,
        ):
            fast = AppointmentSync(Appointment).create_synced(vals_list)
        self.assertEqual((copies.call_count, statements), (1, []))  # one COPY for the six rows
        slow = Appointment.with_context(**QUIET_CREATE).create(
            [
                {
                    "mhrs_status_code": False,
                    **vals,
                    "mhrs_hrn": f"ORM-{vals['mhrs_hrn']}",
                    "mhrs_sync_state": "synced",
                }
                for vals in vals_list
            ]
        )
        self.assertEqual(self._columns(fast), self._columns(slow))
        self.assertEqual(
            fast.mapped("mhrs_status"), ["not_due", "none", "sent", "not_due", "not_due", "not_due"]
        )
        self.assertFalse(fast.message_ids)
        self.assertFalse(fast.message_follower_ids)
        self.assertEqual(set(fast.mapped("mhrs_sync_state")), {"synced"})
        # The ORM sees the new rows at once (nothing stale in its cache).
        self.assertEqual(
            Appointment.search([("mhrs_hrn", "in", [vals["mhrs_hrn"] for vals in vals_list])]), fast
        )
        self.assertEqual(fast[0].partner_id.tckn, vals_list[0]["patient_tckn"])

    def test_bulk_insert_refuses_what_it_does_not_know(self):
        Appointment = self.env["mhrs.appointment"]
        self.sim.post("citizens", {"bookings": 2, "seed": 42})
        vals_list = self._sync_vals(self._mhrs_rows())
        before = Appointment.search_count([])
        # A stored compute whose value is not given (here mhrs_status).
        self.assertIsNone(
            insert_records(Appointment, [dict(vals, mhrs_status_code=False) for vals in vals_list])
        )
        # Rows with different columns.
        self.assertIsNone(insert_records(Appointment, [vals_list[0], {"mhrs_hrn": "X"}]))
        # A model of the whole ERP (stored computes, defaults of other modules): always create().
        self.assertIsNone(insert_records(self.env["res.partner"], [{"name": "Hasta"}]))
        self.assertEqual(Appointment.search_count([]), before)

    def test_sync_falls_back_to_create(self):
        """When another module adds columns the fast path does not know, the sync still creates every
        appointment, through create()."""
        self.sim.post("citizens", {"bookings": 5, "seed": 43})
        with patch.object(appointment_sync, "insert_records", return_value=None) as refused:
            run = self._sync_all()
        self.assertTrue(refused.called)
        self.assertEqual((run.state, run.created_count), ("done", 5))
        appointments = self._appointments()
        self.assertEqual(len(appointments), 5)
        self.assertEqual(set(appointments.mapped("mhrs_status")), {"not_due"})
        self.assertFalse(appointments.message_ids)
        start = datetime.combine(self.day, time(0), TZ)
        self.assertTrue(all(a.date_start >= utc_naive(start.replace(tzinfo=None)) for a in appointments))

    def test_bulk_insert_checks_companies(self):
        """A row linking a physician of another hospital is refused as create() refuses it."""
        other = self.env["res.company"].create({"name": "Başka Hastane"})
        stranger = self.env["mhrs.physician"].create(
            {"name": "Dr. Başka", "tckn": "10000000146", "company_id": other.id}
        )
        self.sim.post("citizens", {"bookings": 3, "seed": 44})
        vals_list = self._sync_vals(self._mhrs_rows())
        vals_list[2]["physician_id"] = stranger.id
        Appointment = self.env["mhrs.appointment"]
        with self.assertRaises(UserError) as fast, self.env.cr.savepoint():
            AppointmentSync(Appointment).create_synced(vals_list)
        with self.assertRaises(UserError) as slow, self.env.cr.savepoint():
            Appointment.with_context(**QUIET_CREATE).create(vals_list)
        self.assertIn("Dr. Başka", str(fast.exception))
        self.assertEqual(str(fast.exception), str(slow.exception))
        self.assertFalse(Appointment.search([("mhrs_hrn", "in", [vals["mhrs_hrn"] for vals in vals_list])]))

    def test_bulk_insert_applies_record_rules(self):
        """A user of one hospital cannot have rows of another written through the fast path."""
        other = self.env["res.company"].create({"name": "Başka Hastane"})
        user = new_test_user(
            self.env,
            login="mhrs_bulk_user",
            groups="mhrs_connector.group_mhrs_user",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        self.sim.post("citizens", {"bookings": 2, "seed": 45})
        vals_list = [
            dict(vals, company_id=other.id, physician_id=False, clinic_id=False, schedule_line_id=False)
            for vals in self._sync_vals(self._mhrs_rows())
        ]
        Appointment = self.env["mhrs.appointment"].with_user(user)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            AppointmentSync(Appointment).create_synced(vals_list)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            Appointment.with_context(**QUIET_CREATE).create(vals_list)
        # The same rows in the user's own hospital are written.
        mine = [dict(vals, company_id=self.company.id) for vals in vals_list]
        self.assertEqual(len(AppointmentSync(Appointment).create_synced(mine)), 2)

    def test_bulk_insert_keeps_text_exactly(self):
        """Tabs, line breaks, backslashes and a literal \\N in MHRS's text reach the database unchanged."""
        self.sim.post("citizens", {"bookings": 2, "seed": 46})
        vals_list = self._sync_vals(self._mhrs_rows())
        note = "Satır 1\nSatır\t2\r\\N C:\\yol\\ \\. ğüşİıöç"
        vals_list[0].update(note=note, patient_name="Çağrı\tÖzgür")
        vals_list[1].update(note="\\N")
        created = AppointmentSync(self.env["mhrs.appointment"]).create_synced(vals_list)
        created.invalidate_recordset()
        self.assertEqual(created.mapped("note"), [note, "\\N"])
        self.assertEqual(created[0].patient_name, "Çağrı\tÖzgür")
