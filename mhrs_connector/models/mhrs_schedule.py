from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engines.company_jobs import CompanyJobRunner
from ..engines.schedule_checks import ScheduleChecks
from ..engines.schedule_workflow import ScheduleWorkflow
from ..tools.actions import open_list
from ..tools.dates import (
    WEEKDAY_FIELDS,
    company_tz,
    float_to_minutes,
    local_today,
    minutes_to_time,
    to_local,
    to_utc,
    to_utc_naive,
    user_date_format,
    user_date_text,
    weekdays_of,
)
from ..tools.outcome import mhrs_entry_point
from ..tools.record_operation import MhrsOperation

# Row 9 at the real MHRS is two steps: blocks are drafts (changeable, not bookable), finalisation makes
# them final (bookable; changed only by delete + add). A user sees where the schedule is.
SCHEDULE_STATES = [
    ("draft", "Draft"),
    ("mhrs_draft", "Draft at MHRS"),
    ("registered", "Final"),
    ("cancelled", "Cancelled"),
]


class MhrsSchedule(models.Model):
    """A physician's work schedule (çalışma cetveli) for a period, generated from a template.

    The whole working time is sent to MHRS as blocks (``mhrs.schedule.line``), one per day and template
    block: bookable blocks carry their slot settings, the others (lunch, leave, surgery...) their action
    code. A schedule that overlaps another schedule of the same physician defined here (any clinic, not
    cancelled) is refused before any MHRS call (EK 1).

    The model keeps the fields, computes, constraints and buttons; the buttons hand the MHRS steps to
    ``engines/schedule_workflow.py`` (``ScheduleWorkflow``) and the checks made before any call to
    ``engines/schedule_checks.py`` (``ScheduleChecks``).
    """

    _name = "mhrs.schedule"
    _description = "MHRS Work Schedule"
    _inherit = ["mail.thread", "mail.activity.mixin", "mhrs.record.mixin", "mhrs.call.log.link"]
    _order = "date_from desc, physician_id, id"
    _check_company_auto = True

    name = fields.Char(
        string="Schedule",
        compute="_compute_name",
        store=True,
        help="Physician, clinic and period of the schedule.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="The hospital (MHRS institution) whose schedule this is.",
    )
    physician_id = fields.Many2one(
        "mhrs.physician",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        ondelete="restrict",
        help="HekimKodu: the physician who works in this schedule.",
    )
    clinic_id = fields.Many2one(
        "mhrs.clinic",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        ondelete="restrict",
        help="AltKlinikKodu: the outpatient clinic (registered on MHRS) where the physician works.",
    )
    template_id = fields.Many2one(
        "mhrs.template",
        tracking=True,
        check_company=True,
        ondelete="restrict",
        help="The day pattern copied into the blocks when you press Generate Blocks. Changing the "
        "template later does not change the blocks of this schedule.",
    )
    date_from = fields.Date(
        string="From",
        required=True,
        tracking=True,
        help="First day of the schedule (in the hospital's time zone).",
    )
    date_to = fields.Date(
        string="To", required=True, tracking=True, help="Last day of the schedule (included)."
    )
    monday = fields.Boolean(default=True, help="The physician works on Mondays.")
    tuesday = fields.Boolean(default=True, help="The physician works on Tuesdays.")
    wednesday = fields.Boolean(default=True, help="The physician works on Wednesdays.")
    thursday = fields.Boolean(default=True, help="The physician works on Thursdays.")
    friday = fields.Boolean(default=True, help="The physician works on Fridays.")
    saturday = fields.Boolean(help="The physician works on Saturdays.")
    sunday = fields.Boolean(help="The physician works on Sundays.")
    line_ids = fields.One2many(
        "mhrs.schedule.line",
        "schedule_id",
        string="Blocks",
        copy=False,
        help="The blocks sent to MHRS: copies of the template's blocks for every working day.",
    )
    line_count = fields.Integer(
        string="Blocks Count", compute="_compute_line_stats", help="Number of blocks."
    )
    registered_line_count = fields.Integer(
        string="Final Blocks", compute="_compute_line_stats", help="Blocks MHRS holds as final (bookable)."
    )
    error_line_count = fields.Integer(
        string="Refused Blocks", compute="_compute_line_stats", help="Blocks MHRS refused."
    )
    draft_line_count = fields.Integer(
        string="Draft Blocks at MHRS",
        compute="_compute_line_stats",
        help="Blocks MHRS holds as drafts: not bookable until they are finalised.",
    )
    changed_line_count = fields.Integer(
        string="Changed Blocks",
        compute="_compute_line_stats",
        help="Registered blocks changed here and not yet sent to MHRS.",
    )
    state = fields.Selection(
        SCHEDULE_STATES,
        string="Status",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
        help="Draft: not yet on MHRS. Draft at MHRS: MHRS holds its blocks as drafts, not bookable yet "
        "(press Finalise). Final: MHRS holds its blocks as final, patients can book them. Cancelled: "
        "withdrawn.",
    )
    conflict_warning = fields.Text(
        string="Conflicts",
        compute="_compute_conflict_warning",
        help="Other schedules of the same physician that overlap this one: it cannot be sent to MHRS.",
    )
    tz = fields.Char(string="Time Zone", compute="_compute_tz", help="The hospital's time zone.")
    appointment_count = fields.Integer(
        string="Appointments",
        compute="_compute_smart_counts",
        help="Appointments booked in the blocks of this schedule.",
    )

    # ------------------------------------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------------------------------------
    @api.depends("physician_id.name", "clinic_id.name", "date_from", "date_to")
    def _compute_name(self):
        for schedule in self:
            schedule.name = schedule._mhrs_name()

    @api.depends("physician_id.name", "clinic_id.name", "date_from", "date_to")
    @api.depends_context("lang")
    def _compute_display_name(self):
        # The stored name is written once; the name shown follows the reader's date format.
        for schedule in self:
            schedule.display_name = schedule._mhrs_name()

    def _mhrs_name(self):
        """Physician / clinic / period, the dates as the user's language writes them (like the fields)."""
        period = ""
        if self.date_from and self.date_to:
            # Spaced en dash: "01-12-2026-30-12-2026" reads as one number where dates are dd-mm-yyyy.
            period = f"{user_date_text(self.env, self.date_from)} – {user_date_text(self.env, self.date_to)}"
        parts = [self.physician_id.name, self.clinic_id.name, period]
        return " / ".join(part for part in parts if part) or self.env._("New Schedule")

    @api.depends("line_ids.state", "line_ids.mhrs_changed")
    def _compute_line_stats(self):
        for schedule in self:
            lines = schedule.line_ids.filtered(lambda line: line.state != "cancelled")
            schedule.line_count = len(lines)
            schedule.registered_line_count = len(lines.filtered(lambda line: line.state == "registered"))
            schedule.error_line_count = len(lines.filtered(lambda line: line.state == "error"))
            schedule.draft_line_count = len(lines.filtered(lambda line: line.state == "mhrs_draft"))
            schedule.changed_line_count = len(lines.filtered("mhrs_changed"))

    @api.depends("company_id")
    def _compute_tz(self):
        for schedule in self:
            schedule.tz = company_tz(schedule.company_id or self.env.company).key

    @api.depends("line_ids.date_start", "line_ids.date_end", "physician_id", "state")
    def _compute_conflict_warning(self):
        for schedule in self:
            message = False
            if schedule.state != "cancelled" and schedule.id and schedule.line_ids:
                checks = ScheduleChecks(schedule)
                message = checks.conflict_message(checks.conflicts()) or False
            schedule.conflict_warning = message

    def _compute_smart_counts(self):
        Appointment = self.env["mhrs.appointment"]
        for schedule in self:
            lines = schedule._origin.line_ids
            schedule.appointment_count = (
                Appointment.search_count([("schedule_line_id", "in", lines.ids)]) if lines else 0
            )

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for schedule in self:
            if schedule.date_to < schedule.date_from:
                raise ValidationError(self.env._("The schedule must end on or after its first day."))

    @api.constrains(*WEEKDAY_FIELDS)
    def _check_weekdays(self):
        for schedule in self:
            if not schedule._weekdays():
                raise ValidationError(self.env._("Choose at least one working day of the week."))

    # ------------------------------------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------------------------------------
    @api.ondelete(at_uninstall=False)
    def _unlink_except_registered(self):
        if self.filtered(lambda schedule: schedule.state in ("registered", "mhrs_draft")):
            raise UserError(
                self.env._("Schedules sent to MHRS cannot be deleted: cancel them on MHRS first.")
            )

    def write(self, vals):
        locked = {"physician_id", "clinic_id", "company_id"} & set(vals)
        if locked and self.filtered(lambda schedule: schedule.state != "draft"):
            raise UserError(
                self.env._(
                    "The physician and the clinic of a schedule sent to MHRS cannot change: cancel it and "
                    "create a new schedule."
                )
            )
        return super().write(vals)

    # ------------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------------
    def action_generate_lines(self):
        """(Re)create the blocks from the template for every working day of the period."""
        for schedule in self:
            schedule._generate_lines()
        return True

    @mhrs_entry_point
    def action_mhrs_register(self):
        """Schedule registration (operation 9): all blocks in one call, ReferansNo = block id."""
        self.ensure_one()
        workflow = ScheduleWorkflow(self)
        sent, result = workflow.register()
        return workflow.register_result(sent, result)

    @mhrs_entry_point
    def action_mhrs_finalise(self):
        """Finalise the blocks MHRS holds as drafts (cetvel/kesinlestir, KurumTaslakCetvelKesinlestirme):
        they become final and bookable. Refused before any call when there is nothing to finalise or
        the blocks conflict with another schedule of the physician."""
        self.ensure_one()
        lines = self._mhrs_draft_lines()
        if not lines:
            raise UserError(
                self.env._("Nothing to finalise: no block of %(name)s is a draft at MHRS.", name=self.name)
            )
        ScheduleChecks(self).check_before_sending(lines)
        result = self._mhrs_run("draft_finalise")
        workflow = ScheduleWorkflow(self)
        if workflow.refused_midway(result):
            return self.env["mhrs.client"]._mhrs_notify(
                self.env._("Drafts sent, not finalised"),
                "\n".join([*workflow.line_warnings(), self.mhrs_last_error]),
                kind="warning",
                sticky=True,
            )
        return self._mhrs_action_result(
            result,
            self.env._("Schedule finalised"),
            self.env._("%(name)s is final on MHRS: patients can book its blocks.", name=self.name),
            workflow.line_warnings(),
        )

    @mhrs_entry_point
    def action_mhrs_update(self):
        """Schedule update (operation 10) for every changed block; blocks left outside a shortened
        period are cancelled, new or refused blocks are registered."""
        self.ensure_one()
        if self.state != "registered":
            raise UserError(self.env._("Only schedules registered on MHRS can be updated there."))
        plan = ScheduleWorkflow(self).update_plan()
        if not any(plan.values()):
            raise UserError(self.env._("Nothing to send: no block of %(name)s changed.", name=self.name))
        checks = ScheduleChecks(self)
        checks.check_booked(plan["cancel"] | plan["update"], self.env._("changed or shortened"))
        checks.check_before_sending(plan["update"] | plan["register"])
        result = self._mhrs_run("schedule_update")
        return self._mhrs_action_result(
            result,
            self.env._("Schedule updated"),
            self.env._("%(name)s is updated on MHRS.", name=self.name),
            ScheduleWorkflow(self).line_warnings(),
        )

    @mhrs_entry_point
    def action_mhrs_cancel(self):
        """Schedule cancellation (operation 12) with the ids of all registered blocks."""
        self.ensure_one()
        if self.state == "cancelled":
            raise UserError(self.env._("This schedule is already cancelled."))
        registered = self.line_ids.filtered(lambda line: line.state == "registered" and line.mhrs_schedule_id)
        ScheduleChecks(self).check_booked(registered, self.env._("cancelled"))
        if not registered and self._mhrs_draft_lines():
            return ScheduleWorkflow(self).cancel_drafts()
        if not registered:
            # Never (successfully) sent to MHRS: nothing to cancel there.
            self.line_ids.write({"state": "cancelled", "mhrs_changed": False})
            self.state = "cancelled"
            self._mhrs_log_note(self.env._("Cancelled before it was registered on MHRS."))
            return self.env["mhrs.client"]._mhrs_notify(
                self.env._("Schedule cancelled"), self.env._("%(name)s is cancelled.", name=self.name)
            )
        result = self._mhrs_run("schedule_cancel")
        return self._mhrs_action_result(
            result,
            self.env._("Schedule cancelled"),
            self.env._("%(name)s is cancelled on MHRS.", name=self.name),
        )

    def action_reset_to_draft(self):
        for schedule in self:
            if schedule.state != "cancelled":
                raise UserError(self.env._("Only cancelled schedules can be reset to draft."))
            schedule.line_ids.unlink()
        self.write({"state": "draft", "mhrs_sync_state": "not_sent", "mhrs_last_error": False})

    def action_mhrs_query(self):
        """Compare Odoo's schedules with MHRS's for a physician, clinic and period (operation 11)."""
        schedule = self[:1]
        today = local_today(schedule.company_id or self.env.company)
        wizard = self.env["mhrs.schedule.query.wizard"].create(
            {
                "company_id": (schedule.company_id or self.env.company).id,
                "physician_id": schedule.physician_id.id,
                "clinic_id": schedule.clinic_id.id,
                "date_from": schedule.date_from or today,
                "date_to": schedule.date_to or today + timedelta(days=30),
            }
        )
        if schedule:
            wizard.action_compare()
        return wizard._open()

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("mhrs_connector.action_mhrs_schedule_line")
        action["domain"] = [("schedule_id", "=", self.id)]
        action["context"] = {"default_schedule_id": self.id, "initial_date": str(self.date_from)}
        return action

    def action_open_appointments(self):
        self.ensure_one()
        return open_list(
            self.env,
            "mhrs.appointment",
            [("schedule_line_id", "in", self.line_ids.ids)],
            self.env._("Appointments: %(name)s", name=self.name),
            views=("list", "calendar", "form"),
        )

    @api.model
    def _mhrs_from_mhrs(self, value):
        """A date-time from MHRS (aware datetime or ISO string) -> naive UTC."""
        return to_utc_naive(datetime.fromisoformat(value) if isinstance(value, str) else value)

    @api.model
    def _mhrs_format_range(self, start, end, tz):
        """'03/30/2027 11:00-12:00' (the day of the start in the user's date format, local hours; an end
        at midnight shows 24:00)."""
        local_start, local_end = to_local(start, tz), to_local(end, tz)
        day_format = f"{user_date_format(self.env)} %H:%M"
        end_text = local_end.strftime("%H:%M")
        if local_end.date() > local_start.date() and local_end.time() == time.min:
            end_text = "24:00"
        elif local_end.date() != local_start.date():
            end_text = local_end.strftime(day_format)
        return f"{local_start.strftime(day_format)}-{end_text}"

    @api.model
    def _mhrs_format_date(self, day):
        return user_date_text(self.env, day)

    # ------------------------------------------------------------------------------------------------
    # Block generation
    # ------------------------------------------------------------------------------------------------
    def _weekdays(self):
        self.ensure_one()
        return weekdays_of(self)

    def _mhrs_in_period(self, day, weekdays):
        """Whether a local ``day`` is one of the schedule's: inside its period, on a weekday it has."""
        return self.date_from <= day <= self.date_to and day.weekday() in weekdays

    @api.model
    def _mhrs_blocks_from_template(self, template, date_from, date_to, weekdays, tz):
        """Values of the blocks of ``template`` on every day of the period whose weekday is in
        ``weekdays`` (0 = Monday); times in naive UTC computed from the local times in ``tz``."""
        if not template.line_ids:
            raise UserError(self.env._("Template %(name)s has no blocks.", name=template.name))
        template_lines = template.line_ids.sorted(lambda line: (line.start_time, line.id))
        blocks = []
        day = date_from
        while day <= date_to:
            if day.weekday() in weekdays:
                for tline in template_lines:
                    start = minutes_to_time(float_to_minutes(tline.start_time))
                    end = minutes_to_time(float_to_minutes(tline.end_time))
                    bookable = tline.action_code_id.bookable
                    blocks.append(
                        {
                            "date_start": to_utc(datetime.combine(day, start), tz),
                            "date_end": to_utc(datetime.combine(day, end), tz),
                            "action_code_id": tline.action_code_id.id,
                            "slot_minutes": tline.slot_minutes if bookable else 0,
                            "patients_per_slot": tline.patients_per_slot if bookable else 0,
                        }
                    )
            day += timedelta(days=1)
        return blocks

    def _generate_lines(self):
        """Draft: replace the blocks. Registered: only add blocks for working days without any."""
        self.ensure_one()
        if self.state == "cancelled":
            raise UserError(self.env._("Blocks of a cancelled schedule cannot be generated."))
        if not self.template_id:
            raise UserError(
                self.env._("Choose a template for %(name)s to generate its blocks.", name=self.name)
            )
        tz = company_tz(self.company_id)
        blocks = self._mhrs_blocks_from_template(
            self.template_id, self.date_from, self.date_to, self._weekdays(), tz
        )
        commands = []
        if self.state == "draft":
            commands = [fields.Command.unlink(line.id) for line in self.line_ids]
        else:
            covered = {
                line._local_date() for line in self.line_ids.filtered(lambda line: line.state != "cancelled")
            }
            blocks = [block for block in blocks if to_local(block["date_start"], tz).date() not in covered]
        commands += [fields.Command.create(block) for block in blocks]
        self.write({"line_ids": commands})
        return blocks

    # ------------------------------------------------------------------------------------------------
    # MHRS operations (see mhrs.record.mixin; the workflow is engines/schedule_workflow.py)
    # ------------------------------------------------------------------------------------------------
    def _mhrs_lines_to_register(self):
        """Blocks not final at MHRS yet: never sent, refused, or drafts whose finalisation is due."""
        return self.line_ids.filtered(
            lambda line: line.state in ("draft", "error", "mhrs_draft") and not line.mhrs_schedule_id
        )

    def _mhrs_draft_lines(self):
        """Blocks MHRS holds as drafts (a draft id, no final id); with ``mhrs_finalise_until`` in the
        context, those starting before it (the finalisation-ahead job)."""
        until = self.env.context.get("mhrs_finalise_until")
        return self.line_ids.filtered(
            lambda line: line.state == "mhrs_draft"
            and line.mhrs_draft_id
            and not line.mhrs_schedule_id
            and (not until or fields.Datetime.now() < line.date_start < until)
        )

    @api.model
    def _cron_finalise_ahead(self, company_ids=None):
        """Per company (its own scheduled action): finalise the drafts at MHRS that start within the
        company's "finalise ahead" days (0: off), so that they are bookable in time. Bad data or a
        refusal is logged and shown on the schedule, never stops the job."""
        CompanyJobRunner(self, "finalise_ahead", "MHRS finalisation of drafts ahead").run(
            lambda company: ScheduleWorkflow.finalise_ahead(self, company), company_ids=company_ids
        )

    @api.model
    def _mhrs_business_message(self, exc):
        message = super()._mhrs_business_message(exc)
        hints = {
            "CTV-001": self.env._(
                "MHRS already holds a schedule of this physician at that time (perhaps entered by another "
                "system). Use Compare with MHRS to see and import it."
            ),
            "CTV-002": self.env._(
                "MHRS does not know this schedule (any more). Use Compare with MHRS to check."
            ),
            "CTV-003": self.env._(
                "Patients have booked appointments in this schedule: file an appointment exception (MHRS "
                "operation 13, Randevu İstisna) instead of cancelling or shortening it."
            ),
        }
        hint = hints.get(exc.code)
        return f"{message}\n{hint}" if hint else message

    def _mhrs_operations(self):
        # The payloads of draft_add and draft_finalise are empty: _mhrs_send builds the calls from the
        # blocks. schedule_update is a plan of several calls (cancel, update, register), each recorded
        # as MHRS answers it.
        workflow = ScheduleWorkflow(self)
        return {
            "draft_add": MhrsOperation(apply=workflow.apply_blocks, message=workflow.message_draft_add),
            "draft_finalise": MhrsOperation(
                apply=workflow.apply_blocks, message=workflow.message_draft_finalise
            ),
            "schedule_cancel": MhrsOperation(
                payload=workflow.payload_cancel, apply=workflow.apply_cancel, message=workflow.message_cancel
            ),
            "schedule_update": MhrsOperation(run=workflow.send_changes),
        }

    def _mhrs_send(self, operation, payload):
        if operation == "draft_add":
            return ScheduleWorkflow(self).send_blocks(self._mhrs_lines_to_register())
        if operation == "draft_finalise":
            return ScheduleWorkflow(self).send_finalise()
        if operation == "schedule_cancel":
            return ScheduleWorkflow(self).send_delete(payload)
        return super()._mhrs_send(operation, payload)

    def _mhrs_adopt_existing(self, operation):
        if operation not in ("draft_add", "schedule_update", "draft_finalise"):
            return super()._mhrs_adopt_existing(operation)
        return ScheduleWorkflow(self).adopt_existing(operation)
