"""The reception desk at phone width (390 x 844, touch): landing page, calendar of the day, kanban
check-in and a form that fits the screen."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .appointment_common import make_tckn
from .common import MhrsHttpCase


@tagged("post_install", "-at_install")
class TestTourMobile(MhrsHttpCase):
    browser_size = "390x844"
    touch_enabled = True

    def test_reception_on_a_phone(self):
        # At midday, whatever the hour the test runs: the patient's appointment of today has ended.
        with self.at_hospital_midday():
            self._reception_on_a_phone()

    def _reception_on_a_phone(self):
        now = fields.Datetime.now().replace(second=0, microsecond=0)
        self.company.partner_id.tz = "Europe/Istanbul"
        self.env["res.users"].create(
            {
                "name": "Mobil Resepsiyon",
                "login": "mobil",
                "password": "mobil",
                "tz": "Europe/Istanbul",
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            self.env.ref("base.group_user").id,
                            self.env.ref("mhrs_connector.group_mhrs_user").id,
                        ],
                    )
                ],
            }
        )
        physician = self.env["mhrs.physician"].create(
            {"name": "Dr. Mobil Hekim", "tckn": make_tckn(567123489)}
        )
        patient = self.env["res.partner"].create({"name": "Mobil Hasta"})
        appointment = self.env["mhrs.appointment"].create(
            {
                "mhrs_hrn": "MOBIL-1",
                "partner_id": patient.id,
                "physician_id": physician.id,
                "date_start": now - timedelta(minutes=30),
                "date_end": now - timedelta(minutes=10),
                "mhrs_channel": "3",
            }
        )
        self.start_tour("/odoo", "mhrs_mobile_tour_landing", login="mobil", timeout=120)
        self.start_tour(
            "/odoo/action-mhrs_connector.action_mhrs_appointment",
            "mhrs_mobile_tour_calendar",
            login="mobil",
        )
        self.start_tour(
            "/odoo/action-mhrs_connector.action_mhrs_appointment_desk",
            "mhrs_mobile_tour_kanban",
            login="mobil",
            timeout=120,
        )
        self.assertEqual(appointment.state, "attended")
        self.assertTrue(appointment.checked_in_at)
