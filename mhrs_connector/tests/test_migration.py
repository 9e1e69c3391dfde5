"""The 18.0.2.0.0 migration: a database of the self-made contract keeps working with the real wires."""

import importlib.util
from pathlib import Path

from .common import MhrsCase

SCRIPT = Path(__file__).resolve().parents[1] / "migrations" / "18.0.2.0.0" / "post-migrate.py"


def load_migration():
    spec = importlib.util.spec_from_file_location("mhrs_migrate_18_0_2", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestMigration(MhrsCase):
    def test_old_settings_and_operations_are_moved(self):
        cr = self.env.cr
        company = self.env["res.company"].create({"name": "Eski Hastane"})
        # The columns of 18.0.1 (left in the table by the update), with the old contract's settings.
        cr.execute("ALTER TABLE res_company ADD COLUMN IF NOT EXISTS mhrs_endpoint_url varchar")
        cr.execute(
            "UPDATE res_company SET mhrs_endpoint_url = %s, mhrs_username = %s, mhrs_password = %s, "
            "mhrs_base_url = NULL WHERE id = %s",
            ("https://mhrs.example.invalid:8443/PRSC_AR001001TR01", "4455", "eski-parola", company.id),
        )
        clinic = self.env["mhrs.clinic"].create(
            {"name": "Eski Klinik", "mhrs_branch_id": self.env.ref("mhrs_connector.mhrs_branch_157").id}
        )
        clinic.write({"mhrs_sync_state": "to_retry", "mhrs_pending_operation": "clinic_cancel"})
        log = self.env["mhrs.sync.log"].create(
            {"operation": "clinic_query", "state": "done", "company_id": company.id}
        )
        cr.execute("UPDATE mhrs_sync_log SET operation = 'schedule_register' WHERE id = %s", (log.id,))
        self.env.flush_all()
        load_migration().migrate(cr, "18.0.1.0.0")
        self.env.invalidate_all()
        root = company.sudo()
        self.assertEqual(
            (root.mhrs_interface, root.mhrs_base_url, root.mhrs_g2_user_code, root.mhrs_g2_password),
            ("g2", "https://mhrs.example.invalid:8443", "4455", "eski-parola"),
        )
        # The REST credentials keep the same values: switching to REST needs the application code only.
        self.assertEqual((root.mhrs_username, root.mhrs_password), ("4455", "eski-parola"))
        self.assertEqual(clinic.mhrs_pending_operation, "clinic_delete")
        self.assertEqual(log.operation, "draft_add")
        # A company that never talked to MHRS keeps the default interface.
        self.assertEqual(self.env["res.company"].create({"name": "Yeni"}).mhrs_interface, "rest")
