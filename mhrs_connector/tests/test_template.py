from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools.dates import local_today
from .test_clinic import ClinicCase


class TemplateCase(ClinicCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.work = cls.env.ref("mhrs_connector.mhrs_action_code_1")
        cls.lunch = cls.env.ref("mhrs_connector.mhrs_action_code_46")

    def _line(self, start, end, action=None, slot=15, patients=1):
        action = action or self.work
        vals = {"start_time": start, "end_time": end, "action_code_id": action.id}
        if action.bookable:
            vals.update(slot_minutes=slot, patients_per_slot=patients)
        return Command.create(vals)

    def _template(self, name, lines):
        return self.env["mhrs.template"].create(
            {"name": name, "company_id": self.company.id, "line_ids": lines}
        )

    def _day(self, slot=20):
        # 20-minute slots: distinct from the demo templates (10 and 15 minutes).
        return [
            self._line(8.0, 12.0, slot=slot),
            self._line(12.0, 13.0, self.lunch),
            self._line(13.0, 17.0, slot=slot),
        ]


class TestTemplate(TemplateCase):
    """MHRS has no template service: templates are local. Activation checks them and sends nothing; a
    schedule made from one expands it into blocks, which are what MHRS receives."""

    def test_activate_sends_nothing_and_is_reused_by_schedules(self):
        template = self._template("Tam gün 20 dk", self._day())
        self.assertEqual(template.slot_count, 24)
        calls = self.sim.calls()
        self.assertTrue(template.action_activate())
        self.assertEqual(template.state, "registered")
        self.assertEqual(
            dict(template._fields["state"]._description_selection(self.env))["registered"], "Active"
        )
        self.assertFalse(template.mhrs_template_id)
        self.assertEqual(self.sim.calls(), calls, "nothing is sent to MHRS for a template")
        self.assertFalse(self._logs(template))
        self.assertIn("no template service", self._last_message(template))
        with self.assertRaises(UserError):
            template.action_activate()
        # Back to draft for a change, then active again.
        template.action_reset_to_draft()
        template.write({"name": "Tam gün 30 dk", "line_ids": [Command.clear(), *self._day(slot=30)]})
        template.action_activate()
        self.assertEqual(template.slot_count, 16)
        # The form says plainly that MHRS has no template service, and offers no MHRS button.
        arch = template.get_view(view_type="form")["arch"]
        self.assertIn("MHRS has no template service today", arch)
        for name in ("action_mhrs_register", "action_mhrs_update", "action_mhrs_set_state"):
            self.assertNotIn(name, arch)
            self.assertFalse(hasattr(template, name))
        list_arch = template.get_view(view_type="list")["arch"]
        self.assertNotIn("action_mhrs_query", list_arch)

    def test_schedule_expands_the_template_into_blocks(self):
        template = self._template(
            "Sabah 20 dk", [self._line(8.0, 12.0, slot=20), self._line(12.0, 13.0, self.lunch)]
        )
        template.action_activate()
        clinic = self._clinic("Şablon Kliniği")
        physician = self.env["mhrs.physician"].create({"name": "Dr. Şablon", "tckn": "10000000146"})
        today = local_today(self.company)
        monday = today + timedelta(days=7 - today.weekday())
        schedule = self.env["mhrs.schedule"].create(
            {
                "physician_id": physician.id,
                "clinic_id": clinic.id,
                "template_id": template.id,
                "date_from": monday,
                "date_to": monday + timedelta(days=1),
            }
        )
        schedule.action_generate_lines()
        self.assertEqual(len(schedule.line_ids), 4)  # 2 days x 2 blocks
        self.assertEqual(
            sorted({(line.action_code_id.code, line.slot_minutes) for line in schedule.line_ids}),
            [(1, 20), (46, 0)],
        )


class TestTemplateRules(TemplateCase):
    """Local rules: refused before any MHRS call."""

    def test_same_definition_under_another_name_is_refused(self):
        first = self._template("Tam gün 20 dk", self._day())
        calls = self.sim.calls()
        with self.assertRaises(ValidationError) as caught:
            self._template("Başka ad", self._day())
        self.assertIn("Tam gün 20 dk", str(caught.exception))
        # Order of the lines does not matter: the definition is sorted.
        with self.assertRaises(ValidationError):
            self._template("Başka ad", list(reversed(self._day())))
        other = self._template("Başka ad", self._day(slot=30))
        with self.assertRaises(ValidationError):
            other.write({"line_ids": [Command.clear(), *self._day()]})
        # Rows changed behind the ORM's back are still caught when activating.
        self.env.cr.execute(
            "UPDATE mhrs_template_line SET slot_minutes = 20 WHERE template_id = %s AND slot_minutes > 0",
            [other.id],
        )
        other.invalidate_recordset()
        other.line_ids.invalidate_recordset()
        with self.assertRaises(ValidationError) as caught:
            other.action_activate()
        self.assertIn("Tam gün 20 dk", str(caught.exception))
        self.assertEqual(self.sim.calls(), calls)
        self.assertEqual(first.state, "draft")

    def test_invalid_blocks_are_refused(self):
        calls = self.sim.calls()
        with self.assertRaises(ValidationError):
            self._template("Çakışan", [self._line(8.0, 12.0, slot=20), self._line(11.0, 13.0, slot=20)])
        with self.assertRaises(ValidationError):
            self._template("Bölünmeyen", [self._line(8.0, 9.0, slot=25)])
        with self.assertRaises(ValidationError):
            self._template("Hastasız", [self._line(8.0, 9.0, slot=20, patients=0)])
        with self.assertRaises(ValidationError):
            self._template("Ters", [self._line(12.0, 9.0, slot=20)])
        template = self._template("Öğle", [self._line(12.0, 13.0, self.lunch)])
        self.assertEqual((template.line_ids.slot_minutes, template.line_ids.patients_per_slot), (0, 0))
        with self.assertRaises(ValidationError):
            template.line_ids.slot_minutes = 15
        with self.assertRaises(ValidationError):
            template.write(
                {
                    "line_ids": [
                        Command.create(
                            {
                                "start_time": 12.5,
                                "end_time": 14.0,
                                "action_code_id": self.work.id,
                                "slot_minutes": 30,
                                "patients_per_slot": 1,
                            }
                        )
                    ]
                }
            )
        empty = self._template("Boş", [])
        with self.assertRaises(UserError):
            empty.action_activate()
        self.assertEqual(self.sim.calls(), calls)


class TestTemplateAccess(TemplateCase):
    def test_user_presses_buttons_but_only_manager_deletes(self):
        template = self._template("Tam gün 20 dk", self._day()).with_user(self.mhrs_user)
        template.action_activate()
        self.assertEqual(template.state, "registered")
        with self.assertRaises(AccessError):
            template.unlink()
        with self.assertRaises(AccessError):
            self.work.with_user(self.mhrs_user).write({"bookable": False})
        template.with_user(self.manager).unlink()
        self.assertFalse(template.exists())
