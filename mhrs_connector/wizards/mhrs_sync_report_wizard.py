from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_date

from ..tools.dates import local_today
from ..tools.run_kinds import SIDE_KINDS

FAILED_CALL_STATES = ("transport_error", "malformed")


class MhrsSyncReportWizard(models.TransientModel):
    """MHRS Sync Report of a period, for the hospital's management: the sync runs and how complete
    they were, the MHRS calls with their failures and refusals, and the attendance statuses sent."""

    _name = "mhrs.sync.report.wizard"
    _description = "MHRS Sync Report"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        help="The hospital reported on.",
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: local_today(self.env.company).replace(day=1),
        help="First day of the period (hospital's local days).",
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: local_today(self.env.company),
        help="Last day of the period.",
    )

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_to < wizard.date_from:
                raise ValidationError(self.env._("The period ends before it starts."))

    def _bounds(self):
        Appointment = self.env["mhrs.appointment"]
        start = Appointment._mhrs_local_day_bounds(self.company_id, self.date_from)[0]
        end = Appointment._mhrs_local_day_bounds(self.company_id, self.date_to)[1]
        return start, end

    def _report_data(self):
        """Everything the printed report shows, counted in a few grouped queries."""
        self.ensure_one()
        start, end = self._bounds()
        company = self.company_id
        Run = self.env["mhrs.sync.run"]
        Log = self.env["mhrs.sync.log"]
        run_domain = [("company_id", "=", company.id), ("started_at", ">=", start), ("started_at", "<", end)]
        kinds = dict(Run._fields["kind"]._description_selection(self.env))
        run_rows = []
        for kind, state, count in Run._read_group(run_domain, ["kind", "state"], ["__count"], order="kind"):
            run_rows.append({"kind": kinds.get(kind, kind), "state": state, "count": count})
        sync_runs = Run.search([*run_domain, ("kind", "not in", (*SIDE_KINDS, "status"))])
        done = len(sync_runs.filtered(lambda run: run.state == "done"))
        days = (self.date_to - self.date_from).days + 1
        # The end-of-day run queries a whole local day: a day with a done one is complete.
        complete_days = {
            run.covered_date
            for run in sync_runs
            if run.state == "done" and run.kind == "end_of_day" and run.covered_date
        }
        log_domain = [
            ("company_id", "=", company.id),
            ("create_date", ">=", start),
            ("create_date", "<", end),
        ]
        operations = dict(Log._fields["operation"]._description_selection(self.env))
        calls = {}
        for operation, state, count in Log._read_group(log_domain, ["operation", "state"], ["__count"]):
            row = calls.setdefault(
                operation,
                {"operation": operations.get(operation, operation), "total": 0, "failed": 0, "refused": 0},
            )
            row["total"] += count
            if state in FAILED_CALL_STATES:
                row["failed"] += count
            elif state == "business_error":
                row["refused"] += count
        refusals = [
            {"code": code or "-", "count": count}
            for code, count in Log._read_group(
                [*log_domain, ("state", "=", "business_error")],
                ["error_code"],
                ["__count"],
                order="__count desc",
            )
        ]
        return {
            "period": f"{format_date(self.env, self.date_from)} – {format_date(self.env, self.date_to)}",
            "runs": run_rows,
            "run_total": sum(row["count"] for row in run_rows),
            "sync_run_count": len(sync_runs),
            "sync_done": done,
            "sync_partial": len(sync_runs.filtered(lambda run: run.state == "partial")),
            "sync_failed": len(sync_runs.filtered(lambda run: run.state == "failed")),
            "completeness": round(100.0 * done / len(sync_runs), 1) if sync_runs else 0.0,
            "complete_days": len(complete_days),
            "days": days,
            "fetched": sum(sync_runs.mapped("fetched_count")),
            "created": sum(sync_runs.mapped("created_count")),
            "cancelled": sum(sync_runs.mapped("cancelled_count")),
            "calls": sorted(calls.values(), key=lambda row: row["operation"]),
            "call_total": sum(row["total"] for row in calls.values()),
            "call_failed": sum(row["failed"] for row in calls.values()),
            "call_refused": sum(row["refused"] for row in calls.values()),
            "refusals": refusals,
            "statuses": self._status_data(start, end),
        }

    def _status_data(self, start, end):
        """Attendance statuses MHRS accepted in the period, and the ones it did not take."""
        Appointment = self.env["mhrs.appointment"]
        base = [("company_id", "=", self.company_id.id)]
        sent = dict(
            Appointment._read_group(
                [*base, ("mhrs_status_sent_at", ">=", start), ("mhrs_status_sent_at", "<", end)],
                ["mhrs_status_code"],
                ["__count"],
            )
        )
        failed = Appointment.search_count(
            [*base, ("mhrs_status", "=", "failed"), ("date_start", ">=", start), ("date_start", "<", end)]
        )
        return {"attended": sent.get("1", 0), "not_attended": sent.get("2", 0), "failed": failed}

    def action_print(self):
        """Print the MHRS sync report of the period (PDF)."""
        self.ensure_one()
        return self.env.ref("mhrs_connector.action_report_mhrs_sync").report_action(self, config=False)
