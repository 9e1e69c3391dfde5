from datetime import timedelta

from odoo import api, fields, models

HEALTH = [("ok", "In Sync"), ("warning", "Needs Attention"), ("danger", "Not Synced")]
HEALTH_COLORS = {"ok": 10, "warning": 2, "danger": 1}
# A physician whose last complete sync is older than this many shortest durations is flagged.
STALE_FACTOR = 3


def status_field(env):
    """The appointment field that says an attended / not attended status is still to be sent to MHRS,
    when the status update feature is installed (it may not be): (field name, value) or None."""
    fields_ = env["mhrs.appointment"]._fields
    for name, value in (("mhrs_status", "to_send"), ("mhrs_status_state", "to_send")):
        field = fields_.get(name)
        if field and field.type == "selection":
            values = [key for key, _label in field._description_selection(env)]
            if value in values:
                return name, value
    if "mhrs_status_to_send" in fields_:
        return "mhrs_status_to_send", True
    return None


class MhrsPhysician(models.Model):
    """Sync health of one physician, for the MHRS Status dashboard (computed, never stored)."""

    _inherit = "mhrs.physician"

    mhrs_today_booked = fields.Integer(
        string="Booked Today", compute="_compute_mhrs_status", help="Today's appointments still booked."
    )
    mhrs_today_attended = fields.Integer(
        string="Attended Today", compute="_compute_mhrs_status", help="Today's checked-in appointments."
    )
    mhrs_today_no_show = fields.Integer(
        string="Not Attended Today", compute="_compute_mhrs_status", help="Today's no-shows."
    )
    mhrs_today_cancelled = fields.Integer(
        string="Cancelled Today", compute="_compute_mhrs_status", help="Today's cancelled appointments."
    )
    mhrs_pending_retry = fields.Integer(
        string="Pending Retries",
        compute="_compute_mhrs_status",
        help="Schedules, appointments and exceptions of this physician waiting to be resent to MHRS.",
    )
    mhrs_refused = fields.Integer(
        string="Refused by MHRS",
        compute="_compute_mhrs_status",
        help="Schedules, appointments and exceptions of this physician that MHRS refused.",
    )
    mhrs_exception_pending = fields.Integer(
        string="Exceptions Waiting",
        compute="_compute_mhrs_status",
        help="Appointment exceptions sent to MHRS and waiting for the Ministry's approval.",
    )
    mhrs_status_to_send = fields.Integer(
        string="Statuses to Send",
        compute="_compute_mhrs_status",
        help="Attended / not attended statuses not yet sent to MHRS.",
    )
    mhrs_health = fields.Selection(
        HEALTH,
        string="Sync Health",
        compute="_compute_mhrs_status",
        help="In Sync: recently synced, nothing waiting. Needs Attention: something is waiting to be "
        "resent or was refused. Not Synced: no complete appointment sync recently.",
    )
    mhrs_health_color = fields.Integer(compute="_compute_mhrs_status", help="Kanban colour of the health.")

    def _compute_mhrs_status(self):
        Appointment = self.env["mhrs.appointment"]
        today = {}
        for company in self.company_id:
            start, end = Appointment._mhrs_local_day_bounds(
                company, Appointment._mhrs_local_now(company, fields.Datetime.now()).date()
            )
            today[company.id] = (start, end)
        by_state = {}
        for company_id, (start, end) in today.items():
            rows = Appointment._read_group(
                [
                    ("company_id", "=", company_id),
                    ("physician_id", "in", self.ids),
                    ("date_start", ">=", start),
                    ("date_start", "<", end),
                ],
                ["physician_id", "state"],
                ["__count"],
            )
            for physician, state, count in rows:
                by_state[physician.id, state] = count
        retry, refused = self._mhrs_record_counts()
        pending_exceptions = {
            physician.id: count
            for physician, count in self.env["mhrs.exception"]._read_group(
                [("physician_id", "in", self.ids), ("state", "=", "sent")], ["physician_id"], ["__count"]
            )
        }
        to_send = {}
        field = status_field(self.env)
        if field:
            to_send = {
                physician.id: count
                for physician, count in Appointment._read_group(
                    [("physician_id", "in", self.ids), (field[0], "=", field[1])],
                    ["physician_id"],
                    ["__count"],
                )
            }
        now = fields.Datetime.now()
        for physician in self:
            pid = physician._origin.id
            physician.mhrs_today_booked = by_state.get((pid, "booked"), 0)
            physician.mhrs_today_attended = by_state.get((pid, "attended"), 0)
            physician.mhrs_today_no_show = by_state.get((pid, "no_show"), 0)
            physician.mhrs_today_cancelled = by_state.get((pid, "cancelled"), 0)
            physician.mhrs_pending_retry = retry.get(pid, 0)
            physician.mhrs_refused = refused.get(pid, 0)
            physician.mhrs_exception_pending = pending_exceptions.get(pid, 0)
            physician.mhrs_status_to_send = to_send.get(pid, 0)
            last = physician._origin.mhrs_last_complete_sync if pid else False
            minutes = (physician.company_id.mhrs_shortest_duration or 10) * STALE_FACTOR
            if physician.mhrs_sync and (not last or last < now - timedelta(minutes=max(minutes, 30))):
                health = "danger"
            elif physician.mhrs_pending_retry or physician.mhrs_refused:
                health = "warning"
            else:
                health = "ok"
            physician.mhrs_health = health
            physician.mhrs_health_color = HEALTH_COLORS[health]

    def _mhrs_record_counts(self):
        """({physician id: records to retry}, {physician id: records refused}) over every synced model
        that has a physician."""
        retry, refused = {}, {}
        for model_name in self.env["res.company"]._mhrs_retry_models():
            Model = self.env[model_name]
            if "physician_id" not in Model._fields:
                continue
            rows = Model._read_group(
                [("physician_id", "in", self.ids), ("mhrs_sync_state", "in", ("to_retry", "error"))],
                ["physician_id", "mhrs_sync_state"],
                ["__count"],
            )
            for physician, state, count in rows:
                target = retry if state == "to_retry" else refused
                target[physician.id] = target.get(physician.id, 0) + count
        return retry, refused

    # ------------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------------
    def action_mhrs_status_retries(self):
        """What is waiting for MHRS (or was refused) for this physician."""
        self.ensure_one()
        for model_name in self.env["res.company"]._mhrs_retry_models():
            Model = self.env[model_name]
            domain = [("physician_id", "=", self.id), ("mhrs_sync_state", "in", ("to_retry", "error"))]
            if "physician_id" in Model._fields and Model.search_count(domain, limit=1):
                return self.env["mhrs.dashboard"]._mhrs_list_action(
                    Model, domain, self.env._("%(physician)s: waiting for MHRS", physician=self.name)
                )
        return False


