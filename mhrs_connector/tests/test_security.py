"""Multi-company isolation, group-based access, secrecy of the MHRS password, completeness of rules."""

from datetime import date, timedelta

from odoo.exceptions import AccessError, UserError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import new_test_user

from ..wire import rest
from .common import INSTITUTION
from .test_template import TemplateCase


class TestSecurity(TemplateCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Hastane B"})
        cls.user_a = new_test_user(
            cls.env,
            login="mhrs_user_a",
            groups="mhrs_connector.group_mhrs_user",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.plain_user = new_test_user(cls.env, login="no_mhrs", groups="base.group_user")
        env_b = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company_b.ids))
        cls.clinic_b = env_b["mhrs.clinic"].create(
            {"name": "B Dahiliye", "mhrs_branch_id": cls.branch.id, "company_id": cls.company_b.id}
        )
        cls.physician_b = env_b["mhrs.physician"].create(
            {"name": "Dr. B", "tckn": "10000000146", "company_id": cls.company_b.id}
        )
        work = cls.env.ref("mhrs_connector.mhrs_action_code_1")
        cls.template_b = env_b["mhrs.template"].create(
            {
                "name": "B Şablon",
                "company_id": cls.company_b.id,
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "start_time": 8,
                            "end_time": 9,
                            "action_code_id": work.id,
                            "slot_minutes": 20,
                            "patients_per_slot": 1,
                        },
                    )
                ],
            }
        )
        cls.log_b = cls.env["mhrs.sync.log"].create(
            {"operation": "clinic_query", "company_id": cls.company_b.id, "state": "done"}
        )
        cls.records_b = [cls.clinic_b, cls.physician_b, cls.template_b, cls.template_b.line_ids, cls.log_b]
        if "mhrs.schedule" in cls.env:
            cls.records_b.append(
                env_b["mhrs.schedule"].create(
                    {
                        "company_id": cls.company_b.id,
                        "physician_id": cls.physician_b.id,
                        "clinic_id": cls.clinic_b.id,
                        "date_from": date.today() + timedelta(days=7),
                        "date_to": date.today() + timedelta(days=8),
                    }
                )
            )

    # ------------------------------------------------------------------------------------------------
    def test_user_of_company_a_sees_nothing_of_company_b(self):
        for record in self.records_b:
            with self.subTest(model=record._name):
                model = self.env[record._name].with_user(self.user_a)
                self.assertFalse(model.search([("id", "in", record.ids)]))
                self.assertFalse(model.search([("company_id", "=", self.company_b.id)]))
                with self.assertRaises(AccessError):
                    record.with_user(self.user_a).read(["company_id"])
        # ... while the same user works with the records of company A.
        mine = self._clinic("A Dahiliye")
        self.assertEqual(self.env["mhrs.clinic"].with_user(self.user_a).search([("id", "=", mine.id)]), mine)

    def test_users_without_mhrs_groups_see_nothing(self):
        mine = self._clinic("A Kardiyoloji")
        for model in (
            "mhrs.clinic",
            "mhrs.physician",
            "mhrs.template",
            "mhrs.sync.log",
            "mhrs.schedule",
            "mhrs.appointment",
            "mhrs.sync.run",
        ):
            if model not in self.env:
                continue
            with self.subTest(model=model):
                with self.assertRaises(AccessError):
                    self.env[model].with_user(self.plain_user).search([])
        with self.assertRaises(AccessError):
            mine.with_user(self.plain_user).read(["name"])
        with self.assertRaises(AccessError):
            self.company.with_user(self.plain_user).read(["mhrs_password"])

    def test_password_never_leaks(self):
        """Neither the password nor the JWT (REST) reaches a log row, a message or an error text, on
        either wire (TestSecurityG2 runs this over SOAP G2)."""
        password = INSTITUTION["password"]
        errors = []

        def attempt(func):
            try:
                func()
            except UserError as exc:
                errors.append(str(exc))

        ok = self._clinic("Gizli 1")
        attempt(ok.action_mhrs_register)
        for index, mode in enumerate(("http500", "malformed", "truncated", "drop", "http401")):
            self.sim.post("faults", {"mode": mode, "operation": "*", "count": 1})
            attempt(self._clinic(f"Gizli {mode}").action_mhrs_register)
            attempt(self.env["mhrs.clinic"].action_mhrs_query)
            attempt(self.env["res.config.settings"].create({}).action_mhrs_test_connection)
            self.assertTrue(index >= 0)
        duplicate = self._clinic("Gizli 1")
        attempt(duplicate.action_mhrs_register)  # KLN-003: MHRS refuses the same name
        self.company.write({"mhrs_username": "999", "mhrs_g2_user_code": "999"})
        rest.clear_tokens()
        attempt(self._clinic("Gizli 3").action_mhrs_register)  # authentication refused
        self.company.write(
            {"mhrs_username": INSTITUTION["username"], "mhrs_g2_user_code": INSTITUTION["user_code"]}
        )
        self.env["res.company"]._mhrs_cron_retry()

        logs = self.env["mhrs.sync.log"].search([("company_id", "=", self.company.id)])
        self.assertGreaterEqual(len(logs), 12)
        self.assertTrue(
            {"done", "business_error", "transport_error", "malformed"} <= set(logs.mapped("state"))
        )
        for log in logs:
            for field in ("request_xml", "response_xml", "error_text", "record_name"):
                self.assertNotIn(password, log[field] or "", f"{field} of log {log.id}")
                self.assertNotIn("eyJ", log[field] or "", f"a JWT in {field} of log {log.id}")
        self.assertTrue(any("***" in (log.request_xml or "") for log in logs))
        for secret in (password, "eyJ"):
            self.assertFalse(self.env["mail.message"].search([("body", "ilike", secret)]))
            self.assertFalse(
                self.env["mail.tracking.value"].search(
                    ["|", ("old_value_char", "ilike", secret), ("new_value_char", "ilike", secret)]
                )
            )
            self.assertFalse(self.env["mail.activity"].search([("note", "ilike", secret)]))
        for record in self.env["mhrs.clinic"].search([("name", "like", "Gizli")]):
            self.assertNotIn(password, record.mhrs_last_error or "")
            self.assertNotIn("eyJ", record.mhrs_last_error or "")
        self.assertTrue(errors)
        for text in errors:
            self.assertNotIn(password, text)
            self.assertNotIn("eyJ", text)

    def test_every_model_has_access_rights_and_company_rules(self):
        user_group = self.env.ref("mhrs_connector.group_mhrs_user")
        missing_access, missing_rule = [], []
        for ir_model in self.env["ir.model"].search([("model", "like", "mhrs.%")]):
            model = self.env.get(ir_model.model)
            if model is None or model._abstract:
                continue
            accesses = self.env["ir.model.access"].search(
                [("model_id", "=", ir_model.id), ("group_id", "=", user_group.id)]
            )
            if not accesses:
                missing_access.append(ir_model.model)
            company_field = model._fields.get("company_id")
            # Transient records are visible to their creator only: no company rule needed.
            if company_field and company_field.store and not model._transient:
                rules = self.env["ir.rule"].search([("model_id", "=", ir_model.id)])
                if not rules.filtered(lambda rule: "company_id" in (rule.domain_force or "")):
                    missing_rule.append(ir_model.model)
        self.assertFalse(missing_access, "models without access rights for MHRS users")
        self.assertFalse(missing_rule, "company-bound models without a multi-company record rule")


class TestNeutralize(TemplateCase):
    def test_neutralized_copy_stops_talking_to_mhrs(self):
        queries = list(get_neutralization_queries(["mhrs_connector"]))
        self.assertEqual(len(queries), 1, "data/neutralize.sql is shipped")
        other = self.env["res.company"].create(
            {"name": "Hastane C", "mhrs_password": "other-secret", "mhrs_g2_password": "other-g2"}
        )
        self.env.flush_all()
        self.env.cr.execute(queries[0])
        self.env.invalidate_all()
        for company in (self.company, other):
            with self.subTest(company=company.name):
                root = company.sudo()
                self.assertFalse(root.mhrs_password)
                self.assertFalse(root.mhrs_g2_password)
                self.assertFalse(root.mhrs_base_url)
        clinic = self._clinic("Nötr")
        calls = self.sim.calls()
        with self.assertRaises(UserError):
            clinic.action_mhrs_register()
        self.assertEqual(self.sim.calls(), calls)


class TestSecurityG2(TestSecurity):
    mhrs_interface = "g2"
