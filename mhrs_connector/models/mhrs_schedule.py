import logging
from collections import defaultdict
from datetime import datetime, time, timedelta
from itertools import pairwise

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..engines.company_jobs import CompanyJobRunner
from ..tools import can_commit
from ..tools.actions import open_list
from ..tools.dates import (
    WEEKDAY_FIELDS,
    company_tz,
    float_to_minutes,
    from_wire,
    minutes_to_time,
    to_local,
    to_utc,
    to_utc_naive,
    to_wire,
    user_date_format,
    user_date_text,
    weekdays_of,
)
from ..tools.messages import user_message
from ..tools.outcome import mhrs_entry_point
from ..tools.record_operation import MhrsOperation
from ..wire import errors

_logger = logging.getLogger(__name__)
# Row 9 at the real MHRS is two steps: blocks are drafts (changeable, not bookable), finalisation makes
# them final (bookable; changed only by delete + add). A user sees where the schedule is.
SCHEDULE_STATES = [
    ("draft", "Draft"),
    ("mhrs_draft", "Draft at MHRS"),
    ("registered", "Final"),
    ("cancelled", "Cancelled"),
]

MAX_LISTED = 10  # overlapping days listed in a refusal message before "... and N more"


class MhrsSchedule(models.Model):
    """A physician's work schedule (çalışma cetveli) for a period, generated from a template.

    The whole working time is sent to MHRS as blocks (``mhrs.schedule.line``), one per day and template
    block: bookable blocks carry their slot settings, the others (lunch, leave, surgery...) their action
    code. A schedule that overlaps another schedule of the same physician defined here (any clinic, not
    cancelled) is refused before any MHRS call (EK 1).
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
        return " / ".join(part for part in parts if part) or _("New Schedule")

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
                message = schedule._mhrs_conflict_message(schedule._mhrs_conflicts()) or False
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
                raise ValidationError(_("The schedule must end on or after its first day."))

    @api.constrains(*WEEKDAY_FIELDS)
    def _check_weekdays(self):
        for schedule in self:
            if not schedule._weekdays():
                raise ValidationError(_("Choose at least one working day of the week."))

    # ------------------------------------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------------------------------------
    @api.ondelete(at_uninstall=False)
    def _unlink_except_registered(self):
        if self.filtered(lambda schedule: schedule.state in ("registered", "mhrs_draft")):
            raise UserError(_("Schedules sent to MHRS cannot be deleted: cancel them on MHRS first."))

    def write(self, vals):
        locked = {"physician_id", "clinic_id", "company_id"} & set(vals)
        if locked and self.filtered(lambda schedule: schedule.state != "draft"):
            raise UserError(
                _(
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
        sent, result = self._mhrs_register()
        return self._mhrs_register_result(sent, result)

    @mhrs_entry_point
    def action_mhrs_finalise(self):
        """Finalise the blocks MHRS holds as drafts (cetvel/kesinlestir, KurumTaslakCetvelKesinlestirme):
        they become final and bookable. Refused before any call when there is nothing to finalise or
        the blocks conflict with another schedule of the physician."""
        self.ensure_one()
        lines = self._mhrs_draft_lines()
        if not lines:
            raise UserError(
                _("Nothing to finalise: no block of %(name)s is a draft at MHRS.", name=self.name)
            )
        self._mhrs_check_before_sending(lines)
        result = self._mhrs_run("draft_finalise")
        if isinstance(result, dict) and result.get("error"):
            return self.env["mhrs.connector.mixin"]._mhrs_notify(
                _("Drafts sent, not finalised"), self.mhrs_last_error, kind="warning", sticky=True
            )
        return self._mhrs_action_result(
            result,
            _("Schedule finalised"),
            _("%(name)s is final on MHRS: patients can book its blocks.", name=self.name),
            self._mhrs_line_warnings(),
        )

    @mhrs_entry_point
    def action_mhrs_update(self):
        """Schedule update (operation 10) for every changed block; blocks left outside a shortened
        period are cancelled, new or refused blocks are registered."""
        self.ensure_one()
        if self.state != "registered":
            raise UserError(_("Only schedules registered on MHRS can be updated there."))
        plan = self._mhrs_update_plan()
        if not any(plan.values()):
            raise UserError(_("Nothing to send: no block of %(name)s changed.", name=self.name))
        self._mhrs_check_booked(plan["cancel"] | plan["update"], _("changed or shortened"))
        self._mhrs_check_before_sending(plan["update"] | plan["register"])
        result = self._mhrs_run("schedule_update")
        return self._mhrs_action_result(
            result,
            _("Schedule updated"),
            _("%(name)s is updated on MHRS.", name=self.name),
            self._mhrs_line_warnings(),
        )

    @mhrs_entry_point
    def action_mhrs_cancel(self):
        """Schedule cancellation (operation 12) with the ids of all registered blocks."""
        self.ensure_one()
        if self.state == "cancelled":
            raise UserError(_("This schedule is already cancelled."))
        registered = self.line_ids.filtered(lambda line: line.state == "registered" and line.mhrs_schedule_id)
        self._mhrs_check_booked(registered, _("cancelled"))
        if not registered and self._mhrs_draft_lines():
            return self._mhrs_cancel_drafts()
        if not registered:
            # Never (successfully) sent to MHRS: nothing to cancel there.
            self.line_ids.write({"state": "cancelled", "mhrs_changed": False})
            self.state = "cancelled"
            self._mhrs_log_note(_("Cancelled before it was registered on MHRS."))
            return self.env["mhrs.connector.mixin"]._mhrs_notify(
                _("Schedule cancelled"), _("%(name)s is cancelled.", name=self.name)
            )
        result = self._mhrs_run("schedule_cancel")
        return self._mhrs_action_result(
            result, _("Schedule cancelled"), _("%(name)s is cancelled on MHRS.", name=self.name)
        )

    def _mhrs_cancel_drafts(self):
        """Cancel a schedule MHRS holds only as drafts: each draft is deleted at MHRS. A draft MHRS
        deleted stays deleted here whatever happens to the next one (the rollback rule)."""
        lines = self._mhrs_draft_lines()
        done = self.env["mhrs.schedule.line"]
        for line in lines:
            try:
                self._mhrs_delete_drafts_of(line)
            except errors.MhrsError as exc:
                if not done:
                    raise UserError(self.env["mhrs.connector.mixin"]._mhrs_button_message(exc)) from exc
                message = _(
                    "%(done)s draft block(s) of %(name)s were withdrawn from MHRS, then MHRS answered: "
                    "%(error)s. Press Cancel Schedule again to withdraw the others.",
                    done=len(done),
                    name=self.name,
                    error=self.env["mhrs.connector.mixin"]._mhrs_error_message(exc),
                )
                self.write({"mhrs_sync_state": "error", "mhrs_last_error": message})
                self._mhrs_outcome_recorded()
                self._mhrs_followup(self._mhrs_log_note, message)
                return self.env["mhrs.connector.mixin"]._mhrs_notify(
                    _("Schedule partly cancelled"), message, kind="warning", sticky=True
                )
            line.write({"state": "cancelled", "mhrs_draft_id": False, "mhrs_changed": False})
            done |= line
        (self.line_ids - done).write({"state": "cancelled", "mhrs_changed": False})
        self.write({"state": "cancelled", "mhrs_sync_state": "synced", "mhrs_last_error": False})
        self._mhrs_outcome_recorded()
        self._mhrs_followup(self._mhrs_log_note, _("Draft blocks withdrawn from MHRS; schedule cancelled."))
        return self.env["mhrs.connector.mixin"]._mhrs_notify(
            _("Schedule cancelled"),
            _("%(name)s is cancelled: its drafts are deleted on MHRS.", name=self.name),
        )

    def _mhrs_delete_drafts_of(self, line):
        for draft_id in (line.mhrs_draft_id or "").split(","):
            if draft_id.isdigit():
                self.env["mhrs.connector.mixin"]._mhrs_call(
                    "draft_delete", record=self, draft_id=int(draft_id)
                )

    def action_reset_to_draft(self):
        for schedule in self:
            if schedule.state != "cancelled":
                raise UserError(_("Only cancelled schedules can be reset to draft."))
            schedule.line_ids.unlink()
        self.write({"state": "draft", "mhrs_sync_state": "not_sent", "mhrs_last_error": False})

    def action_mhrs_query(self):
        """Compare Odoo's schedules with MHRS's for a physician, clinic and period (operation 11)."""
        schedule = self[:1]
        today = fields.Date.context_today(self)
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
            raise UserError(_("Template %(name)s has no blocks.", name=template.name))
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
            raise UserError(_("Blocks of a cancelled schedule cannot be generated."))
        if not self.template_id:
            raise UserError(_("Choose a template for %(name)s to generate its blocks.", name=self.name))
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
    # Checks made before any MHRS call
    # ------------------------------------------------------------------------------------------------
    @api.model
    def _mhrs_find_conflicts(self, candidates, exclude_schedule_ids=()):
        """Blocks defined here that overlap the candidate time ranges, in ONE query.

        ``candidates``: iterable of (key, physician TCKN, start, end) in naive UTC. Blocks of the same
        physician (by TCKN, so across clinics and companies) in schedules that are not cancelled
        conflict when ``start < other_end and end > other_start``: touching blocks do not.
        Returns a list of (key, conflicting line id, overlap start, overlap end).
        """
        candidates = list(candidates)
        if not candidates:
            return []
        self.env["mhrs.schedule.line"].flush_model()
        self.flush_model(["state"])
        self.env["mhrs.physician"].flush_model(["tckn"])
        keys, tckns, starts, ends = (list(column) for column in zip(*candidates, strict=True))
        self.env.cr.execute(
            SQL(
                """
                SELECT c.key, l.id, GREATEST(c.date_start, l.date_start), LEAST(c.date_end, l.date_end)
                  FROM unnest(%s::varchar[], %s::varchar[], %s::timestamp[], %s::timestamp[])
                       AS c(key, tckn, date_start, date_end)
                  JOIN mhrs_physician p ON p.tckn = c.tckn
                  JOIN mhrs_schedule_line l ON l.physician_id = p.id
                                           AND l.date_start < c.date_end
                                           AND l.date_end > c.date_start
                  JOIN mhrs_schedule s ON s.id = l.schedule_id
                 WHERE s.state != 'cancelled'
                   AND l.state != 'cancelled'
                   AND NOT (l.schedule_id = ANY(%s::int[]))
                 ORDER BY 3, 4, c.key, l.id
                """,
                [str(key) for key in keys],
                tckns,
                starts,
                ends,
                list(exclude_schedule_ids),
            )
        )
        return self.env.cr.fetchall()

    def _mhrs_conflicts(self, lines=None):
        """Conflicts of ``lines`` (default: all blocks not cancelled) with other schedules here."""
        self.ensure_one()
        lines = lines if lines is not None else self.line_ids
        lines = lines.filtered(lambda line: line.state != "cancelled")
        candidates = [(line.id, self.physician_id.tckn, line.date_start, line.date_end) for line in lines]
        return self._mhrs_find_conflicts(candidates, exclude_schedule_ids=self.ids)

    @api.model
    def _mhrs_conflict_message(self, rows, company=None):
        """A refusal naming every conflicting schedule with the overlapping days and local hours."""
        if not rows:
            return ""
        company = company or self.company_id or self.env.company
        tz = company_tz(company)
        others = self.env["mhrs.schedule.line"].sudo().browse({row[1] for row in rows})
        by_schedule = defaultdict(list)
        elsewhere = self.env["mhrs.physician"]
        for _key, line_id, start, end in rows:
            other = others.browse(line_id).schedule_id
            if other.company_id != company:
                # Another institution's schedule (the check goes by TCKN across companies): its
                # name, state and hours are not this company's to see.
                elsewhere |= other.physician_id
                continue
            by_schedule[other].append(self._mhrs_format_range(start, end, tz))
        parts = [
            _(
                "%(physician)s has a conflicting schedule at another institution in this period.",
                physician=name,
            )
            for name in dict.fromkeys(elsewhere.mapped("name"))
        ]
        state_labels = dict(self._fields["state"]._description_selection(self.env))
        for other, all_ranges in by_schedule.items():
            ranges = list(dict.fromkeys(all_ranges))
            listed = self._mhrs_bullets(ranges, indent="  ")
            parts.append(
                _(
                    "%(physician)s already works in schedule “%(schedule)s” (%(state)s) at:\n%(ranges)s",
                    physician=other.physician_id.name,
                    schedule=other.name,
                    state=state_labels.get(other.state),
                    ranges=listed,
                )
            )
        return _(
            "The schedule conflicts with another schedule of the same physician and is not sent to "
            "MHRS:\n%(details)s",
            details="\n".join(parts),
        )

    @api.model
    def _mhrs_ek2_problems(self, company, clinic, blocks):
        """EK 2 criteria on a list of block dicts (date_start, date_end, action record, slot_minutes,
        patients_per_slot): the known ones, and the company settings for those still to be confirmed."""
        tz = company_tz(company)
        problems = []
        if not clinic.mhrs_clinic_code or clinic.state != "registered":
            problems.append(
                _("Clinic %(clinic)s is not registered on MHRS: register it first.", clinic=clinic.name)
            )
        if not blocks:
            problems.append(_("The schedule has no blocks: choose a template and generate them."))
            return problems
        now = fields.Datetime.now()
        today = to_local(now, tz).date()
        max_days = company.mhrs_schedule_max_days_ahead
        min_slot = company.mhrs_min_slot_minutes
        # Rules that hit whole days (past, beyond the horizon) are said once, not once per block.
        past, too_far = [], []
        for block in sorted(blocks, key=lambda block: block["date_start"]):
            label = self._mhrs_format_range(block["date_start"], block["date_end"], tz)
            local_start = to_local(block["date_start"], tz)
            local_end = to_local(block["date_end"], tz)
            if block["date_end"] <= block["date_start"]:
                problems.append(_("Block %(block)s must end after it starts.", block=label))
                continue
            one_day = local_end.date() == local_start.date() or (
                local_end.date() == local_start.date() + timedelta(days=1) and local_end.time() == time.min
            )
            if not one_day:
                problems.append(_("Block %(block)s must lie within one day.", block=label))
            if block["date_start"] < now:
                past.append(local_start.date())
            if max_days and (local_start.date() - today).days > max_days:
                too_far.append(local_start.date())
            action = block["action"]
            if action.bookable:
                minutes = round((block["date_end"] - block["date_start"]).total_seconds() / 60)
                slot = block["slot_minutes"] or 0
                if slot <= 0 or minutes % slot:
                    problems.append(
                        _(
                            "Block %(block)s is bookable: its slot length must divide its %(minutes)s "
                            "minutes.",
                            block=label,
                            minutes=minutes,
                        )
                    )
                elif min_slot and slot < min_slot:
                    problems.append(
                        _(
                            "Block %(block)s: slots of %(slot)s minutes are shorter than the minimum of "
                            "%(min)s minutes (MHRS settings).",
                            block=label,
                            slot=slot,
                            min=min_slot,
                        )
                    )
                if (block["patients_per_slot"] or 0) < 1:
                    problems.append(
                        _("Block %(block)s is bookable: at least 1 patient per slot is needed.", block=label)
                    )
        return self._mhrs_day_problems(past, too_far, today, max_days) + problems

    @api.model
    def _mhrs_day_problems(self, past, too_far, today, max_days):
        """One sentence per rule that hits whole days (past, beyond the horizon), naming the days."""
        problems = []
        if past:
            problems.append(_("Blocks on %(days)s are in the past.", days=self._mhrs_day_span(past)))
        if too_far:
            problems.append(
                _(
                    "Blocks on %(days)s are more than %(max)s days ahead: schedules may be opened at most "
                    "%(max)s days ahead (MHRS settings), until %(last)s.",
                    days=self._mhrs_day_span(too_far),
                    max=max_days,
                    last=self._mhrs_format_date(today + timedelta(days=max_days)),
                )
            )
        return problems

    @api.model
    def _mhrs_day_span(self, days):
        """Sorted local days as one phrase: "05.03.2027" or "05.03.2027 – 31.03.2027 (19 days)"."""
        days = sorted(set(days))
        if len(days) == 1:
            return self._mhrs_format_date(days[0])
        return _(
            "%(first)s – %(last)s (%(count)s days)",
            first=self._mhrs_format_date(days[0]),
            last=self._mhrs_format_date(days[-1]),
            count=len(days),
        )

    def _mhrs_block_values(self, lines):
        return [
            {
                "date_start": line.date_start,
                "date_end": line.date_end,
                "action": line.action_code_id,
                "slot_minutes": line.slot_minutes,
                "patients_per_slot": line.patients_per_slot,
            }
            for line in lines
        ]

    def _mhrs_check_before_sending(self, lines):
        """Every local rule, before any MHRS call: EK 2 criteria, period, overlaps inside the schedule
        and conflicts with the physician's other schedules here."""
        self.ensure_one()
        if not lines:
            return
        tz = company_tz(self.company_id)
        problems = self._mhrs_ek2_problems(self.company_id, self.clinic_id, self._mhrs_block_values(lines))
        weekdays = self._weekdays()
        for line in lines:
            day = line._local_date()
            if not self._mhrs_in_period(day, weekdays):
                problems.append(
                    _(
                        "Block %(block)s is outside the schedule's period or working days: press Generate "
                        "Blocks again.",
                        block=line._local_label(),
                    )
                )
        active = self.line_ids.filtered(lambda line: line.state != "cancelled").sorted("date_start")
        for before, after in pairwise(active):
            if after.date_start < before.date_end:
                problems.append(
                    _(
                        "Blocks %(first)s and %(second)s of this schedule overlap.",
                        first=before._local_label(),
                        second=self._mhrs_format_range(after.date_start, after.date_end, tz),
                    )
                )
        if problems:
            text = self._mhrs_bullets(list(dict.fromkeys(problems)))
            raise UserError(
                _("%(name)s cannot be sent to MHRS:\n%(problems)s", name=self.name, problems=text)
            )
        conflicts = self._mhrs_conflicts(lines)
        if conflicts:
            raise UserError(self._mhrs_conflict_message(conflicts))

    def _mhrs_booked_appointments(self, lines=None):
        """Booked appointments on ``lines`` (default: all blocks)."""
        lines = lines if lines is not None else self.line_ids
        return self.env["mhrs.appointment"].search(
            [("schedule_line_id", "in", lines.ids), ("state", "=", "booked")]
        )

    def _mhrs_check_booked(self, lines, what):
        self.ensure_one()
        if not lines:
            return
        booked = self._mhrs_booked_appointments(lines)
        if booked:
            days = sorted({appointment.schedule_line_id._local_date() for appointment in booked})
            raise UserError(
                _(
                    "%(name)s has %(count)s booked appointment(s) (%(days)s), so it cannot be %(what)s. "
                    "File an appointment exception (MHRS operation 13, Randevu İstisna) for the period "
                    "instead.",
                    name=self.name,
                    count=len(booked),
                    days=", ".join(self._mhrs_format_date(day) for day in days),
                    what=what,
                )
            )

    # ------------------------------------------------------------------------------------------------
    # MHRS operations (see mhrs.record.mixin)
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
    def _mhrs_finalise_many(self, schedules):
        """Finalise the drafts of many schedules in one step (the plan wizard, the job): one
        finalisation per physician and period, as MHRS takes it. Every schedule is checked before any
        call; each one's outcome is its own (a refusal for one never undoes another's finalisation).
        Returns {schedule: (result, reason)} with result "registered", "created" (kept) or "failed"."""
        schedules = schedules.filtered(lambda schedule: schedule._mhrs_draft_lines())
        if not schedules:
            raise UserError(_("Nothing to finalise: none of these schedules has drafts at MHRS."))
        for schedule in schedules:
            schedule._mhrs_check_before_sending(schedule._mhrs_draft_lines())
        outcome = {}
        for schedule in schedules:
            try:
                with self.env.cr.savepoint():
                    result = schedule._mhrs_run("draft_finalise")
            except UserError as exc:
                outcome[schedule] = ("failed", exc.args[0])
                continue
            if result is None:
                outcome[schedule] = ("created", schedule._mhrs_kept_message())
            else:
                outcome[schedule] = ("registered", False)
        return outcome

    @api.model
    def _cron_finalise_ahead(self, company_ids=None):
        """Per company (its own scheduled action): finalise the drafts at MHRS that start within the
        company's "finalise ahead" days (0: off), so that they are bookable in time. Bad data or a
        refusal is logged and shown on the schedule, never stops the job."""
        CompanyJobRunner(self, "finalise_ahead", "MHRS finalisation of drafts ahead").run(
            self._mhrs_finalise_ahead, company_ids=company_ids
        )

    def _mhrs_finalise_ahead(self, company):
        """One company's finalisation ahead (see _cron_finalise_ahead)."""
        if not company.mhrs_finalise_days_ahead:
            return True
        now = fields.Datetime.now()
        until = now + timedelta(days=company.mhrs_finalise_days_ahead)
        env_self = self.with_company(company).with_context(mhrs_trigger="cron", mhrs_finalise_until=until)
        lines = self.env["mhrs.schedule.line"].search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "mhrs_draft"),
                ("mhrs_schedule_id", "=", False),
                ("date_start", "<", until),
                ("date_start", ">", now),
            ]
        )
        for schedule in env_self.browse(lines.schedule_id.ids):
            try:
                with self.env.cr.savepoint():
                    outcome = env_self._mhrs_finalise_many(schedule)
            except (UserError, errors.MhrsError) as exc:
                _logger.warning("MHRS: drafts of %s not finalised: %s", schedule.display_name, exc)
                continue
            for result, reason in outcome.values():
                if result != "registered":
                    _logger.warning("MHRS: drafts of %s not finalised: %s", schedule.display_name, reason)
            # What MHRS finalised is committed at once: a later schedule's failure cannot undo it.
            if can_commit():
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return True

    def _mhrs_register(self):
        """Checks, then the registration call; returns (blocks sent, result or None)."""
        self.ensure_one()
        if self.state != "draft":
            raise UserError(
                _(
                    "%(name)s is already %(state)s: a schedule is registered on MHRS only once.",
                    name=self.name,
                    state=dict(self._fields["state"]._description_selection(self.env))[self.state],
                )
            )
        if not self.line_ids:
            self._generate_lines()
        lines = self._mhrs_lines_to_register()
        if not lines:
            raise UserError(_("The schedule has no blocks: choose a template and generate them."))
        self._mhrs_check_before_sending(lines)
        return lines, self._mhrs_run("draft_add")

    def _mhrs_finalise_on_register(self):
        return self.env.context.get("mhrs_finalise") or self.company_id.mhrs_finalise_on_register

    def _mhrs_register_result(self, sent, result):
        connector = self.env["mhrs.connector.mixin"]
        if result is not None and sent and not sent.filtered(lambda line: line.state != "error"):
            return connector._mhrs_notify(
                _("MHRS refused the schedule"), self.mhrs_last_error, kind="danger", sticky=True
            )
        if isinstance(result, dict) and result.get("error"):
            # MHRS did a step (branch, drafts) then refused the next: recorded, not undone (rollback rule).
            title = _("Drafts sent, not finalised") if self.state == "mhrs_draft" else _("Not registered")
            return connector._mhrs_notify(title, self.mhrs_last_error, kind="warning", sticky=True)
        if result is not None and self.state == "mhrs_draft":
            return self._mhrs_action_result(
                result,
                _("Schedule sent as drafts"),
                _(
                    "%(name)s is at MHRS as drafts (%(count)s blocks): press Finalise to make it bookable.",
                    name=self.name,
                    count=len(self._mhrs_draft_lines()),
                ),
                self._mhrs_line_warnings(),
            )
        return self._mhrs_action_result(
            result,
            _("Schedule registered"),
            _("%(name)s is registered on MHRS (%(count)s blocks).", name=self.name, count=len(sent)),
            self._mhrs_line_warnings(),
        )

    @api.model
    def _mhrs_bullets(self, items, indent=""):
        """``items`` as a bulleted list of at most MAX_LISTED lines, then "… and N more"."""
        lines = [f"{indent}• {item}" for item in items[:MAX_LISTED]]
        if len(items) > MAX_LISTED:
            lines.append(indent + _("… and %(count)s more", count=len(items) - MAX_LISTED))
        return "\n".join(lines)

    def _mhrs_line_warnings(self):
        failed = self.line_ids.filtered(lambda line: line.state == "error")
        return [self._mhrs_failed_lines_message(failed)] if failed else []

    def _mhrs_failed_lines_message(self, failed):
        rows = self._mhrs_bullets([f"{line._local_label()}: {line.mhrs_error}" for line in failed])
        return _(
            "MHRS refused %(count)s block(s) of %(name)s:\n%(rows)s",
            count=len(failed),
            name=self.name,
            rows=rows,
        )

    def _mhrs_run(self, operation):
        if operation == "schedule_update":
            return self._mhrs_send_changes()
        return super()._mhrs_run(operation)

    @api.model
    def _mhrs_business_message(self, exc):
        message = super()._mhrs_business_message(exc)
        hints = {
            "CTV-001": _(
                "MHRS already holds a schedule of this physician at that time (perhaps entered by another "
                "system). Use Compare with MHRS to see and import it."
            ),
            "CTV-002": _("MHRS does not know this schedule (any more). Use Compare with MHRS to check."),
            "CTV-003": _(
                "Patients have booked appointments in this schedule: file an appointment exception (MHRS "
                "operation 13, Randevu İstisna) instead of cancelling or shortening it."
            ),
        }
        hint = hints.get(exc.code)
        return f"{message}\n{hint}" if hint else message

    def _mhrs_place(self, lines=None):
        """Branch, physician, clinic and period of ``lines`` (default: all blocks) as the facade's
        schedule operations want them."""
        lines = self.line_ids if lines is None else lines
        return {
            "branch": self.clinic_id.mhrs_branch_code,
            "start": to_wire(min(lines.mapped("date_start"))),
            "end": to_wire(max(lines.mapped("date_end"))),
            "physician": self.physician_id.tckn,
            "clinic": self.clinic_id.mhrs_clinic_code,
        }

    def _mhrs_operations(self):
        # schedule_update is not declared: it is a plan of several calls (_mhrs_run sends it).
        return {
            "draft_add": MhrsOperation(
                payload=self._mhrs_payload_draft_add,
                apply=self._mhrs_apply_draft_add,
                message=self._mhrs_message_draft_add,
            ),
            "draft_finalise": MhrsOperation(
                payload=self._mhrs_payload_draft_finalise,
                apply=self._mhrs_apply_draft_finalise,
                message=self._mhrs_message_draft_finalise,
            ),
            "schedule_cancel": MhrsOperation(
                payload=self._mhrs_payload_schedule_cancel,
                apply=self._mhrs_apply_schedule_cancel,
                message=self._mhrs_message_schedule_cancel,
            ),
        }

    def _mhrs_payload_draft_add(self):
        return {}  # built by _mhrs_send from the blocks still to register

    def _mhrs_send(self, operation, payload):
        if operation == "draft_add":
            return self._mhrs_send_blocks(self._mhrs_lines_to_register())
        if operation == "draft_finalise":
            refused, resent = self._mhrs_resend_changed_drafts()
            lines = self._mhrs_draft_lines()
            try:
                final = self._mhrs_finalise_lines(lines) if lines else {}
            except errors.MhrsBusinessError as exc:
                if not resent:
                    raise  # the first step MHRS answered in this press
                # The drafts sent again stay recorded (rollback rule).
                return {"final": {}, "refused": refused, "error": self._mhrs_business_message(exc)}
            return {"final": final, "refused": refused}
        return super()._mhrs_send(operation, payload)

    def _mhrs_send_blocks(self, lines):
        """Row 9 as the real MHRS has it: link the physician to the branch when needed, add each block
        as a draft, then finalise the drafts of the period so that they are bookable. Returns
        ``{"final": {line id: final id}, "refused": {line id: message}}``.

        A block MHRS refuses is reported on its own and the others go on, as with the old per-item
        answer. When MHRS stops answering midway, the drafts added by this attempt are withdrawn (best
        effort) so that the retry does not collide with them, and the transport error is raised."""
        self.ensure_one()
        connector = self.env["mhrs.connector.mixin"]
        branch = self.clinic_id.mhrs_branch_id
        branch_added = self.company_id._mhrs_ensure_branch(branch, record=self)
        try:
            self.physician_id._mhrs_ensure_link(branch, record=self)
        except errors.MhrsBusinessError as exc:
            if not branch_added:
                raise  # the first step MHRS answered in this press: nothing to keep
            # MHRS registered the branch, then refused the link: the branch stays recorded.
            return {"final": {}, "refused": {}, "error": self._mhrs_business_message(exc)}
        refused, added = {}, self.env["mhrs.schedule.line"]
        for line in lines.filtered(lambda line: not line.mhrs_draft_id):
            try:
                ids = connector._mhrs_call("draft_add", record=self, block=line._mhrs_block())
            except errors.MhrsBusinessError as exc:
                refused[line.id] = f"{exc.code}: {user_message(self.env, exc)}"
                continue
            except errors.MhrsError:
                for draft in added:
                    self._mhrs_withdraw_draft(draft)
                raise
            # Recorded at once (draft id and state): a finalisation that does not answer or is refused
            # is done again later without new drafts.
            line.write({"mhrs_draft_id": ",".join(str(i) for i in ids) or "?", "state": "mhrs_draft"})
            added |= line
        if added and self.state == "draft":
            self.state = "mhrs_draft"
        sent = lines.filtered(lambda line: line.id not in refused and line.mhrs_draft_id)
        result = {"final": {}, "refused": refused}
        if sent and self._mhrs_finalise_on_register():
            try:
                result["final"] = self._mhrs_finalise_lines(sent)
            except errors.MhrsBusinessError as exc:
                # MHRS holds the drafts: the refusal of the next step is recorded, never rolled back.
                result["error"] = _(
                    "%(count)s block(s) of %(name)s are drafts at MHRS, but MHRS refused their "
                    "finalisation: %(error)s\nPress Finalise when the cause is removed.",
                    count=len(sent),
                    name=self.name,
                    error=self._mhrs_business_message(exc),
                )
        return result

    def _mhrs_resend_changed_drafts(self):
        """Drafts changed here since they were sent: MHRS holds the old values, so each is deleted and
        added again before the finalisation. Each step MHRS answered is recorded at once; a refused new
        draft leaves its block refused (the old draft is gone) and the others go on. Returns
        ({line id: error}, whether MHRS did anything)."""
        connector = self.env["mhrs.connector.mixin"]
        refused, done = {}, False
        for line in self._mhrs_draft_lines().filtered("mhrs_changed"):
            try:
                self._mhrs_delete_drafts_of(line)
            except errors.MhrsBusinessError as exc:
                if not done:
                    raise  # nothing answered yet in this press
                refused[line.id] = f"{exc.code}: {user_message(self.env, exc)}"
                continue
            done = True
            line.write({"mhrs_draft_id": False, "state": "draft"})
            try:
                ids = connector._mhrs_call("draft_add", record=self, block=line._mhrs_block())
            except errors.MhrsBusinessError as exc:
                refused[line.id] = f"{exc.code}: {user_message(self.env, exc)}"
                continue
            draft_id = ",".join(str(i) for i in ids) or "?"
            line.write({"mhrs_draft_id": draft_id, "state": "mhrs_draft", "mhrs_changed": False})
        return refused, done

    def _mhrs_finalise_lines(self, lines):
        """Finalise the drafts of ``lines``' period for the physician; {line id: final id}."""
        self.env["mhrs.connector.mixin"]._mhrs_call("draft_finalise", record=self, **self._mhrs_place(lines))
        return self._mhrs_match_final(lines)

    def _mhrs_payload_draft_finalise(self):
        return {}  # built by _mhrs_send from the blocks that are drafts at MHRS

    def _mhrs_message_draft_finalise(self):
        return _("Drafts finalised on MHRS (Taslak Cetvel Kesinleştirme): the blocks are bookable.")

    def _mhrs_apply_draft_finalise(self, result):
        self._mhrs_apply_draft_add(result)

    def _mhrs_withdraw_draft(self, line):
        """Withdraw the draft(s) of ``line`` added by an attempt that then failed (best effort)."""
        for draft_id in (line.mhrs_draft_id or "").split(","):
            if not draft_id.isdigit():
                continue
            try:
                self.env["mhrs.connector.mixin"]._mhrs_call(
                    "draft_delete", record=self, draft_id=int(draft_id)
                )
            except errors.MhrsError:
                _logger.warning("MHRS: draft %s of %s could not be withdrawn", draft_id, self)
        line.write({"mhrs_draft_id": False, "state": "draft"})
        if self.state == "mhrs_draft" and not self._mhrs_draft_lines():
            self.state = "draft"

    def _mhrs_match_final(self, lines):
        """{line id: final id} for the blocks MHRS holds as final in their period (matched by start, end
        and action: the final ids are not mapped to the drafts on every wire)."""
        rows = self.env["mhrs.connector.mixin"]._mhrs_call(
            "schedule_query", record=self, **self._mhrs_place(lines)
        )
        by_key = {
            (from_wire(r["start"]), from_wire(r["end"]), r["action"]): r["id"]
            for r in rows
            if r.get("final", True)
        }
        return {
            line.id: by_key[key]
            for line in lines
            if (key := (line.date_start, line.date_end, line.action_code_id.code)) in by_key
        }

    def _mhrs_apply_draft_add(self, result):
        for line in self.line_ids:
            if line.id in result["final"]:
                line.write(
                    {
                        "mhrs_schedule_id": str(result["final"][line.id]),
                        "mhrs_draft_id": False,
                        "state": "registered",
                        "mhrs_error": False,
                        "mhrs_changed": False,
                    }
                )
            elif line.id in result["refused"]:
                line.write(
                    {"state": "error", "mhrs_error": result["refused"][line.id], "mhrs_draft_id": False}
                )
        if self.state in ("draft", "mhrs_draft"):
            if self.line_ids.filtered(lambda line: line.state == "registered"):
                self.state = "registered"
            elif self._mhrs_draft_lines():
                self.state = "mhrs_draft"
        failed = self.line_ids.filtered(lambda line: line.state == "error")
        messages = [self._mhrs_failed_lines_message(failed)] if failed else []
        if result.get("error"):
            messages.append(result["error"])
        if messages:
            message = "\n".join(messages)
            self.write({"mhrs_sync_state": "error", "mhrs_last_error": message})
            self._mhrs_outcome_recorded()
            self._mhrs_followup(self._mhrs_log_note, message)

    def _mhrs_message_draft_add(self):
        return _("Blocks sent to MHRS (Çalışma Cetveli Kayıt).")

    def _mhrs_payload_schedule_cancel(self):
        lines = self.line_ids.filtered(lambda line: line.state == "registered" and line.mhrs_schedule_id)
        return {"final_ids": [int(line.mhrs_schedule_id) for line in lines], **self._mhrs_place(lines)}

    def _mhrs_apply_schedule_cancel(self, result):
        self.line_ids.write({"state": "cancelled", "mhrs_changed": False})
        self.state = "cancelled"

    def _mhrs_message_schedule_cancel(self):
        return _("Cancelled on MHRS.")

    def _mhrs_update_plan(self):
        """What an update must send: blocks to cancel (left outside the period), to update, to register."""
        self.ensure_one()
        weekdays = self._weekdays()
        cancel = self.env["mhrs.schedule.line"]
        for line in self.line_ids.filtered(lambda line: line.state == "registered"):
            day = line._local_date()
            if not self._mhrs_in_period(day, weekdays):
                cancel |= line
        changed = self.line_ids.filtered(lambda line: line.state == "registered" and line.mhrs_changed)
        update = changed - cancel
        register = self._mhrs_lines_to_register()
        return {"cancel": cancel, "update": update, "register": register}

    def _mhrs_send_changes(self):
        """Send the update plan: one cancel call, one update call per changed block, one register call.

        Stops at the first transport error and keeps "schedule_update" for the retry job. A refusal after
        earlier calls succeeded does not roll those back here (MHRS already applied them): it is stored
        on the schedule and shown as a warning.
        """
        self.ensure_one()
        plan = self._mhrs_update_plan()
        steps = []
        if plan["cancel"]:
            steps.append(self._mhrs_step_cancel(plan["cancel"]))
        if plan["update"] and self.company_id.mhrs_interface == "g2":
            # G2 has no known plan change (KurumKesinCetvelGuncelleme is a type ATLAS never calls, and a
            # final block is not edited in place): the changed blocks are deleted, then sent again as
            # drafts and finalised, each keeping its Odoo block (and appointments) with the new id.
            steps.append(self._mhrs_step_replace(plan["update"]))
        else:
            steps += [self._mhrs_step_update(line) for line in plan["update"]]
        if plan["register"] or (plan["update"] and self.company_id.mhrs_interface == "g2"):
            steps.append(self._mhrs_step_register())
        result, done = {}, False
        for step in steps:
            try:
                result = step()
            except UserError as exc:
                if not done:
                    raise
                message = exc.args[0]
                self.write({"mhrs_sync_state": "error", "mhrs_last_error": message})
                self._mhrs_outcome_recorded()
                self._mhrs_followup(self._mhrs_log_note, message)
                return result
            if result is None:
                return self._mhrs_keep_update_for_retry()
            if result is False:  # refused after an earlier step: already recorded by _mhrs_execute
                return result
            done = True
        return result

    def _mhrs_step_cancel(self, lines):
        def step():
            return self._mhrs_execute(
                "schedule_cancel",
                _("Blocks outside the new period cancelled on MHRS."),
                applier=lambda result: lines.write({"state": "cancelled", "mhrs_changed": False}),
                final_ids=[int(line.mhrs_schedule_id) for line in lines],
                **self._mhrs_place(lines),
            )

        return step

    def _mhrs_step_replace(self, lines):
        def step():
            return self._mhrs_execute(
                "schedule_cancel",
                _("Changed blocks deleted on MHRS, to be added again."),
                applier=lambda result: lines.write(
                    {"state": "draft", "mhrs_schedule_id": False, "mhrs_changed": False, "mhrs_error": False}
                ),
                final_ids=[int(line.mhrs_schedule_id) for line in lines],
                **self._mhrs_place(lines),
            )

        return step

    def _mhrs_step_update(self, line):
        def step():
            return self._mhrs_execute(
                "schedule_update",
                _("Block %(block)s updated on MHRS.", block=line._local_label()),
                applier=lambda result: line.write(
                    {"mhrs_schedule_id": str(result), "mhrs_changed": False, "mhrs_error": False}
                ),
                final_id=int(line.mhrs_schedule_id),
                block=line._mhrs_block(),
            )

        return step

    def _mhrs_step_register(self):
        def step():
            # Blocks added to a final schedule are finalised at once, whatever the registration setting:
            # the schedule stays bookable.
            return self.with_context(mhrs_finalise=self.state == "registered")._mhrs_execute(
                "draft_add", self._mhrs_message_draft_add(), applier=self._mhrs_apply_draft_add
            )

        return step

    def _mhrs_adopt_existing(self, operation):
        """Blocks whose registration answer was lost are found at MHRS (final blocks of the physician
        at the same times, same action) and adopted; only the blocks MHRS does not hold are resent."""
        self.ensure_one()
        if operation not in ("draft_add", "schedule_update", "draft_finalise"):
            return super()._mhrs_adopt_existing(operation)
        lines = self._mhrs_draft_lines() if operation == "draft_finalise" else self._mhrs_lines_to_register()
        if not lines:
            return False
        found = self._mhrs_match_final(lines)
        if not found:
            return False
        self._mhrs_apply_draft_add({"final": found, "refused": {}})
        if len(found) < len(lines) or operation == "schedule_update":
            return False  # the other blocks (or the other steps of the update) are still sent
        self._mhrs_mark_adopted(
            self.env._(
                "MHRS already held the %(count)s blocks of this schedule: adopted instead of registering "
                "them twice.",
                count=len(found),
            )
        )
        return True

    def _mhrs_keep_update_for_retry(self):
        self.mhrs_pending_operation = "schedule_update"
