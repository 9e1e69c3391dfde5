import logging
from datetime import timedelta

from odoo import api, fields, models

from ..engines.company_jobs import CompanyJobRunner
from ..tools import can_commit
from ..tools.operation_labels import operation_selection
from ..wire import OPERATIONS

_logger = logging.getLogger(__name__)

MASK = "***"
CLEANUP_BATCH_SIZE = 1000
LOG_STATES = [
    ("pending", "No Answer Yet"),
    ("done", "Done"),
    ("business_error", "MHRS Error"),
    ("transport_error", "No Answer"),
    ("malformed", "Malformed Answer"),
]


def truncate_xml(text, max_bytes):
    """``text`` cut to at most ``max_bytes`` bytes of UTF-8 (never inside a character), followed by a
    marker with the full size; unchanged when it fits or when ``max_bytes`` is 0 (no limit)."""
    if not text or max_bytes <= 0:
        return text
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    head = data[:max_bytes].decode("utf-8", errors="ignore")
    return f"{head}\n[… truncated, {len(data)} bytes in total]"


def call_values(call, overrides=None):
    """A wire ``CallRecord`` as the call-log values of :meth:`MhrsSyncLog._prepare_log_vals`; the
    directive's method code is the operation's identity."""
    if isinstance(call, dict):
        return call
    operation = OPERATIONS.get(call.operation)
    return {
        "operation": call.operation,
        "code": (overrides or {}).get(call.operation) or (operation.code if operation else None),
        "wire": call.wire,
        "state": "done" if call.status == "ok" else call.status,
        "error_code": call.error_code,
        "error_text": call.error_text,
        "duration_ms": call.duration_ms,
        "request_xml": call.request_text,
        "response_xml": call.response_text,
    }


def _sent_log_id(call):
    """The id of the row written before the call was sent (``_store_sent``), if any."""
    return call.get("log_id") if isinstance(call, dict) else getattr(call, "ref", None)


