"""What a user sees in the browser (issue 15, "Minor, found in the browser"): names of operations, codes,
dates, hints, buttons offered only when they can work, the branch code list, the page language."""

import re
from datetime import timedelta
from pathlib import Path

from lxml import etree

import odoo.tools.translate
from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase
from odoo.tools.misc import get_lang

from mhrs_simulator.codes import BRANCHES

from ..engines.schedule_checks import ScheduleChecks
from .appointment_common import AppointmentCase
from .common import MhrsHttpCase
from .test_schedule import ScheduleCase, make_tckn

# Integer fields holding MHRS codes or ids: shown as codes ("4002"), never as numbers ("4,002").
CODE_FIELDS = {"code", "mhrs_branch_code", "mhrs_clinic_code", "mhrs_template_id", "action_code"}
CODE_FIELDS |= {"mhrs_appointment_type"}
SKIPPED_VIEW_TAGS = {"search", "calendar", "pivot", "graph"}


def _options(node):
    from odoo.tools.safe_eval import safe_eval

    return safe_eval(node.get("options") or "{}")


class TestViewsShowCodesAndTimes(ScheduleCase):
    mhrs_interface = "g2"  # a clinic's update reaches MHRS over G2 only

    def _walk(self, node, model, problems, where):
        for child in node:
            if not isinstance(child.tag, str) or child.tag in SKIPPED_VIEW_TAGS:
                continue
            if child.tag == "field" and child.get("name") in model._fields and not child.get("position"):
                field = model._fields[child.get("name")]
                options = _options(child)
                if field.type == "datetime" and options.get("show_seconds", True):
                    problems.append(f"{where}: {model._name}.{field.name} shows seconds")
                if (
                    field.type == "integer"
                    and field.name in CODE_FIELDS
                    and options.get("enable_formatting", True)
                ):
                    problems.append(f"{where}: {model._name}.{field.name} is formatted as a number")
                if field.relational and len(child):
                    self._walk(child, self.env[field.comodel_name], problems, where)
                    continue
            self._walk(child, model, problems, where)

    def test_every_view_shows_codes_plainly_and_times_without_seconds(self):
        views = self.env["ir.ui.view"].search(
            [("model", "like", "mhrs.%"), ("type", "not in", list(SKIPPED_VIEW_TAGS))]
        )
        self.assertGreater(len(views), 20)
        problems = []
        for view in views:
            arch = etree.fromstring(view.arch_db.encode())
            if arch.tag in SKIPPED_VIEW_TAGS:
                continue
            root = etree.Element("root")
            root.append(arch)
            self._walk(root, self.env[view.model], problems, view.xml_id)
        self.assertFalse(problems, "\n".join(problems))

    def test_retry_banner_names_the_operation(self):
        clinic = self.clinic
        clinic.write({"mhrs_pending_operation": "clinic_register", "mhrs_sync_state": "to_retry"})
        self.assertEqual(clinic.mhrs_pending_operation_name, "1. Poliklinik Kayıt")
        for model in ("mhrs.clinic", "mhrs.schedule"):  # templates are local: nothing is kept to retry
            arch = self.env[model].get_view(view_type="form")["arch"]
            self.assertIn('name="mhrs_pending_operation_name"', arch, model)
            self.assertNotIn('name="mhrs_pending_operation"', arch, model)

    def test_edited_registered_clinic_hints_update_on_mhrs(self):
        clinic = self.clinic  # registered on the simulator by setUp
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("registered", "synced"))
        self.assertFalse(clinic.mhrs_local_changes)
        clinic.write({"name": "Dahiliye T4-1 (Yeni)"})
        self.assertTrue(clinic.mhrs_local_changes, "MHRS still has the old name: the form must say so")
        arch = clinic.get_view(view_type="form")["arch"]
        self.assertIn("not mhrs_local_changes", arch)
        clinic.action_mhrs_update()
        self.assertFalse(clinic.mhrs_local_changes)
        self.assertEqual(clinic.mhrs_sync_state, "synced")
        rows = {row["id"]: row for row in self.sim.get("state")["clinics"].values()}
        self.assertEqual(rows[clinic.mhrs_clinic_code]["name"], "Dahiliye T4-1 (Yeni)")

    def test_edited_active_template_has_nothing_to_send(self):
        """Templates are local (MHRS has no template service): a change is never flagged as unsent."""
        template = self._template("T4 İpucu", [(8, 11, self.work, 20, 1)])
        template.action_activate()
        template.write({"line_ids": [Command.update(template.line_ids.id, {"end_time": 12})]})
        self.assertFalse(template.mhrs_local_changes)

    def test_duplicated_template_is_a_draft_variant(self):
        original = self.template_morning
        copy = original.copy()
        self.assertEqual(copy.state, "draft")
        self.assertEqual(copy.name, f"{original.name} (copy)")
        self.assertEqual(copy._definition(), original._definition())
        # Activating the unchanged copy is refused: it is the same template.
        calls = self.sim.calls()
        with self.assertRaises(ValidationError):
            copy.action_activate()
        self.assertEqual(self.sim.calls(), calls)
        # Saving its blocks applies the rule: unchanged is refused, a variant is accepted.
        with self.assertRaises(ValidationError):
            copy.write({"line_ids": [Command.update(copy.line_ids.id, {"slot_minutes": 20})]})
        copy.write({"line_ids": [Command.update(copy.line_ids.id, {"end_time": 11})]})
        self.assertNotEqual(copy._definition(), original._definition())
        copy.action_activate()
        self.assertEqual(copy.state, "registered")

    def test_schedule_names_and_blocks_use_the_users_date_format(self):
        schedule = self._schedule(template=self.template_morning)
        schedule.action_generate_lines()
        self.env["res.lang"]._activate_lang("tr_TR")
        for lang in ("en_US", "tr_TR"):
            with self.subTest(lang=lang):
                localized = schedule.with_context(lang=lang)
                date_format = get_lang(localized.env).date_format
                self.assertIn(self.monday.strftime(date_format), localized.display_name)
                self.assertIn(self.friday.strftime(date_format), localized.display_name)
                line = localized.line_ids.sorted("date_start")[0]
                self.assertTrue(
                    line.display_name.startswith(f"{self.monday.strftime(date_format)} 08:00-12:00")
                )

    def test_horizon_refusal_said_once_for_all_days(self):
        self.company.mhrs_schedule_max_days_ahead = 3
        far = self._schedule(
            template=self.template_day,
            date_from=self.monday + timedelta(days=7),
            date_to=self.monday + timedelta(days=11),
        )
        far.action_generate_lines()
        checks = ScheduleChecks(self.Schedule)
        problems = checks.ek2_problems(self.company, self.clinic, checks.block_values(far.line_ids))
        horizon = [problem for problem in problems if "days ahead" in problem]
        self.assertEqual(len(horizon), 1, problems)
        date_format = get_lang(self.env).date_format
        self.assertIn(far.date_from.strftime(date_format), horizon[0])
        self.assertIn(far.date_to.strftime(date_format), horizon[0])
        self.assertIn("5 days", horizon[0])

    def test_overlapping_days_listed_in_date_order(self):
        existing = self._schedule(
            template=self.template_morning, date_from=self.monday, date_to=self.monday + timedelta(days=20)
        )
        existing.action_generate_lines()
        # Keys sort as text ("p:10" before "p:2"): the days must still come out in date order.
        lines = existing.line_ids.sorted("date_start")
        candidates = [
            (f"{self.physician.id}:{index}", self.physician.tckn, line.date_start, line.date_end)
            for index, line in enumerate(lines)
        ]
        rows = ScheduleChecks(self.Schedule).find_conflicts(candidates)
        self.assertEqual(len(rows), len(lines))
        self.assertEqual([row[2] for row in rows], sorted(row[2] for row in rows))
        message = ScheduleChecks(self.Schedule).conflict_message(rows, self.company)
        date_format = get_lang(self.env).date_format
        positions = [message.index(line.date_start.strftime(date_format)) for line in lines[:10]]
        self.assertEqual(positions, sorted(positions))

    def test_branch_codes_shipped_from_the_klin_list(self):
        branches = self.env["mhrs.branch"].with_context(active_test=False).search([])
        codes = set(branches.mapped("code"))
        self.assertGreaterEqual(len(codes), 57)
        # The ids of docs/mhrs-domain.md §4 and the fuller list of its KLIN source.
        self.assertLessEqual({106, 157, 165, 198, 116, 139, 162, 166, 189, 150001, 168001, 9000001}, codes)
        shipped = self.env["ir.model.data"].search(
            [("module", "=", "mhrs_connector"), ("model", "=", "mhrs.branch")]
        )
        shipped_codes = {}
        for xmlid in shipped:
            shipped_codes[self.env["mhrs.branch"].browse(xmlid.res_id).code] = xmlid.name
        self.assertEqual({code: f"mhrs_branch_{code}" for code in shipped_codes}, shipped_codes)
        # The simulator knows the same list (it refuses unknown branch codes).
        self.assertEqual(set(BRANCHES), set(shipped_codes))

    def test_booking_form_marks_required_patient_fields(self):
        arch = etree.fromstring(self.env["mhrs.appointment.book.wizard"].get_view(view_type="form")["arch"])
        self.assertIn("o_mhrs_book_form", arch.get("class", ""))
        Wizard = self.env["mhrs.appointment.book.wizard"]
        for name in ("tckn", "first_name", "last_name", "phone"):
            self.assertTrue(Wizard._fields[name].required, name)
            node = arch.xpath(f"//field[@name='{name}']")[0]
            self.assertIn("Required", node.get("placeholder") or "", name)


