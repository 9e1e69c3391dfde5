"""The real MHRS schedule workflow (issue #14): drafts first, then finalisation; what a user sees of it,
the Finalise buttons (schedule, plan wizard), the finalisation-ahead job and the rollback rule (a step
MHRS answered is never undone by a later refusal). Over REST and SOAP G2 against the simulator."""

from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user
from odoo.tools.safe_eval import safe_eval

from mhrs_simulator.codes import ACTIVE

from ..tools.dates import local_today
from .test_schedule import ScheduleCase, make_tckn


class TestScheduleWorkflow(ScheduleCase):
    def _sim_drafts(self):
        return list(self.sim.get("state").get("drafts", {}).values())

    def _drafts_only(self):
        self.company.mhrs_finalise_on_register = False

    def _wire_calls(self, operation):
        return self.sim.wire_calls(operation, self.mhrs_interface)

    def test_register_as_drafts_then_finalise(self):
        self._drafts_only()
        schedule = self._schedule()
        action = schedule.action_mhrs_register()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("Finalise", action["params"]["message"])
        self.assertEqual(schedule.state, "mhrs_draft")
        self.assertEqual(set(schedule.line_ids.mapped("state")), {"mhrs_draft"})
        self.assertEqual(schedule.draft_line_count, 15)
        self.assertTrue(all(schedule.line_ids.mapped("mhrs_draft_id")))
        self.assertFalse(any(schedule.line_ids.mapped("mhrs_schedule_id")))
        # MHRS holds drafts, nothing bookable yet.
        self.assertEqual(len(self._sim_drafts()), 15)
        self.assertEqual(self._sim_schedules(), [])
        self.assertEqual(self._wire_calls("draft_finalise"), 0)
        # A draft MHRS holds is not deleted here alone (it would stay at MHRS, unknown to Odoo).
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            schedule.line_ids[0].unlink()

        action = schedule.action_mhrs_finalise()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(schedule.state, "registered")
        self.assertEqual(set(schedule.line_ids.mapped("state")), {"registered"})
        self.assertEqual(schedule.draft_line_count, 0)
        self.assertFalse(any(schedule.line_ids.mapped("mhrs_draft_id")))
        self.assertEqual(
            sorted(schedule.line_ids.mapped("mhrs_schedule_id")),
            sorted(str(s["id"]) for s in self._sim_schedules()),
        )
        self.assertEqual(self._sim_drafts(), [])
        self.assertEqual(self._wire_calls("draft_finalise"), 1)  # one per physician and period

    def test_finalisation_refused_keeps_the_drafts(self):
        """Drafts added, then MHRS refuses their finalisation: the drafts stay recorded (no rollback,
        no UserError), the user gets a sticky warning, and Finalise later adds no draft twice."""
        schedule = self._schedule()
        self.sim.fault("draft_finalise", "refuse", self.mhrs_interface, count=1, code="CTV-009")
        action = schedule.action_mhrs_register()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertTrue(action["params"]["sticky"])
        self.assertIn("CTV-009", action["params"]["message"])
        self.assertEqual(schedule.state, "mhrs_draft")
        self.assertEqual(schedule.mhrs_sync_state, "error")
        self.assertEqual(set(schedule.line_ids.mapped("state")), {"mhrs_draft"})
        self.assertEqual(len(self._sim_drafts()), 15)
        self.assertEqual(self._wire_calls("draft_add"), 15)

        schedule.action_mhrs_finalise()
        self.assertEqual(schedule.state, "registered")
        self.assertEqual(schedule.mhrs_sync_state, "synced")
        self.assertEqual(self._wire_calls("draft_add"), 15)  # no duplicate drafts
        self.assertEqual(len(self._sim_schedules()), 15)

    def test_finalise_of_nothing_is_refused_without_call(self):
        schedule = self._schedule()
        schedule.action_generate_lines()
        calls = self.sim.calls()
        with self.assertRaisesRegex(UserError, "Nothing to finalise"):
            schedule.action_mhrs_finalise()
        self.assertEqual(self.sim.calls(), calls)

    def test_finalise_conflict_is_refused_before_any_call(self):
        self._drafts_only()
        schedule = self._schedule()
        schedule.action_mhrs_register()
        other = self._schedule(clinic=self.clinic2, template=self.template_morning)
        other.action_generate_lines()
        calls = self.sim.calls()
        with self.assertRaisesRegex(UserError, "conflicts with another schedule"):
            schedule.action_mhrs_finalise()
        self.assertEqual(self.sim.calls(), calls)
        self.assertEqual(schedule.state, "mhrs_draft")

    def test_cancel_drafts_deletes_them_at_mhrs(self):
        self._drafts_only()
        schedule = self._schedule(date_to=self.monday)
        schedule.action_mhrs_register()
        self.assertEqual(len(self._sim_drafts()), 3)
        schedule.action_mhrs_cancel()
        self.assertEqual(schedule.state, "cancelled")
        self.assertEqual(self._sim_drafts(), [])
        self.assertEqual(self._wire_calls("draft_delete"), 3)
        self.assertFalse(any(schedule.line_ids.mapped("mhrs_draft_id")))

    def test_cancel_drafts_after_a_lost_delete_answer(self):
        """MHRS deleted the draft, its answer was lost: pressed again, the delete is refused (CTV-002,
        not found); the draft is gone, as asked, so the schedule is cancelled instead of stuck."""
        self._drafts_only()
        schedule = self._schedule(template=self.template_morning, date_to=self.monday)
        schedule.action_mhrs_register()
        self.assertEqual(len(self._sim_drafts()), 1)
        self.sim.fault("draft_delete", "truncated", self.mhrs_interface, count=1)
        with self.assertRaises(UserError):
            schedule.action_mhrs_cancel()
        self.assertEqual(self._sim_drafts(), [])  # done at MHRS, unknown here
        self.assertEqual(schedule.state, "mhrs_draft")
        action = schedule.action_mhrs_cancel()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self._wire_calls("draft_delete"), 2)
        self.assertEqual((schedule.state, schedule.mhrs_sync_state), ("cancelled", "synced"))
        self.assertFalse(schedule.line_ids.mhrs_draft_id)

    def _month_planned_as_drafts(self, count):
        """The plan wizard, registering now without finalising: ``count`` physicians' month as drafts."""
        self._drafts_only()
        physicians = self.env["mhrs.physician"].create(
            [
                {"name": f"Dr. Kesin {i}", "tckn": make_tckn(4700 + i), "clinic_ids": [(4, self.clinic.id)]}
                for i in range(count)
            ]
        )
        today = local_today(self.company)
        wizard = self.env["mhrs.schedule.plan.wizard"].create(
            {
                "template_id": self.template_morning.id,
                "physician_ids": [(6, 0, physicians.ids)],
                "date_from": today + timedelta(days=1),
                "date_to": today + timedelta(days=28),
                "register_now": True,
            }
        )
        wizard.action_plan()
        return wizard

    def test_plan_wizard_finalises_a_month_in_one_step(self):
        wizard = self._month_planned_as_drafts(3)
        self.assertEqual(set(wizard.result_ids.mapped("result")), {"mhrs_draft"})
        self.assertEqual(wizard.draft_count, 3)
        self.assertEqual(self._sim_schedules(), [])
        wizard.action_finalise()
        self.assertEqual(set(wizard.result_ids.mapped("result")), {"registered"})
        self.assertEqual(set(wizard.result_ids.schedule_id.mapped("state")), {"registered"})
        self.assertEqual(wizard.draft_count, 0)
        self.assertEqual(self._wire_calls("draft_finalise"), 3)  # one per physician for the month
        self.assertEqual(self._sim_drafts(), [])
        with self.assertRaisesRegex(UserError, "Nothing to finalise"):
            wizard.action_finalise()

    def test_plan_wizard_finalise_refused_for_one_physician_says_so(self):
        """MHRS finalises the first physician's month, then refuses the second's: the first row is
        registered, the second says MHRS refused and why (not "Registered")."""
        wizard = self._month_planned_as_drafts(2)
        # The first finalisation goes through (a 1 ms delay), the second is refused.
        self.sim.fault("draft_finalise", "latency", self.mhrs_interface, count=1, latency_ms=1)
        self.sim.fault("draft_finalise", "refuse", self.mhrs_interface, count=1, code="CTV-009")
        wizard.action_finalise()
        final = wizard.result_ids.filtered(lambda row: row.result == "registered")
        refused = wizard.result_ids.filtered(lambda row: row.result == "failed")
        self.assertEqual((len(final), len(refused)), (1, 1))
        self.assertEqual(final.schedule_id.state, "registered")
        self.assertIn("CTV-009", refused.reason)
        self.assertEqual(
            (refused.schedule_id.state, refused.schedule_id.mhrs_sync_state), ("mhrs_draft", "error")
        )
        self.assertTrue(refused.schedule_id.draft_line_count)  # Finalise is still offered

    def test_finalise_ahead_job(self):
        self._drafts_only()
        schedule = self._schedule()
        schedule.action_mhrs_register()
        Schedule = self.env["mhrs.schedule"]
        # 0 = off: the company's job runs and finalises nothing.
        job = (
            self.env["ir.cron"]
            .sudo()
            .search([("mhrs_company_id", "=", self.company.id), ("mhrs_job", "=", "finalise_ahead")])
        )
        self.assertEqual(len(job), 1)
        Schedule._cron_finalise_ahead(company_ids=[self.company.id])
        self.assertEqual(self._wire_calls("draft_finalise"), 0)
        # Up to the day after the first Monday: Monday's blocks are finalised, Friday's stay drafts.
        today = local_today(self.company)
        self.company.mhrs_finalise_days_ahead = (self.monday - today).days + 1
        until = fields.Datetime.now() + timedelta(days=self.company.mhrs_finalise_days_ahead)
        Schedule._cron_finalise_ahead(company_ids=[self.company.id])
        final = schedule.line_ids.filtered(lambda line: line.state == "registered")
        drafts = schedule.line_ids.filtered(lambda line: line.state == "mhrs_draft")
        self.assertTrue(final and drafts)
        self.assertTrue(all(line.date_start < until for line in final))
        self.assertTrue(all(line.date_start >= until for line in drafts))
        self.assertEqual(len(self._sim_schedules()), len(final))
        self.assertEqual(len(self._sim_drafts()), len(drafts))
        self.assertEqual(schedule.state, "registered")
        self.assertTrue(schedule.draft_line_count)  # the rest waits: Finalise still offered
        with self.assertRaises(ValidationError):
            self.company.mhrs_finalise_days_ahead = -1


