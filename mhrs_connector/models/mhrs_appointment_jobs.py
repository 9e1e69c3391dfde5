# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models

from ..engines.appointment_sync import AppointmentSync
from ..engines.company_jobs import CompanyJobRunner
from ..engines.status_job import STATUS_LOCK_KEY, StatusJob
from ..tools import try_company_lock
from ..tools.dates import local_day_bounds


# The appointment jobs live apart from the appointment's fields and reception (mhrs_appointment.py), as the
# company's jobs do (res_company_jobs.py): each is a few lines handing one company's work to an engine.
class MhrsAppointment(models.Model):
    """The scheduled appointment jobs: the periodic query and the end-of-day sync
    (engines/appointment_sync.py) and the attendance status update (engines/status_job.py), each run
    company by company (engines/company_jobs.py)."""

    _inherit = "mhrs.appointment"

    @api.model
    def _cron_appointment_query(self, now=None, company_ids=None):
        """Each company (its own scheduled action, every shortest appointment duration) whose cadence has
        elapsed since its last periodic attempt queries its synced physicians up to the horizon."""
        now = now or fields.Datetime.now()

        def work(company):
            sync = AppointmentSync(self._mhrs_cron_env(company))
            if sync.periodic_due(company, now):
                start, end = sync.periodic_window(company, now)
                sync.sync_window(company, start, end, kind="periodic")

        runner = CompanyJobRunner(self, "appointment_query", "MHRS appointment query")
        runner.run(work, AppointmentSync(self).lock, company_ids, close_orphans=True)

    @api.model
    def _cron_end_of_day_sync(self, now=None, company_ids=None):
        """Once a day after the end-of-day time: the whole next local day; catches up a missed run."""
        now = now or fields.Datetime.now()

        def work(company):
            sync = AppointmentSync(self._mhrs_cron_env(company))
            target = sync.eod_target(company, now)
            if target:
                start, end = local_day_bounds(company, target)
                sync.sync_window(company, start, end, kind="end_of_day", covered_date=target)
                sync.check_failed_statuses(company, now)

        runner = CompanyJobRunner(self, "end_of_day", "MHRS end-of-day sync")
        runner.run(work, AppointmentSync(self).lock, company_ids, close_orphans=True)

    @api.model
    def _cron_status_update(self, now=None, company_ids=None):
        """Every few minutes, per company: send the status of today's appointments whose end plus the
        grace period has passed; from the final pass on, of all that have ended; report what is left;
        close the days that ended (never send after the day)."""
        now = now or fields.Datetime.now()
        CompanyJobRunner(self, "status_update", "MHRS status update").run(
            lambda company: StatusJob(self._mhrs_cron_env(company)).run_company(company, now),
            lambda company: try_company_lock(self.env.cr, STATUS_LOCK_KEY, company.id),
            company_ids,
            close_orphans=True,
        )

    @api.model
    def _mhrs_cron_env(self, company):
        return self.with_company(company).with_context(mhrs_trigger="cron")
