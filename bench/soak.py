"""Soak tests: 1,000 outbound MHRS operations while 30% of the calls fail, then 10 simulated days of
appointment activity with random MHRS outages.

Run by ``make soak`` (scripts/soak.sh) against a freshly installed database, once per MHRS interface
(``MHRS_SOAK_INTERFACE=rest|g2``: REST MHRS V2 or SOAP G2); not part of ``make test``. The simulator runs
in-process on a free loopback port with faults injected into 30% of the calls (dropped connections, HTTP
500/503, SOAP server faults, truncated answers, slow answers), some of them *after* MHRS applied the
change (the answer is lost, the change is not). The operations are those the addon sends: clinic
registrations (with the branch registration they need), and over G2 clinic updates and cancellations
(MHRS V2 has neither). MHRS V2 has no clinic query either, so a registration whose answer was lost after
MHRS may have applied it is not resent: the clinic waits for a person to check MHRS, which the soak does
as a person would (it looks at MHRS's state, then presses Mark as Registered with the examination place
id, or Register Again), and reports how many needed it. Odoo's retry job is run until
nothing is left to resend; then Odoo and the simulator's state are compared: lost operations,
duplicated records at MHRS and drifted records must all be 0.

The appointment part registers 10 physicians' blocks as another HBYS would (branch, physician link, one
draft per block, one finalisation), moves the simulator's clock through 10 days (every 10 minutes from
07:00 to 23:50) and passes the same ``now=`` to Odoo's jobs: citizens book and cancel, MHRS cancels
unconfirmed appointments at 20:00, reception books (operation 16, whose answer is sometimes lost after
MHRS booked) and checks patients in, the query, status and end-of-day jobs run, while MHRS has outages (3
hours on some days, one from 16:00 to the next morning) and random faults. The next morning everything is
compared with the simulator: every MHRS appointment once in Odoo with the same state, every attendance
decision at MHRS.
"""

import logging
import math
import os
import random
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import requests

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import TransactionCase

from odoo.addons.mhrs_connector.tests.appointment_common import make_tckn
from odoo.addons.mhrs_connector.tests.common import INSTITUTION, wire_name, wire_settings
from odoo.addons.mhrs_connector.wire import rest

from mhrs_simulator.server import SimulatorServer

SEED = 20260105
INTERFACE = os.environ.get("MHRS_SOAK_INTERFACE", "g2")
if INTERFACE not in ("rest", "g2"):
    raise ValueError(f"MHRS_SOAK_INTERFACE must be rest or g2, not {INTERFACE!r}")
# 1,000 operations: registrations, then (G2 only: MHRS V2 has no clinic update or deletion) updates and
# cancellations, each on its own clinic.
if INTERFACE == "g2":
    CLINICS, CLINIC_UPDATES, CLINIC_CANCELS = 500, 400, 100
else:
    CLINICS, CLINIC_UPDATES, CLINIC_CANCELS = 1000, 0, 0
MAX_ROUNDS = 40
# The server-side error of each wire: a SOAP fault (G2), a 503 (REST).
SERVER_ERROR = "soap_fault" if INTERFACE == "g2" else "http503"
# Marginal share of the calls hit by each fault (30% in all); "execute": MHRS applied the change first.
FAULTS = [
    ({"mode": "drop"}, 0.06),
    ({"mode": "drop", "execute": True}, 0.03),
    ({"mode": "http500"}, 0.06),
    ({"mode": "http500", "execute": True}, 0.03),
    ({"mode": "truncated", "execute": True}, 0.05),
    ({"mode": SERVER_ERROR}, 0.05),
    ({"mode": "timeout", "timeout_s": 0.3}, 0.02),
]