class TestScheduleWorkflowG2(TestScheduleWorkflow):
    mhrs_interface = "g2"


class TestFinalScheduleChange(ScheduleCase):
    def test_change_to_final_schedule_keeps_booked_appointments(self):
        schedule = self._schedule(template=self.template_morning, date_to=self.monday + timedelta(days=1))
        schedule.action_mhrs_register()
        self.assertEqual(schedule.state, "registered")
        booked = self.sim.post("citizens", {"bookings": 1, "seed": 4})["booked"]
        self.assertEqual(len(booked), 1)
        appointment = next(iter(self.sim.get("state")["appointments"].values()))
        booked_line = schedule.line_ids.filtered(
            lambda line: line.mhrs_schedule_id == str(appointment["schedule"])
        )
        other = schedule.line_ids - booked_line
        self.assertEqual(len(booked_line), 1)
        kept_id, old_id = booked_line.mhrs_schedule_id, other.mhrs_schedule_id
        other.slot_minutes = 30
        action = schedule.action_mhrs_update()
        self.assertEqual(action["params"]["type"], "success")
        # The changed block is mapped to the block MHRS now holds (a new id where MHRS replaces it).
        sim = {str(s["id"]): s for s in self._sim_schedules()}
        self.assertIn(other.mhrs_schedule_id, sim)
        self.assertEqual(sim[other.mhrs_schedule_id]["slot"], 30)
        self.assertFalse(other.mhrs_changed)
        # REST cetvel/calisma-plani-guncelle, G2 KurumKesinCetvelSilme + draft + finalisation: delete + add.
        self.assertNotEqual(other.mhrs_schedule_id, old_id)
        self.assertNotIn(old_id, sim)
        # The booked block is untouched, its appointment still active at MHRS.
        self.assertEqual(booked_line.mhrs_schedule_id, kept_id)
        [appointment] = self.sim.get("state")["appointments"].values()
        self.assertEqual(str(appointment["schedule"]), kept_id)
        self.assertEqual(appointment["record_status"], ACTIVE)
        self.assertEqual(len(self._sim_schedules()), 2)


