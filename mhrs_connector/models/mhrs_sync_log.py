import logging

from odoo import api, fields, models

from ..soap import OPERATIONS

_logger = logging.getLogger(__name__)

MASK = "***"
LOG_STATES = [
    ("done", "Done"),
    ("business_error", "MHRS Error"),
    ("transport_error", "No Answer"),
    ("malformed", "Malformed Answer"),
]


def operation_selection(_model=None):
    """Selection of the 18 operations, labelled as the directive's table names them."""
    return [(name, f"{op.row}. {op.name_tr}") for name, op in OPERATIONS.items()]


class MhrsSyncLog(models.Model):
    _name = "mhrs.sync.log"
    _description = "MHRS Call Log"
    _order = "create_date desc, id desc"
    _check_company_auto = True

    operation = fields.Selection(operation_selection, string="Operation", required=True, index=True)
    code = fields.Char(string="Method Code", help="The method code sent to MHRS for this call.")
    company_id = fields.Many2one("res.company", string="Company", required=True, index=True)
    user_id = fields.Many2one("res.users", string="User", help="Who triggered the call.")
    trigger = fields.Selection(
        [("manual", "Manual"), ("cron", "Scheduled Job")], string="Trigger", default="manual"
    )
    res_model = fields.Char(string="Related Model", index=True)
    res_id = fields.Many2oneReference(string="Related Record", model_field="res_model", index=True)
    record_name = fields.Char(string="Record")
    state = fields.Selection(LOG_STATES, string="Result", required=True, index=True)
    error_code = fields.Char(string="Error Code", index=True)
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
    def _store_calls(self, calls, company, record=None):
        """Store client call records through a separate cursor, so they survive a rolled-back action.

        The password is masked again here (not only by the client) in case MHRS echoes it back.
        """
        if not calls:
            return
        secret = company.sudo().mhrs_password or ""
        trigger = "cron" if self.env.context.get("mhrs_trigger") == "cron" else "manual"
        vals_list = [self._prepare_log_vals(call, company, record, trigger, secret) for call in calls]
        try:
            with self.env.registry.cursor() as cr:
                self.env(cr=cr, su=True)["mhrs.sync.log"].create(vals_list)
        except Exception:
            # A lost log line must never hide the MHRS outcome from the user.
            _logger.exception("Could not store %d MHRS call log(s)", len(vals_list))

    @api.model
    def _prepare_log_vals(self, call, company, record, trigger, secret):
        def clean(text):
            # PostgreSQL text cannot hold NUL: a hostile answer containing one must still be logged.
            text = (text or "").replace("\x00", "\ufffd")
            return text.replace(secret, MASK) if secret else text

        return {
            "operation": call.get("operation"),
            "code": call.get("code"),
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
            "request_xml": clean(call.get("request_xml")),
            "response_xml": clean(call.get("response_xml")),
        }

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
