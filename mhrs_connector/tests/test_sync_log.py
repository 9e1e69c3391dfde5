import socket
from datetime import datetime, timedelta

from odoo.exceptions import UserError

from .common import INSTITUTION, MhrsCase


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestSyncLog(MhrsCase):
    def _logs(self):
        return self.env["mhrs.sync.log"].search([("company_id", "=", self.company.id)])

    def test_successful_call_is_logged_without_the_password(self):
        connector = self.env["mhrs.client"]
        connector._mhrs_call("branch_register", company=self.company, branch=157)
        clinic_id = connector._mhrs_call(
            "clinic_register", company=self.company, branch=157, name="Dahiliye 1"
        )
        self.assertTrue(clinic_id)
        log = self._logs()[:1]
        self.assertEqual(log.state, "done")
        self.assertEqual((log.operation, log.wire), ("clinic_register", self.mhrs_interface))
        self.assertEqual(log.code, "PRSC_IN001023TR01")
        self.assertEqual(log.trigger, "manual")
        self.assertIn("Dahiliye 1", log.request_xml)
        self.assertIn(str(clinic_id), log.response_xml)
        for row in self._logs():
            self.assertNotIn(INSTITUTION["password"], (row.request_xml or "") + (row.response_xml or ""))
        self.assertTrue(any("***" in (row.request_xml or "") for row in self._logs()))

    def test_business_error_is_logged_and_shown(self):
        exc = self.assertRaisesKeepingLogs(
            UserError,
            self.env["mhrs.client"]._mhrs_call_ui,
            "clinic_register",
            company=self.company,
            branch=157,  # not registered by the institution
            name="Dahiliye 1",
        )
        self.assertIn("KLN-001", str(exc))
        log = self._logs()[:1]
        self.assertEqual(log.state, "business_error")
        self.assertEqual(log.error_code, "KLN-001")

    def test_transport_error_is_logged(self):
        self.company.mhrs_base_url = f"http://127.0.0.1:{_closed_port()}"
        self.assertRaisesKeepingLogs(
            UserError, self.env["mhrs.client"]._mhrs_call_ui, "test_connection", company=self.company
        )
        log = self._logs()[:1]
        self.assertEqual(log.state, "transport_error")
        self.assertNotIn(INSTITUTION["password"], (log.request_xml or "") + (log.error_text or ""))

    def test_cron_trigger_is_recorded(self):
        self.env["mhrs.client"].with_context(mhrs_trigger="cron")._mhrs_call(
            "branch_register", company=self.company, branch=157
        )
        self.assertEqual(self._logs()[:1].trigger, "cron")

    # -- size cap and retention ----------------------------------------------------------------------
    def test_long_xml_is_truncated_after_masking(self):
        self.assertEqual(self.company.mhrs_log_max_kb, 256)
        self.company.mhrs_log_max_kb = 1
        password = INSTITUTION["password"]
        # The password straddles the 1 KB cut: it is masked first, so no part of it is kept.
        request = "<a>" + "x" * 1015 + password + "é" * 600 + "</a>"
        call = {"operation": "clinic_query", "state": "done", "request_xml": request, "response_xml": "<ok/>"}
        self.env["mhrs.sync.log"]._store_calls([call], self.company)
        log = self._logs()[:1]
        total = len(request.replace(password, "***").encode())
        marker = f"[… truncated, {total} bytes in total]"
        self.assertTrue(log.request_xml.endswith(marker), log.request_xml[-80:])
        kept = log.request_xml.rsplit("\n[…", 1)[0]
        self.assertLessEqual(len(kept.encode()), 1024)
        self.assertTrue(kept.startswith("<a>xxx"))
        self.assertNotIn(password[:4], log.request_xml)
        self.assertEqual(log.response_xml, "<ok/>")
        # 0 keeps everything whole.
        self.company.mhrs_log_max_kb = 0
        self.env["mhrs.client"]._mhrs_call("action_codes", company=self.company)
        self.assertNotIn("truncated", self._logs()[:1].response_xml)
        self.company.mhrs_log_max_kb = 1
        self.env["mhrs.sync.log"]._store_calls([dict(call, request_xml="é" * 2000)], self.company)
        kept = self._logs()[:1].request_xml
        self.assertEqual(kept, "é" * 512 + "\n[… truncated, 4000 bytes in total]")

    def test_retention_cron_deletes_old_logs_in_batches(self):
        self.assertTrue(self.env.ref("mhrs_connector.ir_cron_sync_log_cleanup").active)
        Log = self.env["mhrs.sync.log"]
        Log.search([]).unlink()
        self.company.mhrs_log_retention_days = 30
        other = self.env["res.company"].create({"name": "Keeps Everything", "mhrs_log_retention_days": 0})
        now = datetime(2026, 11, 26, 12)
        ages = {  # (state, age in days): kept?
            ("done", 10): True,
            ("done", 31): False,
            ("done", 45): False,
            ("business_error", 45): True,  # errors are kept twice as long (60 days)
            ("transport_error", 61): False,
            ("malformed", 59): True,
        }
        logs = {}
        for (state, age), _kept in ages.items():
            log = Log.create({"operation": "clinic_query", "state": state, "company_id": self.company.id})
            logs[state, age] = log
            self.env.cr.execute(
                "UPDATE mhrs_sync_log SET create_date = %s WHERE id = %s", (now - timedelta(days=age), log.id)
            )
        kept_elsewhere = Log.create({"operation": "clinic_query", "state": "done", "company_id": other.id})
        self.env.cr.execute(
            "UPDATE mhrs_sync_log SET create_date = %s WHERE id = %s",
            (now - timedelta(days=400), kept_elsewhere.id),
        )
        Log.invalidate_model()
        self.assertEqual(Log._cron_cleanup(now=now, batch_size=1), 3)
        for key, kept in ages.items():
            self.assertEqual(bool(logs[key].exists()), kept, key)
        self.assertTrue(kept_elsewhere.exists())
        self.assertEqual(Log._cron_cleanup(now=now), 0)

    def test_search_by_name_finds_only_matching_rows(self):
        branch = self.env.ref("mhrs_connector.mhrs_branch_157")
        for name in ("Kardiyoloji Sabah", "Nöroloji Akşam"):
            clinic = self.env["mhrs.clinic"].create({"name": name, "mhrs_branch_id": branch.id})
            clinic.action_mhrs_register()
        Log = self.env["mhrs.sync.log"]
        # The branch registration and the first login are logged with the first clinic.
        self.assertEqual(len(self._logs().filtered(lambda log: log.operation == "clinic_register")), 2)
        found = Log.search([("company_id", "=", self.company.id), ("display_name", "ilike", "Kardiyoloji")])
        self.assertEqual(set(found.mapped("record_name")), {"Kardiyoloji Sabah"})
        # The many2one / search-bar path (name_search) too.
        names = [name for _id, name in Log.name_search("Nöroloji")]
        self.assertEqual(len(names), 1)
        self.assertIn("Nöroloji Akşam", names[0])
        self.assertFalse(Log.search([("display_name", "ilike", "no such clinic")]))


class TestSyncLogG2(TestSyncLog):
    mhrs_interface = "g2"