class TestFinalScheduleChangeG2(TestFinalScheduleChange):
    mhrs_interface = "g2"

    def test_block_deleted_then_refused_stays_deleted(self):
        """G2's change is two steps at MHRS: the deletion MHRS made is recorded even when MHRS then
        refuses the new block (sticky warning, no rollback); the block is sent again later."""
        schedule = self._schedule(template=self.template_morning, date_to=self.monday)
        schedule.action_mhrs_register()
        block = schedule.line_ids
        block.slot_minutes = 30
        self.sim.fault("draft_add", "refuse", "g2", count=1, code="CTV-004")
        action = schedule.action_mhrs_update()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("CTV-004", action["params"]["message"])
        self.assertEqual((block.state, block.mhrs_schedule_id), ("error", False))
        self.assertEqual(self._sim_schedules(), [])
        self.assertEqual(schedule.mhrs_sync_state, "error")
        # Sent again: a new final block, mapped to the same Odoo block.
        schedule.action_mhrs_update()
        self.assertEqual(block.state, "registered")
        self.assertEqual([str(s["id"]) for s in self._sim_schedules()], [block.mhrs_schedule_id])

    def test_lost_delete_answer_of_a_change_is_adopted_on_retry(self):
        """G2 changes a final block by deleting it and adding it again. MHRS deleted it and the answer
        was lost: the retry's delete is refused with CTV-002 (the block is gone, as asked), so it is
        adopted and the block is added again, instead of an error."""
        schedule = self._schedule(template=self.template_morning, date_to=self.monday)
        schedule.action_mhrs_register()
        block = schedule.line_ids
        old_id = block.mhrs_schedule_id
        block.slot_minutes = 30
        self.sim.fault("schedule_cancel", "truncated", "g2", count=1)
        action = schedule.action_mhrs_update()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertEqual(schedule.mhrs_sync_state, "to_retry")
        self.assertEqual(self._sim_schedules(), [])  # deleted at MHRS, its answer lost
        schedule.mhrs_next_retry = fields.Datetime.now() - timedelta(seconds=1)
        self.env["res.company"]._mhrs_cron_retry()
        self.assertEqual(self.sim.wire_calls("schedule_cancel", "g2"), 2)
        self.assertEqual((schedule.mhrs_sync_state, block.state), ("synced", "registered"))
        self.assertNotEqual(block.mhrs_schedule_id, old_id)
        [remote] = self._sim_schedules()
        self.assertEqual((str(remote["id"]), remote["slot"]), (block.mhrs_schedule_id, 30))


