"""Scale-out: each company's MHRS jobs are its own scheduled actions, runs left by a dead worker are closed,
every MHRS call is logged before it is sent, a failing MHRS is not queried every minute."""

import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from unittest.mock import patch

import psycopg2

from odoo import fields, sql_db

from ..engines.company_jobs import CompanyJobRunner
from ..tools.run_locks import RUN_LOCK_CLASS
from ..wire import g2 as g2_module
from ..wire import rest as rest_module
from .appointment_common import TZ, AppointmentCase, make_tckn, utc_naive


class TestScaleOut(AppointmentCase):
    def _jobs(self, company=None):
        return (
            self.env["ir.cron"]
            .with_context(active_test=False)
            .search([("mhrs_company_id", "=", (company or self.company).id)], order="mhrs_job")
        )

    def _query_calls(self):
        """Appointment queries the simulator received over the company's interface."""
        return self.sim.wire_calls("appointment_query", self.mhrs_interface)

    def _periodic_runs(self):
        return self.env["mhrs.sync.run"].search(
            [("company_id", "=", self.company.id), ("kind", "=", "periodic")], order="id"
        )

    def _query_at(self, now):
        """The company's query job at ``now``; the runs it creates are dated ``now`` (as in bench/soak.py,
        the runs otherwise carry the real time)."""
        before = self._periodic_runs()
        self.env["mhrs.appointment"]._cron_appointment_query(now=now, company_ids=[self.company.id])
        new = self._periodic_runs() - before
        new.write({"started_at": now})
        return new

    def _connect(self):
        """Another worker's own database connection."""
        connection = psycopg2.connect(**sql_db.connection_info_for(self.env.cr.dbname)[1])
        self.addCleanup(connection.close)
        return connection

    def _wait_lock_released(self, run):
        """The server ends a closed connection's session a moment after the client (pg_locks is live)."""
        for _attempt in range(200):
            self.env.cr.execute(
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s",
                (RUN_LOCK_CLASS, run.id),
            )
            if not self.env.cr.fetchone():
                return
            time.sleep(0.05)

    def test_company_jobs_follow_settings(self):
        jobs = self._jobs()
        self.assertEqual(
            jobs.mapped("mhrs_job"),
            [
                "action_codes",
                "appointment_query",
                "end_of_day",
                "exception_follow_up",
                "finalise_ahead",
                "log_cleanup",
                "retry",
                "status_update",
            ],
        )
        self.assertTrue(all(jobs.mapped("active")))
        query = jobs.filtered(lambda j: j.mhrs_job == "appointment_query")
        self.assertEqual((query.interval_number, query.interval_type), (10, "minutes"))
        self.assertIn(f"company_ids=[{self.company.id}]", query.code)
        self.company.mhrs_shortest_duration = 5
        self.assertEqual(query.interval_number, 5)
        self.company.mhrs_base_url = False
        self.assertFalse(any(self._jobs().mapped("active")))
        self.company.mhrs_base_url = self.sim_server.base_url
        self.assertEqual(self._jobs(), jobs)
        self.assertTrue(all(jobs.mapped("active")))
        # Another MHRS company gets its own jobs; the company's job syncs that company only.
        other = self.env["res.company"].create(
            {"name": "Diğer Hastane", "mhrs_base_url": self.sim_server.base_url}
        )
        self.assertEqual(len(self._jobs(other)), len(jobs))
        self.sim.post("citizens", {"bookings": 3, "seed": 11})
        query.method_direct_trigger()  # "Run Manually"
        run = self._periodic_runs()
        self.assertEqual((len(run), run.state, run.fetched_count), (1, "done", 3))
        self.assertFalse(self.env["mhrs.sync.run"].search([("company_id", "=", other.id)]))
        # The shared scheduled action leaves the companies with their own job alone.
        shared = self.env.ref("mhrs_connector.ir_cron_appointment_query")
        companies = CompanyJobRunner(
            self.env["mhrs.appointment"].with_context(cron_id=shared.id), "appointment_query", ""
        ).companies()
        self.assertFalse(companies & (self.company | other))
        other_jobs = self._jobs(other)
        other_jobs.unlink()
        companies = CompanyJobRunner(
            self.env["mhrs.appointment"].with_context(cron_id=shared.id), "appointment_query", ""
        ).companies()
        self.assertIn(other, companies)
        self.assertNotIn(self.company, companies)

    def test_failing_mhrs_is_not_queried_every_minute(self):
        """#15: with MHRS down the periodic query backs off (cadence doubled per failure) instead of
        running every minute; each attempt still starts its window at the last success."""
        self.company.mhrs_shortest_duration = 1
        t0 = fields.Datetime.now().replace(microsecond=0)
        ok = self._query_at(t0)
        self.assertEqual(ok.state, "done")
        self.sim.fault("appointment_query", "http500", self.mhrs_interface)
        calls = self._query_calls()
        attempts = self.env["mhrs.sync.run"]
        for minute in range(1, 11):
            attempts |= self._query_at(t0 + timedelta(minutes=minute))
        self.assertEqual(set(attempts.mapped("state")), {"failed"})
        # Before: 10 attempts in these 10 minutes; now 1, 2, 4 and 8 minutes after the success.
        self.assertEqual([int((run.started_at - t0).total_seconds() // 60) for run in attempts], [1, 2, 4, 8])
        self.assertEqual(self._query_calls() - calls, len(attempts))
        self.assertEqual(set(attempts.mapped("window_start")), {ok.started_at})
        # Back after 16 minutes: the recovery run covers everything since the last success.
        self.sim.post("faults", {"clear": True})
        self.assertFalse(self._query_at(t0 + timedelta(minutes=15)))
        recovered = self._query_at(t0 + timedelta(minutes=16))
        self.assertEqual((recovered.state, recovered.window_start), ("done", ok.started_at))
        # Success again: the cadence is back to every minute.
        self.assertTrue(self._query_at(t0 + timedelta(minutes=17)))

    def test_cadence_tolerates_a_late_start(self):
        """A run that started late (cron workers poll about once a minute) does not push the next one a
        whole cadence away."""
        t0 = fields.Datetime.now().replace(microsecond=0)
        first = self._query_at(t0 + timedelta(seconds=50))  # the 10-minute slot, started 50 s late
        self.assertFalse(self._query_at(t0 + timedelta(minutes=5)))
        self.assertTrue(self._query_at(t0 + timedelta(minutes=10)))
        self.assertEqual(first.state, "done", first.error_text)

    def test_run_of_a_dead_worker_is_closed_as_failed(self):
        Run = self.env["mhrs.sync.run"]
        run = Run.create({"company_id": self.company.id, "kind": "periodic"})
        # Alive: its worker (this connection) holds its lock.
        self.assertFalse(Run._mhrs_close_orphans(self.company))
        # Another worker's run: its connection holds the lock while it lives.
        self.env.cr.execute("SELECT pg_advisory_unlock(%s, %s)", (RUN_LOCK_CLASS, run.id))
        worker = self._connect()
        worker.cursor().execute("SELECT pg_advisory_lock(%s, %s)", (RUN_LOCK_CLASS, run.id))
        self.assertFalse(Run._mhrs_close_orphans(self.company))
        self.assertEqual(run.state, "running")
        worker.close()  # the worker dies: PostgreSQL releases its session's locks
        self._wait_lock_released(run)
        closed = Run._mhrs_close_orphans(self.company)
        self.assertEqual(closed, run)
        self.assertEqual(run.state, "failed")
        self.assertTrue(run.ended_at)
        self.assertIn("stopped before it ended", run.error_text)
        # The company's next job does the same before it runs.
        other = Run.create({"company_id": self.company.id, "kind": "status"})
        self.env.cr.execute("SELECT pg_advisory_unlock(%s, %s)", (RUN_LOCK_CLASS, other.id))
        self.env["mhrs.appointment"]._cron_status_update(company_ids=[self.company.id])
        self.assertEqual(other.state, "failed")
        # A finished run releases its lock.
        done = self._sync_all()
        self.env.cr.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s",
            (RUN_LOCK_CLASS, done.id),
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_call_logged_before_it_is_sent(self):
        """The call's row exists (request, no answer) while MHRS works on it, and is then completed."""
        Log = self.env["mhrs.sync.log"]
        seen = []
        module = rest_module if self.company.mhrs_interface == "rest" else g2_module
        original = module.send

        def spy_send(*args, **kwargs):
            # What a kill -9 at this moment would leave: the row, committed through its own cursor.
            seen.append(Log.search_read([("operation", "=", "appointment_query")], ["state", "response_xml"]))
            return original(*args, **kwargs)

        with patch.object(module, "send", spy_send):
            run = self._sync_all()
        self.assertEqual(run.state, "done")
        self.assertEqual(len(seen), run.batch_count)
        pending = seen[0][0]
        self.assertEqual(pending["state"], "pending")
        self.assertFalse(pending["response_xml"])
        Log.invalidate_model()  # completed through the log's own cursor
        row = Log.browse(pending["id"])
        self.assertEqual(row.state, "done")
        self.assertTrue(row.response_xml)
        for secret in (self.company.mhrs_password, self.company.mhrs_g2_password):
            if secret:
                self.assertNotIn(secret, row.request_xml)
        self.assertEqual(Log.search_count([("operation", "=", "appointment_query")]), run.batch_count)

    def test_end_of_day_waits_for_the_lock_then_runs(self):
        """An end-of-day job that finds the company busy runs again as soon as the lock is free (woken by
        the holder), not 15 minutes later."""
        eod = self._jobs().filtered(lambda j: j.mhrs_job == "end_of_day")
        Trigger = self.env["ir.cron.trigger"]
        holder = self._connect()
        holder.cursor().execute(
            "SELECT pg_advisory_xact_lock(hashtext('mhrs_appointment_sync'), %s)", (self.company.id,)
        )
        self.env["mhrs.appointment"].with_context(cron_id=eod.id)._cron_end_of_day_sync(
            company_ids=[self.company.id]
        )
        self.assertFalse(self.env["mhrs.sync.run"].search([("kind", "=", "end_of_day")]))
        waiting = Trigger.search([("cron_id", "=", eod.id)])
        self.assertEqual(len(waiting), 1)
        self.assertLessEqual(waiting.call_at, fields.Datetime.now() + timedelta(minutes=1))
        holder.rollback()  # the holder ends
        holder.close()
        CompanyJobRunner(self.env["mhrs.appointment"], "end_of_day", "").wake_waiting_jobs(self.company)
        now = Trigger.search([("cron_id", "=", eod.id), ("call_at", "<=", fields.Datetime.now())])
        self.assertEqual(len(now), 1)

    def test_far_days_queried_less_often(self):
        """Every cadence the near days; the rest of the horizon once an hour: fewer MHRS calls, and a
        booking far ahead still arrives (drift 0)."""
        Physician = self.env["mhrs.physician"]
        more = Physician.create(
            [{"name": f"Dr. Ek {n}", "tckn": make_tckn(456000000 + n)} for n in range(23)]
        )
        self.sim.post("seed", {"physicians": [{"tckn": d.tckn, "name": d.name} for d in more]})
        far_day = self.today + timedelta(days=6)
        self._register_schedules(far_day, dtime(9), dtime(12))
        t0 = fields.Datetime.now().replace(microsecond=0)
        full = self._query_at(t0)
        self.assertEqual(full.window_end, t0 + timedelta(days=15))

        def book(day, seed):
            start = datetime.combine(day, dtime(0), TZ)
            window = {"start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat()}
            return self.sim.post("citizens", {"bookings": 2, "seed": seed, "window": window})["booked"]

        near_booked, far_booked = book(self.day, 31), book(far_day, 32)
        calls = self._query_calls()

        def near_end(at):
            """The end of a near run's window: the local midnight three days after the run's local day
            (computed from the run's time: a run after local midnight reaches a day further)."""
            local_day = at.replace(tzinfo=UTC).astimezone(TZ).date()
            return utc_naive(datetime.combine(local_day + timedelta(days=3), dtime(0)))

        near = self._query_at(t0 + timedelta(minutes=10))
        self.assertEqual(near.window_end, near_end(t0 + timedelta(minutes=10)))
        self.assertEqual(self._query_calls() - calls, near.batch_count)
        self.assertLess(near.batch_count, full.batch_count)
        hrns = set(self._appointments().mapped("mhrs_hrn"))
        self.assertTrue(set(near_booked) <= hrns)
        self.assertFalse(set(far_booked) & hrns)
        # An hour after the full run, the whole horizon again: the far booking arrives, nothing drifts.
        self.assertEqual(
            self._query_at(t0 + timedelta(minutes=50)).window_end, near_end(t0 + timedelta(minutes=50))
        )
        again = self._query_at(t0 + timedelta(minutes=60))
        self.assertEqual(again.window_end, t0 + timedelta(minutes=60) + timedelta(days=15))
        self.assertTrue(set(far_booked) <= set(self._appointments().mapped("mhrs_hrn")))
        remote = self._sim_appointments()
        local = self._appointments()
        self.assertEqual(set(local.mapped("mhrs_hrn")), set(remote))

    def _execute(self, cron, planned):
        """One execution of ``cron`` planned at ``planned`` as a cron worker does it: the callback in the
        job's transaction, then Odoo's rescheduling; returns the periodic runs it made."""
        cron.nextcall = planned
        before = self._periodic_runs()
        cron._callback(cron.name, cron.ir_actions_server_id.id)
        self.env.cr.execute("SELECT * FROM ir_cron WHERE id = %s", (cron.id,))
        self.env["ir.cron"]._reschedule_later(self.env.cr.dictfetchone())
        cron.invalidate_recordset(["nextcall"])
        return self._periodic_runs() - before

    def test_query_planned_a_cadence_after_its_run(self):
        """#18: a query that started late (its server killed, the company locked, every worker busy) or
        early (woken by a trigger) has its next run planned a cadence after its start: on Odoo's grid
        alone the next one would come early or be found not due and wait a whole cadence more. A run on
        time keeps the grid, so the cron workers' polling lateness does not add up."""
        self.company.mhrs_shortest_duration = 1
        minute = timedelta(minutes=1)
        query = self._jobs().filtered(lambda j: j.mhrs_job == "appointment_query")
        now = fields.Datetime.now()
        late = self._execute(query, now - timedelta(seconds=40))
        self.assertEqual(late.state, "done", late.error_text)
        self.assertEqual(query.nextcall, late.started_at + minute)
        # Run again at once: not due, nothing planned; Odoo's grid applies.
        planned = fields.Datetime.now() - timedelta(seconds=1)
        self.assertFalse(self._execute(query, planned))
        self.assertEqual(query.nextcall, planned + minute)
        # On time (a poll after its planned time): the next one a cadence after the plan.
        late.started_at -= minute
        planned = fields.Datetime.now() - timedelta(seconds=2)
        on_time = self._execute(query, planned)
        self.assertEqual(on_time.state, "done", on_time.error_text)
        self.assertEqual(query.nextcall, planned + minute)
        # Woken before its planned time (the company's lock freed): a cadence after its start.
        on_time.started_at -= minute
        early = self._execute(query, fields.Datetime.now() + timedelta(seconds=30))
        self.assertEqual(early.state, "done", early.error_text)
        self.assertEqual(query.nextcall, early.started_at + minute)
        # MHRS failing: no plan; Odoo's grid and the back-off apply.
        early.started_at -= minute
        self.sim.fault("appointment_query", "http500", self.mhrs_interface)
        planned = fields.Datetime.now() - timedelta(seconds=40)
        failed = self._execute(query, planned)
        self.assertEqual(failed.state, "failed")
        self.assertEqual(query.nextcall, planned + minute)
