from odoo import api, fields, models

RUN_KINDS = [
    ("periodic", "Periodic"),
    ("end_of_day", "End of Day"),
    ("manual", "Manual"),
    ("exception", "Exception Follow-up"),
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
    found from them and covered again by the next run.
    """

    _name = "mhrs.sync.run"
    _description = "MHRS Sync Run"
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
    error_count = fields.Integer(string="Errors", help="Physician batches that failed.")
    batch_count = fields.Integer(string="Batches", help="Physician batches queried.")
    error_text = fields.Text(string="Errors Detail", help="What went wrong, per failed batch.")

    @api.depends("kind", "started_at")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for run in self:
            when = fields.Datetime.context_timestamp(run, run.started_at) if run.started_at else None
            stamp = when.strftime("%d.%m.%Y %H:%M") if when else ""
            run.display_name = f"{kinds.get(run.kind, '')} {stamp}".strip()

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
