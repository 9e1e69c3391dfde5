from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import is_valid_tckn

DEFAULT_TIMEOUT = 30


class ResCompany(models.Model):
    _inherit = "res.company"

    mhrs_institution_code = fields.Char(
        string="MHRS Institution Code",
        help="The institution's MHRS/SKRS code (KurumKodu), digits only.",
    )
    mhrs_vendor_code = fields.Char(
        string="MHRS Vendor Code",
        help="Code the Ministry assigned to the HBYS vendor (GonderenBirim).",
    )
    mhrs_username = fields.Char(string="MHRS Username")
    mhrs_password = fields.Char(
        string="MHRS Password",
        groups="mhrs_connector.group_mhrs_manager",
        copy=False,
        help="Web service password. Readable by MHRS managers only; never written to logs.",
    )
    mhrs_responsible_tckn = fields.Char(
        string="MHRS Responsible TCKN",
        help="TCKN sent as the acting person for scheduled jobs and for users without a TCKN.",
    )
    mhrs_endpoint_url = fields.Char(
        string="MHRS Endpoint URL",
        help="Address of the PRSC_AR001001TR01 web service (the Ministry's, or the simulator's).",
    )
    mhrs_wsdl_url = fields.Char(
        string="MHRS WSDL Location",
        help="Leave empty to use the WSDL shipped with the addon. A local path or an URL.",
    )
    mhrs_environment = fields.Selection(
        [("test", "Test"), ("production", "Production")],
        string="MHRS Environment",
        default="test",
        required=True,
        help="Sent as the processing code of every message (T or P).",
    )
    mhrs_timeout = fields.Integer(
        string="MHRS Timeout (s)", default=DEFAULT_TIMEOUT, help="Seconds to wait for each MHRS answer."
    )
    mhrs_shortest_duration = fields.Integer(
        string="Shortest Appointment Duration (min)",
        default=10,
        help="The institution's shortest appointment duration; appointments are queried this often.",
    )
    mhrs_eod_sync_time = fields.Float(
        string="End-of-day Sync Time",
        default=22.0,
        help="Local time at which at least the next day's appointments are queried in full. "
        "Keep it after 20:00, when MHRS cancels unconfirmed appointments.",
    )
    mhrs_status_grace = fields.Integer(
        string="Status Update Grace (min)",
        default=30,
        help="Minutes after an appointment's end before attended / not attended is sent.",
    )
    mhrs_sync_horizon_days = fields.Integer(
        string="Sync Horizon (days)",
        default=15,
        help="How many days ahead the periodic appointment query looks.",
    )
    mhrs_operation_code_ids = fields.One2many(
        "mhrs.operation.code", "company_id", string="MHRS Operation Codes"
    )

    @api.constrains("mhrs_institution_code")
    def _check_mhrs_institution_code(self):
        for company in self:
            code = company.mhrs_institution_code
            if code and not code.isdigit():
                raise ValidationError(_("The MHRS institution code must contain digits only."))

    @api.constrains("mhrs_responsible_tckn")
    def _check_mhrs_responsible_tckn(self):
        for company in self:
            if company.mhrs_responsible_tckn and not is_valid_tckn(company.mhrs_responsible_tckn):
                raise ValidationError(_("The MHRS responsible TCKN is not a valid T.C. identity number."))

    @api.constrains(
        "mhrs_timeout", "mhrs_shortest_duration", "mhrs_status_grace", "mhrs_sync_horizon_days",
        "mhrs_eod_sync_time",
    )
    def _check_mhrs_numbers(self):
        for company in self:
            if company.mhrs_timeout <= 0 or company.mhrs_shortest_duration <= 0:
                raise ValidationError(_("The MHRS timeout and the shortest duration must be positive."))
            if company.mhrs_status_grace < 0 or company.mhrs_sync_horizon_days < 1:
                raise ValidationError(
                    _("The status grace cannot be negative and the sync horizon must be at least one day.")
                )
            if not 0 <= company.mhrs_eod_sync_time < 24:
                raise ValidationError(_("The end-of-day sync time must be between 00:00 and 23:59."))
