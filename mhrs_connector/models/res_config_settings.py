from odoo import fields, models
from odoo.exceptions import UserError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mhrs_institution_code = fields.Char(related="company_id.mhrs_institution_code", readonly=False)
    mhrs_vendor_code = fields.Char(related="company_id.mhrs_vendor_code", readonly=False)
    mhrs_username = fields.Char(related="company_id.mhrs_username", readonly=False)
    mhrs_password = fields.Char(
        related="company_id.mhrs_password", readonly=False, groups="mhrs_connector.group_mhrs_manager"
    )
    mhrs_interface = fields.Selection(related="company_id.mhrs_interface", readonly=False)
    mhrs_base_url = fields.Char(related="company_id.mhrs_base_url", readonly=False)
    mhrs_app_code = fields.Char(related="company_id.mhrs_app_code", readonly=False)
    mhrs_g2_user_code = fields.Char(related="company_id.mhrs_g2_user_code", readonly=False)
    mhrs_g2_password = fields.Char(
        related="company_id.mhrs_g2_password", readonly=False, groups="mhrs_connector.group_mhrs_manager"
    )
    mhrs_g2_user_type = fields.Integer(related="company_id.mhrs_g2_user_type", readonly=False)
    mhrs_g2_namespace = fields.Char(related="company_id.mhrs_g2_namespace", readonly=False)
    mhrs_responsible_tckn = fields.Char(related="company_id.mhrs_responsible_tckn", readonly=False)
    mhrs_timeout = fields.Integer(related="company_id.mhrs_timeout", readonly=False)
    mhrs_shortest_duration = fields.Integer(related="company_id.mhrs_shortest_duration", readonly=False)
    mhrs_eod_sync_time = fields.Float(related="company_id.mhrs_eod_sync_time", readonly=False)
    mhrs_status_grace = fields.Integer(related="company_id.mhrs_status_grace", readonly=False)
    mhrs_sync_horizon_days = fields.Integer(related="company_id.mhrs_sync_horizon_days", readonly=False)
    mhrs_schedule_max_days_ahead = fields.Integer(
        related="company_id.mhrs_schedule_max_days_ahead", readonly=False
    )
    mhrs_min_slot_minutes = fields.Integer(related="company_id.mhrs_min_slot_minutes", readonly=False)
    mhrs_finalise_on_register = fields.Boolean(related="company_id.mhrs_finalise_on_register", readonly=False)
    mhrs_finalise_days_ahead = fields.Integer(related="company_id.mhrs_finalise_days_ahead", readonly=False)
    mhrs_log_max_kb = fields.Integer(related="company_id.mhrs_log_max_kb", readonly=False)
    mhrs_log_retention_days = fields.Integer(related="company_id.mhrs_log_retention_days", readonly=False)

    def action_mhrs_test_connection(self):
        """Prove address and credentials on the chosen interface: REST logs in afresh and reads the
        action list, SOAP G2 asks for the institution's branches."""
        self.ensure_one()
        self.execute()
        company = self.company_id
        result = self.env["mhrs.client"]._mhrs_test_connection(company)
        labels = dict(company._fields["mhrs_interface"]._description_selection(self.env))
        return self.env["mhrs.client"]._mhrs_notify(
            self.env._("MHRS connection works"),
            self.env._(
                "MHRS answered over %(interface)s for institution %(code)s (%(detail)s).",
                interface=labels.get(company.mhrs_interface, company.mhrs_interface),
                code=company.mhrs_institution_code,
                detail=result,
            ),
        )

    def action_mhrs_operation_codes(self):
        self.ensure_one()
        if not self.env.user.has_group("mhrs_connector.group_mhrs_manager"):
            raise UserError(self.env._("Only MHRS managers can change operation codes."))
        action = self.env["ir.actions.act_window"]._for_xml_id("mhrs_connector.action_mhrs_operation_code")
        action["domain"] = [("company_id", "=", self.company_id.id)]
        action["context"] = {"default_company_id": self.company_id.id}
        return action
