from odoo.tests import tagged

from .common import MhrsHttpCase


@tagged("post_install", "-at_install")
class TestTour(MhrsHttpCase):
    def test_connection_tour(self):
        before = self.sim.wire_calls("login", "rest")
        self.start_tour("/odoo", "mhrs_connection_tour", login="admin", timeout=120)
        self.assertEqual(self.sim.wire_calls("login", "rest"), before + 1)
        self.assertTrue(self.env["mhrs.sync.log"].search_count([("operation", "=", "login")]))
