"""Bring the demo hospital to life after `make run` installed or updated the addon.

Usage: python scripts/demo_bootstrap.py -c ODOO_CONF -d DB [--simulator URL]

Registers the demo clinics and schedules of both demo hospitals on the local MHRS simulator (the first
over REST MHRS V2, the second over SOAP G2), activates their templates (local: MHRS has no template
service) and lets citizens book, so the periodic appointment sync brings appointments within a minute of
Odoo starting. Safe to run again: what is registered stays as it is, bookings are topped up.
"""

import argparse
import logging
import sys
import time

import requests

import odoo
from odoo.tools import config

_logger = logging.getLogger("mhrs_demo_bootstrap")


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
        report = env["res.company"]._mhrs_demo_bootstrap()
        cr.commit()
    print(
        f"Demo hospitals: {len(report['registered'])} record(s) registered on the simulator, "
        f"{len(report['failed'])} refused, {report['booked']} new citizen booking(s).",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
