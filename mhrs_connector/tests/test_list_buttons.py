"""The list header buttons pressed as the web client presses them: ``call_button`` with the selected ids,
an empty list when nothing is selected (``display="always"``), through Odoo's own ``call_kw``."""

from lxml import etree

from odoo.api import call_kw
from odoo.exceptions import UserError

from .appointment_common import AppointmentCase
from .test_schedule import ScheduleCase


class TestListHeaderButtons(ScheduleCase):
    mhrs_interface = "g2"  # the clinic comparison needs G2's clinic query (MHRS V2 has none)

    def _header_buttons(self, model):
        arch = self.env[model].get_view(view_type="list")["arch"]
        return etree.fromstring(arch).xpath("//header/button[@type='object']")

    def _press(self, model, method, ids=()):
        """What /web/dataset/call_button does for a list header button."""
        return call_kw(self.env[model], method, [list(ids)], {})

    def test_every_header_button_pressed_with_nothing_selected(self):
        pressed = set()
        for model in ("mhrs.clinic", "mhrs.template", "mhrs.schedule"):  # templates: none (local only)
            for button in self._header_buttons(model):
                if button.get("display") != "always":
                    continue
                action = self._press(model, button.get("name"))
                self.assertEqual(action["type"], "ir.actions.act_window", (model, button.get("name")))
                self.assertTrue(self.env[action["res_model"]].browse(action["res_id"]).exists())
                pressed.add((model, button.get("name")))
        self.assertEqual(
            pressed,
            {
                ("mhrs.clinic", "action_mhrs_query"),
                ("mhrs.schedule", "action_mhrs_query"),
            },
        )

    def test_compare_clinics_shows_what_only_mhrs_holds(self):
        self.sim.post("seed", {"clinics": [{"branch": 157, "name": "Göz 9"}]})
        action = self._press("mhrs.clinic", "action_mhrs_query")
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertIn("Göz 9", wizard.line_ids.mapped("mhrs_name"))


class TestListHeaderButtonsRest(ScheduleCase):
    def test_compare_clinics_says_mhrs_v2_has_no_clinic_query(self):
        before = self.sim.calls()
        with self.assertRaisesRegex(UserError, "Clinic query over REST"):
            call_kw(self.env["mhrs.clinic"], "action_mhrs_query", [[]], {})
        self.assertEqual(self.sim.calls(), before)


class TestAppointmentListHeaderButtons(AppointmentCase):
    def test_selection_buttons_pressed_with_the_selected_ids(self):
        """Check In / Not Attended of the appointment list act on the selection: pressed as the web
        client does, they reach the records (a booking two days ahead is refused with a clear
        message, not with a crash)."""
        appointment, _search = self._book()
        arch = etree.fromstring(self.env["mhrs.appointment"].get_view(view_type="list")["arch"])
        names = [button.get("name") for button in arch.xpath("//header/button[@type='object']")]
        self.assertEqual(names, ["action_check_in", "action_no_show"])
        for name in names:
            with self.assertRaisesRegex(UserError, "not today|has not started yet"):
                call_kw(self.env["mhrs.appointment"], name, [appointment.ids], {})
        self.assertEqual(appointment.state, "booked")
