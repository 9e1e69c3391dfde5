"""Activities for the MHRS managers when something keeps failing, so that nobody has to watch logs.

* a record whose pending operation could not be delivered RETRY_ALERT_COUNT times gets one to-do
  activity ("MHRS keeps not answering"): see mhrs.record.mixin;
* a scheduled appointment sync run that failed gets one to-do activity; while one is open for the
  company, later failed runs do not add more.
"""

from odoo import SUPERUSER_ID, api, models


class MhrsSyncRun(models.Model):
    _inherit = "mhrs.sync.run"

    @api.model
    def _mhrs_manager(self, company):
        """An active internal MHRS manager of the company (not the superuser when another exists)."""
        group = self.env.ref("mhrs_connector.group_mhrs_manager", raise_if_not_found=False)
        if not group:
            return self.env["res.users"]
        managers = group.sudo().users.filtered(
            lambda user: user.active and not user.share and company in user.company_ids
        )
        return managers.filtered(lambda user: user.id != SUPERUSER_ID)[:1] or managers[:1]

    def _mhrs_notify_failure(self):
        """One open activity per company for failed scheduled runs."""
        if "activity_ids" not in self._fields:
            return
        Activity = self.env["mail.activity"].sudo()
        summary = self.env._("MHRS appointment sync failed")
        for run in self.sudo().filtered(lambda r: r.state == "failed" and r.kind != "manual"):
            open_runs = self.browse(
                Activity.search([("res_model", "=", run._name), ("summary", "=", summary)]).mapped("res_id")
            )
            open_activity = open_runs.sudo().exists().filtered(
                lambda r, run=run: r.company_id == run.company_id
            )
            manager = self._mhrs_manager(run.company_id)
            if open_activity or not manager:
                continue
            run.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=run.error_text or self.env._("No physician could be queried."),
                user_id=manager.id,
            )


class MhrsAppointment(models.Model):
    _inherit = "mhrs.appointment"

    @api.model
    def _mhrs_sync_window(self, company, start, end, physicians=None, kind="manual", covered_date=None):
        run = super()._mhrs_sync_window(
            company, start, end, physicians=physicians, kind=kind, covered_date=covered_date
        )
        if run.state == "failed":
            run._mhrs_notify_failure()
        return run