class TestPrerequisites(ScheduleCase):
    """Each prerequisite MHRS needs before a schedule: refused before any call where Odoo knows it is
    missing, MHRS's refusal shown (and nothing sent after it) where only MHRS knows."""

    def test_unregistered_clinic_and_branch_refused_without_call(self):
        clinic = self.env["mhrs.clinic"].create(
            {"name": "Dahiliye Kayıtsız", "mhrs_branch_id": self.clinic.mhrs_branch_id.id}
        )
        schedule = self._schedule(clinic=clinic, template=self.template_morning, date_to=self.monday)
        calls = self.sim.calls()
        with self.assertRaisesRegex(UserError, "is not registered on MHRS"):
            schedule.action_mhrs_register()
        self.assertEqual(self.sim.calls(), calls)

    def test_physician_link_refused_sends_no_draft(self):
        schedule = self._schedule(template=self.template_morning, date_to=self.monday)
        self.sim.fault("physician_link", "refuse", self.mhrs_interface, count=1, code="HKM-001")
        exc = self.assertRaisesKeepingLogs(UserError, schedule.action_mhrs_register)
        self.assertIn("HKM-001", str(exc))
        self.assertEqual(self.sim.wire_calls("draft_add", self.mhrs_interface), 0)
        self.assertFalse(schedule.physician_id.mhrs_linked_branch_ids)
        self.assertEqual(schedule.state, "draft")

    def test_physician_link_button(self):
        arch = self.env["mhrs.physician"].get_view(view_type="form")["arch"]
        button = etree.fromstring(arch).xpath("//button[@name='action_mhrs_link']")[0]
        self.assertEqual(button.get("invisible"), "not id or not mhrs_link_needed")
        physician = self.physician
        physician.mhrs_temporary_duty = True
        self.assertTrue(physician.mhrs_link_needed)
        action = physician.action_mhrs_link()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(physician.mhrs_linked_branch_ids, self.clinic.mhrs_branch_id)
        self.assertFalse(physician.mhrs_link_needed, "linked: the button would only refuse")
        links = self.sim.get("state")["links"]
        self.assertIn(physician.tckn, links[f"{self.sim_institution()}:157"])
        log = self.env["mhrs.sync.log"].search([("operation", "=", "physician_link")], limit=1)
        sent = log.request_xml.replace(" ", "")
        self.assertTrue('"lgeciciGorevli":true' in sent or "GeciciGorevli>true<" in sent, sent)
        calls = self.sim.calls()
        with self.assertRaisesRegex(UserError, "Nothing to link"):
            physician.action_mhrs_link()
        self.assertEqual(self.sim.calls(), calls)
        # A schedule then needs no new link.
        schedule = self._schedule(template=self.template_morning, date_to=self.monday)
        schedule.action_mhrs_register()
        self.assertEqual(self.sim.wire_calls("physician_link", self.mhrs_interface), 1)

    def test_branch_registered_then_link_refused_keeps_the_branch(self):
        """MHRS registers the branch, then refuses the physician's link: the branch stays recorded (no
        rollback), the user gets a sticky warning; the next press only links."""
        branch = self.clinic.mhrs_branch_id
        self.company.sudo().mhrs_registered_branch_ids = [(3, branch.id)]
        self.sim.fault("physician_link", "refuse", self.mhrs_interface, count=1, code="HKM-001")
        action = self.physician.action_mhrs_link()
        self.assertStickyWarning(action, "HKM-001")
        self.assertIn(branch, self.company.sudo().mhrs_registered_branch_ids)
        self.assertFalse(self.physician.mhrs_linked_branch_ids)
        branch_calls = self.sim.wire_calls("branch_register", self.mhrs_interface)
        self.physician.action_mhrs_link()
        self.assertEqual(self.physician.mhrs_linked_branch_ids, branch)
        self.assertEqual(self.sim.wire_calls("branch_register", self.mhrs_interface), branch_calls)

    def test_branch_registered_then_link_refused_on_register_keeps_the_branch(self):
        """Registering a schedule: MHRS registers the branch, then refuses the physician's link. The
        branch stays recorded with the refusal (no rollback, no draft sent, a sticky warning); the next
        press only links."""
        branch = self.clinic.mhrs_branch_id
        self.company.sudo().mhrs_registered_branch_ids = [(3, branch.id)]
        schedule = self._schedule(template=self.template_morning, date_to=self.monday)
        self.sim.fault("physician_link", "refuse", self.mhrs_interface, count=1, code="HKM-001")
        action = schedule.action_mhrs_register()
        params = action["params"]
        self.assertEqual(
            (params["title"], params["type"], params["sticky"]), ("Not registered", "warning", True)
        )
        self.assertIn("HKM-001", params["message"])
        self.assertEqual((schedule.state, schedule.mhrs_sync_state), ("draft", "error"))
        self.assertIn("HKM-001", schedule.mhrs_last_error)
        self.assertIn(branch, self.company.sudo().mhrs_registered_branch_ids)
        self.assertEqual(self.sim.wire_calls("draft_add", self.mhrs_interface), 0)
        branch_calls = self.sim.wire_calls("branch_register", self.mhrs_interface)
        schedule.action_mhrs_register()
        self.assertEqual((schedule.state, schedule.mhrs_sync_state), ("registered", "synced"))
        self.assertEqual(self.sim.wire_calls("branch_register", self.mhrs_interface), branch_calls)

    def sim_institution(self):
        return self.company.mhrs_institution_code


