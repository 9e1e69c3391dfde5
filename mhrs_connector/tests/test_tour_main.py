"""The main user flow in the browser: template → planned, registered schedule → appointments arrive
after a query → reception checks a patient in → the status reaches MHRS."""

from datetime import datetime, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

from odoo.tests import tagged

from .appointment_common import make_tckn
from .common import INSTITUTION, MhrsHttpCase

TZ = ZoneInfo("Europe/Istanbul")


@tagged("post_install", "-at_install")
class TestTourMain(MhrsHttpCase):
    def test_main_flow(self):
        # At midday, whatever the hour the test runs: today's patient needs a block that has ended.
        with self.at_hospital_midday():
            self._main_flow()

    def _main_flow(self):
        now = datetime.now(TZ).replace(second=0, microsecond=0)
        # Today's patient comes to a 5-minute block that has just ended (its status can be sent once it
        # ends).
        block_start = now - timedelta(minutes=10)
        block_end = block_start + timedelta(minutes=5)
        self.company.partner_id.tz = "Europe/Istanbul"
        self.env.user.tz = "Europe/Istanbul"
        seeded = self.sim.post("seed", {"clinics": [{"branch": 157, "name": "Tur Dahiliye"}]})
        clinic = self.env["mhrs.clinic"].create(
            {
                "name": "Tur Dahiliye",
                "mhrs_branch_id": self.env.ref("mhrs_connector.mhrs_branch_157").id,
                "mhrs_clinic_code": seeded["clinics"][0],
                "state": "registered",
            }
        )
        Physician = self.env["mhrs.physician"]
        (Physician.search([])).write({"mhrs_sync": False})
        planned = Physician.create(
            {"name": "Dr. Tur Planlı", "tckn": make_tckn(345678123), "clinic_ids": [(4, clinic.id)]}
        )
        today_doctor = Physician.create(
            {"name": "Dr. Bugün Hekim", "tckn": make_tckn(456781234), "clinic_ids": [(4, clinic.id)]}
        )

        # 1. The MHRS officer: template, plan, register.
        self.start_tour("/odoo", "mhrs_main_tour_plan", login="admin", timeout=180)
        schedule = self.env["mhrs.schedule"].search([("physician_id", "=", planned.id)])
        self.assertEqual(schedule.state, "registered")
        self.assertEqual(schedule.template_id.state, "registered")

        # 2. Citizens book: in the planned schedule, and (with the simulator's clock set back) in a
        # block of today that has ended since.
        self.sim.post("clock", {"set": (block_start - timedelta(minutes=30)).isoformat(), "frozen": True})
        try:
            # Another HBYS of the institution opens today's block: link, draft, finalisation.
            connector = self.env["mhrs.client"]
            connector._mhrs_call(
                "physician_link", company=self.company, branch=157, physician=today_doctor.tckn
            )
            connector._mhrs_call(
                "draft_add",
                company=self.company,
                block={
                    "branch": 157,
                    "physician": today_doctor.tckn,
                    "clinic": clinic.mhrs_clinic_code,
                    "action": 1,
                    "start": block_start,
                    "end": block_end,
                    "slot_minutes": 5,
                    "capacity": 1,
                },
            )
            connector._mhrs_call(
                "draft_finalise",
                company=self.company,
                branch=157,
                start=block_start,
                end=block_end,
                physician=today_doctor.tckn,
            )
            booked_today = self.sim.post(
                "citizens",
                {
                    "bookings": 1,
                    "window": {
                        "start": (block_start - timedelta(minutes=1)).isoformat(),
                        "end": block_end.isoformat(),
                    },
                    "institution": INSTITUTION["code"],
                },
            )["booked"]
        finally:
            self.sim_clock_follows_odoo()
        self.assertEqual(len(booked_today), 1)
        self.sim.post("citizens", {"bookings": 2, "institution": INSTITUTION["code"]})

        # 3. Reception: query, check in, send the status; print the day list, open the kanban.
        Report = type(self.env["ir.actions.report"])
        render_pdf = Report._render_qweb_pdf
        printed = []

        def spy(report, report_ref, res_ids=None, data=None):
            printed.append((report_ref, list(res_ids or [])))
            return render_pdf(report, report_ref, res_ids=res_ids, data=data)

        with patch.object(Report, "_render_qweb_pdf", spy):
            self.start_tour("/odoo", "mhrs_main_tour_reception", login="admin", timeout=240)
        appointment = self.env["mhrs.appointment"].search([("mhrs_hrn", "=", booked_today[0])])
        self.assertEqual(appointment.state, "attended")
        self.assertTrue(appointment.checked_in_at)
        if "mhrs_status" in appointment._fields:
            self.assertEqual(appointment.mhrs_status, "sent", appointment.mhrs_status_error)
        # /report/download rendered the day list of today's physician: the checked-in appointment.
        self.assertIn(("mhrs_connector.report_mhrs_day_list", appointment.ids), printed)
