from odoo import api, models
from odoo.exceptions import UserError

from ..tools import outcome
from ..tools.messages import user_message
from ..tools.operation_labels import operation_label
from ..wire import MhrsClient, WireConfig, errors

# Every operation the addon calls, with the client's method that sends it. Queries change nothing at
# MHRS; each of the others, once MHRS has accepted it, is an outcome the transaction must keep
# (tools/outcome.py).
CLIENT_QUERIES = {
    "test_connection": MhrsClient.test_connection,
    "branch_query": MhrsClient.branch_query,
    "action_codes": MhrsClient.action_codes,
    "clinic_query": MhrsClient.clinic_query,
    "schedule_query": MhrsClient.schedule_query,
    "exception_query": MhrsClient.exception_query,
    "appointment_query": MhrsClient.appointment_query,
    "slot_query": MhrsClient.slot_query,
}
CLIENT_CHANGES = {
    "branch_register": MhrsClient.branch_register,
    "physician_link": MhrsClient.physician_link,
    "clinic_register": MhrsClient.clinic_register,
    "clinic_update": MhrsClient.clinic_update,
    "clinic_delete": MhrsClient.clinic_delete,
    "draft_add": MhrsClient.draft_add,
    "draft_delete": MhrsClient.draft_delete,
    "draft_finalise": MhrsClient.draft_finalise,
    "schedule_update": MhrsClient.schedule_update,
    "schedule_cancel": MhrsClient.schedule_cancel,
    "exception_add": MhrsClient.exception_add,
    "exception_delete": MhrsClient.exception_delete,
    "appointment_set_status": MhrsClient.appointment_set_status,
    "appointment_book": MhrsClient.appointment_book,
    "appointment_cancel": MhrsClient.appointment_cancel,
}


