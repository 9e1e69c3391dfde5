# pylint: disable=consider-merging-classes-inherited
from odoo import api, models

from .ir_cron import MHRS_COMPANY_JOBS

# Minutes between two runs of the jobs whose cadence is not a company setting.
JOB_MINUTES = {
    "end_of_day": 15,
    "status_update": 5,
    "exception_follow_up": 30,
    "finalise_ahead": 24 * 60,
    "action_codes": 24 * 60,
    "retry": 5,
    "log_cleanup": 24 * 60,
}
# Settings a company's MHRS jobs follow.
JOB_FIELDS = {"name", "mhrs_base_url", "mhrs_shortest_duration"}


# The company's MHRS jobs live apart from its settings (res_company.py), which other work changes often.
class ResCompany(models.Model):
    """Each MHRS company has its own scheduled actions (one per job), so that the work of different
    companies runs in parallel on different cron workers and servers and no execution grows with the
    number of companies. They follow the company's MHRS settings: created when an endpoint is set,
    the query's interval kept at the shortest appointment duration, archived when the endpoint is cleared."""

    _inherit = "res.company"

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies.filtered("mhrs_base_url")._mhrs_sync_jobs()
        return companies

    def write(self, vals):
        result = super().write(vals)
        if JOB_FIELDS & set(vals):
            self._mhrs_sync_jobs()
        return result

    @api.model
    def _mhrs_sync_jobs_all(self):
        """Install / update: the jobs of every company (those without an endpoint: archived if any)."""
        self.sudo().search([])._mhrs_sync_jobs()

    def _mhrs_sync_jobs(self):
        """Create, update or archive the MHRS scheduled actions of these companies."""
        Cron = self.env["ir.cron"].sudo().with_context(active_test=False)
        existing = {
            (cron.mhrs_company_id.id, cron.mhrs_job): cron
            for cron in Cron.search([("mhrs_company_id", "in", self.ids), ("mhrs_job", "!=", False)])
        }
        root = self.env.ref("base.user_root")
        for company in self.sudo():
            for job, label, model, method in MHRS_COMPANY_JOBS:
                cron = existing.get((company.id, job))
                vals = {
                    "name": f"MHRS: {label} ({company.name})",
                    "interval_number": JOB_MINUTES.get(job) or company.mhrs_shortest_duration or 10,
                    "interval_type": "minutes",
                    "active": bool(company.mhrs_base_url),
                }
                if cron:
                    changed = {key: value for key, value in vals.items() if cron[key] != value}
                    if changed:
                        cron.write(changed)
                elif vals["active"]:
                    Cron.create(
                        dict(
                            vals,
                            mhrs_company_id=company.id,
                            mhrs_job=job,
                            model_id=self.env["ir.model"]._get_id(model),
                            state="code",
                            code=f"model.{method}(company_ids=[{company.id}])",
                            user_id=root.id,
                        )
                    )
