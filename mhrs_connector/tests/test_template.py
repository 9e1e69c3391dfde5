from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.mhrs_connector.models.mhrs_template import MhrsTemplate

from .test_clinic import ClinicCase, closed_port_url

SET_STATE = "PRSC_IN001015TR01"


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

    def _mhrs_templates(self):
        result = self.env["mhrs.connector.mixin"]._mhrs_legacy_call("template_query", company=self.company)
        return {row["SablonId"]: row for row in result["SablonBilgileri"]}


class TestTemplate(TemplateCase):
    def test_register_update_set_state_query(self):
        template = self._template("Tam gün 20 dk", self._day())
        self.assertEqual(template.slot_count, 24)
        self.assertEqual(template.action_mhrs_register()["params"]["type"], "success")
        self.assertEqual((template.state, template.mhrs_sync_state), ("registered", "synced"))
        self.assertTrue(template.mhrs_template_id)
        remote = self._mhrs_templates()[template.mhrs_template_id]
        self.assertEqual(remote["SablonAdi"], "Tam gün 20 dk")
        self.assertEqual(len(remote["SablonSatiri"]), 3)
        lunch = next(line for line in remote["SablonSatiri"] if line["AksiyonKodu"] == 46)
        self.assertFalse(lunch["TedaviSuresi"])

        template.write({"name": "Tam gün 30 dk", "line_ids": [Command.clear(), *self._day(slot=30)]})
        self.assertEqual(template.action_mhrs_update()["params"]["type"], "success")
        remote = self._mhrs_templates()[template.mhrs_template_id]
        self.assertEqual(remote["SablonAdi"], "Tam gün 30 dk")
        self.assertEqual(
            {line["TedaviSuresi"] for line in remote["SablonSatiri"] if line["AksiyonKodu"] == 1}, {30}
        )

        template.action_mhrs_set_state()
        self.assertFalse(template.mhrs_active)
        self.assertFalse(self._mhrs_templates()[template.mhrs_template_id]["AktifMi"])
        template.action_mhrs_set_state()
        self.assertTrue(template.mhrs_active)
        self.assertEqual(self.sim.calls(SET_STATE), 2)
        self.assertEqual(
            set(self._logs(template).mapped("operation")),
            {"template_register", "template_update", "template_set_state"},
        )

        # In step with MHRS: the query shows no difference for it.
        action = self.env["mhrs.template"].action_mhrs_query()
        wizard = self.env["mhrs.template.query.wizard"].browse(action["res_id"])
        self.assertFalse(wizard.line_ids.filtered(lambda line: line.template_id == template))

    def test_duplicate_name_at_mhrs(self):
        self.sim.post(
            "seed",
            {
                "templates": [
                    {
                        "name": "Sabah",
                        "lines": [
                            {"start": "08:00", "end": "10:00", "action": 1, "slot_minutes": 10, "capacity": 1}
                        ],
                    },
                ]
            },
        )
        template = self._template("Sabah", [self._line(8.0, 12.0, slot=20)])
        message = self._expect_user_error(template.action_mhrs_register)
        self.assertIn("SBL-003", message)
        self.assertEqual((template.state, template.mhrs_sync_state), ("draft", "error"))
        self.assertIn("SBL-003", self._last_message(template))
        # MHRS was then asked whether its template of that name is this one (other blocks: it is not).
        logs = self._logs(template)
        self.assertEqual(
            logs.filtered(lambda log: log.operation == "template_register")[:1].error_code, "SBL-003"
        )
        self.assertEqual(logs[:1].operation, "template_query")

    def test_unknown_template_at_mhrs(self):
        template = self._template("Öğleden sonra", [self._line(13.0, 17.0, slot=20)])
        template.write({"state": "registered", "mhrs_template_id": 987654})
        self.assertIn("SBL-001", self._expect_user_error(template.action_mhrs_update))
        self.assertIn("SBL-001", self._expect_user_error(template.action_mhrs_set_state))

    def test_query_with_wrong_credentials_is_refused(self):
        self.company.mhrs_password = "wrong"
        with self.assertRaises(UserError):
            self.env["mhrs.template"].action_mhrs_query()

    def test_transport_error_keeps_the_operation_for_retry(self):
        template = self._template("Tam gün 20 dk", self._day())
        good_url = self.company.mhrs_base_url
        self.company.mhrs_base_url = closed_port_url()
        action = template.action_mhrs_register()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertEqual((template.state, template.mhrs_sync_state), ("draft", "to_retry"))
        self.assertEqual(
            (template.mhrs_pending_operation, template.mhrs_retry_count), ("template_register", 1)
        )
        self.company.mhrs_base_url = good_url
        template._mhrs_retry_pending()
        self.assertEqual((template.state, template.mhrs_sync_state), ("registered", "synced"))
        self.assertIn(template.mhrs_template_id, self._mhrs_templates())

    def test_affected_schedules_are_warned_about(self):
        template = self._template("Tam gün 20 dk", self._day())
        template.action_mhrs_register()
        with patch.object(MhrsTemplate, "_mhrs_affected_schedules", lambda self: ["Dr. A, 01.12.2026"]):
            action = template.action_mhrs_update()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("Dr. A, 01.12.2026", action["params"]["message"])

    def test_query_and_import_templates_of_another_hbys(self):
        self.sim.post(
            "seed",
            {
                "templates": [
                    {
                        "name": "Nöbet sonrası",
                        "lines": [
                            {
                                "start": "08:00",
                                "end": "10:00",
                                "action": 1,
                                "slot_minutes": 20,
                                "capacity": 2,
                            },
                            {"start": "10:00", "end": "12:00", "action": 13},
                        ],
                    },
                ]
            },
        )
        # Another HBYS registered, on MHRS, the same blocks as one of our local drafts.
        local = self._template("Yerel", [self._line(14.0, 16.0, slot=30)])
        self.env["mhrs.connector.mixin"]._mhrs_legacy_call(
            "template_register",
            company=self.company,
            SablonAdi="Aynısı",
            SablonSatiri=local._mhrs_lines_payload(),
        )
        action = self.env["mhrs.template"].action_mhrs_query()
        wizard = self.env["mhrs.template.query.wizard"].browse(action["res_id"])
        only_mhrs = wizard.line_ids.filtered(lambda line: line.kind == "only_mhrs")
        self.assertEqual(set(only_mhrs.mapped("mhrs_name")), {"Nöbet sonrası", "Aynısı"})
        self.assertEqual(only_mhrs.filtered(lambda line: line.mhrs_name == "Aynısı").same_template_id, local)
        self.assertEqual(wizard.importable_count, 1)
        wizard.action_import()
        imported = self.env["mhrs.template"].search([("name", "=", "Nöbet sonrası")])
        self.assertEqual((imported.state, imported.mhrs_active), ("registered", True))
        self.assertEqual(
            [
                (
                    line.start_time,
                    line.end_time,
                    line.action_code_id.code,
                    line.slot_minutes,
                    line.patients_per_slot,
                )
                for line in imported.line_ids
            ],
            [(8.0, 10.0, 1, 20, 2), (10.0, 12.0, 13, 0, 0)],
        )
        self.assertFalse(self.env["mhrs.template"].search([("name", "=", "Aynısı")]))


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
        # Rows changed behind the ORM's back are still caught when registering.
        self.env.cr.execute(
            "UPDATE mhrs_template_line SET slot_minutes = 20 WHERE template_id = %s AND slot_minutes > 0",
            [other.id],
        )
        other.invalidate_recordset()
        other.line_ids.invalidate_recordset()
        with self.assertRaises(ValidationError) as caught:
            other.action_mhrs_register()
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
            empty.action_mhrs_register()
        self.assertEqual(self.sim.calls(), calls)


class TestTemplateAccess(TemplateCase):
    def test_user_presses_buttons_but_only_manager_deletes(self):
        template = self._template("Tam gün 20 dk", self._day()).with_user(self.mhrs_user)
        template.action_mhrs_register()
        template.action_mhrs_set_state()
        self.assertFalse(template.mhrs_active)
        with self.assertRaises(AccessError):
            template.unlink()
        with self.assertRaises(AccessError):
            self.work.with_user(self.mhrs_user).write({"bookable": False})
        template.with_user(self.manager).unlink()
        self.assertFalse(template.exists())
