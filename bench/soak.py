"""Soak test of the outbound path: 1,000 MHRS operations while 30% of the calls fail.

Run by ``make soak`` (scripts/soak.sh) against a freshly installed database; not part of ``make test``.
The simulator runs in-process on a free loopback port with faults injected into 30% of the SOAP calls
(dropped connections, HTTP 500, SOAP server faults, truncated answers, slow answers), some of them
*after* MHRS applied the change (the answer is lost, the change is not). Odoo's retry job is run until
nothing is left to resend; then Odoo and the simulator's state are compared: lost operations,
duplicated records at MHRS and drifted records must all be 0.
"""

import random
import time
from datetime import timedelta

import requests

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import TransactionCase

from odoo.addons.mhrs_connector.models.mhrs_template import lines_key
from odoo.addons.mhrs_connector.tests.common import INSTITUTION, RESPONSIBLE_TCKN

from mhrs_simulator.server import SimulatorServer

SEED = 20260105
CLINICS, TEMPLATES = 300, 200  # 500 registrations
CLINIC_UPDATES, CLINIC_CANCELS, TEMPLATE_UPDATES, TEMPLATE_STATES = 250, 50, 150, 50  # 500 more
MAX_ROUNDS = 40
# Marginal share of the calls hit by each fault (30% in all); "execute": MHRS applied the change first.
FAULTS = [
    ({"mode": "drop"}, 0.06),
    ({"mode": "drop", "execute": True}, 0.03),
    ({"mode": "http500"}, 0.06),
    ({"mode": "http500", "execute": True}, 0.03),
    ({"mode": "truncated", "execute": True}, 0.05),
    ({"mode": "soap_fault"}, 0.05),
    ({"mode": "timeout", "timeout_s": 0.3}, 0.02),
]


class Control:
    def __init__(self, server):
        self.base = server.control_url.rstrip("/") + "/"

    def post(self, path, payload=None):
        response = requests.post(self.base + path, json=payload or {}, timeout=30)
        response.raise_for_status()
        return response.json()

    def get(self, path):
        response = requests.get(self.base + path, timeout=30)
        response.raise_for_status()
        return response.json()


