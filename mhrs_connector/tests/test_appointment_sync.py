from datetime import UTC, datetime, time, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

from odoo import fields

from odoo.addons.mhrs_connector.engines.appointment_sync import AppointmentSync
from odoo.addons.mhrs_connector.models.mhrs_client import MhrsClientOfCompany

from .appointment_common import TZ, AppointmentCase, utc_naive

QUERY = "appointment_query"


def utc_naive_aware(moment):
    """Naive UTC, as Odoo stores it, of an aware datetime."""
    return moment.astimezone(UTC).replace(tzinfo=None)


class TestAppointmentSync(AppointmentCase):
    def _cron(self, now):
        self.env["mhrs.appointment"]._cron_appointment_query(now=now)
        return self.env["mhrs.sync.run"].search(
            [("company_id", "=", self.company.id), ("kind", "=", "periodic")], order="id desc", limit=1
        )

    def _assert_mirrors_mhrs(self):
        """Every MHRS appointment is in Odoo exactly once, with MHRS's status."""
        remote = self._sim_appointments()
        local = self._appointments()
        self.assertEqual(len(local), len(set(local.mapped("mhrs_hrn"))))
        self.assertEqual(set(local.mapped("mhrs_hrn")), set(remote))
        for appointment in local:
            cancelled = remote[appointment.mhrs_hrn]["record_status"] == 2
            self.assertEqual(appointment.state == "cancelled", cancelled, appointment.mhrs_hrn)

    def test_citizens_then_periodic_run(self):
        booked = self.sim.post("citizens", {"bookings": 6, "seed": 1})["booked"]
        self.assertEqual(len(booked), 6)
        now = fields.Datetime.now()
        run = self._cron(now)
        self.assertEqual(run.state, "done")
        self.assertEqual((run.fetched_count, run.created_count, run.cancelled_count), (6, 6, 0))
        self.assertEqual(set(self._appointments().mapped("mhrs_hrn")), set(booked))
        # Patients were created by TCKN, one each.
        self.assertEqual(len(self._appointments().mapped("partner_id")), 6)

        # Not due yet: nothing runs before the shortest duration has passed.
        self.assertEqual(self._cron(now + timedelta(minutes=5)), run)

        changes = self.sim.post("citizens", {"bookings": 2, "cancellations": 3, "seed": 2})
        run2 = self._cron(now + timedelta(minutes=10))
        self.assertNotEqual(run2, run)
        self.assertEqual(run2.created_count, len(changes["booked"]))
        self.assertEqual(run2.cancelled_count, len(changes["cancelled"]))
        self.assertEqual(run2.updated_count, 0)
        cancelled = self._appointments([("state", "=", "cancelled")])
        self.assertEqual(set(cancelled.mapped("mhrs_hrn")), set(changes["cancelled"]))
        self.assertEqual(set(cancelled.mapped("cancelled_by")), {"patient_mhrs"})
        self._assert_mirrors_mhrs()
        self.assertEqual(self.doctor_a.mhrs_last_complete_sync, run2.started_at)

    def test_unchanged_sync_writes_nothing(self):
        self.sim.post("citizens", {"bookings": 5, "cancellations": 0, "seed": 3})
        first = self._sync_all()
        self.assertEqual(first.created_count, 5)
        model_class = type(self.env["mhrs.appointment"])
        original = model_class.write
        writes = []

        def counting_write(records, vals):
            writes.append((records.ids, vals))
            return original(records, vals)

        with patch.object(model_class, "write", counting_write):
            second = self._sync_all()
        self.assertEqual(writes, [])
        self.assertEqual(
            (second.fetched_count, second.created_count, second.updated_count, second.cancelled_count),
            (5, 0, 0, 0),
        )
        # "Last seen" comes from the runs: the unchanged run moved it without writing an appointment.
        self.assertEqual(set(self._appointments().mapped("last_seen_at")), {second.ended_at})
        self.assertLessEqual(first.ended_at, second.ended_at)

    def test_outage_leaves_no_gap(self):
        t0 = fields.Datetime.now()
        self.sim.post("citizens", {"bookings": 3, "seed": 4})
        first = self._cron(t0)
        self.assertEqual(first.state, "done")
        # MHRS answers HTTP 500 to every appointment query for three hours.
        self.sim.fault(QUERY, "http500", self.mhrs_interface)
        failed = [self._cron(t0 + timedelta(minutes=minutes)) for minutes in (60, 120)]
        self.assertEqual([r.state for r in failed], ["failed", "failed"])
        self.assertTrue(all(r.error_count == 1 and r.error_text for r in failed))
        changes = self.sim.post("citizens", {"bookings": 4, "cancellations": 2, "seed": 5})
        self.sim.post("faults", {"clear": True})
        recovered = self._cron(t0 + timedelta(minutes=180))
        self.assertEqual(recovered.state, "done")
        # The recovery run starts where the last successful one started: no gap.
        self.assertEqual(recovered.window_start, first.started_at)
        self.assertEqual(recovered.created_count, len(changes["booked"]))
        self.assertEqual(recovered.cancelled_count, len(changes["cancelled"]))
        self._assert_mirrors_mhrs()
        # A second run brings nothing new and no duplicate.
        again = self._cron(t0 + timedelta(minutes=200))
        self.assertEqual((again.created_count, again.updated_count, again.cancelled_count), (0, 0, 0))
        self._assert_mirrors_mhrs()

    def test_end_of_day_covers_next_day(self):
        tomorrow = self.today + timedelta(days=1)
        self._register_schedules(tomorrow, time(14), time(16))
        start = datetime.combine(tomorrow, time(0), TZ)
        end = start + timedelta(days=1)
        booked = self.sim.post(
            "citizens",
            {"bookings": 5, "seed": 6, "window": {"start": start.isoformat(), "end": end.isoformat()}},
        )["booked"]
        later = datetime.combine(self.day, time(0), TZ)
        self.sim.post(  # another day: not the end-of-day run's job
            "citizens",
            {
                "bookings": 3,
                "seed": 7,
                "window": {"start": later.isoformat(), "end": (later + timedelta(days=1)).isoformat()},
            },
        )
        Appointment = self.env["mhrs.appointment"]
        Run = self.env["mhrs.sync.run"]
        # 21:00 local: not yet time (yesterday's run is missing, so today is caught up first).
        Appointment._cron_end_of_day_sync(now=utc_naive(datetime.combine(self.today, time(21))))
        catch_up = Run.search([("kind", "=", "end_of_day")])
        self.assertEqual(catch_up.covered_date, self.today)
        # 22:30 local: the whole next day.
        Appointment._cron_end_of_day_sync(now=utc_naive(datetime.combine(self.today, time(22, 30))))
        run = Run.search([("kind", "=", "end_of_day"), ("covered_date", "=", tomorrow)])
        self.assertEqual(len(run), 1)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.window_start, utc_naive(datetime.combine(tomorrow, time(0))))
        self.assertEqual(run.window_end, utc_naive(datetime.combine(tomorrow + timedelta(days=1), time(0))))
        self.assertEqual(run.created_count, len(booked))
        self.assertEqual(set(self._appointments().mapped("mhrs_hrn")), set(booked))
        # Once a day only.
        Appointment._cron_end_of_day_sync(now=utc_naive(datetime.combine(self.today, time(23))))
        self.assertEqual(Run.search_count([("kind", "=", "end_of_day")]), 2)

    def test_manual_wizard_chosen_physicians(self):
        self.sim.post("citizens", {"bookings": 10, "seed": 8})
        remote_a = {h for h, a in self._sim_appointments().items() if a["physician"] == self.doctor_a.tckn}
        wizard = self.env["mhrs.appointment.query.wizard"].create(
            {
                "date_from": utc_naive(datetime.combine(self.today, time(0))),
                "date_to": utc_naive(datetime.combine(self.today + timedelta(days=14), time(0))),
                "all_physicians": False,
                "physician_ids": [(6, 0, self.doctor_a.ids)],
            }
        )
        action = wizard.action_query()
        run = self.env["mhrs.sync.run"].browse(action["res_id"])
        self.assertEqual((run.kind, run.state, run.physician_ids), ("manual", "done", self.doctor_a))
        self.assertEqual(set(self._appointments().mapped("mhrs_hrn")), remote_a)
        self.assertEqual(run.created_count, len(remote_a))

    def test_failing_branch_is_isolated(self):
        """MHRS answers one branch per query: doctor B works in another branch (132, asked first), whose
        query fails; doctor A's branch still arrives."""
        other = self.env["mhrs.clinic"].create(
            {"name": "Çocuk 1", "mhrs_branch_id": self.env.ref("mhrs_connector.mhrs_branch_132").id}
        )
        other.action_mhrs_register()
        self.doctor_a.clinic_ids = self.clinic
        self.doctor_b.clinic_ids = other
        self.sim.post("citizens", {"bookings": 6, "seed": 9})
        self.sim.fault(QUERY, "http500", self.mhrs_interface, count=1)
        run = self._sync_all()
        self.assertEqual((run.state, run.batch_count, run.error_count), ("partial", 2, 1))
        self.assertEqual(len(run.failed_physician_ids), 1)
        ok = self.doctors - run.failed_physician_ids
        remote_ok = {h for h, a in self._sim_appointments().items() if a["physician"] == ok.tckn}
        self.assertEqual(set(self._appointments().mapped("mhrs_hrn")), remote_ok)
        self.assertFalse(run.failed_physician_ids.mhrs_last_complete_sync)
        self.assertEqual(ok.mhrs_last_complete_sync, run.started_at)

    def test_missing_from_mhrs_is_flagged_not_deleted(self):
        ghost = self.env["mhrs.appointment"].create(
            {
                "mhrs_hrn": "GHOST-1",
                "physician_id": self.doctor_a.id,
                "clinic_id": self.clinic.id,
                "date_start": utc_naive(datetime.combine(self.day, time(10))),
                "date_end": utc_naive(datetime.combine(self.day, time(10, 20))),
            }
        )
        self.sim.post("citizens", {"bookings": 2, "seed": 7})
        run = self._sync_all()
        self.assertEqual(run.missing_count, 1)
        self.assertTrue(ghost.exists())
        self.assertTrue(ghost.missing_from_mhrs)
        self.assertFalse(ghost.last_seen_at, "MHRS never returned it")
        seen = self._appointments([("missing_from_mhrs", "=", False)])
        self.assertTrue(seen)
        self.assertEqual(set(seen.mapped("last_seen_at")), {run.ended_at})
        self.assertEqual(ghost.state, "booked")

    def test_long_window_is_queried_in_parts(self):
        """A window of many days is asked in parts cut at local midnights, so that one MHRS answer stays
        small whatever the horizon; every appointment still arrives once, and a failing part names its
        period."""
        self.sim.post("citizens", {"bookings": 12, "seed": 31})
        remote = set(self._sim_appointments())
        self.sim.post("requests/reset")
        self.sim.fault(QUERY, "http500", self.mhrs_interface, count=1)
        # 2 physicians, 2 physician-days per query: one day per query, 15 queries for 15 days.
        with patch("odoo.addons.mhrs_connector.engines.appointment_sync.SYNC_PHYSICIAN_DAYS", 2):
            run = self._sync_all()
        self.assertEqual((run.state, run.batch_count, run.error_count), ("failed", 15, 1))
        self.assertEqual(self.sim.wire_calls(QUERY, self.mhrs_interface), 15)
        first_day = datetime.combine(self.today, time(0))
        self.assertIn(
            f"{first_day:%d.%m.%Y %H:%M} – {first_day + timedelta(days=1):%d.%m.%Y %H:%M}", run.error_text
        )
        # The failed part (today) holds no booking: everything MHRS has arrived, once.
        self.assertEqual(set(self._appointments().mapped("mhrs_hrn")), remote)
        again = self._sync_all()
        self.assertEqual((again.state, again.batch_count, again.created_count), ("done", 1, 0))

    def test_window_parts_follow_local_midnights(self):
        """Parts end at the company's local midnights, across a daylight-saving change."""
        self.company.partner_id.tz = "Europe/Berlin"
        berlin = ZoneInfo("Europe/Berlin")
        Appointment = self.env["mhrs.appointment"]
        start = datetime(2027, 3, 26, 15, 0, tzinfo=berlin)
        end = datetime(2027, 3, 30, 0, 0, tzinfo=berlin)
        physicians = self.doctor_a
        with patch("odoo.addons.mhrs_connector.engines.appointment_sync.SYNC_PHYSICIAN_DAYS", 1):
            units = AppointmentSync(Appointment).query_units(
                self.company, *(utc_naive_aware(moment) for moment in (start, end)), physicians
            )
        local = [
            (
                part_start.replace(tzinfo=UTC).astimezone(berlin),
                part_end.replace(tzinfo=UTC).astimezone(berlin),
            )
            for _number, _branch, _batch, part_start, part_end in units
        ]
        self.assertEqual(
            [(a.strftime("%d %H:%M"), b.strftime("%d %H:%M")) for a, b in local],
            [
                ("26 15:00", "27 00:00"),
                ("27 00:00", "28 00:00"),
                ("28 00:00", "29 00:00"),
                ("29 00:00", "30 00:00"),
            ],
        )
        # 28 March 2027 has 23 hours in Berlin.
        self.assertEqual(units[2][4] - units[2][3], timedelta(hours=23))

    def test_answer_too_large_is_asked_again_in_halves(self):
        """An answer over the client's size limit (a hospital denser than foreseen) is asked again for
        each physician, then half the period, until it fits: nothing is lost, nothing fails."""
        self.sim.post("citizens", {"bookings": 14, "seed": 32})
        remote = set(self._sim_appointments())
        self.sim.post("requests/reset")
        # About 0.9 KB an appointment: one physician's hour fits, both physicians' 15 days do not.
        original = MhrsClientOfCompany._mhrs_wire_config

        def small_answers(connector, company):
            config = original(connector, company)
            config.max_response_bytes = 6000
            return config

        with patch.object(MhrsClientOfCompany, "_mhrs_wire_config", small_answers):
            run = self._sync_all()
        self.assertEqual((run.state, run.error_count, run.created_count), ("done", 0, len(remote)))
        self.assertGreater(run.batch_count, 3)
        self.assertEqual(self.sim.wire_calls(QUERY, self.mhrs_interface), run.batch_count)
        self.assertEqual(set(self._appointments().mapped("mhrs_hrn")), remote)
        # Nothing to split under the normal limit: one query.
        again = self._sync_all()
        self.assertEqual((again.state, again.batch_count, again.created_count), ("done", 1, 0))


class TestAppointmentSyncG2(TestAppointmentSync):
    mhrs_interface = "g2"