# Appointment part.
TZ = ZoneInfo("Europe/Istanbul")
DAYS, PHYSICIANS, STEP = 10, 10, 10  # simulated days, physicians, minutes between job runs
FIRST_TICK, LAST_TICK = dtime(7), dtime(23, 50)
BLOCKS = [(dtime(9), dtime(12)), (dtime(13), dtime(17))]  # 20-minute slots: 21 per physician and day
SLOT, GRACE, STATUS_BATCH = 20, 30, 100
QUERY, STATUS, BOOK, SLOT_QUERY = (
    wire_name(op, INTERFACE)
    for op in ("appointment_query", "appointment_set_status", "appointment_book", "slot_query")
)
# Random faults outside the outages, per operation: (rule, share of the calls).
BACKGROUND_FAULTS = [
    ({"mode": "drop", "operation": QUERY}, 0.05),
    ({"mode": "truncated", "operation": QUERY}, 0.05),
    ({"mode": "http500", "operation": STATUS}, 0.05),
    ({"mode": "truncated", "execute": True, "operation": STATUS}, 0.05),
    ({"mode": "truncated", "execute": True, "operation": BOOK}, 0.15),
    ({"mode": "drop", "operation": BOOK}, 0.1),
    ({"mode": "http500", "execute": True, "operation": BOOK}, 0.1),
]
OUTAGE_MODES = ["http500", "drop", SERVER_ERROR]
EVENING_OUTAGE_DAY = 5  # 16:00 to 07:30 the next morning: the rest of that day's statuses cannot be sent


