from datetime import timedelta

from odoo import fields

from .test_schedule import CANCEL, REGISTER, ScheduleCase


class TestScheduleRetry(ScheduleCase):
    """A registration (drafts, then their finalisation) whose answer is lost or refused by an outage."""

    def test_lost_registration_answer_is_adopted_not_duplicated(self):
        schedule = self._schedule()
        # MHRS finalises the drafts, then the answer is cut off.
        self.sim.fault(REGISTER, "truncated", self.mhrs_interface, count=1, execute=True)
        schedule.action_mhrs_register()
        # The drafts MHRS answered are recorded; only the finalisation's outcome is unknown.
        self.assertEqual((schedule.state, schedule.mhrs_sync_state), ("mhrs_draft", "to_retry"))
        self.assertTrue(all(schedule.line_ids.mapped("mhrs_draft_id")))
        self.assertEqual(len(self._sim_schedules()), 15)
        schedule.mhrs_next_retry = fields.Datetime.now() - timedelta(seconds=1)
        self.env["res.company"]._mhrs_cron_retry()
        self.assertEqual((schedule.state, schedule.mhrs_sync_state), ("registered", "synced"))
        self.assertEqual(len(self._sim_schedules()), 15, "no block registered twice")
        self.assertEqual(self.sim.wire_calls(REGISTER, self.mhrs_interface), 1)
        remote_ids = {str(s["id"]) for s in self._sim_schedules()}
        self.assertEqual(set(schedule.line_ids.mapped("mhrs_schedule_id")), remote_ids)

    def test_unapplied_registration_is_resent(self):
        schedule = self._schedule()
        self.sim.fault(REGISTER, "http500", self.mhrs_interface, count=1)
        schedule.action_mhrs_register()
        self.assertEqual(schedule.mhrs_sync_state, "to_retry")
        schedule.mhrs_next_retry = fields.Datetime.now() - timedelta(seconds=1)
        self.env["res.company"]._mhrs_cron_retry()
        self.assertEqual((schedule.state, schedule.mhrs_sync_state), ("registered", "synced"))
        self.assertEqual(len(self._sim_schedules()), 15)

    def test_retried_drafts_whose_finalisation_is_refused_reach_the_managers(self):
        """The drafts could not be sent (MHRS down): the retry job sends them, then MHRS refuses their
        finalisation. The drafts stay recorded, the schedule shows the refusal, and since nobody pressed
        a button, the MHRS managers get a to-do saying so."""
        schedule = self._schedule()
        self.sim.fault("draft_add", "http500", self.mhrs_interface, count=1)
        schedule.action_mhrs_register()
        self.assertEqual(
            (schedule.mhrs_sync_state, schedule.mhrs_pending_operation), ("to_retry", "draft_add")
        )
        self.sim.fault(REGISTER, "refuse", self.mhrs_interface, count=1, code="CTV-009")
        schedule.mhrs_next_retry = fields.Datetime.now() - timedelta(seconds=1)
        self.env["res.company"]._mhrs_cron_retry()
        self.assertEqual((schedule.state, schedule.mhrs_sync_state), ("mhrs_draft", "error"))
        self.assertTrue(all(schedule.line_ids.mapped("mhrs_draft_id")))
        self.assertIn("CTV-009", schedule.mhrs_last_error)
        activity = schedule.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertTrue(activity.user_id.has_group("mhrs_connector.group_mhrs_manager"))
        self.assertIn("CTV-009", activity.note)

    def test_lost_cancel_answer_is_adopted_on_retry(self):
        """MHRS deleted the blocks, its answer was lost: the resent delete is refused (CTV-002, not
        found), which is what was asked: the cancellation is adopted, not shown as an error."""
        schedule = self._schedule(template=self.template_morning, date_to=self.monday)
        schedule.action_mhrs_register()
        self.sim.fault(CANCEL, "truncated", self.mhrs_interface, count=1)
        schedule.action_mhrs_cancel()
        self.assertEqual((schedule.state, schedule.mhrs_sync_state), ("registered", "to_retry"))
        self.assertEqual(self._sim_schedules(), [])  # done at MHRS, unknown here
        schedule.mhrs_next_retry = fields.Datetime.now() - timedelta(seconds=1)
        self.env["res.company"]._mhrs_cron_retry()
        self.assertEqual(self.sim.wire_calls(CANCEL, self.mhrs_interface), 2)
        self.assertEqual((schedule.state, schedule.mhrs_sync_state), ("cancelled", "synced"))
        self.assertFalse(schedule.mhrs_last_error)
        self.assertEqual(set(schedule.line_ids.mapped("state")), {"cancelled"})


class TestScheduleRetryG2(TestScheduleRetry):
    mhrs_interface = "g2"
