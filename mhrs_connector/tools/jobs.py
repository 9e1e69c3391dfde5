"""Helpers shared by the scheduled jobs (no model here)."""

import threading

from odoo.tools import config


def can_commit():
    """Jobs commit between batches, except inside tests.

    pytest-odoo on 18 sets only ``test_enable``; Odoo's own runner marks the thread as ``testing``.
    """
    return not config["test_enable"] and not getattr(threading.current_thread(), "testing", False)


def try_company_lock(cr, key, company_id):
    """Take the transaction-level advisory lock of ``key`` for one company; False when another worker
    holds it. The lock is released at commit: take it again for every batch."""
    cr.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s), %s)", (key, company_id))
    return cr.fetchone()[0]