def utc_naive(local_dt):
    return local_dt.astimezone(UTC).replace(tzinfo=None)


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
        cls.company.write(dict(wire_settings(cls.server, INTERFACE), mhrs_vendor_code="ODOO-SOAK"))
        rest.clear_tokens()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))

    # ------------------------------------------------------------------------------------------------
    def _inject_faults(self):
        left = 1.0
        for spec, share in FAULTS:
            self.sim.post("faults", dict(spec, operation="*", wire=INTERFACE, share=round(share / left, 6)))
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
                "UPDATE mhrs_clinic SET mhrs_next_retry = %(t)s WHERE mhrs_sync_state = 'to_retry';",
                {"t": fields.Datetime.now() - timedelta(seconds=1)},
            )
            self.env.invalidate_all()
            company_model._mhrs_cron_retry(batch_size=100)
            self._check_at_mhrs()

    def _check_at_mhrs(self):
        """The person's part over MHRS V2 (no clinic query): for each clinic waiting for a check, look
        at MHRS (the simulator's state, as one would in MHRS's own screens), then Mark as Registered with
        its examination place id, or Register Again."""
        held = self.clinics.filtered(lambda c: c.state == "draft" and c._mhrs_held_for_check())
        if not held:
            return
        remote = {
            (c["name"], c["branch"]): c["id"]
            for c in self.sim.get("state")["clinics"].values()
            if c["institution"] == INSTITUTION["code"] and c["active"]
        }
        for clinic in held:
            self.checked += 1
            code = remote.get((clinic.name, clinic.mhrs_branch_id.code))
            if code:
                action = clinic.action_mhrs_mark_registered()
                wizard = self.env[action["res_model"]].with_context(**action["context"])
                wizard.create({"examination_place_id": str(code)}).action_confirm()
                self.marked += 1
            else:
                self._send(clinic, "action_mhrs_register_again")
                self.ops -= 1  # the same operation, sent again

    def _pending(self):
        """How many records still wait for a retry."""
        return len(self.clinics.filtered(lambda r: r.mhrs_sync_state == "to_retry"))

    # ------------------------------------------------------------------------------------------------
    def test_soak(self):
        rng = random.Random(SEED)
        self.ops = self.refused = self.rounds = self.checked = self.marked = 0
        branches = self.env["mhrs.branch"].search([("code", "in", [157, 132, 171])])
        started = time.monotonic()
        self.sim.post("requests/reset")
        self._inject_faults()

        # Phase 1: registrations (each branch is registered with its first clinic).
        self.clinics = self.env["mhrs.clinic"].create(
            [
                {"name": f"Soak Klinik {i}", "mhrs_branch_id": branches[i % len(branches)].id}
                for i in range(CLINICS)
            ]
        )
        work = [(c, "action_mhrs_register") for c in self.clinics]
        rng.shuffle(work)
        for record, method in work:
            self._send(record, method)
        self._retry_until_done()

        # Phase 2: updates and cancellations (each on its own clinic).
        clinics = list(self.clinics)
        work = []
        for clinic in clinics[:CLINIC_UPDATES]:
            clinic.write({"name": f"{clinic.name} B"})
            work.append((clinic, "action_mhrs_update"))
        for clinic in clinics[CLINIC_UPDATES : CLINIC_UPDATES + CLINIC_CANCELS]:
            work.append((clinic, "action_mhrs_cancel"))
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
                    f"MHRS soak ({INTERFACE})",
                    f"  operations sent            {self.ops}",
                    f"  refused by MHRS            {self.refused}",
                    f"  faults injected            {injected}",
                    f"  retry job runs             {self.rounds}",
                    f"  checked at MHRS by a person {self.checked} (marked registered {self.marked}, "
                    f"registered again {self.checked - self.marked})",
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
        self.assertEqual(self.ops, CLINICS + CLINIC_UPDATES + CLINIC_CANCELS)
        self.assertEqual(
            (report["lost"], report["duplicated"], report["drifted"], report["open"]), (0, 0, 0, 0)
        )

    def _compare(self, state):
        institution = INSTITUTION["code"]
        remote_clinics = {c["id"]: c for c in state["clinics"].values() if c["institution"] == institution}
        details, lost, drifted = [], 0, 0
        open_records = len(self.clinics.filtered(lambda r: r.mhrs_sync_state != "synced"))
        for clinic in self.clinics:
            remote = remote_clinics.get(clinic.mhrs_clinic_code)
            if clinic.state == "draft" or not remote:
                lost += 1
                details.append(f"lost: {clinic.name} ({clinic.state}, {clinic.mhrs_sync_state})")
                continue
            if (
                remote["name"] != clinic.name
                or remote["active"] != (clinic.state == "registered")
                or remote["branch"] != clinic.mhrs_branch_id.code
            ):
                drifted += 1
                details.append(f"drift: {clinic.name} vs {remote}")
        claimed = set(self.clinics.mapped("mhrs_clinic_code"))
        duplicated = len(set(remote_clinics) - claimed)
        details += [f"duplicate clinic at MHRS: {remote_clinics[c]}" for c in set(remote_clinics) - claimed]
        return {
            "lost": lost,
            "duplicated": duplicated,
            "drifted": drifted,
            "open": open_records,
            "details": details,
        }

    # ------------------------------------------------------------------------------------------------
    # Appointments: 10 simulated days with outages
    # ------------------------------------------------------------------------------------------------
    def test_soak_appointments(self):
        rng = random.Random(SEED + 1)
        # The jobs log every call an outage fails as a warning: thousands of lines, counted below instead.
        addon_logger = logging.getLogger("odoo.addons.mhrs_connector")
        self.addCleanup(addon_logger.setLevel, addon_logger.level)
        addon_logger.setLevel(logging.ERROR)
        started = time.monotonic()
        self.sim.post("reset")
        self.sim.post("seed", {"institution": INSTITUTION})
        rest.clear_tokens()  # the simulator forgot its tokens
        self._appointment_setup()
        first_day = datetime.now(TZ).date() + timedelta(days=1)
        self.days = [first_day + timedelta(days=i) for i in range(DAYS)]
        self.period_end = datetime.combine(self.days[-1] + timedelta(days=1), dtime(0), TZ)
        self._register_day_schedules()
        self.ticks, self.hits = [], 0
        self.bookings = dict.fromkeys(("booked", "adopted", "not_booked", "unknown", "refused"), 0)
        self.checked_in = self.no_show = self.searches = 0
        # Citizens have been booking before the first day.
        self._clock(datetime.combine(first_day, dtime(6), TZ))
        self.sim.post(
            "citizens",
            {"bookings": 150, "seed": rng.randrange(10**6), "window": self._citizen_window(first_day, 6)},
        )
        self.sim.post("requests/reset")
        outages = self._plan_outages(rng)
        self.outage_on = None
        self._set_faults(False)
        for day in self.days:
            minute = FIRST_TICK.hour * 60 + FIRST_TICK.minute
            while minute <= LAST_TICK.hour * 60 + LAST_TICK.minute:
                when = datetime.combine(day, dtime(minute // 60, minute % 60), TZ)
                self._tick(rng, when, any(start <= when < end for start, end in outages))
                minute += STEP
        # The next morning, MHRS answers again: the jobs catch up; then Odoo is compared with MHRS.
        morning = datetime.combine(self.days[-1] + timedelta(days=1), FIRST_TICK, TZ)
        self._tick(rng, morning, False, activity=False)
        elapsed = time.monotonic() - started
        self.hits += sum(rule["hits"] for rule in self.sim.get("faults")["faults"])
        self.sim.post("faults", {"clear": True})
        counts = {
            code.split(":", 1)[1]: count
            for code, count in self.sim.get("requests").get("counts", {}).items()
            if code.startswith(f"{INTERFACE}:")
        }
        state = self.sim.get("state")
        self.sim.post("clock", {"release": True})
        report = self._compare_appointments(state)
        needed = self._calls_needed()
        made = {code: counts.get(code, 0) for code in needed}
        total_made, total_needed = sum(made.values()), sum(needed.values())
        lines = [
            "",
            f"MHRS soak: appointments ({INTERFACE})",
            f"  simulated days             {DAYS} ({len(self.ticks)} job runs, every {STEP} min)",
            f"  physicians / schedules     {PHYSICIANS} / {PHYSICIANS * DAYS * len(BLOCKS)} blocks",
            f"  appointments at MHRS       {report['total']} ({report['cancelled']} cancelled, "
            f"{report['auto']} by the 20:00 rule)",
            f"  hospital bookings          {sum(self.bookings.values())}: "
            + ", ".join(f"{key} {value}" for key, value in self.bookings.items()),
            f"  checked in / no-show       {self.checked_in} / {self.no_show} by reception",
            f"  outages                    {len(outages)} ("
            + ", ".join(f"{start:%d.%m %H:%M}-{end:%H:%M}" for start, end in outages)
            + ")",
            f"  faults injected            {self.hits}",
            f"  lost operations            {report['lost']} "
            f"(appointments {report['lost_sync']}, statuses {report['lost_status']})",
            f"  duplicated operations      {report['duplicated']}",
            f"  drifted appointments       {report['drifted']}",
            f"  statuses sent              {report['status_sent']}",
            f"  failed, day ended          {report['day_ended']} (outage from 16:00 on "
            f"{self.days[EVENING_OUTAGE_DAY]:%d.%m} to the next morning: reported to the managers)",
            f"  MHRS calls made / needed   {total_made} / {total_needed} ({total_made / total_needed:.2f}x): "
            + ", ".join(f"{code} {made[code]}/{needed[code]}" for code in needed),
            f"  elapsed                    {elapsed:.0f} s",
        ]
        print("\n".join(lines + [f"  ! {line}" for line in report["details"][:20]]))
        self.assertEqual((report["lost"], report["duplicated"], report["drifted"]), (0, 0, 0))
        self.assertTrue(report["day_ended_expected"], "day-ended failures outside the evening outage")

    def _appointment_setup(self):
        company = self.company
        company.partner_id.tz = "Europe/Istanbul"
        company.write(
            {
                "mhrs_shortest_duration": STEP,
                "mhrs_status_grace": GRACE,
                "mhrs_sync_horizon_days": 2,
                "mhrs_eod_sync_time": 22.0,
            }
        )
        Physician = self.env["mhrs.physician"]
        Physician.search([]).write({"mhrs_sync": False})
        self.physicians = Physician.create(
            [{"name": f"Dr. Soak {i}", "tckn": make_tckn(310000000 + i * 7919)} for i in range(PHYSICIANS)]
        )
        seeded = self.sim.post(
            "seed",
            {
                "physicians": [{"tckn": p.tckn, "name": p.name} for p in self.physicians],
                "clinics": [{"branch": 157, "name": "Soak Dahiliye"}],
            },
        )
        self.clinic = self.env["mhrs.clinic"].create(
            {
                "name": "Soak Dahiliye",
                "mhrs_branch_id": self.env.ref("mhrs_connector.mhrs_branch_157").id,
                "mhrs_clinic_code": seeded["clinics"][0],
                "state": "registered",
            }
        )
        self.Appointment = self.env["mhrs.appointment"]

    def _register_day_schedules(self):
        """Final blocks registered as another HBYS would: branch, physician links, one draft per block,
        one finalisation per physician for the period."""
        connector = self.env["mhrs.client"].with_context(mhrs_trigger="cron")
        connector._mhrs_call("branch_register", company=self.company, branch=157)
        for physician in self.physicians:
            connector._mhrs_call("physician_link", company=self.company, branch=157, physician=physician.tckn)
            for day in self.days:
                for start, end in BLOCKS:
                    connector._mhrs_call(
                        "draft_add",
                        company=self.company,
                        block={
                            "branch": 157,
                            "physician": physician.tckn,
                            "clinic": self.clinic.mhrs_clinic_code,
                            "action": 1,
                            "start": datetime.combine(day, start, TZ),
                            "end": datetime.combine(day, end, TZ),
                            "slot_minutes": SLOT,
                            "capacity": 1,
                        },
                    )
            connector._mhrs_call(
                "draft_finalise",
                company=self.company,
                branch=157,
                start=datetime.combine(self.days[0], dtime(0), TZ),
                end=self.period_end,
                physician=physician.tckn,
            )
        finals = [
            s for s in self.sim.get("state")["schedules"].values() if s["institution"] == INSTITUTION["code"]
        ]
        self.assertEqual(len(finals), PHYSICIANS * DAYS * len(BLOCKS))

    def _plan_outages(self, rng):
        """A 3-hour outage on some days, and one from 16:00 to the next morning."""
        outages = []
        for index, day in enumerate(self.days):
            if index == EVENING_OUTAGE_DAY:
                start = datetime.combine(day, dtime(16), TZ)
                outages.append((start, datetime.combine(day + timedelta(days=1), dtime(7, 30), TZ)))
            elif index in (1, 3, 7, 8):
                start = datetime.combine(day, dtime(rng.randint(8, 18), rng.choice((0, 30))), TZ)
                outages.append((start, start + timedelta(hours=3)))
        return outages

    def _set_faults(self, outage):
        """Background faults, plus every query and status call failing during an outage."""
        if outage == self.outage_on:
            return
        self.hits += sum(rule["hits"] for rule in self.sim.get("faults")["faults"])
        self.sim.post("faults", {"clear": True})
        if outage:
            mode = OUTAGE_MODES[len(self.ticks) % len(OUTAGE_MODES)]
            for code in (QUERY, STATUS):
                self.sim.post("faults", {"mode": mode, "operation": code, "wire": INTERFACE})
        for code in (QUERY, STATUS, BOOK):
            left = 1.0
            for spec, share in BACKGROUND_FAULTS:
                if spec["operation"] == code:
                    self.sim.post("faults", dict(spec, wire=INTERFACE, share=round(share / left, 6)))
                    left -= share
        self.outage_on = outage

    def _clock(self, when):
        self.sim.post("clock", {"set": when.isoformat(), "frozen": True})

    def _citizen_window(self, day, hour):
        start = datetime.combine(day, dtime(hour), TZ)
        return {
            "start": start.isoformat(),
            "end": min(start + timedelta(days=3), self.period_end).isoformat(),
        }

    def _tick(self, rng, when, outage, activity=True):
        """One step of the simulated day: MHRS's clock, faults, citizens, reception, then Odoo's jobs."""
        self._clock(when)
        self._set_faults(outage)
        now = utc_naive(when)
        self.ticks.append(now)
        if activity:
            if when.minute == 0 and 8 <= when.hour <= 21:
                self.sim.post(
                    "citizens",
                    {
                        "bookings": 5,
                        "cancellations": 1,
                        "seed": rng.randrange(10**6),
                        "window": self._citizen_window(when.date(), when.hour),
                    },
                )
            if when.hour == 20 and when.minute == 0:
                self.sim.post("auto_cancel", {"share": 0.3, "seed": rng.randrange(10**6)})
            if when.minute == 30 and 9 <= when.hour <= 17 and when.date() < self.days[-1]:
                self._hospital_booking(rng, when)
        last_run = self.env["mhrs.sync.run"].search([], order="id desc", limit=1).id or 0
        self.Appointment._cron_appointment_query(now=now)
        if activity:
            self._reception(rng, now)
        self.Appointment._cron_status_update(now=now)
        self.Appointment._cron_end_of_day_sync(now=now)
        # Time travel: the runs started at the simulated time (the periodic window starts from it).
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE mhrs_sync_run SET started_at = %(t)s, ended_at = %(t)s WHERE id > %(id)s",
            {"t": now, "id": last_run},
        )
        self.env.invalidate_all()

    def _reception(self, rng, now):
        """Patients whose appointment started since the last step: most are checked in, a few are marked
        as not attended by hand; the status job decides the others."""
        arrived = self.Appointment.search(
            [
                ("company_id", "=", self.company.id),
                ("state", "=", "booked"),
                ("date_start", ">", now - timedelta(minutes=STEP)),
                ("date_start", "<=", now),
            ]
        )
        for appointment in arrived:
            draw = rng.random()
            if draw < 0.65:
                appointment._mhrs_check_in(now=now)
                self.checked_in += 1
            elif draw < 0.75:
                appointment._mhrs_mark_no_show(now=now)
                self.no_show += 1

    def _hospital_booking(self, rng, when):
        """Reception books a free slot of tomorrow through the slot search and the booking wizard; when
        MHRS's answer is lost and MHRS confirms nothing was booked, the user tries again."""
        physician = rng.choice(self.physicians)
        tomorrow = when.date() + timedelta(days=1)
        search = self.env["mhrs.slot.search.wizard"].create(
            {
                "clinic_id": self.clinic.id,
                "physician_id": physician.id,
                "date_from": utc_naive(datetime.combine(tomorrow, dtime(0), TZ)),
                "date_to": utc_naive(datetime.combine(tomorrow, dtime(23), TZ)),
            }
        )
        search.action_search()
        self.searches += 1
        if not search.line_ids:
            return
        context = rng.choice(search.line_ids).action_book()["context"]
        tckn = make_tckn(rng.randrange(100000000, 999999999))
        for _attempt in range(3):
            wizard = (
                self.env["mhrs.appointment.book.wizard"]
                .with_context(**context)
                .create({"tckn": tckn, "first_name": "Soak", "last_name": "Hasta", "phone": "05321234567"})
            )
            try:
                with self.env.cr.savepoint():
                    result = wizard.action_book()
                # A warning over the opened appointment when a follow-up of the booking failed.
                opened = result if result["type"] == "ir.actions.act_window" else result["params"]["next"]
                appointment = self.Appointment.browse(opened["res_id"])
            except UserError as error:
                text = str(error)
                if "nothing was booked" in text:
                    self.bookings["not_booked"] += 1
                    continue  # the user tries again
                self.bookings["unknown" if "could not be asked" in text else "refused"] += 1
                return
            adopted = "adopted" in (appointment.message_ids[:1].body or "")
            self.bookings["adopted" if adopted else "booked"] += 1
            return

    # ------------------------------------------------------------------------------------------------
    def _compare_appointments(self, state):
        institution = INSTITUTION["code"]
        remote = {hrn: a for hrn, a in state["appointments"].items() if a["institution"] == institution}
        local = self.Appointment.search([("company_id", "=", self.company.id)])
        by_hrn = {}
        for appointment in local:
            by_hrn.setdefault(appointment.mhrs_hrn, []).append(appointment)
        details = []
        lost_sync = [hrn for hrn in remote if hrn not in by_hrn]
        details += [f"lost: {hrn} not in Odoo" for hrn in lost_sync]
        extra = [hrn for hrn in by_hrn if hrn not in remote]
        twice = [hrn for hrn, records in by_hrn.items() if len(records) > 1]
        # A booking made twice at MHRS: the same patient twice in the same slot.
        slots = {}
        for a in remote.values():
            if a["record_status"] == 1:
                slots.setdefault((a["tckn"], a["start"]), []).append(a["hrn"])
        booked_twice = [hrns for hrns in slots.values() if len(hrns) > 1]
        details += [f"duplicate: {item}" for item in extra + twice + booked_twice]
        # Neither wire says who cancelled: Odoo knows its own cancellations and takes the others as the
        # patient's (the 20:00 rule's included).
        cancelled_by = {2: "hospital"}
        drifted, lost_status, day_ended, sent = 0, 0, [], 0
        last_day_end = utc_naive(self.period_end)
        for hrn, records in by_hrn.items():
            a, appointment = remote.get(hrn), records[0]
            if a is None:
                continue
            expected_state = "cancelled" if a["record_status"] == 2 else None
            if (
                (appointment.state == "cancelled") != (expected_state == "cancelled")
                or (
                    expected_state
                    and appointment.cancelled_by != cancelled_by.get(a["cancelled_by"], "patient_mhrs")
                )
                or appointment.date_start != utc_naive(datetime.fromisoformat(a["start"]))
                or (a["status"] and str(a["status"]) != (appointment.mhrs_status_code or ""))
                or appointment.missing_from_mhrs
            ):
                drifted += 1
                details.append(
                    f"drift: {hrn} {appointment.state}/{appointment.mhrs_status_code}/"
                    f"{appointment.mhrs_status} ({appointment.mhrs_status_error or ''}) vs {a}"
                )
                continue
            if appointment.state == "cancelled" or appointment.date_start >= last_day_end:
                continue
            # The appointment's day has passed: its attendance decision must be at MHRS.
            code = {"attended": 1, "no_show": 2}.get(appointment.state)
            if code and a["status"] == code and appointment.mhrs_status == "sent":
                sent += 1
            elif appointment.mhrs_status == "failed" and "Day ended" in (appointment.mhrs_status_error or ""):
                day_ended.append(appointment)
            else:
                lost_status += 1
                details.append(f"status lost: {hrn} {appointment.state}/{appointment.mhrs_status} vs {a}")
        outage_day = self.days[EVENING_OUTAGE_DAY]
        # Only the day whose outage covered the rest of it (a status whose last try before the outage met a
        # random fault falls into the outage too).
        expected = all(a._mhrs_local_day() == outage_day for a in day_ended)
        details += [f"day ended: {a.mhrs_hrn} {a.date_end} {a.state}" for a in day_ended if not expected]
        self.status_due = [
            a for records in by_hrn.values() for a in records if a.mhrs_status in ("sent", "failed")
        ]
        return {
            "total": len(remote),
            "cancelled": sum(1 for a in remote.values() if a["record_status"] == 2),
            "auto": sum(1 for a in remote.values() if a["cancelled_by"] == 4),
            "lost": len(lost_sync) + lost_status,
            "lost_sync": len(lost_sync),
            "lost_status": lost_status,
            "duplicated": len(extra) + len(twice) + len(booked_twice),
            "drifted": drifted,
            "status_sent": sent,
            "day_ended": len(day_ended),
            "day_ended_expected": expected,
            "details": details,
        }

    def _calls_needed(self):
        """The calls a run without faults would make: one query per job run and per end-of-day sync,
        one status call per job run that finds appointments due (per 100), one slot search per
        hospital booking and one booking call per patient booked."""
        due_at = {}
        for appointment in self.status_due:
            ready = appointment.date_end + timedelta(minutes=GRACE)
            tick = next((t for t in self.ticks if t >= ready), self.ticks[-1])
            due_at[tick] = due_at.get(tick, 0) + 1
        bookings = sum(self.bookings.values()) - self.bookings["not_booked"]
        return {
            QUERY: len(self.ticks) + len(self.days) + 1,
            STATUS: sum(math.ceil(count / STATUS_BATCH) for count in due_at.values()),
            BOOK: bookings,
            SLOT_QUERY: self.searches,
        }