class TestSoak(TransactionCase):
    # Outside an addon: give the test the attributes Odoo's MetaCase sets on addon tests.
    test_tags = {"mhrs_soak"}
    test_module = "mhrs_connector"
    test_class = "TestSoak"
    test_sequence = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.server = SimulatorServer(host="127.0.0.1", port=0)
        cls.server.start()
        cls.addClassCleanup(cls.server.stop)
        cls.sim = Control(cls.server)
        cls.sim.post("reset")
        cls.sim.post("seed", {"institution": INSTITUTION})
        cls.company = cls.env.company
        cls.company.write(
            {
                "mhrs_institution_code": str(INSTITUTION["code"]),
                "mhrs_vendor_code": "ODOO-SOAK",
                "mhrs_username": INSTITUTION["username"],
                "mhrs_password": INSTITUTION["password"],
                "mhrs_responsible_tckn": RESPONSIBLE_TCKN,
                "mhrs_endpoint_url": cls.server.url,
                "mhrs_wsdl_url": False,
                "mhrs_environment": "test",
                "mhrs_timeout": 10,
            }
        )
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))

    # ------------------------------------------------------------------------------------------------
    def _inject_faults(self):
        left = 1.0
        for spec, share in FAULTS:
            self.sim.post("faults", dict(spec, operation="*", share=round(share / left, 6)))
            left -= share

    def _send(self, record, method):
        """One outbound operation as a user would trigger it; True when MHRS refused it."""
        self.ops += 1
        try:
            with self.env.cr.savepoint():
                getattr(record, method)()
        except UserError:
            self.refused += 1
            return True
        return False

    def _retry_until_done(self):
        company_model = self.env["res.company"]
        for _round in range(MAX_ROUNDS):
            pending = self._pending()
            if not pending:
                return
            self.rounds += 1
            # The back-off has expired (time travel instead of hours of waiting).
            self.env.cr.execute(
                "UPDATE mhrs_clinic SET mhrs_next_retry = %(t)s WHERE mhrs_sync_state = 'to_retry';"
                "UPDATE mhrs_template SET mhrs_next_retry = %(t)s WHERE mhrs_sync_state = 'to_retry';",
                {"t": fields.Datetime.now() - timedelta(seconds=1)},
            )
            self.env.invalidate_all()
            company_model._mhrs_cron_retry(batch_size=100)

    def _pending(self):
        """How many records still wait for a retry."""
        return len(self.clinics.filtered(lambda r: r.mhrs_sync_state == "to_retry")) + len(
            self.templates.filtered(lambda r: r.mhrs_sync_state == "to_retry")
        )

    def _lines(self, index, variant=0):
        hour, blocks = 8 + index % 10, 1 + index // 10 + variant * 3
        return [
            Command.create(
                {
                    "start_time": hour,
                    "end_time": hour + blocks * 10 / 60,
                    "action_code_id": self.work.id,
                    "slot_minutes": 10,
                    "patients_per_slot": 1 + variant,
                }
            )
        ]

    # ------------------------------------------------------------------------------------------------
    def test_soak(self):
        rng = random.Random(SEED)
        self.ops = self.refused = self.rounds = 0
        self.work = self.env.ref("mhrs_connector.mhrs_action_code_1")
        branches = self.env["mhrs.branch"].search([("code", "in", [157, 132, 171])])
        started = time.monotonic()
        self.sim.post("requests/reset")
        self._inject_faults()

        # Phase 1: 500 registrations.
        self.clinics = self.env["mhrs.clinic"].create(
            [
                {
                    "name": f"Soak Klinik {i}",
                    "mhrs_branch_id": branches[i % len(branches)].id,
                    "video_consultation": i % 7 == 0,
                }
                for i in range(CLINICS)
            ]
        )
        self.templates = self.env["mhrs.template"]
        for i in range(TEMPLATES):
            self.templates |= self.env["mhrs.template"].create(
                {"name": f"Soak Şablon {i}", "line_ids": self._lines(i)}
            )
        work = [(c, "action_mhrs_register") for c in self.clinics]
        work += [(t, "action_mhrs_register") for t in self.templates]
        rng.shuffle(work)
        for record, method in work:
            self._send(record, method)
        self._retry_until_done()

        # Phase 2: 500 updates, cancellations and state changes (each on its own record).
        clinics = list(self.clinics)
        templates = list(self.templates)
        work = []
        for clinic in clinics[:CLINIC_UPDATES]:
            clinic.write({"name": f"{clinic.name} B", "video_consultation": not clinic.video_consultation})
            work.append((clinic, "action_mhrs_update"))
        for clinic in clinics[CLINIC_UPDATES : CLINIC_UPDATES + CLINIC_CANCELS]:
            work.append((clinic, "action_mhrs_cancel"))
        for index, template in enumerate(templates[:TEMPLATE_UPDATES]):
            template.write(
                {"name": f"{template.name} B", "line_ids": [Command.clear(), *self._lines(index, variant=1)]}
            )
            work.append((template, "action_mhrs_update"))
        for template in templates[TEMPLATE_UPDATES : TEMPLATE_UPDATES + TEMPLATE_STATES]:
            work.append((template, "action_mhrs_set_state"))
        rng.shuffle(work)
        for record, method in work:
            if record.mhrs_sync_state == "to_retry" or record.state == "draft":
                continue  # cannot happen after phase 1; counted as lost below if it does
            self._send(record, method)
        self._retry_until_done()
        elapsed = time.monotonic() - started

        faults = self.sim.get("faults")["faults"]
        injected = sum(rule["hits"] for rule in faults)
        self.sim.post("faults", {"clear": True})
        calls = self.sim.get("requests")["total"]
        report = self._compare(self.sim.get("state"))
        needed = self.ops
        print(
            "\n".join(
                [
                    "",
                    "MHRS soak",
                    f"  operations sent            {self.ops}",
                    f"  refused by MHRS            {self.refused}",
                    f"  faults injected            {injected}",
                    f"  retry job runs             {self.rounds}",
                    f"  MHRS calls made / needed   {calls} / {needed} ({calls / needed:.2f}x)",
                    f"  lost operations            {report['lost']}",
                    f"  duplicated at MHRS         {report['duplicated']}",
                    f"  drifted records            {report['drifted']}",
                    f"  still queued or in error   {report['open']}",
                    f"  elapsed                    {elapsed:.0f} s",
                ]
                + [f"  ! {line}" for line in report["details"][:20]]
            )
        )
        self.assertEqual(
            self.ops,
            CLINICS + TEMPLATES + CLINIC_UPDATES + CLINIC_CANCELS + TEMPLATE_UPDATES + TEMPLATE_STATES,
        )
        self.assertEqual(
            (report["lost"], report["duplicated"], report["drifted"], report["open"]), (0, 0, 0, 0)
        )

    def _compare(self, state):
        institution = INSTITUTION["code"]
        remote_clinics = {c["id"]: c for c in state["clinics"].values() if c["institution"] == institution}
        remote_templates = {
            t["id"]: t for t in state["templates"].values() if t["institution"] == institution
        }
        details, lost, drifted = [], 0, 0
        open_records = len(self.clinics.filtered(lambda r: r.mhrs_sync_state != "synced")) + len(
            self.templates.filtered(lambda r: r.mhrs_sync_state != "synced")
        )
        for clinic in self.clinics:
            remote = remote_clinics.get(clinic.mhrs_clinic_code)
            if clinic.state == "draft" or not remote:
                lost += 1
                details.append(f"lost: {clinic.name} ({clinic.state}, {clinic.mhrs_sync_state})")
                continue
            if (
                remote["name"] != clinic.name
                or remote["video"] != clinic.video_consultation
                or remote["active"] != (clinic.state == "registered")
                or remote["branch"] != clinic.mhrs_branch_id.code
            ):
                drifted += 1
                details.append(f"drift: {clinic.name} vs {remote}")
        for template in self.templates:
            remote = remote_templates.get(template.mhrs_template_id)
            if template.state == "draft" or not remote:
                lost += 1
                details.append(f"lost: {template.name} ({template.state}, {template.mhrs_sync_state})")
                continue
            if (
                remote["name"] != template.name
                or remote["active"] != template.mhrs_active
                or lines_key(remote["lines"]) != lines_key(template._mhrs_lines_payload())
            ):
                drifted += 1
                details.append(f"drift: {template.name} vs {remote['name']}")
        claimed_clinics = set(self.clinics.mapped("mhrs_clinic_code"))
        claimed_templates = set(self.templates.mapped("mhrs_template_id"))
        duplicated = len(set(remote_clinics) - claimed_clinics) + len(
            set(remote_templates) - claimed_templates
        )
        details += [
            f"duplicate clinic at MHRS: {remote_clinics[c]}" for c in set(remote_clinics) - claimed_clinics
        ]
        return {
            "lost": lost,
            "duplicated": duplicated,
            "drifted": drifted,
            "open": open_records,
            "details": details,
        }
