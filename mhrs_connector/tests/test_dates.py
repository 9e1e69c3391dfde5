"""One time module (tools/dates.py) for every model: one library (zoneinfo), one answer to an unknown zone."""

from datetime import date, datetime

from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase

from ..tools.dates import company_tz, local_day_bounds, to_local, to_utc


class TestDates(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Zone Hastanesi"})

    def _force_tz(self, name):
        """A zone left in the database that this system cannot load (older data, another tzdata)."""
        self.env.cr.execute(
            "UPDATE res_partner SET tz = %s WHERE id = %s", (name, self.company.partner_id.id)
        )
        self.company.partner_id.invalidate_recordset(["tz"])

    def test_default_zone_is_istanbul(self):
        self.company.partner_id.tz = False
        self.assertEqual(company_tz(self.company).key, "Europe/Istanbul")
        # The schedule's zone field shows the same zone, read through the same function.
        schedule = self.env["mhrs.schedule"].new({"company_id": self.company.id})
        self.assertEqual(schedule.tz, "Europe/Istanbul")

    def test_unknown_zone_is_a_clear_error_never_a_silent_fallback(self):
        self._force_tz("Mars/Olympus_Mons")
        with self.assertRaisesRegex(UserError, "Mars/Olympus_Mons"):
            company_tz(self.company)
        with self.assertRaisesRegex(UserError, "Mars/Olympus_Mons"):
            self.env["mhrs.schedule"].new({"company_id": self.company.id}).tz  # noqa: B018
        with self.assertRaisesRegex(ValidationError, "Mars/Olympus_Mons"):
            self.company.partner_id._check_mhrs_company_tz()

    def test_dst_days_and_gaps(self):
        self.company.partner_id.tz = "Europe/Berlin"
        tz = company_tz(self.company)
        # The spring-forward day has 23 hours, the autumn one 25.
        start, end = local_day_bounds(self.company, date(2027, 3, 28))
        self.assertEqual((end - start).total_seconds(), 23 * 3600)
        start, end = local_day_bounds(self.company, date(2027, 10, 31))
        self.assertEqual((end - start).total_seconds(), 25 * 3600)
        # A time skipped by DST moves forward; an ambiguous one is its first occurrence (summer time).
        self.assertEqual(to_utc(datetime(2027, 3, 28, 2, 30), tz), datetime(2027, 3, 28, 1, 30))
        self.assertEqual(to_utc(datetime(2027, 10, 31, 2, 30), tz), datetime(2027, 10, 31, 0, 30))
        self.assertEqual(to_local(datetime(2027, 3, 28, 1, 30), tz).hour, 3)