class MhrsClientOfCompany(models.AbstractModel):
    """The company's MHRS client: builds it from the company's settings (interface, address,
    credentials) and records every exchange in the call log. Models call the facade's operations
    through :meth:`_mhrs_call` and never know which wire was used."""

    _name = "mhrs.client"
    _description = "MHRS Client of a Company"

    @api.model
    def _mhrs_acting_tckn(self, company):
        return self.env.user.partner_id.tckn or company.sudo().mhrs_responsible_tckn

    @api.model
    def _mhrs_check_settings(self, company):
        """UserError naming what is missing for the company's interface, before any call."""
        company.ensure_one()
        root = company.sudo()
        rest = root.mhrs_interface != "g2"
        wanted = [
            (self.env._("Institution code"), root.mhrs_institution_code),
            (self.env._("Base URL"), root.mhrs_base_url),
        ]
        if rest:
            wanted += [
                (self.env._("Username (kullanıcı adı)"), root.mhrs_username),
                (self.env._("Password (parola)"), root.mhrs_password),
                (self.env._("Application code (uygulama kodu)"), root.mhrs_app_code),
            ]
        else:
            wanted += [
                (self.env._("User code (kullanıcı kodu)"), root.mhrs_g2_user_code),
                (self.env._("Password (şifre)"), root.mhrs_g2_password),
            ]
        missing = [label for label, value in wanted if not value]
        if not self._mhrs_acting_tckn(company):
            missing.append(self.env._("Responsible TCKN (or a TCKN on your user)"))
        if missing:
            raise UserError(
                self.env._(
                    "MHRS settings of %(company)s are incomplete: %(fields)s. "
                    "Complete them in Settings → MHRS.",
                    company=company.name,
                    fields=", ".join(missing),
                )
            )

    @api.model
    def _mhrs_wire_config(self, company):
        """The facade's settings for ``company`` (secrets read as superuser, never returned to a user)."""
        self._mhrs_check_settings(company)
        root = company.sudo()
        return WireConfig(
            interface=root.mhrs_interface or "rest",
            base_url=root.mhrs_base_url.strip().rstrip("/"),
            institution_code=int(root.mhrs_institution_code),
            acting_tckn=self._mhrs_acting_tckn(company),
            username=(root.mhrs_username or "").strip(),
            password=root.mhrs_password or "",
            app_code=(root.mhrs_app_code or "").strip(),
            user_code=(root.mhrs_g2_user_code or "").strip(),
            user_password=root.mhrs_g2_password or "",
            user_type=root.mhrs_g2_user_type or 0,
            sender_unit=root.mhrs_vendor_code or "",
            g2_namespace=(root.mhrs_g2_namespace or "").strip(),
            timeout=root.mhrs_timeout or 30,
        )

    @api.model
    def _mhrs_client(self, company, calls, on_send=None):
        """The company's facade client; every exchange is appended to ``calls`` (and handed to ``on_send``
        just before it is sent)."""
        try:
            return MhrsClient(self._mhrs_wire_config(company), on_call=calls.append, on_send=on_send)
        except errors.MhrsError as exc:  # settings the wire cannot send (non-numeric codes)
            raise UserError(user_message(self.env, exc)) from exc

    @api.model
    def _mhrs_call(self, operation, company=None, record=None, **kwargs):
        """Call one operation (a key of CLIENT_QUERIES or CLIENT_CHANGES: ``clinic_register``...) with
        plain values; raises the wire's typed errors, always logs the exchanges. A change MHRS accepted
        is held as an outcome of the transaction (tools/outcome.py)."""
        send = CLIENT_CHANGES.get(operation) or CLIENT_QUERIES.get(operation)
        if send is None:
            raise ValueError(f"unknown MHRS operation {operation!r}")
        company = company or (record.company_id if record and "company_id" in record else self.env.company)
        calls = []
        logs = self.env["mhrs.sync.log"]
        # The call's row is written before it is sent (a worker killed while MHRS works leaves a trace).
        client = self._mhrs_client(
            company, calls, on_send=lambda call: logs._store_sent(call, company, record)
        )
        try:
            result = send(client, **kwargs)
            if operation in CLIENT_CHANGES and outcome.current(self.env.cr):
                outcome.answered(self.env.cr, operation_label(operation))
            return result
        finally:
            self.env["mhrs.sync.log"]._store_calls(calls, company, record)

    @api.model
    def _mhrs_test_connection(self, company):
        """Test Connection: a fresh login (REST) or the branch query (G2); a short summary."""
        result = self._mhrs_call_ui("test_connection", company=company)
        if "actions" in result:
            return self.env._("%(count)s action code(s)", count=result["actions"])
        return self.env._("%(count)s branch(es) registered", count=result.get("branches", 0))

    @api.model
    def _mhrs_call_ui(self, operation, company=None, record=None, **kwargs):
        """Same as _mhrs_call, for buttons: every MHRS error becomes a UserError in the user's language."""
        try:
            return self._mhrs_call(operation, company=company, record=record, **kwargs)
        except errors.MhrsError as exc:
            raise UserError(self._mhrs_button_message(exc)) from exc

    @api.model
    def _mhrs_button_message(self, exc):
        message = self._mhrs_error_message(exc)
        outage = not isinstance(exc, errors.MhrsBusinessError) or self.env[
            "mhrs.record.mixin"
        ]._mhrs_is_server_fault(exc)
        if outage and not isinstance(exc, errors.MhrsNotAvailable) and exc.code != "AUTH":
            # Nothing keeps a button's call for later: say so, never promise a retry.
            message = self.env._(
                "%(message)s This is not retried automatically: try again when MHRS answers.",
                message=message,
            )
        return message

    @api.model
    def _mhrs_error_message(self, exc):
        """The user's explanation of an MHRS error, with MHRS's code for the support desk."""
        message = user_message(self.env, exc)
        if exc.code and exc.code not in message:
            message = self.env._("%(message)s (MHRS code: %(code)s)", message=message, code=exc.code)
        return message

    @api.model
    def _mhrs_notify(self, title, message, kind="success", sticky=False):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": title, "message": message, "type": kind, "sticky": sticky},
        }
