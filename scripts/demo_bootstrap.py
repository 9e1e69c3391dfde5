"""Bring the demo hospital to life after `make run` installed or updated the addon.

Usage: python scripts/demo_bootstrap.py -c ODOO_CONF -d DB [--simulator URL]

Registers the demo clinics, templates and schedules on the local MHRS simulator and lets citizens
book, so the periodic appointment sync brings appointments within a minute of Odoo starting. Safe to
run again: what is registered stays as it is, bookings are topped up, not repeated.
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
        help="the simulator's SOAP address make run started; the demo company is pointed at it when it "
        "talks to a simulator on another loopback port",
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
        company = env.ref("base.main_company")
        current = company.mhrs_endpoint_url or ""
        if args.simulator and current != args.simulator and "//127.0.0.1:" in current:
            company.mhrs_endpoint_url = args.simulator
        if company.mhrs_endpoint_url and not wait_for(company.mhrs_endpoint_url + "?wsdl"):
            _logger.warning("The MHRS simulator does not answer at %s", company.mhrs_endpoint_url)
            return 0
        report = env["res.company"]._mhrs_demo_bootstrap()
        cr.commit()
    print(
        f"Demo hospital: {len(report['registered'])} record(s) registered on the simulator, "
        f"{len(report['failed'])} refused, {report['booked']} new citizen booking(s).",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
