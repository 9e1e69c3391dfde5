from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engines.schedule_checks import ScheduleChecks
from ..engines.schedule_workflow import ScheduleWorkflow
from ..tools.dates import WEEKDAY_FIELDS, company_tz, local_today, weekdays_of
from ..tools.outcome import item_done, mhrs_entry_point


class MhrsSchedulePlanWizard(models.TransientModel):
    """Plan a period (typically a month) for many physicians from one template in one step.

    Every physician gets a schedule with the same blocks; physicians whose blocks would conflict with a
    schedule defined here, or that fail the EK 2 criteria, are skipped with the reason. The conflict
    check of all physicians is one query.
    """

    _name = "mhrs.schedule.plan.wizard"
    _description = "MHRS Schedule Planning"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        help="The hospital whose schedules are planned.",
    )
    template_id = fields.Many2one(
        "mhrs.template",
        required=True,
        check_company=True,
        help="The day pattern every planned schedule copies.",
    )
    physician_ids = fields.Many2many(
        "mhrs.physician",
        string="Physicians",
        check_company=True,
        help="Physicians to plan. Each gets one schedule.",
    )
    clinic_id = fields.Many2one(
        "mhrs.clinic",
        check_company=True,
        help="Clinic of every planned schedule. Empty: each physician's own clinic (if they have exactly "
        "one).",
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: local_today(self.env.company) + timedelta(days=1),
        help="First day of the planned period.",
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: local_today(self.env.company) + timedelta(days=30),
        help="Last day of the planned period (included).",
    )
    monday = fields.Boolean(default=True, help="Plan Mondays.")
    tuesday = fields.Boolean(default=True, help="Plan Tuesdays.")
    wednesday = fields.Boolean(default=True, help="Plan Wednesdays.")
    thursday = fields.Boolean(default=True, help="Plan Thursdays.")
    friday = fields.Boolean(default=True, help="Plan Fridays.")
    saturday = fields.Boolean(help="Plan Saturdays.")
    sunday = fields.Boolean(help="Plan Sundays.")
    register_now = fields.Boolean(
        string="Register on MHRS Now",
        help="Send every planned schedule to MHRS right away. Otherwise they stay in draft.",
    )
    state = fields.Selection(
        [("draft", "Plan"), ("done", "Result")], default="draft", required=True, string="Step"
    )
    result_ids = fields.One2many(
        "mhrs.schedule.plan.wizard.line",
        "wizard_id",
        help="What happened to each physician: planned, registered, skipped or refused, with the reason.",
    )
    created_count = fields.Integer(string="Planned", compute="_compute_counts", help="Schedules created.")
    skipped_count = fields.Integer(
        string="Skipped", compute="_compute_counts", help="Physicians skipped (conflict, criteria...)."
    )

    draft_count = fields.Integer(
        string="Drafts at MHRS",
        compute="_compute_counts",
        help="Planned schedules MHRS holds as drafts: press Finalise on MHRS to make them bookable.",
    )

    @api.depends("result_ids.result", "result_ids.schedule_id.state")
    def _compute_counts(self):
        for wizard in self:
            wizard.draft_count = len(
                wizard.result_ids.schedule_id.filtered(lambda schedule: schedule._mhrs_draft_lines())
            )
            wizard.created_count = len(wizard.result_ids.filtered("schedule_id"))
            wizard.skipped_count = len(wizard.result_ids.filtered(lambda line: line.result == "skipped"))

    def _weekdays(self):
        return weekdays_of(self)

    def _open(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Plan Schedules"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    @mhrs_entry_point
    def action_plan(self):
        """Create the schedules of the plan, and register them on MHRS at once when asked."""
        self.ensure_one()
        if self.state != "draft":
            raise UserError(self.env._("This plan was already made."))
        if not self.physician_ids:
            raise UserError(self.env._("Choose the physicians to plan."))
        if self.date_to < self.date_from:
            raise UserError(self.env._("The period must end on or after its first day."))
        weekdays = self._weekdays()
        if not weekdays:
            raise UserError(self.env._("Choose at least one working day of the week."))
        schedules = self.env["mhrs.schedule"]
        tz = company_tz(self.company_id)
        blocks = schedules._mhrs_blocks_from_template(
            self.template_id, self.date_from, self.date_to, weekdays, tz
        )
        if not blocks:
            raise UserError(self.env._("The period has no working day: nothing to plan."))
        planned, results = self._plan_physicians(blocks)
        created = self._create_schedules(planned, blocks, results)
        for schedule in created:
            schedule._mhrs_log_note(
                self.env._("Planned with the template %(name)s.", name=self.template_id.name)
            )
            if self.register_now:
                result, reason = self._register_schedule(schedule)
            else:
                result, reason = "created", False
            results.append((schedule.physician_id, schedule.clinic_id, result, reason, schedule))
        self._write_results(results)
        return self._open()

    def _plan_physicians(self, blocks):
        """(physician, clinic) pairs to plan, and the result rows of those skipped before the conflict
        check (no clinic, EK 2 criteria)."""
        schedules = self.env["mhrs.schedule"]
        results = []
        planned = []
        for physician in self.physician_ids:
            clinic = self.clinic_id or (physician.clinic_ids if len(physician.clinic_ids) == 1 else False)
            if not clinic:
                results.append(
                    (
                        physician,
                        False,
                        "skipped",
                        self.env._("Choose a clinic: the physician has none or several."),
                    )
                )
                continue
            problems = ScheduleChecks(schedules).ek2_problems(
                self.company_id, clinic, self._block_values(blocks)
            )
            if problems:
                results.append((physician, clinic, "skipped", "\n".join(dict.fromkeys(problems))))
                continue
            planned.append((physician, clinic))
        return planned, results

    def _create_schedules(self, planned, blocks, results):
        """Skip the physicians whose blocks conflict (one query for all), create the others' schedules."""
        schedules = self.env["mhrs.schedule"]
        # One query for every block of every physician still planned.
        candidates = [
            (f"{physician.id}:{index}", physician.tckn, block["date_start"], block["date_end"])
            for physician, _clinic in planned
            for index, block in enumerate(blocks)
        ]
        conflicts = defaultdict(list)
        for row in ScheduleChecks(schedules).find_conflicts(candidates):
            conflicts[int(row[0].split(":")[0])].append(row)
        vals_list = []
        for physician, clinic in planned:
            if physician.id in conflicts:
                message = ScheduleChecks(schedules).conflict_message(conflicts[physician.id], self.company_id)
                results.append((physician, clinic, "skipped", message))
                continue
            vals = {
                "company_id": self.company_id.id,
                "physician_id": physician.id,
                "clinic_id": clinic.id,
                "template_id": self.template_id.id,
                "date_from": self.date_from,
                "date_to": self.date_to,
                "line_ids": [fields.Command.create(dict(block)) for block in blocks],
            }
            vals.update({name: self[name] for name in WEEKDAY_FIELDS})
            vals_list.append(vals)
        return schedules.create(vals_list)

    def _write_results(self, results):
        commands = []
        for row in results:
            physician, clinic, result, reason = row[:4]
            schedule = row[4] if len(row) > 4 else False
            commands.append(
                fields.Command.create(
                    {
                        "physician_id": physician.id,
                        "clinic_id": clinic.id if clinic else False,
                        "schedule_id": schedule.id if schedule else False,
                        "result": result,
                        "reason": reason,
                    }
                )
            )
        self.write({"result_ids": commands, "state": "done"})

    @api.model
    def _block_values(self, blocks):
        actions = self.env["mhrs.action.code"].browse({block["action_code_id"] for block in blocks})
        return [
            dict(
                block,
                action=actions.browse(block["action_code_id"]),
            )
            for block in blocks
        ]

    def _register_schedule(self, schedule):
        """Register one planned schedule; a refusal rolls back its call only, not the plan."""
        try:
            # Plan is the entry point (its outcome scope): what MHRS did for this schedule (a branch
            # registered) is recorded with the refusal of its next step instead of rolled back.
            with self.env.cr.savepoint():
                sent, result = ScheduleWorkflow(schedule).register()
        except UserError as exc:
            return "failed", exc.args[0]
        finally:
            item_done(self.env)
        if result is None:
            return "created", self.env._("MHRS did not answer; the registration will be retried.")
        failed = sent.filtered(lambda line: line.state == "error")
        kind = "mhrs_draft" if schedule.state == "mhrs_draft" else "registered"
        if schedule.mhrs_sync_state == "error" or failed:
            # Nothing of the schedule at MHRS (its link refused, or every block): the row says refused.
            nothing_sent = schedule.state == "draft" or len(failed) == len(sent)
            return ("failed" if nothing_sent else kind), schedule.mhrs_last_error
        return kind, False

    @mhrs_entry_point
    def action_finalise(self):
        """Finalise the drafts at MHRS of every schedule of this plan in one step (one finalisation
        per physician and period); each physician's row shows the outcome."""
        self.ensure_one()
        outcome = ScheduleWorkflow.finalise_many(self.result_ids.schedule_id)
        for row in self.result_ids:
            if row.schedule_id in outcome:
                result, reason = outcome[row.schedule_id]
                row.write({"result": result if result != "created" else "mhrs_draft", "reason": reason})
        return self._open()

    def action_open_schedules(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Planned Schedules"),
            "res_model": "mhrs.schedule",
            "view_mode": "list,calendar,form",
            "domain": [("id", "in", self.result_ids.schedule_id.ids)],
        }

    def action_print_schedules(self):
        """Print the work schedules just planned (one page each)."""
        self.ensure_one()
        schedules = self.result_ids.schedule_id
        if not schedules:
            raise UserError(self.env._("No schedule was planned."))
        report = self.env.ref("mhrs_connector.action_report_mhrs_schedule")
        return report.report_action(schedules, config=False)
