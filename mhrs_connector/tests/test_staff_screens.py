"""What hospital staff saw on the screens (issue 16 review): buttons offered only when they can work,
the status bar in the order of an appointment's life, columns that fit, readable names."""

from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import UserError

from .appointment_common import AppointmentCase, make_tckn
from .test_desk_reports import DAY_LIST, render_html, render_pdf
from .test_schedule import ScheduleCase

ATTENDANCE_BUTTONS = ("action_check_in", "action_undo_check_in", "action_no_show")


def _arch(env, model, view_type):
    return etree.fromstring(env[model].get_view(view_type=view_type)["arch"])


class TestDeskScreens(AppointmentCase):
    def _today(self, appointment):
        """A copy of ``appointment`` that started ten minutes ago (today, local time)."""
        day_start, _day_end = appointment._mhrs_today_bounds(self.company)
        now = fields.Datetime.now()
        start = max(day_start, now - timedelta(minutes=10))
        return appointment.copy(
            {"mhrs_hrn": "T-TODAY-1", "date_start": start, "date_end": start + timedelta(minutes=10)}
        )

    def test_attendance_buttons_are_offered_on_the_appointments_day_only(self):
        for view_type in ("form", "list", "kanban"):
            for button in _arch(self.env, "mhrs.appointment", view_type).xpath("//button[@name]"):
                if button.get("name") in ATTENDANCE_BUTTONS and button.getparent().tag != "header":
                    with self.subTest(view=view_type, button=button.get("name")):
                        flag = (
                            "mhrs_no_show_open"
                            if button.get("name") == "action_no_show"
                            else "mhrs_attendance_open"
                        )
                        self.assertIn(f"not {flag}", button.get("invisible"))
        booked, _search = self._book()
        later = booked.copy(
            {
                "mhrs_hrn": "T-LATER-1",
                "date_start": booked.date_start + timedelta(days=2),
                "date_end": booked.date_end + timedelta(days=2),
            }
        )
        self.assertFalse(later.mhrs_attendance_open, "another day: Check In would only be refused")
        with self.assertRaisesRegex(UserError, "not today"):
            later.action_check_in()
        today = self._today(booked)
        self.assertTrue(today.mhrs_attendance_open)
        self.assertTrue(today.mhrs_no_show_open, "started ten minutes ago")
        self.assertFalse(booked.mhrs_no_show_open, "not started: Not Attended would only be refused")
        start = fields.Datetime.now() + timedelta(minutes=5)
        soon = today.copy(
            {"mhrs_hrn": "T-SOON-1", "date_start": start, "date_end": start + timedelta(minutes=10)}
        )
        if soon._mhrs_local_day() == soon._mhrs_local_day(fields.Datetime.now()):
            self.assertTrue(soon.mhrs_attendance_open, "a patient may arrive before the time")
            self.assertFalse(soon.mhrs_no_show_open)
            with self.assertRaisesRegex(UserError, "not started yet"):
                soon.action_no_show()
        today.action_check_in()
        self.assertEqual(today.state, "attended")
        self.assertTrue(today.mhrs_attendance_open, "Undo Check-in and Not Attended stay offered today")
        today.action_undo_check_in()
        self.assertEqual(today.state, "booked")
        today.state = "cancelled"
        self.assertFalse(today.mhrs_attendance_open)

    def test_calendar_popover_reads_whether_attendance_is_open(self):
        calendar = _arch(self.env, "mhrs.appointment", "calendar")
        self.assertTrue(calendar.xpath("//field[@name='mhrs_attendance_open'][@invisible='1']"))

    def test_status_bar_follows_the_appointments_life(self):
        states = [key for key, _label in self.env["mhrs.appointment"]._fields["state"].selection]
        self.assertEqual(states, ["booked", "attended", "no_show", "cancelled"])
        bar = _arch(self.env, "mhrs.appointment", "form").xpath("//field[@name='state'][@widget='statusbar']")
        self.assertEqual(bar[0].get("statusbar_visible"), "booked,attended,no_show,cancelled")

    def test_appointment_list_fits_a_desk_screen(self):
        """Rarely needed columns start hidden (TCKN is searched, not read): 13 columns on 1366 px cut every
        header and badge to a few letters."""
        columns = _arch(self.env, "mhrs.appointment", "list").xpath("/list/field[not(@column_invisible)]")
        shown = [c.get("name") for c in columns if c.get("optional") != "hide" and not c.get("groups")]
        for name in ("cancelled_by", "missing_from_mhrs", "patient_tckn", "checked_in_at"):
            self.assertNotIn(name, shown)
        self.assertLessEqual(len(shown), 8, shown)

    def test_day_list_of_several_physicians_prints(self):
        """The Print menu on appointments of two physicians: two pages. Debian's wkhtmltopdf failed on
        the document of two bodies Odoo makes of one layout per page (a server error, no PDF)."""
        first, _search = self._book(self.doctor_a, tckn=make_tckn(345678913))
        other, _search = self._book(self.doctor_b, tckn=make_tckn(567891235))
        action = self.env.ref(DAY_LIST).report_action(first | other, config=False)
        self.assertTrue(render_pdf(self.env, action).startswith(b"%PDF"))

    def test_sync_report_writes_the_share_as_the_language_does(self):
        """Completeness 100.0 % on a Turkish page read as a thousands separator: 100,0 % there."""
        self._book(self.doctor_a)
        self._sync_all()
        action = self.env["mhrs.sync.report.wizard"].create({}).action_print()
        self.assertRegex(render_html(self.env, action, lang="tr_TR"), r">\d{1,3},\d</span> %")
        self.assertRegex(render_html(self.env, action), r">\d{1,3}\.\d</span> %")


