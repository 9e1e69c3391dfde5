import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields, models

_logger = logging.getLogger(__name__)

# The MHRS jobs that run per company: (job, label, model, method).
MHRS_COMPANY_JOBS = [
    ("appointment_query", "Appointment Query", "mhrs.appointment", "_cron_appointment_query"),
    ("end_of_day", "End-of-day Appointment Sync", "mhrs.appointment", "_cron_end_of_day_sync"),
    ("status_update", "Attendance Status Update", "mhrs.appointment", "_cron_status_update"),
    ("exception_follow_up", "Exception Follow-up", "mhrs.exception", "_cron_exception_follow_up"),
    ("finalise_ahead", "Finalisation of Drafts Ahead", "mhrs.schedule", "_cron_finalise_ahead"),
    ("action_codes", "Action Code Refresh", "mhrs.action.code", "_cron_action_code_refresh"),
    ("retry", "Resend Undelivered Operations", "res.company", "_mhrs_cron_retry"),
    ("log_cleanup", "Call Log Clean-up", "mhrs.sync.log", "_cron_cleanup"),
]
# A query run that started at most this long after its planned time keeps the plan (the next one is planned
# a cadence after the plan: the lateness of the cron workers' polling does not add up); one that started
# later (its server was killed, it waited for the company's lock, every worker was busy) or earlier (woken by
# a trigger) has the next one planned a cadence after its start.
ON_TIME = timedelta(seconds=15)
# The query job's next planned time, from its run (read in the job's transaction) to Odoo's rescheduling of
# the job (in the cron worker's transaction, which cannot see the run yet): same process and thread.
_next_calls = {}


class IrCron(models.Model):
    """A scheduled action may be one company's MHRS job: each company's work is then its own ``ir.cron``,
    which Odoo's cron workers (of every server) take in parallel, each job locked by one worker. A
    company's query job is planned a cadence after its last run started, not only on Odoo's grid."""

    _inherit = "ir.cron"

    mhrs_company_id = fields.Many2one(
        "res.company",
        string="MHRS Company",
        index=True,
        ondelete="cascade",
        help="The company whose MHRS job this is; created, updated and archived with its MHRS settings.",
    )
    mhrs_job = fields.Selection(
        [(job, label) for job, label, _model, _method in MHRS_COMPANY_JOBS],
        string="MHRS Job",
        index=True,
        help="Which of the company's MHRS jobs this scheduled action runs.",
    )

    def _callback(self, cron_name, server_action_id):
        began = fields.Datetime.now()
        result = super()._callback(cron_name, server_action_id)
        if self.mhrs_job == "appointment_query" and self.mhrs_company_id:
            try:
                _next_calls[self.id] = self._mhrs_query_next_call(began)
            except Exception:  # the plan is a refinement: Odoo's own rescheduling still applies
                _logger.exception("Could not plan the next run of %s", cron_name)
        return result

    def _mhrs_query_next_call(self, began):
        """When the company's query should run next, given that this execution began at ``began``: a
        cadence after the planned time (``nextcall``) if its periodic run started on time, else a cadence
        after the run's start; None when this execution ran no successful periodic run (not due yet, the
        company locked, MHRS failing: the job's grid, the lock's trigger and the back-off apply)."""
        self.ensure_one()
        run = (
            self.env["mhrs.sync.run"]
            .sudo()
            .search(
                [
                    ("company_id", "=", self.mhrs_company_id.id),
                    ("kind", "=", "periodic"),
                    ("started_at", ">=", began),
                ],
                order="started_at desc, id desc",
                limit=1,
            )
        )
        if run.state != "done":
            return None
        interval = relativedelta(**{self.interval_type: self.interval_number})
        planned = self.nextcall
        if timedelta(0) <= run.started_at - planned <= ON_TIME:
            return planned + interval
        return run.started_at + interval

    def _reschedule_later(self, job):
        result = super()._reschedule_later(job)
        next_call = _next_calls.pop(job["id"], None)
        if next_call and next_call > fields.Datetime.now():
            self.env.cr.execute("UPDATE ir_cron SET nextcall = %s WHERE id = %s", (next_call, job["id"]))
        return result
