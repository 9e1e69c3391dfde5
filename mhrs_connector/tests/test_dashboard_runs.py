"""The dashboard's and the physicians' "last complete sync" count appointment sync runs only: a status
update or status check run after it queried no appointment window of all physicians (issue #15)."""

from datetime import timedelta

from .appointment_common import AppointmentCase


class TestLastCompleteSync(AppointmentCase):
    def test_status_runs_are_not_complete_syncs(self):
        run = self._sync_all()
        self.assertEqual(run.state, "done")
        Run = self.env["mhrs.sync.run"]
        for kind, hours in (("status", 1), ("status_check", 2)):
            Run.create(
                {
                    "company_id": self.company.id,
                    "kind": kind,
                    "state": "done",
                    "started_at": run.started_at + timedelta(hours=hours),
                    "ended_at": run.started_at + timedelta(hours=hours, minutes=1),
                    "physician_ids": [(6, 0, self.doctor_a.ids)],
                }
            )
        dashboard = self.env["mhrs.dashboard"].create({"company_id": self.company.id})
        self.assertEqual(dashboard.last_complete_sync, run.started_at)
        self.assertEqual(dashboard.last_run_id, run)
        self.doctor_a.invalidate_recordset(["mhrs_last_complete_sync"])
        self.assertEqual(self.doctor_a.mhrs_last_complete_sync, run.started_at)
