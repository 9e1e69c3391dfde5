from odoo import fields, models

# The MHRS jobs that run per company: (job, label, model, method).
MHRS_COMPANY_JOBS = [
    ("appointment_query", "Appointment Query", "mhrs.appointment", "_cron_appointment_query"),
    ("end_of_day", "End-of-day Appointment Sync", "mhrs.appointment", "_cron_end_of_day_sync"),
    ("status_update", "Attendance Status Update", "mhrs.appointment", "_cron_status_update"),
    ("exception_follow_up", "Exception Follow-up", "mhrs.exception", "_cron_exception_follow_up"),
    ("retry", "Resend Undelivered Operations", "res.company", "_mhrs_cron_retry"),
    ("log_cleanup", "Call Log Clean-up", "mhrs.sync.log", "_cron_cleanup"),
]


class IrCron(models.Model):
    """A scheduled action may be one company's MHRS job: each company's work is then its own ``ir.cron``,
    which Odoo's cron workers (of every server) take in parallel, each job locked by one worker."""

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
