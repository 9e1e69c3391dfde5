from datetime import date, datetime, timedelta

import pytz

from odoo.exceptions import UserError
from odoo.tools.misc import get_lang

from ..engines.schedule_checks import ScheduleChecks
from ..tools.dates import local_today
from .common import MhrsCase

# Facade operations, counted in the call log (the REST wire sends update and cancel to the same path).
REGISTER, UPDATE = "draft_finalise", "schedule_update"
QUERY, CANCEL = "schedule_query", "schedule_cancel"


def make_tckn(seed):
    """A valid TCKN built from an integer seed (first digit never 0)."""
    digits = [int(c) for c in f"{1 + seed % 9}{seed:08d}"[-9:]]
    digits[0] = digits[0] or 1
    odd, even = sum(digits[0:9:2]), sum(digits[1:8:2])
    digits.append((7 * odd - even) % 10)
    digits.append(sum(digits) % 10)
    return "".join(map(str, digits))


class ScheduleCase(MhrsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Schedule = cls.env["mhrs.schedule"]
        cls.company.partner_id.tz = "Europe/Istanbul"
        cls.company.write({"mhrs_schedule_max_days_ahead": 60, "mhrs_min_slot_minutes": 5})
        branch = cls.env.ref("mhrs_connector.mhrs_branch_157")
        cls.clinic = cls.env["mhrs.clinic"].create({"name": "Dahiliye T4-1", "mhrs_branch_id": branch.id})
        cls.clinic2 = cls.env["mhrs.clinic"].create({"name": "Dahiliye T4-2", "mhrs_branch_id": branch.id})
        cls.physician = cls.env["mhrs.physician"].create(
            {"name": "Dr. Test Bir", "tckn": make_tckn(4101), "clinic_ids": [(4, cls.clinic.id)]}
        )
        cls.work = cls.env.ref("mhrs_connector.mhrs_action_code_1")
        cls.lunch = cls.env.ref("mhrs_connector.mhrs_action_code_46")
        cls.surgery = cls.env.ref("mhrs_connector.mhrs_action_code_10")
        cls.template_day = cls._template(
            "T4 Tam Gün",
            [(8, 12, cls.work, 15, 2), (12, 13, cls.lunch, 0, 0), (13, 17, cls.work, 15, 2)],
        )
        cls.template_morning = cls._template("T4 Sabah", [(8, 12, cls.work, 20, 3)])
        cls.template_afternoon = cls._template("T4 Öğleden Sonra", [(12, 17, cls.work, 20, 3)])
        cls.template_1159 = cls._template("T4 Ameliyat 11:59", [(11 + 59 / 60, 13, cls.surgery, 0, 0)])

    @classmethod
    def _template(cls, name, blocks):
        return cls.env["mhrs.template"].create(
            {
                "name": name,
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "start_time": start,
                            "end_time": end,
                            "action_code_id": action.id,
                            "slot_minutes": slot,
                            "patients_per_slot": patients,
                        },
                    )
                    for start, end, action, slot, patients in blocks
                ],
            }
        )

    def setUp(self):
        super().setUp()
        # The simulator was reset: register the clinics there again (new codes each time).
        for clinic in (self.clinic, self.clinic2):
            clinic.write({"state": "draft", "mhrs_clinic_code": 0})
            clinic.action_mhrs_register()
        today = local_today(self.company)
        self.monday = today + timedelta(days=7 - today.weekday())
        self.friday = self.monday + timedelta(days=4)

    def _schedule(self, template=None, physician=None, clinic=None, date_from=None, date_to=None, **extra):
        vals = {
            "physician_id": (physician or self.physician).id,
            "clinic_id": (clinic or self.clinic).id,
            "template_id": (template or self.template_day).id,
            "date_from": date_from or self.monday,
            "date_to": date_to or self.friday,
        }
        vals.update(extra)
        return self.Schedule.create(vals)

    def calls(self, operation):
        """How many calls of a facade operation were made (the call log has one row per exchange)."""
        return self.env["mhrs.sync.log"].search_count([("operation", "=", operation)])

    def _sim_schedules(self):
        return [s for s in self.sim.get("state")["schedules"].values() if s["active"]]


