import logging
import time

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.jobs import can_commit, try_company_lock

_logger = logging.getLogger(__name__)

RETRY_BATCH = 50
RETRY_TIME_BUDGET = 240  # seconds per run; what is left is picked up by the next run
LOCK_KEY = "mhrs_retry"


class ResCompany(models.Model):
    _inherit = "res.company"

    # ------------------------------------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------------------------------------
    @api.model
    def _mhrs_cron_retry(self, batch_size=RETRY_BATCH, time_budget=RETRY_TIME_BUDGET):
        """Retry job: resend, company by company and in batches, the operations MHRS did not answer.

        One company at a time holds an advisory lock, so two workers never resend the same operation;
        one failing company or batch does not stop the others (nor deactivate the cron).
        """
        deadline = time.monotonic() + time_budget
        done = 0
        cut_short = False
        for company in self.sudo().search([]):
            try:
                count, finished = self._mhrs_retry_company(company, batch_size, deadline)
                done += count
                cut_short = cut_short or not finished
            except Exception:
                _logger.exception("MHRS retry job failed for company %s", company.name)
                if can_commit():
                    self.env.cr.rollback()
            if time.monotonic() > deadline:
                cut_short = True
                break
        self.env["ir.cron"]._notify_progress(done=done, remaining=1 if cut_short else 0)
        return done

    # ------------------------------------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------------------------------------
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
            self.env["mhrs.connector.mixin"]._mhrs_config(company)
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