class TestPrerequisitesG2(TestPrerequisites):
    mhrs_interface = "g2"


class TestActionCodes(ScheduleCase):
    def _press_refresh(self):
        """The list header button with nothing selected, as the web client calls it."""
        return call_kw(self.env["mhrs.action.code"], "action_mhrs_refresh", [[]], {})

    def test_refresh_from_mhrs_button_and_job(self):
        Code = self.env["mhrs.action.code"].with_context(active_test=False)
        work = self.env.ref("mhrs_connector.mhrs_action_code_1")
        work.write({"name": "Eski Ad", "bookable": False})
        seeds = Code.search_count([])
        action = self._press_refresh()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.sim.wire_calls("action_codes", self.mhrs_interface), 1)
        self.assertNotEqual(work.name, "Eski Ad")  # MHRS's name
        self.assertTrue(work.mhrs_refreshed)
        if self.mhrs_interface == "rest":
            self.assertTrue(work.bookable)  # aksiyonAcik
        else:
            self.assertFalse(work.bookable)  # G2 says nothing of it: kept as it was
        # The codes MHRS lists that the seed list lacks are created for this interface only.
        new = Code.search([("interface", "=", self.mhrs_interface)])
        self.assertEqual(Code.search_count([]), seeds + len(new))
        # The company's daily job does the same.
        job = (
            self.env["ir.cron"]
            .sudo()
            .search([("mhrs_company_id", "=", self.company.id), ("mhrs_job", "=", "action_codes")])
        )
        self.assertEqual(job.interval_number, 24 * 60)
        self.env["mhrs.action.code"]._cron_action_code_refresh(company_ids=[self.company.id])
        self.assertEqual(self.sim.wire_calls("action_codes", self.mhrs_interface), 2)
        self.assertEqual(Code.search_count([]), seeds + len(new))  # nothing twice

    def test_refresh_refused_to_a_plain_mhrs_user(self):
        user = new_test_user(self.env, login="codes_user", groups="mhrs_connector.group_mhrs_user")
        calls = self.sim.calls()
        with self.assertRaises(AccessError):
            call_kw(self.env["mhrs.action.code"].with_user(user), "action_mhrs_refresh", [[]], {})
        self.assertEqual(self.sim.calls(), calls)

    def test_refresh_failure_is_shown(self):
        self.sim.fault("action_codes", "http500", self.mhrs_interface, count=1)
        with self.assertRaisesRegex(UserError, "not retried automatically"):
            self._press_refresh()

    def _offered(self, record, field):
        """The action codes the picker of ``field`` offers on ``record``, as the web client asks: the
        field's domain evaluated with the record's values, then a name search."""
        domain = record.fields_get([field])[field]["domain"]
        if isinstance(domain, str):
            domain = safe_eval(domain, {"mhrs_interface": record.mhrs_interface})
        return self.env["mhrs.action.code"].browse(
            [row[0] for row in self.env["mhrs.action.code"].name_search("", domain, limit=None)]
        )

    def test_pickers_offer_the_codes_of_the_company_interface(self):
        Code = self.env["mhrs.action.code"]
        other = "g2" if self.mhrs_interface == "rest" else "rest"
        mine = Code.create({"code": 9901, "name": "Bu Arayüzün", "interface": self.mhrs_interface})
        foreign = Code.create({"code": 9902, "name": "Öbür Arayüzün", "interface": other})
        seed = self.lunch  # the seed list: no interface, fits both
        self.assertFalse(seed.interface)
        schedule = self._schedule(template=self.template_morning, date_to=self.monday)
        schedule.action_generate_lines()
        exception = self.env["mhrs.exception"].new({"company_id": self.company.id})
        for record in (schedule.line_ids, self.template_morning.line_ids, exception):
            offered = self._offered(record, "action_code_id")
            self.assertIn(mine, offered, record._name)
            self.assertIn(seed, offered, record._name)
            self.assertNotIn(foreign, offered, record._name)


