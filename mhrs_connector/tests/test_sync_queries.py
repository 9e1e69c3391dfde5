"""The sync scales: statements per query, not per appointment, on both wires.

No timings here (bench/bench_sync.py measures them); only counts that must not grow with the data.
"""

from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from unittest.mock import patch

from odoo import sql_db

from .appointment_common import TZ, AppointmentCase

QUERY, STATUS = "appointment_query", "appointment_set_status"


@contextmanager
def sql_writes(table):
    """The INSERT / UPDATE / DELETE statements on ``table`` run meanwhile (any cursor, ORM or raw)."""
    original = sql_db.Cursor.execute
    statements = []

    def execute(cursor, query, params=None, log_exceptions=True):
        text = str(getattr(query, "code", query)).lstrip()
        head = text[:120].split(None, 3)
        verb = head[0].upper() if head else ""
        if verb in ("INSERT", "DELETE") and len(head) > 2:
            target = head[2]
        elif verb == "UPDATE" and len(head) > 1:
            target = head[1]
        else:
            target = None
        if target and target.strip('"') == table:
            statements.append(text[:120])
        return original(cursor, query, params, log_exceptions)

    with patch.object(sql_db.Cursor, "execute", execute):
        yield statements


class TestSyncQueries(AppointmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.day2 = cls.day + timedelta(days=1)

    def setUp(self):
        super().setUp()
        # Day + 3, 08:00-18:00, 10-minute slots: 60 places per physician.
        self.big = self._register_schedules(self.day2, time(8), time(18), slot=10)

    def _book_citizens(self, count, seed):
        window = {
            "start": datetime.combine(self.day2, time(0), TZ).isoformat(),
            "end": datetime.combine(self.day2 + timedelta(days=1), time(0), TZ).isoformat(),
        }
        booked = self.sim.post("citizens", {"bookings": count, "seed": seed, "window": window})["booked"]
        self.assertEqual(len(booked), count)
        return booked

    def _counted_sync(self):
        """(SQL statements, MHRS calls, run) of one sync, from a cold cache as in a fresh cron run."""
        self.env.invalidate_all()
        self.sim.post("requests/reset")
        before = sql_db.sql_counter
        run = self._sync_all()
        return sql_db.sql_counter - before, self.sim.wire_calls(QUERY, self.mhrs_interface), run

    @contextmanager
    def _spy_writes(self):
        """The ORM writes made on appointments meanwhile: [(ids, vals)]."""
        model = self.registry["mhrs.appointment"]
        original = model.write
        writes = []

        def write(records, vals):
            writes.append((records.ids, dict(vals)))
            return original(records, vals)

        with patch.object(model, "write", write):
            yield writes

    def test_unchanged_sync_statements_do_not_grow_with_appointments(self):
        counts = {}
        for total, seed in ((20, 1), (60, 2)):
            self._book_citizens(total - len(self._appointments()), seed)
            _statements, _calls, run = self._counted_sync()
            self.assertEqual(run.fetched_count, total)
            messages = self.env["mail.message"].search_count([("model", "=", "mhrs.appointment")])
            with self._spy_writes() as writes, sql_writes("mhrs_appointment") as rows:
                statements, calls, run = self._counted_sync()
            self.assertEqual(
                (run.state, run.fetched_count, run.created_count, run.updated_count), ("done", total, 0, 0)
            )
            # An unchanged sync writes nothing (no ORM write on an appointment, not even a bookkeeping
            # UPDATE: "last seen" is derived from the runs; no chatter) ...
            self.assertEqual(writes, [])
            self.assertEqual(rows, [])
            self.assertEqual(set(self._appointments().mapped("last_seen_at")), {run.ended_at})
            self.assertEqual(
                self.env["mail.message"].search_count([("model", "=", "mhrs.appointment")]), messages
            )
            # ... and asks MHRS once per batch of physicians, never per appointment.
            self.assertEqual(calls, run.batch_count)
            counts[total] = statements
        # O(batches), not O(appointments): three times the appointments, the same statements.
        self.assertEqual(counts[20], counts[60], counts)

    def test_created_statements_do_not_grow_with_appointments(self):
        """Creating 20 or 60 appointments (and their new patients) costs the same statements; what the
        sync creates gets no chatter, tracking or followers."""
        self._book_citizens(10, 3)
        self._counted_sync()  # so that both measured runs also have existing appointments to compare
        created = {}
        for count, seed in ((20, 4), (60, 5)):
            self._book_citizens(count, seed)
            created[count], calls, run = self._counted_sync()
            self.assertEqual((run.created_count, calls), (count, run.batch_count))
        self.assertEqual(created[20], created[60], created)
        appointments = self._appointments()
        self.assertEqual(len(appointments), 90)
        self.assertFalse(appointments.message_follower_ids)
        self.assertFalse(appointments.message_ids)
        self.assertFalse(appointments.partner_id.message_ids)
        # Changes still write (and track) as before: a citizen cancellation reaches the chatter.
        self.sim.post("citizens", {"cancellations": 3, "seed": 6})
        with self._spy_writes() as writes:
            run = self._counted_sync()[2]
        self.assertEqual(run.cancelled_count, 3)
        self.assertEqual(writes, [(writes[0][0], {"state": "cancelled", "cancelled_by": "patient_mhrs"})])
        self.assertEqual(len(writes[0][0]), 3)  # one write for the three identical changes
        cancelled = self._appointments([("state", "=", "cancelled")])
        self.assertEqual(len(cancelled), 3)
        self.assertEqual(set(cancelled.mapped("cancelled_by")), {"patient_mhrs"})

    # ---------------------------------------------------------------------------------- status pass
    def test_status_pass_statements_do_not_grow_with_appointments(self):
        """The status pass (operation 15) for 20 or 60 appointments costs the same statements: one
        search, one MHRS call, grouped writes and one chatter create per batch; per-record chatter only
        for what MHRS refused."""
        Appointment = self.env["mhrs.appointment"]
        self.company.mhrs_status_grace = 0
        # 19:00 on the day: every appointment (08:00-18:00) has ended; not yet the final pass.
        when = datetime.combine(self.day2, time(19), TZ)
        now = when.astimezone(UTC).replace(tzinfo=None)
        counts, calls = {}, {}
        for total, seed in ((20, 11), (60, 12)):
            self._book_citizens(total - len(self._appointments()), seed)
            self._counted_sync()
            appointments = self._appointments().sorted("id")
            self.assertEqual(len(appointments), total)
            # The 20 of the first pass are due again locally: MHRS answers "already set" (RDG-008),
            # which is also a success.
            quiet = appointments.with_context(tracking_disable=True)
            quiet.write(
                {
                    "state": "booked",
                    "checked_in_at": False,
                    "mhrs_status_code": False,
                    "mhrs_status_sent_at": False,
                    "mhrs_status_error": False,
                }
            )
            # Half checked in (attended), the rest left undecided (not attended); one MHRS does not know.
            for appointment in quiet[: total // 2]:
                appointment.write({"state": "attended", "checked_in_at": appointment.date_start})
            unknown = quiet[-1]
            real_hrn = unknown.mhrs_hrn
            unknown.with_context(mhrs_sync_write=True).mhrs_hrn = f"2099010100{total:04d}"
            quiet.flush_recordset()  # recomputed without tracking, as the job does
            self.env.invalidate_all()
            self.sim.post("clock", {"set": when.isoformat(), "frozen": True})
            self.sim.post("requests/reset")
            messages = self.env["mail.message"].search_count([("model", "=", "mhrs.appointment")])
            before = sql_db.sql_counter
            try:
                Appointment._cron_status_update(now=now)
                # What a commit would still write (tracking messages are created at commit).
                self.env.flush_all()
                self.env.cr.precommit.run()
                counts[total] = sql_db.sql_counter - before
            finally:
                self.sim.post("clock", {"release": True})
            run = self.env["mhrs.sync.run"].search([("kind", "=", "status")], limit=1)
            self.assertEqual(
                (run.status_sent_count, run.status_failed_count, run.batch_count, run.state),
                (total - 1, 1, 1, "partial"),
            )
            calls[total] = self.sim.wire_calls(STATUS, self.mhrs_interface)
            if self.mhrs_interface == "g2":
                self.assertEqual(calls[total], 1)
            else:
                # MHRS V2 refuses the batch as a whole (the simulator also for "already set"): it is
                # halved down to the refused items, at most 2n - 1 calls.
                self.assertLessEqual(calls[total], 2 * total - 1)
            self.assertEqual(set((appointments - unknown).mapped("mhrs_status")), {"sent"})
            self.assertEqual(unknown.mhrs_status, "failed")
            # The normal path writes no chatter: only the refused appointment gets a line.
            self.assertEqual(
                self.env["mail.message"].search_count([("model", "=", "mhrs.appointment")]), messages + 1
            )
            self.assertIn("RDG-003", unknown.message_ids[:1].body)
            unknown.with_context(tracking_disable=True, mhrs_sync_write=True).write({"mhrs_hrn": real_hrn})
        if self.mhrs_interface == "g2":
            self.assertEqual(counts[20], counts[60], counts)
        else:  # statements per MHRS call do not grow with the appointments
            self.assertLessEqual(counts[60] / calls[60], counts[20] / calls[20] + 1, (counts, calls))


class TestSyncQueriesG2(TestSyncQueries):
    mhrs_interface = "g2"