class TestSchedule(ScheduleCase):
    def test_generated_blocks_istanbul(self):
        schedule = self._schedule()
        schedule.action_generate_lines()
        self.assertEqual(len(schedule.line_ids), 15)  # Mon-Fri x 3 blocks
        first = schedule.line_ids[0]
        self.assertEqual(first.date_start, datetime.combine(self.monday, datetime.min.time()).replace(hour=5))
        self.assertEqual(first.date_end, first.date_start + timedelta(hours=4))
        lunch = schedule.line_ids.filtered(lambda line: line.action_code_id == self.lunch)
        self.assertEqual(len(lunch), 5)
        self.assertFalse(any(lunch.mapped("slot_minutes")))
        self.assertEqual(set(schedule.line_ids.mapped("state")), {"draft"})
        # A later change of the template does not change the copies.
        self.template_day.line_ids[0].slot_minutes = 20
        self.assertEqual(first.slot_minutes, 15)

    def test_four_operations(self):
        schedule = self._schedule()
        action = schedule.action_mhrs_register()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.calls(REGISTER), 1)
        self.assertEqual(schedule.state, "registered")
        self.assertEqual(len(schedule.line_ids), 15)
        self.assertTrue(all(schedule.line_ids.mapped("mhrs_schedule_id")))
        self.assertEqual(len(self._sim_schedules()), 15)
        sim = {str(s["id"]): s for s in self._sim_schedules()}
        lunch = schedule.line_ids.filtered(lambda line: line.action_code_id == self.lunch)[0]
        self.assertEqual(sim[lunch.mhrs_schedule_id]["action"], 46)
        self.assertIsNone(sim[lunch.mhrs_schedule_id]["slot"])
        self.assertEqual(self.calls("draft_add"), 15)  # one draft per block, then one finalisation

        # Update: one changed block, one call (REST's plan change); G2 deletes it and adds it again
        # (a draft, then its finalisation): a final block is never edited in place.
        block = schedule.line_ids[0]
        block.slot_minutes = 20
        self.assertTrue(block.mhrs_changed)
        schedule.action_mhrs_update()
        if self.mhrs_interface == "rest":
            self.assertEqual(self.calls(UPDATE), 1)
        else:
            self.assertEqual((self.calls(UPDATE), self.calls(CANCEL), self.calls("draft_add")), (0, 1, 16))
        self.assertFalse(block.mhrs_changed)
        self.assertEqual(block.state, "registered")
        sim = {str(s["id"]): s for s in self._sim_schedules()}
        self.assertEqual(sim[block.mhrs_schedule_id]["slot"], 20)

        # Query: MHRS and Odoo agree (the registration asked once already, for the final ids).
        queries = self.calls(QUERY)
        wizard_action = schedule.action_mhrs_query()
        wizard = self.env["mhrs.schedule.query.wizard"].browse(wizard_action["res_id"])
        self.assertEqual(self.calls(QUERY), queries + 1)
        self.assertEqual(wizard.mhrs_count, 15)
        self.assertFalse(wizard.line_ids)

        # Cancel: every block id in one call.
        cancels = self.calls(CANCEL)
        schedule.action_mhrs_cancel()
        self.assertEqual(self.calls(CANCEL), cancels + 1)
        self.assertEqual(schedule.state, "cancelled")
        self.assertEqual(set(schedule.line_ids.mapped("state")), {"cancelled"})
        self.assertFalse(self._sim_schedules())

    def test_shorten_registered_schedule_cancels_days(self):
        schedule = self._schedule(template=self.template_morning)
        schedule.action_mhrs_register()
        schedule.date_to = self.monday + timedelta(days=2)
        schedule.action_mhrs_update()
        self.assertEqual(self.calls(CANCEL), 1)
        self.assertEqual(len(schedule.line_ids.filtered(lambda line: line.state == "registered")), 3)
        self.assertEqual(len(self._sim_schedules()), 3)

    def test_touching_blocks_are_no_conflict(self):
        morning = self._schedule(template=self.template_morning)
        morning.action_mhrs_register()
        afternoon = self._schedule(template=self.template_afternoon, clinic=self.clinic2)
        afternoon.action_mhrs_register()
        self.assertEqual(afternoon.state, "registered")
        self.assertEqual(self.calls(REGISTER), 2)
        self.assertFalse(afternoon.conflict_warning)

    def test_one_minute_overlap_is_refused_without_call(self):
        morning = self._schedule(template=self.template_morning)
        morning.action_mhrs_register()
        surgery = self._schedule(template=self.template_1159, date_to=self.monday)
        before = self.sim.calls()
        with self.assertRaises(UserError) as caught:
            surgery.action_mhrs_register()
        message = str(caught.exception)
        self.assertIn(morning.name, message)
        self.assertIn(f"{self.monday.strftime(get_lang(self.env).date_format)} 11:59-12:00", message)
        self.assertEqual(self.sim.calls(), before)
        self.assertEqual(surgery.state, "draft")

    def test_conflict_across_clinics_and_drafts(self):
        draft = self._schedule(template=self.template_morning)
        draft.action_generate_lines()
        other = self._schedule(template=self.template_day, clinic=self.clinic2)
        other.action_generate_lines()
        self.assertIn(draft.name, other.conflict_warning)
        with self.assertRaises(UserError) as caught:
            other.action_mhrs_register()
        self.assertIn(draft.name, str(caught.exception))
        self.assertIn(
            f"{self.monday.strftime(get_lang(self.env).date_format)} 08:00-12:00", str(caught.exception)
        )
        self.assertEqual(self.calls(REGISTER), 0)
        # A cancelled schedule no longer conflicts.
        draft.action_mhrs_cancel()
        other.action_mhrs_register()
        self.assertEqual(other.state, "registered")

    def test_second_copy_and_second_registration_refused(self):
        schedule = self._schedule()
        schedule.action_mhrs_register()
        with self.assertRaises(UserError):
            schedule.action_mhrs_register()
        copy = schedule.copy()
        self.assertEqual(copy.state, "draft")
        self.assertFalse(copy.line_ids)
        with self.assertRaises(UserError) as caught:
            copy.action_mhrs_register()
        self.assertIn(schedule.name, str(caught.exception))
        self.assertEqual(self.calls(REGISTER), 1)

    def test_dst_boundary_berlin(self):
        """Europe/Berlin switches to summer time on 28.03.2027: local hours stay, UTC moves."""
        self.company.partner_id.tz = "Europe/Berlin"
        self.company.mhrs_schedule_max_days_ahead = 400
        after_switch = date(2027, 3, 29)  # Monday
        morning = self._schedule(template=self.template_morning, date_from=after_switch, date_to=after_switch)
        morning.action_generate_lines()
        self.assertEqual(morning.line_ids.date_start, datetime(2027, 3, 29, 6, 0))  # 08:00 CEST
        admin = self.env.ref("mhrs_connector.mhrs_action_code_63")
        early = self._template("T4 Erken İdari", [(7, 8, admin, 0, 0)])
        late = self._template("T4 Geç Ameliyat", [(11, 12, self.surgery, 0, 0)])
        week = {"saturday": True, "sunday": True}
        before = self._schedule(
            template=early, clinic=self.clinic2, date_from=date(2027, 3, 26), date_to=after_switch, **week
        )
        before.action_generate_lines()
        self.assertEqual(before.line_ids[0].date_start, datetime(2027, 3, 26, 6, 0))  # 07:00 CET
        self.assertEqual(before.line_ids[-1].date_start, datetime(2027, 3, 29, 5, 0))  # 07:00 CEST
        self.assertFalse(ScheduleChecks(before).conflicts())  # 07:00-08:00 only touches 08:00-12:00
        morning.action_mhrs_register()
        overlapping = self._schedule(
            template=late, clinic=self.clinic2, date_from=date(2027, 3, 26), date_to=after_switch, **week
        )
        overlapping.action_generate_lines()
        calls = self.sim.calls()
        with self.assertRaises(UserError) as caught:
            overlapping.action_mhrs_register()
        self.assertIn(
            f"{date(2027, 3, 29).strftime(get_lang(self.env).date_format)} 11:00-12:00", str(caught.exception)
        )
        self.assertNotIn(date(2027, 3, 28).strftime(get_lang(self.env).date_format), str(caught.exception))
        self.assertEqual(self.sim.calls(), calls)
        before.action_mhrs_register()
        self.assertEqual(before.state, "registered")
        sim_starts = {
            datetime.fromisoformat(s["start"]).astimezone(pytz.utc).replace(tzinfo=None)
            for s in self._sim_schedules()
        }
        self.assertIn(datetime(2027, 3, 29, 5, 0), sim_starts)  # 07:00 CEST sent with its offset
        self.assertIn(datetime(2027, 3, 26, 6, 0), sim_starts)  # 07:00 CET

    def test_ek2_criteria_refused_without_call(self):
        far = self._schedule(
            date_from=self.monday + timedelta(days=70), date_to=self.monday + timedelta(days=70)
        )
        with self.assertRaises(UserError) as caught:
            far.action_mhrs_register()
        self.assertIn("60 days", str(caught.exception))
        self.company.mhrs_min_slot_minutes = 20
        short = self._schedule(template=self.template_day, date_to=self.monday)
        with self.assertRaises(UserError) as caught:
            short.action_mhrs_register()
        self.assertIn("minimum of 20 minutes", str(caught.exception))
        unregistered = self.env["mhrs.clinic"].create(
            {"name": "Kayıtsız", "mhrs_branch_id": self.clinic.mhrs_branch_id.id}
        )
        self.company.mhrs_min_slot_minutes = 5
        draft_clinic = self._schedule(clinic=unregistered, date_to=self.monday)
        with self.assertRaises(UserError) as caught:
            draft_clinic.action_mhrs_register()
        self.assertIn("not registered on MHRS", str(caught.exception))
        self.assertEqual(self.calls(REGISTER), 0)

    def test_update_unknown_id_shows_ctv002(self):
        schedule = self._schedule(template=self.template_morning, date_to=self.monday)
        schedule.action_mhrs_register()
        block = schedule.line_ids
        block.write({"mhrs_schedule_id": "987654"})
        block.slot_minutes = 30
        exc = self.assertRaisesKeepingLogs(UserError, schedule.action_mhrs_update)
        self.assertIn("CTV-002", str(exc))
        self.assertIn("Cetvel bulunamadı", str(exc))  # MHRS's own text, as sent
        self.assertEqual(schedule.mhrs_sync_state, "error")
        operation = "schedule_update" if self.mhrs_interface == "rest" else "schedule_cancel"
        log = self.env["mhrs.sync.log"].search([("operation", "=", operation)], limit=1)
        self.assertEqual(log.error_code, "CTV-002")

    def _register_elsewhere(self, blocks):
        """Another HBYS registers, directly at MHRS, ``blocks`` [(day offset, hour, hours, action, slot,
        patients)] of the physician: drafts, then their finalisation."""
        tz = pytz.timezone("Europe/Istanbul")
        connector = self.env["mhrs.client"].with_context(mhrs_trigger="cron")
        connector._mhrs_call("physician_link", branch=157, physician=self.physician.tckn)
        starts = []
        for offset, hour, hours, action, slot, patients in blocks:
            start = tz.localize(datetime.combine(self.monday + timedelta(days=offset), datetime.min.time()))
            start = start.replace(hour=hour)
            starts.append(start)
            connector._mhrs_call(
                "draft_add",
                block={
                    "branch": 157,
                    "physician": self.physician.tckn,
                    "clinic": self.clinic2.mhrs_clinic_code if action == 10 else self.clinic.mhrs_clinic_code,
                    "action": action,
                    "start": start,
                    "end": start + timedelta(hours=hours),
                    "slot_minutes": slot,
                    "capacity": patients,
                },
            )
        connector._mhrs_call(
            "draft_finalise",
            branch=157,
            start=min(starts),
            end=max(starts) + timedelta(hours=8),
            physician=self.physician.tckn,
        )
        self.env["mhrs.sync.log"].search([]).unlink()  # what Odoo itself sends is counted from here

    def test_other_hbys_conflict_shows_ctv001(self):
        """Another HBYS registered a schedule of the same physician directly at MHRS."""
        self._register_elsewhere([(0, 9, 1, 10, None, None)])
        schedule = self._schedule(template=self.template_morning)
        action = schedule.action_mhrs_register()
        self.assertEqual(action["params"]["type"], "warning")
        refused = schedule.line_ids.filtered(lambda line: line.state == "error")
        self.assertEqual(len(refused), 1)
        self.assertIn("CTV-001", refused.mhrs_error)
        self.assertIn("CTV-001", action["params"]["message"])
        self.assertEqual(schedule.state, "registered")
        self.assertEqual(schedule.mhrs_sync_state, "error")
        self.assertEqual(schedule.registered_line_count, 4)

    def test_all_blocks_refused_keeps_draft(self):
        self._register_elsewhere([(0, 9, 1, 10, None, None)])
        schedule = self._schedule(template=self.template_morning, date_to=self.monday)
        action = schedule.action_mhrs_register()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("CTV-001", action["params"]["message"])
        self.assertEqual(schedule.state, "draft")

    def test_booked_appointments_refuse_cancel_ctv003(self):
        schedule = self._schedule(template=self.template_morning, date_to=self.monday)
        schedule.action_mhrs_register()
        booked = self.sim.post("citizens", {"bookings": 1, "seed": 4})["booked"]
        self.assertEqual(len(booked), 1)
        exc = self.assertRaisesKeepingLogs(UserError, schedule.action_mhrs_cancel)
        self.assertIn("CTV-003", str(exc))
        self.assertIn("exception", str(exc))
        self.assertEqual(schedule.state, "registered")

    def test_query_and_import_from_mhrs(self):
        self._register_elsewhere([(offset, 8, 4, 1, 10, 1) for offset in range(3)])
        wizard = self.env["mhrs.schedule.query.wizard"].create(
            {
                "physician_id": self.physician.id,
                "date_from": self.monday,
                "date_to": self.friday,
            }
        )
        wizard.action_compare()
        self.assertEqual(wizard.mhrs_count, 3)
        self.assertEqual(set(wizard.line_ids.mapped("kind")), {"only_mhrs"})
        self.assertEqual(wizard.importable_count, 3)
        action = wizard.action_import()
        imported = self.Schedule.search(action["domain"])
        self.assertEqual(len(imported), 1)
        self.assertEqual(imported.state, "registered")
        self.assertEqual(len(imported.line_ids), 3)
        self.assertEqual(imported.line_ids[0].date_start.hour, 5)
        self.assertTrue(all(imported.line_ids.mapped("mhrs_schedule_id")))
        again = self.env["mhrs.schedule.query.wizard"].create(
            {
                "physician_id": self.physician.id,
                "date_from": self.monday,
                "date_to": self.friday,
            }
        )
        again.action_compare()
        self.assertFalse(again.line_ids)
        # What Odoo holds conflicts with a new local schedule: refused before any call.
        with self.assertRaises(UserError):
            self._schedule(template=self.template_morning, clinic=self.clinic2).action_mhrs_register()

    def test_clinic_and_template_hooks(self):
        schedule = self._schedule(template=self.template_morning, date_to=self.monday)
        schedule.action_mhrs_register()
        self.assertTrue(self.clinic._mhrs_cancel_blockers())
        with self.assertRaises(UserError):
            self.clinic.action_mhrs_cancel()
        self.assertIn(schedule, self.template_morning._mhrs_affected_schedules())
        self.assertFalse(self.template_afternoon._mhrs_affected_schedules())
        self.assertFalse(ScheduleChecks(schedule).booked_appointments())

    def test_settings_defaults(self):
        company = self.env["res.company"].create({"name": "T4 Hastane"})
        self.assertEqual(company.mhrs_schedule_max_days_ahead, 60)
        self.assertEqual(company.mhrs_min_slot_minutes, 5)
        settings = self.env["res.config.settings"].create({"mhrs_min_slot_minutes": 10})
        settings.execute()
        self.assertEqual(self.company.mhrs_min_slot_minutes, 10)