class TestActionCodesG2(TestActionCodes):
    mhrs_interface = "g2"


class TestChangedDrafts(ScheduleCase):
    def _changed_draft(self):
        """A schedule sent as drafts (one block), its block changed here since: (schedule, block, the
        draft id MHRS holds for the old values)."""
        self.company.mhrs_finalise_on_register = False
        schedule = self._schedule(template=self.template_morning, date_to=self.monday)
        schedule.action_mhrs_register()
        block = schedule.line_ids
        old_draft = block.mhrs_draft_id
        block.slot_minutes = 30
        return schedule, block, old_draft

    def test_a_draft_changed_here_is_sent_again_before_finalisation(self):
        schedule, block, old_draft = self._changed_draft()
        self.assertTrue(block.mhrs_changed)
        schedule.action_mhrs_finalise()
        self.assertEqual(self.sim.wire_calls("draft_delete", self.mhrs_interface), 1)
        self.assertEqual(self.sim.wire_calls("draft_add", self.mhrs_interface), 2)
        self.assertEqual((block.state, block.mhrs_changed), ("registered", False))
        [final] = self._sim_schedules()
        self.assertEqual((str(final["id"]), final["slot"]), (block.mhrs_schedule_id, 30))
        self.assertNotIn(old_draft, {str(d) for d in self.sim.get("state").get("drafts", {})})

    def test_changed_draft_sent_again_stays_recorded_when_finalisation_is_refused(self):
        schedule, block, old_draft = self._changed_draft()
        self.sim.fault("draft_finalise", "refuse", self.mhrs_interface, count=1, code="CTV-009")
        action = schedule.action_mhrs_finalise()
        self.assertStickyWarning(action, "CTV-009")
        # The new draft MHRS holds is the block's, not the deleted one.
        self.assertEqual((block.state, block.mhrs_changed), ("mhrs_draft", False))
        self.assertNotEqual(block.mhrs_draft_id, old_draft)
        self.assertEqual(
            [str(d["id"]) for d in self.sim.get("state")["drafts"].values()], [block.mhrs_draft_id]
        )
        schedule.action_mhrs_finalise()
        self.assertEqual(block.state, "registered")
        self.assertEqual(self.sim.wire_calls("draft_add", self.mhrs_interface), 2)

    def test_finalise_ahead_keeps_the_draft_sent_again_when_finalisation_is_refused(self):
        """The finalisation-ahead job sends a changed draft again, then MHRS refuses the finalisation:
        the new draft MHRS holds stays the block's (not rolled back with the job's schedule) and the
        refusal is shown on the schedule."""
        schedule, block, old_draft = self._changed_draft()
        Schedule = self.env["mhrs.schedule"]
        self.company.mhrs_finalise_days_ahead = (self.monday - local_today(self.company)).days + 1
        self.sim.fault("draft_finalise", "refuse", self.mhrs_interface, count=1, code="CTV-009")
        Schedule._cron_finalise_ahead(company_ids=[self.company.id])
        self.assertEqual((block.state, block.mhrs_changed), ("mhrs_draft", False))
        self.assertNotEqual(block.mhrs_draft_id, old_draft)
        self.assertEqual(
            [str(d["id"]) for d in self.sim.get("state")["drafts"].values()], [block.mhrs_draft_id]
        )
        self.assertEqual(schedule.mhrs_sync_state, "error")
        self.assertIn("CTV-009", schedule.mhrs_last_error)


class TestChangedDraftsG2(TestChangedDrafts):
    mhrs_interface = "g2"
