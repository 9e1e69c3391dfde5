"""Bring the demo hospital to life after `make run` installed or updated the addon.

Usage: python scripts/demo_bootstrap.py -c ODOO_CONF -d DB [--simulator URL]

Registers the demo clinics and schedules of both demo hospitals on the local MHRS simulator (the first
over REST MHRS V2, the second over SOAP G2), activates their templates (local: MHRS has no template
service) and lets citizens book, so the periodic appointment sync brings appointments within a minute of
Odoo starting. Safe to run again: what is registered stays as it is, bookings are topped up.
"""

import argparse
import logging
import math
import sys
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests

import odoo
from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import config

_logger = logging.getLogger("mhrs_demo_bootstrap")

# What follows registers the demo hospitals on the local simulator (through its control interface,
# /_control/) and lets citizens book. It does nothing outside a database with the demo data or when a
# company does not talk to a simulator on the loopback interface. Idempotent: records already registered
# are left alone, and citizens only book until the demo institution has DEMO_BOOKINGS future appointments.
DEMO_BOOKINGS = 40  # future appointments the demo institution should have at the simulator
TODAY_PHYSICIANS = (
    "demo_physician_1",
    "demo_physician_4",
    "demo_physician_7",
    "demo_physician_9",
    "demo_g2_physician_1",
)
DEMO_COMPANIES = ("base.main_company", "mhrs_connector.demo_company_g2")
DEMO_TIMEOUT = 10


def control_url(company):
    """The simulator's control URL, or None when the company does not talk to a local simulator."""
    url = urlsplit(company.mhrs_base_url or "")
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        return None
    return f"{url.scheme}://{url.netloc}/_control/"


def bootstrap(env):
    """Register the demo clinics, templates and schedules at the simulator, open a schedule for the
    rest of today and make citizens book. Returns a short report (dict)."""
    report = {"registered": [], "failed": [], "booked": 0, "companies": []}
    if not env.ref("mhrs_connector.demo_clinic_ic", raise_if_not_found=False):
        _logger.info("MHRS demo bootstrap: no demo data in this database, nothing to do")
        return report
    # The demo hospital talks REST (MHRS V2); the second demo hospital SOAP G2, to the same simulator.
    for xmlid in DEMO_COMPANIES:
        company = env.ref(xmlid, raise_if_not_found=False)
        if company:
            bootstrap_company(env, company, report)
    _logger.info(
        "MHRS demo bootstrap: %s registered, %s failed, %s citizen booking(s)",
        len(report["registered"]),
        len(report["failed"]),
        report["booked"],
    )
    return report


def bootstrap_company(env, company, report):
    control = control_url(company)
    if not control:
        _logger.info("MHRS demo bootstrap: %s does not use a local simulator", company.name)
        return
    try:
        requests.get(control + "clock", timeout=DEMO_TIMEOUT).raise_for_status()
    except requests.RequestException as exc:
        _logger.warning("MHRS demo bootstrap: the simulator does not answer at %s (%s)", control, exc)
        return
    company_env = env["res.company"].with_company(company).env
    # The demo hospitals are in Istanbul, whatever the browser of the first login said.
    (company.partner_id | env.ref("base.user_admin").partner_id).write({"tz": "Europe/Istanbul"})
    for record in demo_records(env, "mhrs.clinic"):
        if record.state == "draft" and record.company_id == company:
            send(env, record.with_company(company), "action_mhrs_register", report)
    # Templates are local (MHRS has no template service): activated, nothing sent.
    for record in demo_records(env, "mhrs.template"):
        if record.state == "draft" and record.company_id == company:
            send(env, record.with_company(company), "action_activate", report)
    today = demo_today(company)
    schedules = company_env["mhrs.schedule"].search(
        [
            ("company_id", "=", company.id),
            ("state", "=", "draft"),
            ("date_to", ">", today),
            ("clinic_id.state", "=", "registered"),
        ]
    )
    for schedule in schedules:
        if schedule.date_from <= today and not schedule.line_ids:
            # The demo data dates its schedules from tomorrow in UTC, which is already today in
            # Istanbul between 21:00 and midnight UTC: they start tomorrow, hospital time.
            schedule.date_from = today + timedelta(days=1)
        if not schedule.line_ids and schedule.template_id:
            schedule.action_generate_lines()
        send(env, schedule, "action_mhrs_register", report)
    for schedule in today_schedules(env, company, today):
        send(env, schedule, "action_mhrs_register", report)
    report["booked"] += book(control, company)
    report["companies"].append(company_summary(env, company))
    cron = env["ir.cron"].sudo().search(
        [("mhrs_company_id", "=", company.id), ("mhrs_job", "=", "appointment_query")], limit=1
    ) or env.ref("mhrs_connector.ir_cron_appointment_query", raise_if_not_found=False)
    if cron:
        cron._trigger()


def company_summary(env, company):
    """One line saying where the company stands at MHRS: the prerequisites registered, the blocks sent as
    drafts and finalised (bookable), those still drafts, and the period they cover."""
    clinics = env["mhrs.clinic"].search([("company_id", "=", company.id), ("state", "=", "registered")])
    physicians = env["mhrs.physician"].search([("company_id", "=", company.id)])
    lines = env["mhrs.schedule.line"].search([("company_id", "=", company.id), ("state", "!=", "cancelled")])
    final = lines.filtered(lambda line: line.state == "registered")
    drafts = lines.filtered(lambda line: line.state == "mhrs_draft")
    days = sorted(final.mapped("date_start"))
    period = f" from {days[0]:%Y-%m-%d} to {days[-1]:%Y-%m-%d}" if days else ""
    branches = len(company.sudo().mhrs_registered_branch_ids)
    linked = len(physicians.filtered("mhrs_linked_branch_ids"))
    return (
        f"{company.name} ({company.mhrs_interface.upper()}): {branches} branch(es), {len(clinics)} "
        f"examination place(s), {linked}/{len(physicians)} physician(s) linked; {len(final)} block(s) of "
        f"{len(final.schedule_id)} schedule(s) sent as drafts and finalised{period}, {len(drafts)} still "
        "draft(s) at MHRS"
    )