class MhrsDashboard(models.TransientModel):
    """MHRS Status: a company's sync health at a glance, with its physicians as cards."""

    _name = "mhrs.dashboard"
    _description = "MHRS Status"

    company_id = fields.Many2one(
        "res.company",
        string="Company",
        required=True,
        default=lambda self: self.env.company,
        help="The hospital whose MHRS status is shown.",
    )
    last_complete_sync = fields.Datetime(
        string="Last Complete Sync",
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
    has_status_updates = fields.Boolean(
        compute="_compute_status", help="The status update feature is installed."
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
            start, end = self._today_bounds(company)
            runs = [("company_id", "=", company.id), ("kind", "!=", "exception")]
            last_done = Run.search([*runs, ("state", "=", "done")], limit=1)
            dashboard.last_complete_sync = last_done.started_at
            dashboard.last_run_id = Run.search(runs, limit=1)
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
            field = status_field(self.env)
            dashboard.has_status_updates = bool(field)
            dashboard.status_to_send_count = (
                Appointment.search_count([("company_id", "=", company.id), (field[0], "=", field[1])])
                if field
                else 0
            )
            dashboard.physician_ids = self.env["mhrs.physician"].search(
                [("company_id", "=", company.id), ("mhrs_sync", "=", True)]
            )

    def _compute_display_name(self):
        for dashboard in self:
            dashboard.display_name = self.env._("MHRS Status")

    @api.model
    def _today_bounds(self, company):
        Appointment = self.env["mhrs.appointment"]
        return Appointment._mhrs_local_day_bounds(
            company, Appointment._mhrs_local_now(company, fields.Datetime.now()).date()
        )

    @api.model
    def _failed_call_domain(self, company):
        start = self._today_bounds(company)[0]
        return [("company_id", "=", company.id), ("state", "!=", "done"), ("create_date", ">=", start)]

    @api.model
    def _mhrs_list_action(self, Model, domain, name, views=("list", "form")):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": Model._name,
            "domain": domain,
            "views": [(False, view) for view in views],
            "context": {"create": False},
        }

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

    def action_open_runs(self):
        self.ensure_one()
        return self._mhrs_list_action(
            self.env["mhrs.sync.run"],
            [("company_id", "=", self.company_id.id)],
            self.env._("Sync Runs"),
        )

    def action_open_failed_runs(self):
        self.ensure_one()
        return self._mhrs_list_action(
            self.env["mhrs.sync.run"],
            [
                ("company_id", "=", self.company_id.id),
                ("state", "in", ("failed", "partial")),
                ("started_at", ">=", self._today_bounds(self.company_id)[0]),
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
        start, end = self._today_bounds(self.company_id)
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
        field = status_field(self.env)
        if not field:
            return False
        return self._mhrs_list_action(
            self.env["mhrs.appointment"],
            [("company_id", "=", self.company_id.id), (field[0], "=", field[1])],
            self.env._("Statuses to Send"),
        )

    def action_open_physicians(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("mhrs_connector.action_mhrs_physician_status")
        action["domain"] = [("company_id", "=", self.company_id.id)]
        return action
