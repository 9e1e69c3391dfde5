"""Printed reports (day list, work schedule, MHRS sync report) in English and Turkish, and the
appointment analysis with its no-show rate."""

from datetime import datetime, time, timedelta

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tests.common import freeze_time

from ..tools.dates import local_today
from .appointment_common import AppointmentCase, make_tckn, utc_naive
from .test_schedule import ScheduleCase

DAY_LIST = "mhrs_connector.action_report_mhrs_day_list"


def render_pdf(env, action):
    """The PDF bytes of a report action as /report/download renders them (wkhtmltopdf, not the HTML
    shortcut Odoo takes in test mode)."""
    Report = env["ir.actions.report"].with_context(force_report_rendering=True)
    return Report._render_qweb_pdf(action["report_name"], action["context"]["active_ids"])[0]


def render_html(env, action, lang="en_US"):
    Report = env["ir.actions.report"].with_context(lang=lang)
    return Report._render_qweb_html(action["report_name"], action["context"]["active_ids"])[0].decode()


@tagged("post_install", "-at_install")
class TestDayList(AppointmentCase):
    def test_day_list_of_a_physician_prints_its_appointments(self):
        first, _search = self._book(self.doctor_a, tckn=make_tckn(345678913))
        second, _search = self._book(self.doctor_a, tckn=make_tckn(456789124))
        other, _search = self._book(self.doctor_b, tckn=make_tckn(567891235))
        # The physician form's button opens the wizard for the physician (its context, as the button's).
        arch = self.env["mhrs.physician"].get_view(view_type="form")["arch"]
        wizard_action = self.env.ref("mhrs_connector.action_mhrs_day_list_wizard")
        self.assertIn(f'name="{wizard_action.id}"', arch)
        self.assertIn("'default_physician_id': id", arch)
        button_context = {"default_physician_id": self.doctor_a.id, "default_date": self.day}
        wizard = Form(self.env["mhrs.day.list.wizard"].with_context(**button_context)).save()
        self.assertEqual(wizard.physician_id, self.doctor_a)
        action = wizard.action_print()
        self.assertEqual(action["report_name"], "mhrs_connector.report_mhrs_day_list")
        self.assertEqual(action["context"]["active_ids"], (first | second).sorted("date_start").ids)
        self.assertTrue(render_pdf(self.env, action).startswith(b"%PDF"))
        html = render_html(self.env, action)
        for appointment in first | second:
            self.assertIn(appointment.mhrs_hrn, html)
            self.assertIn(appointment.partner_id.name, html)
        self.assertNotIn(other.mhrs_hrn, html)
        self.assertIn("09:00", html)
        self.assertIn("Hospital", html)
        self.assertIn("Booked", html)
        self.assertIn(self.company.name, html)  # the hospital's letterhead
        html_tr = render_html(self.env, action, lang="tr_TR")
        self.assertIn("Gün Listesi", html_tr)
        self.assertIn("Hastane", html_tr)

    def test_print_menu_of_the_list_prints_a_page_per_physician(self):
        first, _search = self._book(self.doctor_a, tckn=make_tckn(345678913))
        other, _search = self._book(self.doctor_b, tckn=make_tckn(567891235))
        report = self.env.ref(DAY_LIST)
        self.assertEqual(report.binding_model_id.model, "mhrs.appointment")
        # The Print menu of the list runs the report on the selected records.
        action = report.report_action(first | other, config=False)
        html = render_html(self.env, action)
        self.assertEqual(html.count('class="page o_mhrs_day_list"'), 2)
        self.assertIn(self.doctor_a.name, html)
        self.assertIn(self.doctor_b.name, html)

    def test_reception_user_prints_and_analyses(self):
        appointment, _search = self._book(self.doctor_a)
        user = self.env["res.users"].create(
            {
                "name": "Resepsiyon",
                "login": "resepsiyon-rapor",
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
        env = self.env(user=user)
        wizard = env["mhrs.day.list.wizard"].create({"date": self.day, "clinic_id": self.clinic.id})
        action = wizard.action_print()
        self.assertIn(appointment.mhrs_hrn, render_html(env, action))
        self.env.flush_all()
        rows = env["mhrs.appointment.report"].search([("physician_id", "=", self.doctor_a.id)])
        self.assertEqual(rows.ids, appointment.ids)
        sync_report = env["mhrs.sync.report.wizard"].create({}).action_print()
        self.assertIn("MHRS Sync Report", render_html(env, sync_report))

    def test_clinic_day_without_appointments_says_so(self):
        wizard = self.env["mhrs.day.list.wizard"].create(
            {"date": self.day + timedelta(days=1), "clinic_id": self.clinic.id}
        )
        with self.assertRaises(UserError):
            wizard.action_print()

    def test_cancelled_appointments_only_on_request(self):
        kept, _search = self._book(self.doctor_a, tckn=make_tckn(345678913))
        gone, _search = self._book(self.doctor_a, tckn=make_tckn(456789124))
        gone.write({"state": "cancelled", "cancelled_by": "hospital"})
        wizard = self.env["mhrs.day.list.wizard"].create({"date": self.day, "clinic_id": self.clinic.id})
        self.assertEqual(wizard.action_print()["context"]["active_ids"], kept.ids)
        wizard.include_cancelled = True
        action = wizard.action_print()
        self.assertEqual(set(action["context"]["active_ids"]), set((kept | gone).ids))
        self.assertIn("line-through", render_html(self.env, action))


@tagged("post_install", "-at_install")
class TestScheduleReport(ScheduleCase):
    def test_planned_schedule_prints_its_blocks_by_day(self):
        today = local_today(self.company)
        wizard = self.env["mhrs.schedule.plan.wizard"].create(
            {
                "template_id": self.template_day.id,
                "physician_ids": [(6, 0, self.physician.ids)],
                "date_from": today + timedelta(days=1),
                "date_to": today + timedelta(days=30),
            }
        )
        wizard.action_plan()
        schedule = wizard.result_ids.schedule_id
        self.assertEqual(len(schedule), 1)
        action = wizard.action_print_schedules()
        self.assertEqual(action["context"]["active_ids"], schedule.ids)
        self.assertTrue(render_pdf(self.env, action).startswith(b"%PDF"))
        html = render_html(self.env, action)
        self.assertIn(self.physician.name, html)
        for hours in ("08:00-12:00", "12:00-13:00", "13:00-17:00"):
            self.assertEqual(html.count(hours), len(schedule.line_ids) // 3, hours)
        self.assertIn(self.lunch.name, html)
        # The schedule's own Print menu.
        report = self.env.ref("mhrs_connector.action_report_mhrs_schedule")
        self.assertEqual(report.binding_model_id.model, "mhrs.schedule")
        self.assertIn(
            "Çalışma Cetveli",
            render_html(self.env, report.report_action(schedule, config=False), lang="tr_TR"),
        )

    def test_nothing_planned_nothing_printed(self):
        wizard = self.env["mhrs.schedule.plan.wizard"].create(
            {"template_id": self.template_day.id, "physician_ids": [(6, 0, self.physician.ids)]}
        )
        with self.assertRaises(UserError):
            wizard.action_print_schedules()


@tagged("post_install", "-at_install")
class TestSyncReport(AppointmentCase):
    def test_sync_report_of_the_period(self):
        self._book(self.doctor_a)
        run = self._sync_all()
        # A refusal (its log is written through a separate cursor, as in production).
        self.assertRaisesKeepingLogs(
            UserError,
            self.env["mhrs.client"]._mhrs_call_ui,
            "appointment_cancel",
            company=self.company,
            hrn="999999999",
        )
        wizard = self.env["mhrs.sync.report.wizard"].create({})
        self.assertEqual(wizard.date_to, self.today)
        data = wizard._report_data()
        start, end = wizard._bounds()
        Log = self.env["mhrs.sync.log"]
        log_domain = [
            ("company_id", "=", self.company.id),
            ("create_date", ">=", start),
            ("create_date", "<", end),
        ]
        self.assertEqual(data["call_total"], Log.search_count(log_domain))
        self.assertEqual(
            data["call_refused"], Log.search_count([*log_domain, ("state", "=", "business_error")])
        )
        code = Log.search([*log_domain, ("operation", "=", "appointment_cancel")], limit=1).error_code
        self.assertTrue(code)
        refused = Log.search_count([*log_domain, ("state", "=", "business_error"), ("error_code", "=", code)])
        self.assertGreaterEqual(refused, 1)
        self.assertIn({"code": code, "count": refused}, data["refusals"])
        runs = self.env["mhrs.sync.run"].search(
            [
                ("company_id", "=", self.company.id),
                ("started_at", ">=", start),
                ("kind", "in", ("periodic", "end_of_day", "manual")),
            ]
        )
        self.assertIn(run, runs)
        self.assertEqual(data["sync_run_count"], len(runs))
        self.assertEqual(data["fetched"], sum(runs.mapped("fetched_count")))
        self.assertGreaterEqual(data["fetched"], 1)
        action = wizard.action_print()
        self.assertTrue(render_pdf(self.env, action).startswith(b"%PDF"))
        html = render_html(self.env, action)
        self.assertIn(code, html)
        self.assertIn("Appointment Sync", html)
        self.assertIn("MHRS Senkronizasyon Raporu", render_html(self.env, action, lang="tr_TR"))

    def test_the_period_is_the_hospitals_day_whatever_the_users_zone(self):
        """At 00:30 in Istanbul (21:30 UTC the day before), a user without a time zone still reports
        and prints the hospital's day, not UTC's."""
        self.env.user.tz = False
        utc_evening = datetime.combine(self.today, time(21, 30))
        with freeze_time(utc_evening):
            istanbul_day = self.today + timedelta(days=1)
            for model, field in (
                ("mhrs.sync.report.wizard", "date_to"),
                ("mhrs.day.list.wizard", "date"),
                ("mhrs.schedule.query.wizard", "date_from"),
            ):
                self.assertEqual(self.env[model].create({})[field], istanbul_day, model)
            plan = self.env["mhrs.schedule.plan.wizard"].default_get(["date_from"])
            self.assertEqual(plan["date_from"], istanbul_day + timedelta(days=1))

    def test_period_must_not_end_before_it_starts(self):
        with self.assertRaises(ValidationError):
            self.env["mhrs.sync.report.wizard"].create(
                {"date_from": self.today, "date_to": self.today - timedelta(days=1)}
            )


@tagged("post_install", "-at_install")
class TestNoShowRate(AppointmentCase):
    def _appointment(self, doctor, state, day_offset, hour):
        start = utc_naive(datetime.combine(self.today - timedelta(days=day_offset), time(hour)))
        self._seq = getattr(self, "_seq", 0) + 1
        return self.env["mhrs.appointment"].create(
            {
                "mhrs_hrn": f"RATE-{doctor.id}-{self._seq}",
                "physician_id": doctor.id,
                "clinic_id": self.clinic.id,
                "date_start": start,
                "date_end": start + timedelta(minutes=20),
                "state": state,
                "mhrs_channel": "2",
            }
        )

    def test_no_show_rate_by_physician_and_clinic(self):
        for state in ("no_show", "attended", "attended", "attended", "booked", "cancelled"):
            self._appointment(self.doctor_a, state, 1, 9)
        for state in ("no_show", "attended"):
            self._appointment(self.doctor_b, state, 1, 10)
        self.env.flush_all()
        Report = self.env["mhrs.appointment.report"]
        domain = [("physician_id", "in", self.doctors.ids)]
        rates = dict(Report._read_group(domain, ["physician_id"], ["no_show_rate:avg"]))
        self.assertAlmostEqual(rates[self.doctor_a], 25.0)
        self.assertAlmostEqual(rates[self.doctor_b], 50.0)
        by_clinic = Report._read_group(domain, ["clinic_id"], ["no_show_rate:avg", "appointment_count:sum"])
        self.assertEqual(by_clinic, [(self.clinic, 100.0 * 2 / 6, 8)])
        # The pivot/graph views read the same measure.
        groups = Report.read_group(domain, ["no_show_rate:avg"], ["physician_id"])
        self.assertEqual({g["physician_id"][0]: g["no_show_rate"] for g in groups}[self.doctor_a.id], 25.0)