class TestNamesAndColumns(ScheduleCase):
    def test_schedule_period_reads_as_two_dates(self):
        schedule = self._schedule(template=self.template_morning)
        self.env["res.lang"]._activate_lang("tr_TR")
        localized = schedule.with_context(lang="tr_TR")
        self.assertTrue(localized.display_name.endswith(f"{self.monday:%d-%m-%Y} – {self.friday:%d-%m-%Y}"))

    def test_work_schedules_of_several_physicians_print(self):
        first = self._schedule(template=self.template_morning)
        second = self._schedule(template=self.template_afternoon)
        (first | second).action_generate_lines()
        report = self.env.ref("mhrs_connector.action_report_mhrs_schedule")
        action = report.report_action(first | second, config=False)
        self.assertTrue(render_pdf(self.env, action).startswith(b"%PDF"))

    def test_blocks_without_slots_show_no_zeros_and_headers_fit(self):
        """Lunch or leave has no slots: its slot cells are empty, not 0; integer columns (71 px in Odoo)
        get the width their Turkish header needs."""
        checks = [
            ("mhrs.template", "form", "//field[@name='line_ids']/list"),
            ("mhrs.schedule", "form", "//field[@name='line_ids']/list"),
            ("mhrs.schedule.line", "list", "/list"),
        ]
        for model, view_type, path in checks:
            lines = _arch(self.env, model, view_type).xpath(path)[0]
            for name in ("slot_minutes", "patients_per_slot"):
                with self.subTest(model=model, field=name):
                    node = lines.xpath(f"field[@name='{name}']")[0]
                    self.assertEqual(node.get("invisible"), "not bookable")
                    self.assertTrue(node.get("width"))
        lunch = self.template_day.line_ids.filtered(lambda line: not line.bookable)
        self.assertTrue(lunch)
        self.assertEqual(lunch.mapped("slot_minutes"), [0] * len(lunch))
        clinic_list = _arch(self.env, "mhrs.clinic", "list")
        self.assertTrue(clinic_list.xpath("/list/field[@name='mhrs_clinic_code'][@width]"))
        template_list = _arch(self.env, "mhrs.template", "list")
        self.assertTrue(template_list.xpath("/list/field[@name='line_count'][@width]"))


class TestStatusPageWords(ScheduleCase):
    def test_status_tiles_say_what_waits(self):
        """ "Statuses" and "Exceptions" alone did not say what waits: to send, to approve."""
        self.env["res.lang"]._activate_lang("tr_TR")
        for lang, words in (
            ("en_US", ("Statuses to Send", "Exceptions to Approve")),
            ("tr_TR", ("Gönderilecek Durumlar", "Onay Bekleyen İstisnalar")),
        ):
            arch = self.env["mhrs.dashboard"].with_context(lang=lang).get_view(view_type="form")["arch"]
            for word in words:
                self.assertIn(f"<span>{word}</span>", arch)
