"""18.0.2.0.0 (issue #13): the addon speaks the real MHRS (REST MHRS V2 or SOAP G2) instead of the
self-made contract at ``.../PRSC_AR001001TR01``.

- Base URL: scheme, host and port of the old endpoint (the path of the old contract is dropped).
- Interface: a company configured for the old contract (an endpoint was set) becomes SOAP G2, the old
  contract's nearest relative: its user name and password become the G2 user code and password, and the
  REST user name and password keep the same values, so switching to REST later only needs the application
  code. Companies without an endpoint get the default, REST. Nothing is sent; Test Connection tells
  whether the credentials fit the chosen interface (a G2 user code and a REST user name are digits).
- The operations renamed by the wire's registry are renamed in call logs, pending retries and
  per-operation overrides; template operations no longer exist at MHRS: they are no longer pending.
"""

import logging
from urllib.parse import urlsplit

_logger = logging.getLogger(__name__)

RENAMED = {
    "clinic_cancel": "clinic_delete",
    "schedule_register": "draft_add",
    "appointment_exception": "exception_add",
    "appointment_register": "appointment_book",
}
PENDING_TABLES = ("mhrs_clinic", "mhrs_schedule", "mhrs_exception", "mhrs_appointment", "mhrs_template")


def _columns(cr, table):
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,))
    return {row[0] for row in cr.fetchall()}


def _move_settings(cr):
    if "mhrs_endpoint_url" not in _columns(cr, "res_company"):
        return
    cr.execute(
        "SELECT id, mhrs_endpoint_url, mhrs_username, mhrs_password FROM res_company "
        "WHERE mhrs_endpoint_url IS NOT NULL AND mhrs_endpoint_url != '' AND mhrs_base_url IS NULL"
    )
    for company_id, endpoint, username, password in cr.fetchall():
        url = urlsplit(endpoint.strip())
        base = f"{url.scheme}://{url.netloc}" if url.scheme and url.netloc else endpoint.strip()
        cr.execute(
            "UPDATE res_company SET mhrs_base_url = %s, mhrs_interface = 'g2', mhrs_g2_user_code = %s, "
            "mhrs_g2_password = %s WHERE id = %s",
            (base, username, password, company_id),
        )
        _logger.info("MHRS: company %s moved to SOAP G2 at %s (check the settings)", company_id, base)


def _rename_operations(cr):
    for old, new in RENAMED.items():
        cr.execute("UPDATE mhrs_sync_log SET operation = %s WHERE operation = %s", (new, old))
        cr.execute(
            "UPDATE mhrs_operation_code SET operation = %s WHERE operation = %s AND NOT EXISTS ("
            "SELECT 1 FROM mhrs_operation_code o WHERE o.company_id = mhrs_operation_code.company_id "
            "AND o.operation = %s)",
            (new, old, new),
        )
        for table in PENDING_TABLES:
            if "mhrs_pending_operation" in _columns(cr, table):
                cr.execute(
                    f"UPDATE {table} SET mhrs_pending_operation = %s WHERE mhrs_pending_operation = %s",
                    (new, old),
                )
    if "mhrs_pending_operation" in _columns(cr, "mhrs_template"):
        cr.execute(
            "UPDATE mhrs_template SET mhrs_pending_operation = NULL, mhrs_sync_state = 'not_sent', "
            "mhrs_next_retry = NULL WHERE mhrs_pending_operation IS NOT NULL"
        )
    cr.execute("DELETE FROM mhrs_operation_code WHERE operation LIKE 'template_%%'")


def migrate(cr, version):
    if not version:
        return
    _move_settings(cr)
    _rename_operations(cr)