class TestAppointmentDetails(AppointmentCase):
    def _book(self):
        search = self.env["mhrs.slot.search.wizard"].create(
            {
                "clinic_id": self.clinic.id,
                "physician_id": self.doctor_a.id,
                "date_from": fields.Datetime.now(),
                "date_to": fields.Datetime.now() + timedelta(days=4),
            }
        )
        search.action_search()
        action = search.line_ids[0].action_book()
        wizard = (
            self.env["mhrs.appointment.book.wizard"]
            .with_context(**action["context"])
            .create(
                {
                    "tckn": make_tckn(3456789),
                    "first_name": "Zeynep",
                    "last_name": "Demir",
                    "phone": "05321234567",
                }
            )
        )
        result = wizard.action_book()
        return self.env["mhrs.appointment"].browse(result["res_id"]), wizard

    def test_desk_booking_is_linked_to_its_call_log(self):
        appointment, wizard = self._book()
        logs = self.env["mhrs.sync.log"].search(
            [("res_model", "=", "mhrs.appointment"), ("res_id", "=", appointment.id)]
        )
        self.assertIn("appointment_book", logs.mapped("operation"))
        self.assertEqual(set(logs.mapped("record_name")), {appointment.display_name})
        appointment.invalidate_recordset(["call_log_count"])
        self.assertEqual(appointment.call_log_count, len(logs))
        self.assertFalse(
            self.env["mhrs.sync.log"].search([("res_model", "=", wizard._name), ("res_id", "=", wizard.id)])
        )

    def test_cancelled_appointment_expects_no_status(self):
        appointment, _wizard = self._book()
        self.assertEqual(appointment.mhrs_status, "not_due")
        appointment._mhrs_cancel("Hasta arayıp iptal etti")
        self.assertEqual((appointment.state, appointment.mhrs_status), ("cancelled", "none"))
        labels = dict(appointment._fields["mhrs_status"]._description_selection(self.env))
        self.assertEqual(labels["none"], "None (Cancelled)")
        self.assertFalse(appointment.mhrs_status_sendable)

    def test_update_corrects_cancelled_appointments_stored_as_not_due(self):
        appointment, _wizard = self._book()
        appointment._mhrs_cancel("Hasta arayıp iptal etti")
        # As an earlier version stored it.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE mhrs_appointment SET mhrs_status = 'not_due' WHERE id = %s", [appointment.id]
        )
        appointment.invalidate_recordset(["mhrs_status"])
        self.assertEqual(appointment.mhrs_status, "not_due")
        self.env["mhrs.appointment"]._mhrs_recompute_cancelled_status()
        appointment.invalidate_recordset(["mhrs_status"])
        self.assertEqual(appointment.mhrs_status, "none")

    def test_send_status_now_offered_only_when_mhrs_takes_it(self):
        arch = self.env["mhrs.appointment"].get_view(view_type="form")["arch"]
        button = etree.fromstring(arch).xpath("//button[@name='action_mhrs_send_status']")[0]
        self.assertEqual(button.get("invisible"), "not mhrs_status_sendable")
        future, _wizard = self._book()
        self.assertFalse(future.mhrs_status_sendable, "not ended: the button would only refuse")
        with self.assertRaisesRegex(UserError, "only after"):
            future.action_mhrs_send_status()
        day_start, _day_end = future._mhrs_today_bounds(self.company)
        now = fields.Datetime.now()
        ended = future.copy(
            {
                "mhrs_hrn": "T-ENDED-1",
                "date_start": max(day_start, now - timedelta(minutes=20)),
                "date_end": now - timedelta(seconds=1),
            }
        )
        self.assertTrue(ended.mhrs_status_sendable)
        ended.state = "cancelled"
        self.assertFalse(ended.mhrs_status_sendable)


