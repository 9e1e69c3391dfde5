"""The first minute of an MHRS user: the MHRS app first, opening on its Status page, which says what to
do next when something waits for a person."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .appointment_common import AppointmentCase


@tagged("post_install", "-at_install")
class TestFirstMinute(AppointmentCase):
    def _new_user(self, login, groups):
        return self.env["res.users"].create(
            {
                "name": login.title(),
                "login": login,
                "groups_id": [(6, 0, [self.env.ref(g).id for g in groups])],
            }
        )

    def test_new_mhrs_user_lands_on_the_status_page(self):
        user = self._new_user("resepsiyon", ["base.group_user", "mhrs_connector.group_mhrs_user"])
        menus = self.env["ir.ui.menu"].with_user(user).load_web_menus(False)
        first_app = menus[menus["root"]["children"][0]]
        self.assertEqual(first_app["xmlid"], "mhrs_connector.menu_mhrs_root")
        # The web client opens the first app's action after the login: the MHRS Status page.
        self.assertEqual(first_app["actionID"], self.env.ref("mhrs_connector.action_mhrs_status").id)
        action = self.env["mhrs.dashboard"].with_user(user).action_open()
        self.assertEqual(action["res_model"], "mhrs.dashboard")
        # Somebody without MHRS keeps the first app they had.
        other = self._new_user("muhasebe", ["base.group_user"])
        other_menus = self.env["ir.ui.menu"].with_user(other).load_web_menus(False)
        self.assertNotIn(
            "mhrs_connector.menu_mhrs_root",
            [other_menus[menu_id]["xmlid"] for menu_id in other_menus["root"]["children"]],
        )

    def test_status_page_says_what_to_do_next(self):
        # At midday, whatever the hour the test runs: a patient of today whose time has passed.
        with self.at_hospital_midday():
            self._status_page_says_what_to_do_next()

    def _status_page_says_what_to_do_next(self):
        now = fields.Datetime.now()
        dashboard = self.env["mhrs.dashboard"].create({"company_id": self.company.id})
        self.assertNotIn("still booked", dashboard.next_step or "")
        self.assertNotIn("refused by MHRS", dashboard.next_step or "")
        late = self.env["mhrs.appointment"].create(
            {
                "mhrs_hrn": "NEXT-STEP-1",
                "physician_id": self.doctor_a.id,
                "clinic_id": self.clinic.id,
                "date_start": now - timedelta(minutes=30),
                "date_end": now - timedelta(minutes=10),
            }
        )
        self.clinic.write({"mhrs_sync_state": "error", "mhrs_last_error": "KLN-002"})
        dashboard = self.env["mhrs.dashboard"].create({"company_id": self.company.id})
        self.assertIn("1 of today's patients whose time has passed are still booked", dashboard.next_step)
        self.assertIn("refused by MHRS", dashboard.next_step)
        # Reception checks the patient in from the list the Booked number opens: that line goes away.
        opened = self.env["mhrs.appointment"].search(dashboard.action_open_today_booked()["domain"])
        self.assertIn(late, opened)
        late.action_check_in()
        dashboard.invalidate_recordset()
        self.assertNotIn("still booked", dashboard.next_step)