class TestScheduleConflictOtherCompany(ScheduleCase):
    def test_conflict_with_another_institution_names_nothing_of_it(self):
        """The physician works at two hospitals of this database: the overlap is refused, and the other
        hospital's schedule (name, state, hours) is not shown to this one's user."""
        other_company = self.env["res.company"].create({"name": "Öteki Hastane"})
        other_company.partner_id.tz = "Europe/Istanbul"
        other_company.write({"mhrs_schedule_max_days_ahead": 60, "mhrs_min_slot_minutes": 5})
        env = self.env(context=dict(self.env.context, allowed_company_ids=[other_company.id]))
        branch = self.env.ref("mhrs_connector.mhrs_branch_157")
        clinic = env["mhrs.clinic"].create(
            {"name": "Gizli Klinik", "mhrs_branch_id": branch.id, "company_id": other_company.id}
        )
        physician = env["mhrs.physician"].create(
            {"name": self.physician.name, "tckn": self.physician.tckn, "company_id": other_company.id}
        )
        template = env["mhrs.template"].create(
            {
                "name": "Gizli Şablon",
                "company_id": other_company.id,
                "line_ids": [
                    (
                        0,
                        0,
                        {"start_time": 9, "end_time": 11, "action_code_id": self.work.id, "slot_minutes": 10},
                    )
                ],
            }
        )
        theirs = env["mhrs.schedule"].create(
            {
                "company_id": other_company.id,
                "physician_id": physician.id,
                "clinic_id": clinic.id,
                "template_id": template.id,
                "date_from": self.monday,
                "date_to": self.friday,
            }
        )
        theirs.action_generate_lines()
        self.assertTrue(theirs.line_ids)
        ours = self._schedule(template=self.template_morning)
        ours.action_generate_lines()
        with self.assertRaises(UserError) as caught:
            ours.action_mhrs_register()
        message = str(caught.exception)
        self.assertIn("conflicting schedule at another institution", message)
        for secret in (theirs.name, "Gizli", "09:00", "11:00"):
            self.assertNotIn(secret, message)
        self.assertNotIn(theirs.name, ours.conflict_warning)
        self.assertEqual(self.calls(REGISTER), 0)


class TestScheduleG2(TestSchedule):
    mhrs_interface = "g2"
