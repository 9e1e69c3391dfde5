from datetime import timedelta
from unittest.mock import patch

from odoo.tools.misc import get_lang

from odoo.addons.mhrs_connector.wizards.mhrs_schedule_plan_wizard import MhrsSchedulePlanWizard

from ..tools.dates import local_today
from .test_schedule import REGISTER, ScheduleCase, make_tckn


class TestSchedulePlan(ScheduleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.physicians = cls.env["mhrs.physician"].create(
            [
                {
                    "name": f"Dr. Plan {index:02d}",
                    "tckn": make_tckn(4200 + index),
                    "clinic_ids": [(4, cls.clinic.id)],
                }
                for index in range(20)
            ]
        )

    def _wizard(self, physicians, **extra):
        today = local_today(self.company)
        vals = {
            "template_id": self.template_day.id,
            "physician_ids": [(6, 0, physicians.ids)],
            "date_from": today + timedelta(days=1),
            "date_to": today + timedelta(days=30),
        }
        vals.update(extra)
        return self.env["mhrs.schedule.plan.wizard"].create(vals)

    def test_plan_month_for_twenty_physicians_skips_conflicts(self):
        busy = self.physicians[:3]
        existing = self.Schedule
        for physician in busy:
            schedule = self._schedule(
                template=self.template_morning,
                physician=physician,
                clinic=self.clinic2,
                date_from=self.monday,
                date_to=self.monday,
            )
            schedule.action_generate_lines()
            existing |= schedule
        calls = self.sim.calls()
        queries = self.env.cr.sql_log_count
        wizard = self._wizard(self.physicians)
        wizard.action_plan()
        self.assertLess(self.env.cr.sql_log_count - queries, 400)  # batch: not per block
        self.assertEqual(wizard.state, "done")
        self.assertEqual(wizard.created_count, 17)
        self.assertEqual(wizard.skipped_count, 3)
        skipped = wizard.result_ids.filtered(lambda line: line.result == "skipped")
        self.assertEqual(skipped.physician_id, busy)
        for line in skipped:
            other = existing.filtered(lambda s, line=line: s.physician_id == line.physician_id)
            self.assertIn(other.name, line.reason)
            self.assertIn(f"{self.monday.strftime(get_lang(self.env).date_format)} 08:00-12:00", line.reason)
        created = wizard.result_ids.schedule_id
        self.assertEqual(len(created), 17)
        self.assertEqual(set(created.mapped("state")), {"draft"})
        working_days = len(
            [
                day
                for day in (
                    wizard.date_from + timedelta(days=n)
                    for n in range((wizard.date_to - wizard.date_from).days + 1)
                )
                if day.weekday() < 5
            ]
        )
        self.assertEqual(len(created[0].line_ids), working_days * 3)
        self.assertEqual(self.sim.calls(), calls)
        # Planning the same month again skips everybody: the schedules now exist here.
        again = self._wizard(self.physicians)
        again.action_plan()
        self.assertEqual(again.created_count, 0)
        self.assertEqual(again.skipped_count, 20)

    def test_plan_and_register_now(self):
        team = self.physicians[:4]
        blocker = self._schedule(
            template=self.template_morning, physician=team[0], date_from=self.monday, date_to=self.monday
        )
        blocker.action_mhrs_register()
        self.assertEqual(self.calls(REGISTER), 1)
        wizard = self._wizard(team, register_now=True)
        wizard.action_plan()
        registered = wizard.result_ids.filtered(lambda line: line.result == "registered")
        self.assertEqual(len(registered), 3)
        self.assertEqual(self.calls(REGISTER), 1 + 3)
        self.assertEqual(set(registered.schedule_id.mapped("state")), {"registered"})
        self.assertTrue(all(registered.schedule_id.line_ids.mapped("mhrs_schedule_id")))
        skipped = wizard.result_ids.filtered(lambda line: line.result == "skipped")
        self.assertEqual(skipped.physician_id, team[0])

    def test_branch_registered_then_link_refused_stays_recorded(self):
        """Register now: MHRS registers the branch for the first schedule, then refuses its physician's
        link. The branch stays recorded (not rolled back with that schedule's call), the row says why,
        and the next physician's schedule is registered without registering the branch again."""
        branch = self.clinic.mhrs_branch_id
        self.company.sudo().mhrs_registered_branch_ids = [(3, branch.id)]
        branch_calls = self.sim.wire_calls("branch_register", self.mhrs_interface)
        self.sim.fault("physician_link", "refuse", self.mhrs_interface, count=1, code="HKM-001")
        wizard = self._wizard(self.physicians[:2], register_now=True)
        wizard.action_plan()
        self.assertIn(branch, self.company.sudo().mhrs_registered_branch_ids)
        self.assertEqual(self.sim.wire_calls("branch_register", self.mhrs_interface), branch_calls + 1)
        refused = wizard.result_ids.filtered(lambda row: "HKM-001" in (row.reason or ""))
        self.assertEqual(len(refused), 1)
        self.assertEqual(refused.result, "failed")
        self.assertEqual((refused.schedule_id.state, refused.schedule_id.mhrs_sync_state), ("draft", "error"))
        registered = wizard.result_ids - refused
        self.assertEqual(registered.schedule_id.state, "registered")

    def test_a_failure_after_registering_keeps_what_mhrs_did(self):
        """Register now: MHRS registers both physicians' schedules, then a local step of the wizard (its
        result rows) fails. The registrations stay, and a sticky warning says what was done on MHRS."""
        wizard = self._wizard(self.physicians[:2], register_now=True)
        rows_broken = patch.object(
            MhrsSchedulePlanWizard, "_write_results", side_effect=RuntimeError("rows are broken")
        )
        with rows_broken, self.assertLogs("odoo.addons.mhrs_connector.tools.outcome", "WARNING"):
            action = wizard.action_plan()
        self.assertStickyWarning(action, "rows are broken")
        schedules = self.env["mhrs.schedule"].search([("physician_id", "in", self.physicians[:2].ids)])
        self.assertEqual(len(schedules), 2)
        self.assertEqual(set(schedules.mapped("state")), {"registered"})
        held = {str(block["id"]) for block in self._sim_schedules()}
        self.assertTrue(set(schedules.line_ids.mapped("mhrs_schedule_id")) <= held)

    def test_plan_skips_physician_without_clinic_and_ek2(self):
        loner = self.env["mhrs.physician"].create({"name": "Dr. Kliniksiz", "tckn": make_tckn(4300)})
        wizard = self._wizard(loner | self.physicians[0])
        wizard.action_plan()
        by_physician = {line.physician_id: line for line in wizard.result_ids}
        self.assertEqual(by_physician[loner].result, "skipped")
        self.assertIn("clinic", by_physician[loner].reason)
        self.assertEqual(by_physician[self.physicians[0]].result, "created")
        self.company.mhrs_schedule_max_days_ahead = 10
        late = self._wizard(self.physicians[1])
        late.action_plan()
        self.assertEqual(late.result_ids.result, "skipped")
        self.assertIn("10 days", late.result_ids.reason)
