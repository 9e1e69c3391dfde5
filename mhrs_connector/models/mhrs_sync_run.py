import psycopg2

from odoo import api, fields, models

from ..tools.dates import user_datetime_text
from ..tools.run_locks import lock_runs, orphan_runs, release_after_commit

RUN_KINDS = [
    ("periodic", "Periodic"),
    ("end_of_day", "End of Day"),
    ("manual", "Manual"),
    ("exception", "Exception Follow-up"),
    ("status", "Status Update"),
    ("status_check", "Status Check"),
]
RUN_STATES = [
    ("running", "Running"),
    ("done", "Done"),
    ("partial", "Partial"),
    ("failed", "Failed"),
]


class MhrsSyncRun(models.Model):
    """One run of the appointment synchronisation (operation 14): the window it covered and its counts.

    The runs are the memory of the sync: a window that was not covered (MHRS down, job not run) is
    found from them and covered again by the next run. Status update runs (operation 15) are kept here
    too, with the activities that report what could not be sent; a scheduled appointment sync run that
    failed gets one to-do activity for an MHRS manager (one open per company).
    """

    _name = "mhrs.sync.run"
    _description = "MHRS Sync Run"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "started_at desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        string="Company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="The hospital whose appointments were queried.",
    )
    kind = fields.Selection(
        RUN_KINDS,
        required=True,
        index=True,
        help="Periodic: the job that runs every shortest appointment duration. End of Day: the next "
        "day in full. Manual: a user's query between two times. Exception Follow-up: the job that "
        "checks pending exceptions.",
    )
    state = fields.Selection(
        RUN_STATES,
        string="Status",
        default="running",
        required=True,
        index=True,
        help="Done: every physician batch was queried. Partial: some batches failed (see the errors). "
        "Failed: nothing could be queried; the next run covers this window again.",
    )
    started_at = fields.Datetime(
        string="Started", required=True, default=fields.Datetime.now, index=True, help="When the run began."
    )
    ended_at = fields.Datetime(string="Ended", help="When the run finished.")
    duration = fields.Float(
        string="Duration (s)", aggregator="avg", help="How long the run took, in seconds."
    )
    window_start = fields.Datetime(help="Appointments starting from this time were queried.")
    window_end = fields.Datetime(help="...up to (not including) this time.")
    covered_date = fields.Date(
        string="Covered Day",
        index=True,
        help="End-of-day runs: the local day they queried in full. Used to find a missed end-of-day run.",
    )
    physician_ids = fields.Many2many(
        "mhrs.physician",
        "mhrs_sync_run_physician_rel",
        "run_id",
        "physician_id",
        string="Physicians",
        check_company=True,
        help="Physicians whose appointments this run queried.",
    )
    failed_physician_ids = fields.Many2many(
        "mhrs.physician",
        "mhrs_sync_run_failed_physician_rel",
        "run_id",
        "physician_id",
        string="Failed Physicians",
        check_company=True,
        help="Physicians of the batches MHRS did not answer: their window is covered again later.",
    )
    user_id = fields.Many2one(
        "res.users", string="Started by", default=lambda self: self.env.user, help="Who started the run."
    )
    fetched_count = fields.Integer(string="Fetched", help="Appointments MHRS returned.")
    created_count = fields.Integer(string="Created", help="Appointments new to Odoo.")
    updated_count = fields.Integer(
        string="Updated", help="Appointments with a real change (other than a cancellation)."
    )
    cancelled_count = fields.Integer(string="Cancelled", help="Appointments newly cancelled at MHRS.")
    missing_count = fields.Integer(
        string="Missing", help="Appointments Odoo has in the window that MHRS no longer returned (flagged)."
    )
    error_count = fields.Integer(string="Errors", help="MHRS calls that failed (see Errors Detail).")
    batch_count = fields.Integer(
        string="MHRS Calls",
        help="MHRS calls made: for appointments, one per batch of physicians and part of the window; for "
        "statuses, one per batch of statuses.",
    )
    error_text = fields.Text(string="Errors Detail", help="What went wrong, per failed batch.")
    status_final_pass = fields.Boolean(
        string="Final Pass",
        readonly=True,
        help="The last status run of the day: everything of the day that had ended was sent regardless "
        "of the grace period; what was still unsent is listed and reported to the MHRS managers.",
    )
    status_sent_count = fields.Integer(
        string="Statuses Sent", help="Appointments whose attended / not attended status MHRS accepted."
    )
    status_failed_count = fields.Integer(
        string="Statuses Refused", help="Appointments whose status MHRS refused (see the errors)."
    )
    status_postponed_count = fields.Integer(
        string="Statuses Postponed",
        help="Appointments kept to send: MHRS did not answer, or said their time has not come yet.",
    )
    status_unsent_ids = fields.Many2many(
        "mhrs.appointment",
        "mhrs_sync_run_unsent_appointment_rel",
        "run_id",
        "appointment_id",
        string="Unsent Appointments",
        readonly=True,
        help="Appointments whose status MHRS had not received when this run reported them.",
    )

    @api.depends("kind", "started_at")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for run in self:
            stamp = user_datetime_text(run, run.started_at)
            run.display_name = f"{kinds.get(run.kind, '')} {stamp}".strip()

    @api.model_create_multi
    def create(self, vals_list):
        # The runs are a technical journal written every few minutes: no chatter line, no follower.
        runs = super(
            MhrsSyncRun,
            self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True, mail_notrack=True),
        ).create(vals_list)
        # A run in progress holds its lock until it ends; a dead worker's run is found by its free lock.
        lock_runs(self.env.cr, runs.filtered(lambda r: r.state == "running").ids)
        return runs

    def write(self, vals):
        result = super().write(vals)
        if vals.get("state", "running") != "running":
            # Released once the outcome is committed: until then another worker must not take the run
            # for a dead worker's (its committed state is still 'running').
            release_after_commit(self.env.cr, self.ids)
        return result

    @api.model
    def _mhrs_close_orphans(self, companies=None):
        """Close as failed the runs left 'running' by a worker that died (killed, out of memory, server
        stopped): nobody holds their lock. They then show among the failed runs; their window is covered
        again by the next run. Returns the runs closed."""
        self.flush_model(["state"])
        orphans = self.sudo().browse(orphan_runs(self.env.cr, companies.ids if companies else None))
        if not orphans:
            return orphans
        try:
            with self.env.cr.savepoint():
                orphans.write(
                    {
                        "state": "failed",
                        "ended_at": fields.Datetime.now(),
                        "error_count": 1,
                        "error_text": self.env._(
                            "The worker running this sync stopped before it ended (server stopped or "
                            "killed): closed as failed. The next run covers its window again."
                        ),
                    }
                )
        except psycopg2.errors.SerializationFailure:
            # Its worker committed an outcome meanwhile: it was not dead.
            return self.browse()
        return orphans

    def action_open_appointments(self):
        """The appointments of this run's window and physicians."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("mhrs_connector.action_mhrs_appointment")
        domain = [("company_id", "=", self.company_id.id)]
        if self.window_start:
            domain.append(("date_start", ">=", self.window_start))
        if self.window_end:
            domain.append(("date_start", "<", self.window_end))
        if self.physician_ids:
            domain.append(("physician_id", "in", self.physician_ids.ids))
        action.update(domain=domain, view_mode="list,calendar,form", context={"create": False})
        action["views"] = [(False, "list"), (False, "calendar"), (False, "form")]
        return action

    def _mhrs_notify_failure(self):
        """One open activity per company for failed scheduled runs."""
        Activity = self.env["mail.activity"].sudo()
        summary = self.env._("MHRS appointment sync failed")
        for run in self.sudo().filtered(lambda r: r.state == "failed" and r.kind != "manual"):
            open_runs = self.browse(
                Activity.search([("res_model", "=", run._name), ("summary", "=", summary)]).mapped("res_id")
            )
            open_activity = (
                open_runs.sudo().exists().filtered(lambda r, run=run: r.company_id == run.company_id)
            )
            manager = run.company_id._mhrs_manager()
            if open_activity or not manager:
                continue
            run.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=run.error_text or self.env._("No physician could be queried."),
                user_id=manager.id,
            )

    def _mhrs_status_notify_managers(self, summary):
        """A to-do on this run for every MHRS manager of its company (the run lists the appointments)."""
        self.ensure_one()
        managers = self.company_id._mhrs_managers()
        note = self.env._(
            "MHRS does not hold the attended / not attended status of these appointments. Send them "
            "from the appointments (Send Status Now) while their day lasts, or check them with MHRS."
        )
        for user in managers:
            self.sudo().activity_schedule(
                "mail.mail_activity_data_todo", summary=summary, note=note, user_id=user.id
            )
