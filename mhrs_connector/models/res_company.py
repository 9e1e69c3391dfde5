import logging
import time

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engines.company_jobs import CompanyJobRunner
from ..tools import is_valid_tckn
from ..tools.jobs import can_commit, try_company_lock

_logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30
RETRY_BATCH = 50
RETRY_TIME_BUDGET = 240  # seconds per run; what is left is picked up by the next run
LOCK_KEY = "mhrs_retry"


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
    mhrs_username = fields.Char(
        string="MHRS Username",
        help="REST (MHRS V2): the user name (kullanıcı adı) sent at login, digits only.",
    )
    mhrs_password = fields.Char(
        string="MHRS Password",
        groups="mhrs_connector.group_mhrs_manager",
        copy=False,
        help="REST (MHRS V2): the password (parola) sent at login. Readable by MHRS managers only; never "
        "written to logs.",
    )
    mhrs_responsible_tckn = fields.Char(
        string="MHRS Responsible TCKN",
        help="TCKN sent as the acting person for scheduled jobs and for users without a TCKN.",
    )
    # -- the real service (issue #13): one interface per company, the credentials each one needs ------
    mhrs_interface = fields.Selection(
        [("rest", "REST (MHRS V2)"), ("g2", "SOAP (G2)")],
        string="MHRS Interface",
        default="rest",
        required=True,
        help="How this company talks to MHRS: the REST/JSON interface MHRS V2 (JWT login, /api/rs/...), "
        "or the older SOAP G2 web service (/MHRSWS/services/mhrsweb). Ask the Ministry which one your "
        "institution is given.",
    )
    mhrs_base_url = fields.Char(
        string="MHRS Base URL",
        help="Scheme, host and port of the MHRS service, without a path (https://host[:port]). REST calls "
        "go to /api/rs/..., SOAP G2 calls to /MHRSWS/services/mhrsweb under it.",
    )
    mhrs_app_code = fields.Char(
        string="MHRS Application Code",
        help="REST (MHRS V2) only: the application code (uygulamaKodu) sent at login.",
    )
    mhrs_g2_user_code = fields.Char(
        string="MHRS G2 User Code",
        help="SOAP G2 only: the user code (KullaniciKodu), digits only.",
    )
    mhrs_g2_password = fields.Char(
        string="MHRS G2 Password",
        groups="mhrs_connector.group_mhrs_manager",
        copy=False,
        help="SOAP G2 only: the password (KullaniciSifre). Readable by MHRS managers only; never written "
        "to logs.",
    )
    mhrs_g2_user_type = fields.Integer(
        string="MHRS G2 User Type",
        default=0,
        help="SOAP G2 only: the user type (KulaniciTuru) the Ministry gave with the user code.",
    )
    mhrs_g2_namespace = fields.Char(
        string="MHRS G2 Namespace",
        help="SOAP G2 only: the XML namespace of the service. The only public copy hides it; leave empty "
        "to use the shipped placeholder (the simulator's default) until the Ministry gives the real one.",
    )
    mhrs_registered_branch_ids = fields.Many2many(
        "mhrs.branch",
        "mhrs_company_registered_branch_rel",
        "company_id",
        "branch_id",
        string="Branches Registered on MHRS",
        copy=False,
        help="Branches (klinik) this institution has registered at MHRS; a clinic registration registers "
        "its branch first when it is not in this list.",
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
    mhrs_log_max_kb = fields.Integer(
        string="Call Log Size Limit (KB)",
        default=256,
        help="Request and response XML longer than this are stored cut, with a marker giving the full "
        "size (secrets are masked first). 0 keeps them whole.",
    )
    mhrs_log_retention_days = fields.Integer(
        string="Call Log Retention (days)",
        default=30,
        help="A daily job deletes MHRS call logs older than this; failed calls are kept twice as long. "
        "0 keeps every log.",
    )
    mhrs_operation_code_ids = fields.One2many(
        "mhrs.operation.code", "company_id", string="MHRS Operation Codes"
    )
    # EK 2 schedule criteria that could not be retrieved: settings with safe defaults, to be confirmed
    # against EK 2 of the MHRS directive.
    mhrs_schedule_max_days_ahead = fields.Integer(
        string="Schedule Horizon (days)",
        default=60,
        help="How many days ahead work schedules may be opened on MHRS (EK 2; to be confirmed). "
        "0 means no limit.",
    )
    mhrs_min_slot_minutes = fields.Integer(
        string="Minimum Slot Length (min)",
        default=5,
        help="Shortest appointment slot a bookable schedule block may have (EK 2; to be confirmed).",
    )

    @api.constrains("mhrs_institution_code")
    def _check_mhrs_institution_code(self):
        for company in self:
            code = company.mhrs_institution_code
            if code and not code.isdigit():
                raise ValidationError(self.env._("The MHRS institution code must contain digits only."))

    @api.constrains("mhrs_responsible_tckn")
    def _check_mhrs_responsible_tckn(self):
        for company in self:
            if company.mhrs_responsible_tckn and not is_valid_tckn(company.mhrs_responsible_tckn):
                raise ValidationError(
                    self.env._("The MHRS responsible TCKN is not a valid T.C. identity number.")
                )

    @api.constrains(
        "mhrs_timeout",
        "mhrs_shortest_duration",
        "mhrs_status_grace",
        "mhrs_sync_horizon_days",
        "mhrs_eod_sync_time",
    )
    def _check_mhrs_numbers(self):
        for company in self:
            if company.mhrs_timeout <= 0 or company.mhrs_shortest_duration <= 0:
                raise ValidationError(
                    self.env._("The MHRS timeout and the shortest duration must be positive.")
                )
            if company.mhrs_status_grace < 0 or company.mhrs_sync_horizon_days < 1:
                raise ValidationError(
                    self.env._(
                        "The status grace cannot be negative and the sync horizon must be at least one day."
                    )
                )
            if not 0 <= company.mhrs_eod_sync_time < 24:
                raise ValidationError(self.env._("The end-of-day sync time must be between 00:00 and 23:59."))

    @api.constrains("mhrs_schedule_max_days_ahead", "mhrs_min_slot_minutes")
    def _check_mhrs_schedule_criteria(self):
        for company in self:
            if company.mhrs_schedule_max_days_ahead < 0 or company.mhrs_min_slot_minutes < 1:
                raise ValidationError(
                    self.env._(
                        "The schedule horizon cannot be negative and the minimum slot length must be at "
                        "least one minute."
                    )
                )

    @api.constrains("mhrs_log_max_kb", "mhrs_log_retention_days")
    def _check_mhrs_log_settings(self):
        for company in self:
            if company.mhrs_log_max_kb < 0 or company.mhrs_log_retention_days < 0:
                raise ValidationError(self.env._("The call log size limit and retention cannot be negative."))

    # ------------------------------------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------------------------------------
    @api.model
    def _mhrs_cron_retry(self, batch_size=RETRY_BATCH, time_budget=RETRY_TIME_BUDGET, company_ids=None):
        """Retry job, per company (its own scheduled action; the shared one for the others): resend in
        batches the operations MHRS did not answer. Returns the number of records handled.

        The company's advisory lock keeps two workers from resending the same operation; one failing
        company or batch does not stop the others (engines/company_jobs.py).
        """
        deadline = time.monotonic() + time_budget
        done = [0]

        def work(company):
            count, finished = self._mhrs_retry_company(company, batch_size, deadline)
            done[0] += count
            return finished

        CompanyJobRunner(self, "retry", "MHRS retry", every_company=True).run(
            work,
            lambda company: try_company_lock(self.env.cr, LOCK_KEY, company.id),
            company_ids,
            deadline=deadline,
        )
        return done[0]

    # ------------------------------------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------------------------------------
    def _mhrs_ensure_branch(self, branch, record=None):
        """Register ``branch`` (an mhrs.branch) for this institution at MHRS unless it is known to be;
        raises the wire's typed errors like any call."""
        self.ensure_one()
        if branch in self.sudo().mhrs_registered_branch_ids:
            return False
        self.env["mhrs.client"]._mhrs_call("branch_register", company=self, record=record, branch=branch.code)
        self.sudo().mhrs_registered_branch_ids = [fields.Command.link(branch.id)]
        return True

    def _mhrs_managers(self):
        """The company's active internal MHRS managers."""
        self.ensure_one()
        group = self.env.ref("mhrs_connector.group_mhrs_manager", raise_if_not_found=False)
        if not group:
            return self.env["res.users"]
        return group.sudo().users.filtered(
            lambda user: user.active and not user.share and self in user.company_ids
        )

    def _mhrs_manager(self):
        """One MHRS manager to give a to-do to: not the superuser when another exists."""
        managers = self._mhrs_managers()
        return managers.filtered(lambda user: user.id != SUPERUSER_ID)[:1] or managers[:1]

    @api.model
    def _mhrs_retry_models(self):
        """Every stored model that inherits the MHRS outcome mixin."""
        mixin = type(self.env["mhrs.record.mixin"])
        return sorted(
            name
            for name, model_class in self.env.registry.items()
            if not model_class._abstract
            and not model_class._transient
            and issubclass(model_class, mixin)
            and "mhrs_pending_operation" in model_class._fields
        )

    @api.model
    def _mhrs_retry_domain(self, model, company):
        domain = [
            ("mhrs_sync_state", "=", "to_retry"),
            ("mhrs_pending_operation", "!=", False),
            "|",
            ("mhrs_next_retry", "=", False),
            ("mhrs_next_retry", "<=", fields.Datetime.now()),
        ]
        if "company_id" in model._fields:
            domain.append(("company_id", "=", company.id))
        return domain

    @api.model
    def _mhrs_retry_company(self, company, batch_size, deadline):
        """(records handled, finished) for one company; stops when another worker holds the company."""
        done = 0
        try:
            self.env["mhrs.client"]._mhrs_check_settings(company)
        except UserError as exc:
            # Not configured (or neutralized): keep everything queued until the settings are complete.
            _logger.info("MHRS retry skipped for %s: %s", company.name, exc)
            return done, True
        first_company = self.sudo().search([], limit=1)
        for model_name in self._mhrs_retry_models():
            model = self.env[model_name].with_company(company).with_context(mhrs_trigger="cron")
            if "company_id" not in model._fields and company != first_company:
                continue
            seen = []
            while True:
                if not try_company_lock(self.env.cr, LOCK_KEY, company.id):
                    _logger.info("MHRS retry: company %s is handled by another worker", company.name)
                    return done, True
                records = model.search(
                    [*self._mhrs_retry_domain(model, company), ("id", "not in", seen)],
                    order="mhrs_next_retry, id",
                    limit=batch_size,
                )
                if not records:
                    break
                seen += records.ids
                for record in records:
                    self._mhrs_retry_record(record)
                done += len(records)
                self.env["ir.cron"]._notify_progress(done=done, remaining=0)
                if can_commit():
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                if time.monotonic() > deadline:
                    return done, False
        return done, True

    @api.model
    def _mhrs_retry_record(self, record):
        """Deliver one record's pending operation; nothing it raises reaches the batch."""
        operation = record.mhrs_pending_operation
        try:
            with self.env.cr.savepoint():
                record._mhrs_retry_one()
        except (UserError, ValidationError) as exc:
            record.invalidate_recordset()
            record._mhrs_retry_rejected(operation, exc.args[0] if exc.args else str(exc))
        except Exception as exc:
            _logger.exception("MHRS retry of %s on %s failed", operation, record)
            record.invalidate_recordset()
            # Keep it, with back-off, so a defect does not make the job spin on one record.
            record._mhrs_keep_for_retry(operation, self.env._("Unexpected error: %s", exc))