class TestPageLanguage(MhrsHttpCase):
    def test_page_declares_the_users_language(self):
        self.env["res.lang"]._activate_lang("tr_TR")
        user = self.env["res.users"].create(
            {
                "name": "Resepsiyon TR",
                "login": "resepsiyon_tr",
                "password": "resepsiyon_tr",
                "lang": "tr_TR",
                "groups_id": [Command.set([self.env.ref("base.group_user").id])],
            }
        )
        for login, lang in ((user.login, "tr-TR"), ("admin", "en-US")):
            with self.subTest(login=login):
                self.authenticate(login, login)
                page = self.url_open("/odoo").text
                self.assertIn(f'<html lang="{lang}"', page)


class TestDemoDatabaseLanguages(TransactionCase):
    def test_make_run_loads_english_and_turkish(self):
        """`make run` creates its database with Turkish and English, and activates English on update."""
        script = (Path(__file__).resolve().parents[2] / "scripts" / "run.sh").read_text(encoding="utf-8")
        loads = re.findall(r"--load-language=(\S+)", script)
        self.assertEqual(len(loads), 2, loads)
        create, update = (
            (loads[1], loads[0])
            if script.index("-i mhrs_connector") > script.index("-u mhrs_connector")
            else loads
        )
        self.assertEqual(
            create.split(","), ["tr_TR", "en_US"], "Turkish for the demo users, English selectable"
        )
        self.assertIn("en_US", update.split(","))
        # What Odoo does with the list (odoo/modules/loading.py): each language is loaded and activated.
        for code in create.split(","):
            odoo.tools.translate.load_language(self.env.cr, code)
        active = self.env["res.lang"].search([("code", "in", ["tr_TR", "en_US"])]).mapped("code")
        self.assertEqual(set(active), {"tr_TR", "en_US"})
