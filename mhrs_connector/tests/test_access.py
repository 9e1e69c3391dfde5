from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .common import MhrsCase


class TestAccess(MhrsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plain_user = new_test_user(cls.env, login="plain", groups="base.group_user")
        cls.mhrs_user = new_test_user(cls.env, login="mhrs_user", groups="mhrs_connector.group_mhrs_user")
        cls.manager = new_test_user(cls.env, login="mhrs_manager", groups="mhrs_connector.group_mhrs_manager")

    def _make_log(self):
        self.env["mhrs.client"]._mhrs_call("action_codes", company=self.company)
        return self.env["mhrs.sync.log"].search([], limit=1)

    def test_user_without_mhrs_group_reads_no_log_and_no_password(self):
        log = self._make_log()
        with self.assertRaises(AccessError):
            log.with_user(self.plain_user).read(["operation"])
        with self.assertRaises(AccessError):
            self.company.with_user(self.plain_user).read(["mhrs_password"])

    def test_mhrs_user_reads_logs_but_not_the_password(self):
        log = self._make_log()
        self.assertEqual(log.with_user(self.mhrs_user).read(["operation"])[0]["operation"], "action_codes")
        with self.assertRaises(AccessError):
            self.company.with_user(self.mhrs_user).read(["mhrs_password"])
        with self.assertRaises(AccessError):
            log.with_user(self.mhrs_user).unlink()

    def test_manager_reads_password_and_deletes_logs(self):
        log = self._make_log()
        values = self.company.with_user(self.manager).read(["mhrs_password"])
        self.assertTrue(values[0]["mhrs_password"])
        log.with_user(self.manager).unlink()
        self.assertFalse(log.exists())

    def test_manager_is_a_user(self):
        self.assertTrue(self.manager.has_group("mhrs_connector.group_mhrs_user"))
        self.assertFalse(self.mhrs_user.has_group("mhrs_connector.group_mhrs_manager"))