def demo_records(env, model):
    """The demo records of ``model`` (by their XML ids), in XML id order."""
    data = (
        env["ir.model.data"]
        .sudo()
        .search(
            [("module", "=", "mhrs_connector"), ("model", "=", model), ("name", "=like", "demo_%")],
            order="name",
        )
    )
    return list(env[model].browse(data.mapped("res_id")).exists())


def send(env, record, method, report):
    """Run one MHRS action; a refusal is logged and the bootstrap goes on."""
    try:
        with env.cr.savepoint():
            getattr(record, method)()
    except UserError as exc:
        report["failed"].append(record.display_name)
        _logger.warning("MHRS demo bootstrap: %s refused: %s", record.display_name, exc.args[0])
        return
    report["registered"].append(record.display_name)


def demo_today(company):
    from odoo.addons.mhrs_connector.tools.dates import local_now  # the addons path is set by main()

    return local_now(company, fields.Datetime.now()).date()


def today_schedules(env, company, today):
    """A schedule for the rest of today (from the next half hour, 15-minute slots) for one physician
    of each demo clinic, so that reception has patients to check in. None after 22:00."""
    from odoo.addons.mhrs_connector.tools.dates import WEEKDAY_FIELDS, company_tz, to_local, to_utc

    Schedule = env["mhrs.schedule"].with_company(company)
    tz = company_tz(company)
    local = to_local(fields.Datetime.now(), tz)
    minutes = local.hour * 60 + local.minute
    start_minutes = max(8 * 60, int(math.ceil((minutes + 15) / 30.0)) * 30)
    end_minutes = min(max(17 * 60, start_minutes + 4 * 60), 23 * 60 + 30)
    if end_minutes - start_minutes < 60:
        return Schedule
    day_start = datetime.combine(today, datetime.min.time())
    action = env.ref("mhrs_connector.mhrs_action_code_1")
    created = Schedule
    for xmlid in TODAY_PHYSICIANS:
        physician = env.ref(f"mhrs_connector.{xmlid}", raise_if_not_found=False)
        clinic = physician.clinic_ids[:1] if physician else None
        if not clinic or clinic.state != "registered" or physician.company_id != company:
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
                "company_id": company.id,
                "physician_id": physician.id,
                "clinic_id": clinic.id,
                "date_from": today,
                "date_to": today,
                **weekday,
                "line_ids": [
                    fields.Command.create(
                        {
                            "date_start": to_utc(day_start + timedelta(minutes=start_minutes), tz),
                            "date_end": to_utc(day_start + timedelta(minutes=end_minutes), tz),
                            "action_code_id": action.id,
                            "slot_minutes": 15,
                            "patients_per_slot": 1,
                        }
                    )
                ],
            }
        )
    return created


def book(control, company):
    """Citizens book until the institution has DEMO_BOOKINGS future appointments: a third today and
    tomorrow, the rest over the next two weeks. Returns how many were booked."""
    institution = int(company.mhrs_institution_code or 0)
    try:
        state = requests.get(control + "state", timeout=DEMO_TIMEOUT).json()
        now = requests.get(control + "clock", timeout=DEMO_TIMEOUT).json().get("now")
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
                timeout=DEMO_TIMEOUT,
            )
            answer.raise_for_status()
            booked += len(answer.json().get("booked") or [])
        except (requests.RequestException, ValueError) as exc:
            _logger.warning("MHRS demo bootstrap: citizens could not book (%s)", exc)
            break
    return booked


def wait_for(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return True
        except requests.RequestException:
            time.sleep(0.5)
    return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument(
        "--simulator",
        help="the simulator's base URL make run started (http://127.0.0.1:8070); the demo companies are "
        "pointed at it when they talk to a simulator on the loopback interface or to none yet",
    )
    args = parser.parse_args(argv)
    config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    logging.getLogger("odoo.addons.mhrs_connector").setLevel(logging.INFO)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        # Act in the admin's language, so chatter and tracking lines read as the demo users read.
        admin_lang = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}).ref("base.user_admin").lang
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": admin_lang})
        for xmlid in ("base.main_company", "mhrs_connector.demo_company_g2"):
            company = env.ref(xmlid, raise_if_not_found=False)
            current = (company.mhrs_base_url or "") if company else None
            if (
                args.simulator
                and company
                and current != args.simulator
                and (not current or "//127.0.0.1:" in current)
            ):
                company.mhrs_base_url = args.simulator.rstrip("/")
        base = env.ref("base.main_company").mhrs_base_url
        if base and not wait_for(base + "/_control/clock"):
            _logger.warning("The MHRS simulator does not answer at %s", base)
            return 0
        report = bootstrap(env)
        cr.commit()
    print(
        f"Demo hospitals: {len(report['registered'])} record(s) registered on the simulator, "
        f"{len(report['failed'])} refused, {report['booked']} new citizen booking(s).",
        file=sys.stderr,
    )
    for line in report["companies"]:
        print(f"  {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
