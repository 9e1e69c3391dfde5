from odoo import _, api, models
from odoo.exceptions import UserError

from ..soap import MhrsClient, MhrsConfig, errors


class MhrsConnectorMixin(models.AbstractModel):
    """Shared entry point to MHRS: builds the client from company settings and logs every call."""

    _name = "mhrs.connector.mixin"
    _description = "MHRS Connector Mixin"

    @api.model
    def _mhrs_config(self, company):
        company.ensure_one()
        root = company.sudo()
        missing = [
            label
            for label, value in (
                (_("Institution code"), root.mhrs_institution_code),
                (_("Vendor code"), root.mhrs_vendor_code),
                (_("Username"), root.mhrs_username),
                (_("Password"), root.mhrs_password),
                (_("Endpoint URL"), root.mhrs_endpoint_url),
            )
            if not value
        ]
        acting_tckn = self.env.user.partner_id.tckn or root.mhrs_responsible_tckn
        if not acting_tckn:
            missing.append(_("Responsible TCKN (or a TCKN on your user)"))
        if missing:
            raise UserError(
                _(
                    "MHRS settings of %(company)s are incomplete: %(fields)s. "
                    "Complete them in Settings → MHRS.",
                    company=company.name,
                    fields=", ".join(missing),
                )
            )
        overrides = {line.operation: line.code.strip() for line in root.mhrs_operation_code_ids}
        return MhrsConfig(
            endpoint_url=root.mhrs_endpoint_url.strip(),
            wsdl_url=(root.mhrs_wsdl_url or "").strip() or None,
            institution_code=int(root.mhrs_institution_code),
            vendor_code=root.mhrs_vendor_code,
            username=root.mhrs_username,
            password=root.mhrs_password,
            acting_user_tckn=acting_tckn,
            environment=root.mhrs_environment or "test",
            timeout=root.mhrs_timeout or 30,
            operation_codes=overrides,
        )

    @api.model
    def _mhrs_call(self, operation, company=None, record=None, **payload):
        """Call one MHRS operation; raises the client's typed errors, always logs the call."""
        company = company or (record.company_id if record and "company_id" in record else self.env.company)
        calls = []
        logs = self.env["mhrs.sync.log"]
        client = MhrsClient(
            self._mhrs_config(company),
            on_call=calls.append,
            on_send=lambda call: logs._store_sent(call, company, record),
        )
        try:
            return getattr(client, operation)(**payload)
        finally:
            self.env["mhrs.sync.log"]._store_calls(calls, company, record)

    @api.model
    def _mhrs_call_ui(self, operation, company=None, record=None, **payload):
        """Same as _mhrs_call, for buttons: every MHRS error becomes a Turkish UserError."""
        try:
            return self._mhrs_call(operation, company=company, record=record, **payload)
        except errors.MhrsError as exc:
            message = self._mhrs_error_message(exc)
            outage = not isinstance(exc, errors.MhrsBusinessError) or self.env[
                "mhrs.record.mixin"
            ]._mhrs_is_server_fault(exc)
            if outage:
                # Nothing keeps a button's call for later: say so, never promise a retry.
                message = _(
                    "%(message)s This is not retried automatically: try again when MHRS answers.",
                    message=message,
                )
            raise UserError(message) from exc

    @api.model
    def _mhrs_error_message(self, exc):
        """The Turkish explanation of an MHRS error, with MHRS's code for the support desk."""
        message = errors.user_message(exc)
        if exc.code and exc.code not in message:
            message = _("%(message)s (MHRS code: %(code)s)", message=message, code=exc.code)
        return message

    @api.model
    def _mhrs_notify(self, title, message, kind="success", sticky=False):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": title, "message": message, "type": kind, "sticky": sticky},
        }
