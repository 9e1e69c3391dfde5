"""The per-company job runner: how every MHRS scheduled action works through its companies.

Role: pick the companies one execution serves (the company of a company's own scheduled action, else
every company the shared action still serves) and, for each, close the runs its dead workers left
running, take the company's lock (a company held by another worker is skipped, and its own action runs
again as soon as the holder ends), do the work in the company's own transaction (a savepoint inside tests),
isolate its failure (logged and rolled back; the other companies go on, and Odoo's failure counter never
deactivates the job), commit, stop at the deadline and report the progress to Odoo. A plain class: each
cron (``_cron_*``, ``_mhrs_cron_retry``) builds one and hands it its work for one company.
"""

import logging
import time
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError

from ..tools import can_commit
from ..wire import errors

_logger = logging.getLogger(__name__)


class CompanyJobRunner:
    """One MHRS job (``job``, as in ir_cron.MHRS_COMPANY_JOBS) run company by company.

    ``every_company``: the job serves every company (the call-log clean-up also serves a company whose
    endpoint was cleared), not only those with an MHRS endpoint."""

    def __init__(self, model, job, label, every_company=False):
        self.env = model.env
        self.job, self.label = job, label
        self.every_company = every_company

    def mhrs_companies(self):
        domain = [] if self.every_company else [("mhrs_base_url", "!=", False)]
        return self.env["res.company"].sudo().search(domain)

    def companies(self, company_ids=None):
        """The companies a run of the job serves: those given (a company's own scheduled action), else
        every company; the shared scheduled action serves only the companies without their own."""
        companies = self.mhrs_companies()
        if company_ids is not None:
            return companies.filtered(lambda company: company.id in company_ids)
        cron = self.env["ir.cron"].sudo().browse(self.env.context.get("cron_id") or [])
        if cron and not cron.mhrs_company_id:
            own = (
                self.env["ir.cron"]
                .sudo()
                .search([("mhrs_job", "=", self.job), ("mhrs_company_id", "!=", False)])
            )
            companies -= own.mhrs_company_id
        return companies

    def run(self, work, lock=None, company_ids=None, deadline=None, close_orphans=False):
        """Run ``work(company)`` for each company the job serves. ``lock(company)`` takes the company's
        lock (False: held elsewhere, the company is skipped); ``deadline`` (time.monotonic()) leaves the
        companies not reached to the next execution; ``work`` returns False when it stopped early.
        Returns the number of companies handled."""
        companies = self.companies(company_ids)
        handled = left = 0
        for index, company in enumerate(companies):
            if not self._run_company(company, work, lock, close_orphans):
                left += 1
            handled += 1
            if deadline and time.monotonic() > deadline:
                left += len(companies) - index - 1
                break
        # "remaining" makes Odoo run the job again at once (after some work was done).
        self.env["ir.cron"]._notify_progress(done=handled, remaining=left)
        return handled

    def _run_company(self, company, work, lock, close_orphans):
        """One company in its own transaction; False when its work stopped before the end."""
        try:
            if close_orphans:
                self.env["mhrs.sync.run"]._mhrs_close_orphans(company)
            if lock and not lock(company):
                _logger.info("%s: %s is locked by another worker", self.label, company.name)
                self.wait_for_lock(company)
                return True
            if can_commit():
                finished = work(company)
            else:
                with self.env.cr.savepoint():
                    finished = work(company)
        except (errors.MhrsError, UserError) as exc:
            # MHRS refused or is unreachable, or the company's settings are incomplete: expected.
            _logger.warning("%s failed for %s: %s", self.label, company.name, exc)
            self._rollback()
            return True
        except Exception:
            _logger.exception("%s failed for %s", self.label, company.name)
            if not can_commit():
                raise
            self._rollback()
            return True
        if can_commit():
            self.env.cr.commit()  # pylint: disable=invalid-commit
            self.wake_waiting_jobs(company)
        return finished is not False

    def _rollback(self):
        if can_commit():
            self.env.cr.rollback()

    def wait_for_lock(self, company):
        """A company's scheduled action found its lock taken: it runs again when the holder ends (woken
        by wake_waiting_jobs), or in a minute at the latest, not at its next interval."""
        cron = self.env["ir.cron"].sudo().browse(self.env.context.get("cron_id") or [])
        if cron.mhrs_company_id == company:
            cron._trigger(fields.Datetime.now() + timedelta(minutes=1))

    def wake_waiting_jobs(self, company):
        """After a company's job committed (its lock is free): the company's scheduled actions that
        wait for it (a trigger in the future, see wait_for_lock) run now."""
        now = fields.Datetime.now()
        waiting = (
            self.env["ir.cron.trigger"]
            .sudo()
            .search([("cron_id.mhrs_company_id", "=", company.id), ("call_at", ">", now)])
        )
        for cron in waiting.cron_id:
            if cron.id != self.env.context.get("cron_id"):
                cron._trigger()
        if waiting and can_commit():
            self.env.cr.commit()  # pylint: disable=invalid-commit
