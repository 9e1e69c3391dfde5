from odoo import api, fields, models

from ..tools.actions import open_list
from ..tools.run_kinds import SIDE_KINDS, SYNC_KINDS


class MhrsDashboard(models.TransientModel):
    """MHRS Status: a company's sync health at a glance, with its physicians as cards."""

    _name = "mhrs.dashboard"
    _description = "MHRS Status"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        help="The hospital whose MHRS status is shown.",
    )
    last_complete_sync = fields.Datetime(
        compute="_compute_status",
        help="Start of the last appointment sync run that queried every physician without error.",
    )
    last_run_id = fields.Many2one(
        "mhrs.sync.run", string="Last Sync Run", compute="_compute_status", help="The latest sync run."
    )
    last_run_state = fields.Selection(
        related="last_run_id.state", string="Last Run Result", help="Result of the latest sync run."
    )
    failed_run_count = fields.Integer(
        string="Failed Runs Today",
        compute="_compute_status",
        help="Appointment sync runs of today that failed or were partial.",
    )
    failed_call_count = fields.Integer(
        string="Failed Calls Today",
        compute="_compute_status",
        help="MHRS calls of today that MHRS refused, did not answer or answered with a malformed message.",
    )
    retry_count = fields.Integer(
        string="Pending Retries",
        compute="_compute_status",
        help="Records whose MHRS operation could not be delivered and will be resent automatically.",
    )
    refused_count = fields.Integer(
        string="Refused by MHRS",
        compute="_compute_status",
        help="Records that MHRS refused: correct them and send them again.",
    )
    today_booked = fields.Integer(string="Booked", compute="_compute_status", help="Today, still booked.")
    today_attended = fields.Integer(string="Attended", compute="_compute_status", help="Today, checked in.")
    today_no_show = fields.Integer(string="Not Attended", compute="_compute_status", help="Today, no-shows.")
    today_cancelled = fields.Integer(string="Cancelled", compute="_compute_status", help="Today, cancelled.")
    exception_pending_count = fields.Integer(
        string="Exceptions Waiting",
        compute="_compute_status",
        help="Appointment exceptions waiting for the Ministry's approval.",
    )
    status_to_send_count = fields.Integer(
        string="Statuses to Send",
        compute="_compute_status",
        help="Attended / not attended statuses not yet sent to MHRS.",
    )
    next_step = fields.Text(
        string="What to Do Next",
        compute="_compute_next_step",
        help="What waits for a person now, most urgent first (empty when nothing does).",
    )
    physician_ids = fields.Many2many(
        "mhrs.physician",
        string="Physicians",
        compute="_compute_status",
        help="The physicians whose appointments are synchronised with MHRS.",
    )

    @api.depends("company_id")
    def _compute_status(self):
        Appointment = self.env["mhrs.appointment"]
        Run = self.env["mhrs.sync.run"]
        for dashboard in self:
            company = dashboard.company_id or self.env.company
            start, end = Appointment._mhrs_today_bounds(company)
            runs = [("company_id", "=", company.id), ("kind", "not in", SIDE_KINDS)]
            syncs = [("company_id", "=", company.id), ("kind", "in", SYNC_KINDS)]
            last_done = Run.search([*syncs, ("state", "=", "done")], limit=1)
            dashboard.last_complete_sync = last_done.started_at
            dashboard.last_run_id = Run.search(syncs, limit=1)
            dashboard.failed_run_count = Run.search_count(
                [*runs, ("state", "in", ("failed", "partial")), ("started_at", ">=", start)]
            )
            dashboard.failed_call_count = self.env["mhrs.sync.log"].search_count(
                self._failed_call_domain(company)
            )
            retry = refused = 0
            for model_name in self.env["res.company"]._mhrs_retry_models():
                Model = self.env[model_name]
                domain = [("company_id", "=", company.id)] if "company_id" in Model._fields else []
                rows = dict(
                    Model._read_group(
                        [*domain, ("mhrs_sync_state", "in", ("to_retry", "error"))],
                        ["mhrs_sync_state"],
                        ["__count"],
                    )
                )
                retry += rows.get("to_retry", 0)
                refused += rows.get("error", 0)
            dashboard.retry_count = retry
            dashboard.refused_count = refused
            states = dict(
                Appointment._read_group(
                    [("company_id", "=", company.id), ("date_start", ">=", start), ("date_start", "<", end)],
                    ["state"],
                    ["__count"],
                )
            )
            dashboard.today_booked = states.get("booked", 0)
            dashboard.today_attended = states.get("attended", 0)
            dashboard.today_no_show = states.get("no_show", 0)
            dashboard.today_cancelled = states.get("cancelled", 0)
            dashboard.exception_pending_count = self.env["mhrs.exception"].search_count(
                [("company_id", "=", company.id), ("state", "=", "sent")]
            )
            dashboard.status_to_send_count = Appointment.search_count(
                [("company_id", "=", company.id), ("mhrs_status", "=", "to_send")]
            )
            dashboard.physician_ids = self.env["mhrs.physician"].search(
                [("company_id", "=", company.id), ("mhrs_sync", "=", True)]
            )

    @api.depends("company_id")
    def _compute_next_step(self):
        for dashboard in self:
            dashboard.next_step = "\n".join(dashboard._next_steps())

    def _next_steps(self):
        """One short line per kind of work waiting for a person (retries and the Ministry's approvals
        wait for others, so they are not listed)."""
        company = self.company_id or self.env.company
        steps = []
        if self.refused_count:
            steps.append(
                self.env._(
                    "%(count)s record(s) refused by MHRS: open Refused, correct them and send them again.",
                    count=self.refused_count,
                )
            )
        if self.failed_run_count:
            steps.append(
                self.env._(
                    "The appointment sync failed today: open Failed Runs and check the MHRS connection."
                )
            )
        start = self.env["mhrs.appointment"]._mhrs_today_bounds(company)[0]
        overdue = self.env["mhrs.appointment"].search_count(
            [
                ("company_id", "=", company.id),
                ("state", "=", "booked"),
                ("date_start", ">=", start),
                ("date_end", "<", fields.Datetime.now()),
            ]
        )
        if overdue:
            steps.append(
                self.env._(
                    "%(count)s of today's patients whose time has passed are still booked: check them in "
                    "or mark them not attended.",
                    count=overdue,
                )
            )
        return steps

    def _compute_display_name(self):
        for dashboard in self:
            dashboard.display_name = self.env._("MHRS Status")

    @api.model
    def _failed_call_domain(self, company):
        start = self.env["mhrs.appointment"]._mhrs_today_bounds(company)[0]
        return [("company_id", "=", company.id), ("state", "!=", "done"), ("create_date", ">=", start)]

    @api.model
    def _mhrs_list_action(self, Model, domain, name, views=("list", "form")):
        return open_list(self.env, Model._name, domain, name, views)

    # ------------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------------
    @api.model
    def action_open(self):
        """Menu entry: a saved summary of the current company (so its physicians are real records)."""
        dashboard = self.create({"company_id": self.env.company.id})
        return dashboard.action_refresh()

    def action_refresh(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("mhrs_connector.action_mhrs_dashboard")
        action["res_id"] = self.id
        return action

    def action_open_failed_runs(self):
        self.ensure_one()
        return self._mhrs_list_action(
            self.env["mhrs.sync.run"],
            [
                ("company_id", "=", self.company_id.id),
                ("state", "in", ("failed", "partial")),
                ("started_at", ">=", self.env["mhrs.appointment"]._mhrs_today_bounds(self.company_id)[0]),
            ],
            self.env._("Failed Sync Runs Today"),
        )

    def action_open_failed_calls(self):
        self.ensure_one()
        return self._mhrs_list_action(
            self.env["mhrs.sync.log"],
            self._failed_call_domain(self.company_id),
            self.env._("Failed MHRS Calls Today"),
        )

    def _open_records(self, state, name):
        company = self.company_id
        for model_name in self.env["res.company"]._mhrs_retry_models():
            Model = self.env[model_name]
            domain = [("mhrs_sync_state", "=", state)]
            if "company_id" in Model._fields:
                domain.append(("company_id", "=", company.id))
            if Model.search_count(domain, limit=1):
                return self._mhrs_list_action(Model, domain, f"{name}: {Model._description}")
        return False

    def action_open_retries(self):
        self.ensure_one()
        return self._open_records("to_retry", self.env._("Pending Retries"))

    def action_open_refused(self):
        self.ensure_one()
        return self._open_records("error", self.env._("Refused by MHRS"))

    def _open_today(self, state, name):
        start, end = self.env["mhrs.appointment"]._mhrs_today_bounds(self.company_id)
        domain = [
            ("company_id", "=", self.company_id.id),
            ("date_start", ">=", start),
            ("date_start", "<", end),
        ]
        if state:
            domain.append(("state", "=", state))
        return self._mhrs_list_action(
            self.env["mhrs.appointment"], domain, name, views=("list", "calendar", "form")
        )

    def action_open_today_booked(self):
        self.ensure_one()
        return self._open_today("booked", self.env._("Today's Booked Appointments"))

    def action_open_today_attended(self):
        self.ensure_one()
        return self._open_today("attended", self.env._("Today's Attended Appointments"))

    def action_open_today_no_show(self):
        self.ensure_one()
        return self._open_today("no_show", self.env._("Today's No-shows"))

    def action_open_today_cancelled(self):
        self.ensure_one()
        return self._open_today("cancelled", self.env._("Today's Cancelled Appointments"))

    def action_open_exceptions(self):
        self.ensure_one()
        return self._mhrs_list_action(
            self.env["mhrs.exception"],
            [("company_id", "=", self.company_id.id), ("state", "=", "sent")],
            self.env._("Exceptions Waiting for Approval"),
        )

    def action_open_status_to_send(self):
        self.ensure_one()
        return self._mhrs_list_action(
            self.env["mhrs.appointment"],
            [("company_id", "=", self.company_id.id), ("mhrs_status", "=", "to_send")],
            self.env._("Statuses to Send"),
        )

    def action_open_physicians(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("mhrs_connector.action_mhrs_physician_status")
        action["domain"] = [("company_id", "=", self.company_id.id)]
        return action
