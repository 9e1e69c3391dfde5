"""Shared set-up of the appointment tests: a registered clinic, two physicians and MHRS schedules made
directly through the schedule operation (as another HBYS would), so these tests do not depend on the
schedule models."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .common import MhrsCase

TZ = ZoneInfo("Europe/Istanbul")


def make_tckn(nine):
    digits = [int(c) for c in str(nine)]
    digits.append((7 * sum(digits[0:9:2]) - sum(digits[1:8:2])) % 10)
    digits.append(sum(digits) % 10)
    return "".join(str(d) for d in digits)


def utc_naive(local_dt):
    """Naive UTC (as Odoo stores it) of an Istanbul wall-clock datetime."""
    return local_dt.replace(tzinfo=TZ).astimezone(UTC).replace(tzinfo=None)


class AppointmentCase(MhrsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.branch = cls.env.ref("mhrs_connector.mhrs_branch_157")
        cls.company.partner_id.tz = "Europe/Istanbul"
        cls.company.mhrs_sync_horizon_days = 15
        Physician = cls.env["mhrs.physician"]
        cls.doctor_a = Physician.create({"name": "Dr. Ayşe Yılmaz", "tckn": make_tckn(123456781)})
        cls.doctor_b = Physician.create({"name": "Dr. Mehmet Kaya", "tckn": make_tckn(234567892)})
        cls.doctors = cls.doctor_a | cls.doctor_b
        cls.clinic = cls.env["mhrs.clinic"].create(
            {"name": "Dahiliye 1", "mhrs_branch_id": cls.branch.id, "company_id": cls.company.id}
        )
        # Other physicians of the database (demo data) stay out of the sync.
        (Physician.search([]) - cls.doctors).write({"mhrs_sync": False})
        cls.today = datetime.now(TZ).date()
        cls.day = cls.today + timedelta(days=2)

    def setUp(self):
        super().setUp()
        seeded = self.sim.post(
            "seed",
            {
                "physicians": [{"tckn": d.tckn, "name": d.name} for d in self.doctors],
                "clinics": [{"branch": 157, "name": "Dahiliye 1"}],
            },
        )
        self.clinic.write({"mhrs_clinic_code": seeded["clinics"][0], "state": "registered"})
        # Day + 2, 09:00-12:00, 20-minute slots: 9 slots per physician.
        self.schedules = self._register_schedules(self.day, time(9), time(12))

    def _register_schedules(self, day, start, end, physicians=None, slot=20):
        """Final blocks registered as another HBYS would (branch, physician links, drafts,
        finalisation) through the facade; returns {physician: final id}."""
        physicians = physicians or self.doctors
        connector = self.env["mhrs.client"].with_context(mhrs_trigger="cron")
        connector._mhrs_call("branch_register", company=self.company, branch=157)
        begin, finish = datetime.combine(day, start, TZ), datetime.combine(day, end, TZ)
        for doctor in physicians:
            connector._mhrs_call("physician_link", company=self.company, branch=157, physician=doctor.tckn)
            connector._mhrs_call(
                "draft_add",
                company=self.company,
                block={
                    "branch": 157,
                    "physician": doctor.tckn,
                    "clinic": self.clinic.mhrs_clinic_code,
                    "action": 1,
                    "start": begin,
                    "end": finish,
                    "slot_minutes": slot,
                    "capacity": 1,
                },
            )
            connector._mhrs_call(
                "draft_finalise",
                company=self.company,
                branch=157,
                start=begin,
                end=finish,
                physician=doctor.tckn,
            )
        finals = {}
        for doctor in physicians:
            rows = connector._mhrs_call(
                "schedule_query",
                company=self.company,
                branch=157,
                start=begin,
                end=finish,
                physician=doctor.tckn,
            )
            self.assertTrue(rows, doctor.name)
            finals[doctor] = rows[0]["id"]
        return finals

    def _sim_appointments(self):
        state = self.sim.get("state")
        return dict(state["appointments"])

    def _appointments(self, domain=None):
        return self.env["mhrs.appointment"].search([("company_id", "=", self.company.id), *(domain or [])])

    def _sync_all(self, kind="manual", physicians=None):
        start = utc_naive(datetime.combine(self.today, time(0)))
        end = start + timedelta(days=15)
        return self.env["mhrs.appointment"]._mhrs_sync_window(self.company, start, end, physicians, kind=kind)

    def _book(self, doctor=None, tckn=None, phone="05321234567"):
        """Book the first free slot through the free-slot search and the booking wizard."""
        doctor = doctor or self.doctor_a
        search = self.env["mhrs.slot.search.wizard"].create(
            {
                "clinic_id": self.clinic.id,
                "physician_id": doctor.id,
                "date_from": utc_naive(datetime.combine(self.day, time(0))),
                "date_to": utc_naive(datetime.combine(self.day, time(23))),
            }
        )
        search.action_search()
        line = search.line_ids[0]
        action = line.action_book()
        ctx = dict(action["context"])
        wizard = (
            self.env["mhrs.appointment.book.wizard"]
            .with_context(**ctx)
            .create(
                {
                    "tckn": tckn or make_tckn(345678913),
                    "first_name": "Zeynep",
                    "last_name": "Demir",
                    "phone": phone,
                }
            )
        )
        result = self.last_booking_action = wizard.action_book()
        # A warning over the opened appointment when a follow-up of the booking failed.
        # None when MHRS booked but Odoo could not record the appointment (a notification alone).
        opened = result if result["type"] == "ir.actions.act_window" else result["params"].get("next")
        return self.env["mhrs.appointment"].browse(opened and opened["res_id"]), search
