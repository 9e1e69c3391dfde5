from odoo import _, fields, models
from odoo.exceptions import UserError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mhrs_institution_code = fields.Char(related="company_id.mhrs_institution_code", readonly=False)
    mhrs_vendor_code = fields.Char(related="company_id.mhrs_vendor_code", readonly=False)
    mhrs_username = fields.Char(related="company_id.mhrs_username", readonly=False)
    mhrs_password = fields.Char(
        related="company_id.mhrs_password", readonly=False, groups="mhrs_connector.group_mhrs_manager"
    )
    mhrs_responsible_tckn = fields.Char(related="company_id.mhrs_responsible_tckn", readonly=False)
    mhrs_endpoint_url = fields.Char(related="company_id.mhrs_endpoint_url", readonly=False)
    mhrs_wsdl_url = fields.Char(related="company_id.mhrs_wsdl_url", readonly=False)
    mhrs_environment = fields.Selection(related="company_id.mhrs_environment", readonly=False)
    mhrs_timeout = fields.Integer(related="company_id.mhrs_timeout", readonly=False)
    mhrs_shortest_duration = fields.Integer(related="company_id.mhrs_shortest_duration", readonly=False)
    mhrs_eod_sync_time = fields.Float(related="company_id.mhrs_eod_sync_time", readonly=False)
    mhrs_status_grace = fields.Integer(related="company_id.mhrs_status_grace", readonly=False)
    mhrs_sync_horizon_days = fields.Integer(related="company_id.mhrs_sync_horizon_days", readonly=False)
    mhrs_schedule_max_days_ahead = fields.Integer(
        related="company_id.mhrs_schedule_max_days_ahead", readonly=False
    )
    mhrs_min_slot_minutes = fields.Integer(related="company_id.mhrs_min_slot_minutes", readonly=False)
    mhrs_log_max_kb = fields.Integer(related="company_id.mhrs_log_max_kb", readonly=False)
    mhrs_log_retention_days = fields.Integer(related="company_id.mhrs_log_retention_days", readonly=False)

    def action_mhrs_test_connection(self):
        """Ask MHRS a harmless question (clinic query) to prove address, credentials and contract."""
        self.ensure_one()
        self.execute()
        company = self.company_id
        result = self.env["mhrs.connector.mixin"]._mhrs_call_ui("clinic_query", company=company)
        count = len(result.get("AltKlinikBilgileri") or [])
        return self.env["mhrs.connector.mixin"]._mhrs_notify(
            _("MHRS connection works"),
            _(
                "MHRS answered for institution %(code)s: %(count)s clinic(s) registered.",
                code=company.mhrs_institution_code,
                count=count,
            ),
        )

    def action_mhrs_operation_codes(self):
        self.ensure_one()
        if not self.env.user.has_group("mhrs_connector.group_mhrs_manager"):
            raise UserError(_("Only MHRS managers can change operation codes."))
        action = self.env["ir.actions.act_window"]._for_xml_id("mhrs_connector.action_mhrs_operation_code")
        action["domain"] = [("company_id", "=", self.company_id.id)]
        action["context"] = {"default_company_id": self.company_id.id}
        return action