class MhrsSyncLog(models.Model):
    _name = "mhrs.sync.log"
    _description = "MHRS Call Log"
    _order = "create_date desc, id desc"
    _check_company_auto = True
    # No ``name`` field: without these, a search by name (the search bar, a many2one) matched every row.
    _rec_name = "record_name"
    _rec_names_search = ["record_name", "error_code", "code"]

    operation = fields.Selection(operation_selection, required=True, index=True)
    code = fields.Char(
        string="Method Code", help="The directive's method code of the operation (Table 1), when it has one."
    )
    wire = fields.Selection(
        [("rest", "REST (MHRS V2)"), ("g2", "SOAP (G2)")],
        string="Interface",
        help="The MHRS interface the call went over.",
    )
    company_id = fields.Many2one("res.company", string="Company", required=True, index=True)
    user_id = fields.Many2one("res.users", string="User", help="Who triggered the call.")
    trigger = fields.Selection([("manual", "Manual"), ("cron", "Scheduled Job")], default="manual")
    res_model = fields.Char(string="Related Model", index=True)
    res_id = fields.Many2oneReference(string="Related Record", model_field="res_model", index=True)
    record_name = fields.Char(string="Record")
    state = fields.Selection(LOG_STATES, string="Result", required=True, index=True)
    error_code = fields.Char(index=True)
    error_text = fields.Text(string="Error")
    duration_ms = fields.Integer(string="Duration (ms)", aggregator="avg")
    request_xml = fields.Text(string="Request", help="The SOAP request as sent, with the password masked.")
    response_xml = fields.Text(string="Response", help="The SOAP answer as received.")

    @api.depends("operation", "record_name")
    def _compute_display_name(self):
        labels = dict(self._fields["operation"]._description_selection(self.env))
        for log in self:
            parts = [labels.get(log.operation, log.operation or ""), log.record_name]
            log.display_name = " – ".join(p for p in parts if p)

    @api.model
    def _log_settings(self, company):
        """(secrets to mask, method-code overrides, size limit in bytes, trigger) of the company's logs."""
        company_sudo = company.sudo()
        secrets = [s for s in (company_sudo.mhrs_password, company_sudo.mhrs_g2_password) if s]
        overrides = {line.operation: line.code.strip() for line in company_sudo.mhrs_operation_code_ids}
        trigger = "cron" if self.env.context.get("mhrs_trigger") == "cron" else "manual"
        return secrets, overrides, max(company_sudo.mhrs_log_max_kb, 0) * 1024, trigger

    @api.model
    def _store_sent(self, call, company, record=None):
        """Before a call is sent: its row ('No Answer Yet', the request only), committed through a separate
        cursor, so that a process killed while MHRS works leaves the call visible. Returns the row's id,
        which the client keeps in the call's ``ref``: _store_calls completes that row when the answer (or
        the error) comes."""
        secrets, overrides, max_bytes, trigger = self._log_settings(company)
        values = dict(call_values(call, overrides), state="pending", response_xml=None)
        vals = self._prepare_log_vals(values, company, record, trigger, secrets, max_bytes)
        try:
            with self.env.registry.cursor() as cr:
                return self.env(cr=cr, su=True)["mhrs.sync.log"].create(vals).id
        except Exception:
            # Without it the call is still logged when it ends (_store_calls creates the row).
            _logger.exception(
                "Could not store the MHRS call log of %s before sending", values.get("operation")
            )
            return None

    @api.model
    def _store_calls(self, calls, company, record=None):
        """Store client call records through a separate cursor, so they survive a rolled-back action:
        the row written before the call was sent is completed, or a new one created.

        The password is masked again here (not only by the client) in case MHRS echoes it back.
        """
        if not calls:
            return
        try:
            secrets, overrides, max_bytes, trigger = self._log_settings(company)
            vals_list = [
                self._prepare_log_vals(
                    call_values(call, overrides), company, record, trigger, secrets, max_bytes
                )
                for call in calls
            ]
            with self.env.registry.cursor() as cr:
                logs = self.env(cr=cr, su=True)["mhrs.sync.log"]
                sent_ids = [_sent_log_id(call) for call in calls]
                for log_id, vals in zip(sent_ids, vals_list, strict=True):
                    if log_id:
                        logs.browse(log_id).write(vals)
                new = [vals for log_id, vals in zip(sent_ids, vals_list, strict=True) if not log_id]
                if new:
                    logs.create(new)
        except Exception:
            # A lost log line must never hide the MHRS outcome from the user.
            _logger.exception("Could not store %d MHRS call log(s)", len(calls))

    @api.model
    def _prepare_log_vals(self, call, company, record, trigger, secrets, max_bytes=0):
        secrets = [secrets] if isinstance(secrets, str) else [s for s in secrets or () if s]

        def clean(text):
            # PostgreSQL text cannot hold NUL: a hostile answer containing one must still be logged.
            text = (text or "").replace("\x00", "\ufffd")
            for secret in secrets:
                text = text.replace(secret, MASK) if secret else text
            return text

        def clean_xml(text):
            # Masked first, then cut: a secret is never half-kept at the cut.
            return truncate_xml(clean(text), max_bytes)

        return {
            "operation": call.get("operation"),
            "code": call.get("code"),
            "wire": call.get("wire"),
            "company_id": company.id,
            "user_id": self.env.uid,
            "trigger": trigger,
            "res_model": record._name if record else False,
            "res_id": record.id if record else False,
            "record_name": record.display_name if record else False,
            "state": call.get("state") or "done",
            "error_code": call.get("error_code"),
            "error_text": clean(call.get("error_text")),
            "duration_ms": int(call.get("duration_ms") or 0),
            "request_xml": clean_xml(call.get("request_xml")),
            "response_xml": clean_xml(call.get("response_xml")),
        }

    @api.model
    def _cron_cleanup(self, now=None, batch_size=CLEANUP_BATCH_SIZE, company_ids=None):
        """Daily, per company (its own scheduled action; the shared one for the others, also those whose
        endpoint was cleared): delete the call logs older than the company's retention (errors are kept
        twice as long; 0 days keeps everything), in batches committed one by one. Returns the number
        deleted."""
        now = now or fields.Datetime.now()
        deleted = [0]

        def work(company):
            deleted[0] += self._mhrs_cleanup_company(company, now, batch_size)

        CompanyJobRunner(self, "log_cleanup", "MHRS call log clean-up", every_company=True).run(
            work, company_ids=company_ids
        )
        if deleted[0]:
            _logger.info("MHRS call log clean-up: %s log(s) deleted", deleted[0])
        return deleted[0]

    @api.model
    def _mhrs_cleanup_company(self, company, now, batch_size):
        days = company.mhrs_log_retention_days
        if days <= 0:
            return 0
        domain = [
            ("company_id", "=", company.id),
            "|",
            "&",
            ("state", "=", "done"),
            ("create_date", "<", now - timedelta(days=days)),
            ("create_date", "<", now - timedelta(days=2 * days)),
        ]
        Log = self.sudo().with_context(active_test=False)
        deleted = 0
        while True:
            logs = Log.search(domain, order="id", limit=batch_size)
            if not logs:
                break
            logs.unlink()
            deleted += len(logs)
            remaining = Log.search_count(domain) if len(logs) == batch_size else 0
            self.env["ir.cron"]._notify_progress(done=len(logs), remaining=remaining)
            if can_commit():
                self.env.cr.commit()  # pylint: disable=invalid-commit
            if not remaining:
                break
        return deleted

    def action_open_record(self):
        self.ensure_one()
        if not self.res_model or not self.res_id:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
