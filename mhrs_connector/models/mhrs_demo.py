"""Bring the demo hospital to life (make run): register it on the local simulator and let citizens book.

Called by scripts/demo_bootstrap.py after the addon is installed or updated; does nothing outside a
database with the demo data or when the company does not talk to a simulator on the loopback interface.
Idempotent: records already registered are left alone, and citizens only book until the demo
institution has DEMO_BOOKINGS future appointments at the simulator.
"""

import logging
import math
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

import requests

from odoo import api, fields, models
from odoo.exceptions import UserError

from .mhrs_schedule import WEEKDAY_FIELDS

_logger = logging.getLogger(__name__)

DEMO_BOOKINGS = 40  # future appointments the demo institution should have at the simulator
TODAY_PHYSICIANS = ("demo_physician_1", "demo_physician_4", "demo_physician_7", "demo_physician_9")
TIMEOUT = 10


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model
    def _mhrs_demo_control_url(self, company):
        """The simulator's control URL, or None when the company does not talk to a local simulator."""
        url = urlsplit(company.mhrs_endpoint_url or "")
        if url.hostname not in ("127.0.0.1", "localhost", "::1"):
            return None
        return f"{url.scheme}://{url.netloc}/_control/"

    @api.model
    def _mhrs_demo_bootstrap(self):
        """Register the demo clinics, templates and schedules at the simulator, open a schedule for the
        rest of today and make citizens book. Returns a short report (dict)."""
        report = {"registered": [], "failed": [], "booked": 0}
        if not self.env.ref("mhrs_connector.demo_clinic_ic", raise_if_not_found=False):
            _logger.info("MHRS demo bootstrap: no demo data in this database, nothing to do")
            return report
        company = self.env.ref("base.main_company")
        control = self._mhrs_demo_control_url(company)
        if not control:
            _logger.info("MHRS demo bootstrap: %s does not use a local simulator", company.name)
            return report
        try:
            requests.get(control + "clock", timeout=TIMEOUT).raise_for_status()
        except requests.RequestException as exc:
            _logger.warning("MHRS demo bootstrap: the simulator does not answer at %s (%s)", control, exc)
            return report
        env = self.with_company(company).env
        # The demo hospital is in Istanbul, whatever the browser of the first login said.
        (company.partner_id | self.env.ref("base.user_admin").partner_id).write({"tz": "Europe/Istanbul"})
        demo_ids = self._mhrs_demo_records("mhrs.clinic") + self._mhrs_demo_records("mhrs.template")
        for record in demo_ids:
            if record.state == "draft":
                self._mhrs_demo_send(record, "action_mhrs_register", report)
        today = self._mhrs_demo_today(company)
        schedules = env["mhrs.schedule"].search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "draft"),
                ("date_from", ">", today),
                ("clinic_id.state", "=", "registered"),
            ]
        )
        for schedule in schedules:
            if not schedule.line_ids and schedule.template_id:
                schedule.action_generate_lines()
            self._mhrs_demo_send(schedule, "action_mhrs_register", report)
        for schedule in self._mhrs_demo_today_schedules(company, today):
            self._mhrs_demo_send(schedule, "action_mhrs_register", report)
        report["booked"] = self._mhrs_demo_book(control, company)
        cron = self.env.ref("mhrs_connector.ir_cron_appointment_query", raise_if_not_found=False)
        if cron:
            cron._trigger()
        _logger.info(
            "MHRS demo bootstrap: %s registered, %s failed, %s citizen booking(s)",
            len(report["registered"]), len(report["failed"]), report["booked"],
        )
        return report

    @api.model
    def _mhrs_demo_records(self, model):
        """The demo records of ``model`` (by their XML ids), in XML id order."""
        data = self.env["ir.model.data"].sudo().search(
            [("module", "=", "mhrs_connector"), ("model", "=", model), ("name", "=like", "demo_%")],
            order="name",
        )
        return list(self.env[model].browse(data.mapped("res_id")).exists())

    @api.model
    def _mhrs_demo_send(self, record, method, report):
        """Run one MHRS action; a refusal is logged and the bootstrap goes on."""
        try:
            with self.env.cr.savepoint():
                getattr(record, method)()
        except UserError as exc:
            report["failed"].append(record.display_name)
            _logger.warning("MHRS demo bootstrap: %s refused: %s", record.display_name, exc.args[0])
            return
        report["registered"].append(record.display_name)

    @api.model
    def _mhrs_demo_today(self, company):
        Appointment = self.env["mhrs.appointment"]
        return Appointment._mhrs_local_now(company, fields.Datetime.now()).date()

    @api.model
    def _mhrs_demo_today_schedules(self, company, today):
        """A schedule for the rest of today (from the next half hour, 15-minute slots) for one physician
        of each demo clinic, so that reception has patients to check in. None after 22:00."""
        Schedule = self.env["mhrs.schedule"].with_company(company)
        tz = Schedule._mhrs_tz(company)
        local_now = Schedule._mhrs_to_local(fields.Datetime.now(), tz)
        minutes = local_now.hour * 60 + local_now.minute
        start_minutes = max(8 * 60, int(math.ceil((minutes + 15) / 30.0)) * 30)
        end_minutes = min(max(17 * 60, start_minutes + 4 * 60), 23 * 60 + 30)
        if end_minutes - start_minutes < 60:
            return Schedule
        day_start = datetime.combine(today, time.min)
        action = self.env.ref("mhrs_connector.mhrs_action_code_1")
        created = Schedule
        for xmlid in TODAY_PHYSICIANS:
            physician = self.env.ref(f"mhrs_connector.{xmlid}", raise_if_not_found=False)
            clinic = physician.clinic_ids[:1] if physician else None
            if not clinic or clinic.state != "registered":
                continue
            if Schedule.search_count(
                [
                    ("physician_id", "=", physician.id),
                    ("state", "!=", "cancelled"),
                    ("date_from", "<=", today),
                    ("date_to", ">=", today),
                ]
            ):
                continue
            weekday = {name: index == today.weekday() for index, name in enumerate(WEEKDAY_FIELDS)}
            created |= Schedule.create(
                {
                    "physician_id": physician.id,
                    "clinic_id": clinic.id,
                    "date_from": today,
                    "date_to": today,
                    **weekday,
                    "line_ids": [
                        fields.Command.create(
                            {
                                "date_start": Schedule._mhrs_to_utc(
                                    day_start + timedelta(minutes=start_minutes), tz
                                ),
                                "date_end": Schedule._mhrs_to_utc(
                                    day_start + timedelta(minutes=end_minutes), tz
                                ),
                                "action_code_id": action.id,
                                "slot_minutes": 15,
                                "patients_per_slot": 1,
                            }
                        )
                    ],
                }
            )
        return created

    @api.model
    def _mhrs_demo_book(self, control, company):
        """Citizens book until the institution has DEMO_BOOKINGS future appointments: a third today and
        tomorrow, the rest over the next two weeks. Returns how many were booked."""
        institution = int(company.mhrs_institution_code or 0)
        try:
            state = requests.get(control + "state", timeout=TIMEOUT).json()
            now = requests.get(control + "clock", timeout=TIMEOUT).json().get("now")
        except (requests.RequestException, ValueError) as exc:
            _logger.warning("MHRS demo bootstrap: cannot read the simulator state (%s)", exc)
            return 0
        now = datetime.fromisoformat(now) if now else datetime.now().astimezone()
        active = [
            a
            for a in (state.get("appointments") or {}).values()
            if a.get("institution") in (institution, str(institution))
            and a.get("record_status") == 1
            and datetime.fromisoformat(a["start"]) > now
        ]
        missing = DEMO_BOOKINGS - len(active)
        if missing <= 0:
            return 0
        booked = 0
        # A third today and tomorrow (reception's calendar), the rest over the next two weeks.
        windows = ((math.ceil(missing / 3), {"end": (now + timedelta(days=2)).isoformat()}), (missing, {}))
        for target, window in windows:
            try:
                answer = requests.post(
                    control + "citizens",
                    json={"bookings": target - booked, "window": window, "institution": institution},
                    timeout=TIMEOUT,
                )
                answer.raise_for_status()
                booked += len(answer.json().get("booked") or [])
            except (requests.RequestException, ValueError) as exc:
                _logger.warning("MHRS demo bootstrap: citizens could not book (%s)", exc)
                break
        return booked
