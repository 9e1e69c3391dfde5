"""The local rules a work schedule must pass before any MHRS call, in one plain class.

``ScheduleChecks(schedule)`` (a schedule, or the empty model for checks of blocks not created yet: the
plan wizard, the schedule query's import) says what is wrong, in the user's words, before anything is
sent: the EK 2 criteria (registered clinic, one day per block, slots, past days and the horizon), the
schedule's own period and overlaps, the conflicts with the physician's other schedules here (one query
for any number of blocks) and the booked appointments that forbid a change or a cancellation.
"""

from collections import defaultdict
from datetime import time, timedelta
from itertools import pairwise

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.dates import company_tz, to_local

MAX_LISTED = 10  # overlapping days listed in a refusal message before "... and N more"


class ScheduleChecks:
    """The checks of one schedule (``mhrs.schedule`` record or empty model); see the module docstring."""

    def __init__(self, schedule):
        self.schedule = schedule

    @property
    def env(self):
        return self.schedule.env

    def find_conflicts(self, candidates, exclude_schedule_ids=()):
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
        self.schedule.flush_model(["state"])
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

    def conflicts(self, lines=None):
        """Conflicts of ``lines`` (default: all blocks not cancelled) with other schedules here."""
        self.schedule.ensure_one()
        lines = lines if lines is not None else self.schedule.line_ids
        lines = lines.filtered(lambda line: line.state != "cancelled")
        candidates = [
            (line.id, self.schedule.physician_id.tckn, line.date_start, line.date_end) for line in lines
        ]
        return self.find_conflicts(candidates, exclude_schedule_ids=self.schedule.ids)

    def conflict_message(self, rows, company=None):
        """A refusal naming every conflicting schedule with the overlapping days and local hours."""
        if not rows:
            return ""
        company = company or self.schedule.company_id or self.env.company
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
            by_schedule[other].append(self.schedule._mhrs_format_range(start, end, tz))
        parts = [
            self.env._(
                "%(physician)s has a conflicting schedule at another institution in this period.",
                physician=name,
            )
            for name in dict.fromkeys(elsewhere.mapped("name"))
        ]
        state_labels = dict(self.schedule._fields["state"]._description_selection(self.env))
        for other, all_ranges in by_schedule.items():
            ranges = list(dict.fromkeys(all_ranges))
            listed = self.bullets(ranges, indent="  ")
            parts.append(
                self.env._(
                    "%(physician)s already works in schedule “%(schedule)s” (%(state)s) at:\n%(ranges)s",
                    physician=other.physician_id.name,
                    schedule=other.name,
                    state=state_labels.get(other.state),
                    ranges=listed,
                )
            )
        return self.env._(
            "The schedule conflicts with another schedule of the same physician and is not sent to "
            "MHRS:\n%(details)s",
            details="\n".join(parts),
        )

    def ek2_problems(self, company, clinic, blocks):
        """EK 2 criteria on a list of block dicts (date_start, date_end, action record, slot_minutes,
        patients_per_slot): the known ones, and the company settings for those still to be confirmed."""
        tz = company_tz(company)
        problems = []
        if not clinic.mhrs_clinic_code or clinic.state != "registered":
            problems.append(
                self.env._(
                    "Clinic %(clinic)s is not registered on MHRS: register it first.", clinic=clinic.name
                )
            )
        if not blocks:
            problems.append(self.env._("The schedule has no blocks: choose a template and generate them."))
            return problems
        now = fields.Datetime.now()
        today = to_local(now, tz).date()
        max_days = company.mhrs_schedule_max_days_ahead
        min_slot = company.mhrs_min_slot_minutes
        # Rules that hit whole days (past, beyond the horizon) are said once, not once per block.
        past, too_far = [], []
        for block in sorted(blocks, key=lambda block: block["date_start"]):
            label = self.schedule._mhrs_format_range(block["date_start"], block["date_end"], tz)
            local_start = to_local(block["date_start"], tz)
            local_end = to_local(block["date_end"], tz)
            if block["date_end"] <= block["date_start"]:
                problems.append(self.env._("Block %(block)s must end after it starts.", block=label))
                continue
            one_day = local_end.date() == local_start.date() or (
                local_end.date() == local_start.date() + timedelta(days=1) and local_end.time() == time.min
            )
            if not one_day:
                problems.append(self.env._("Block %(block)s must lie within one day.", block=label))
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
                        self.env._(
                            "Block %(block)s is bookable: its slot length must divide its %(minutes)s "
                            "minutes.",
                            block=label,
                            minutes=minutes,
                        )
                    )
                elif min_slot and slot < min_slot:
                    problems.append(
                        self.env._(
                            "Block %(block)s: slots of %(slot)s minutes are shorter than the minimum of "
                            "%(min)s minutes (MHRS settings).",
                            block=label,
                            slot=slot,
                            min=min_slot,
                        )
                    )
                if (block["patients_per_slot"] or 0) < 1:
                    problems.append(
                        self.env._(
                            "Block %(block)s is bookable: at least 1 patient per slot is needed.", block=label
                        )
                    )
        return self.day_problems(past, too_far, today, max_days) + problems

    def day_problems(self, past, too_far, today, max_days):
        """One sentence per rule that hits whole days (past, beyond the horizon), naming the days."""
        problems = []
        if past:
            problems.append(self.env._("Blocks on %(days)s are in the past.", days=self.day_span(past)))
        if too_far:
            problems.append(
                self.env._(
                    "Blocks on %(days)s are more than %(max)s days ahead: schedules may be opened at most "
                    "%(max)s days ahead (MHRS settings), until %(last)s.",
                    days=self.day_span(too_far),
                    max=max_days,
                    last=self.schedule._mhrs_format_date(today + timedelta(days=max_days)),
                )
            )
        return problems

    def day_span(self, days):
        """Sorted local days as one phrase: "05.03.2027" or "05.03.2027 – 31.03.2027 (19 days)"."""
        days = sorted(set(days))
        if len(days) == 1:
            return self.schedule._mhrs_format_date(days[0])
        return self.env._(
            "%(first)s – %(last)s (%(count)s days)",
            first=self.schedule._mhrs_format_date(days[0]),
            last=self.schedule._mhrs_format_date(days[-1]),
            count=len(days),
        )

    def block_values(self, lines):
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

    def check_before_sending(self, lines):
        """Every local rule, before any MHRS call: EK 2 criteria, period, overlaps inside the schedule
        and conflicts with the physician's other schedules here."""
        self.schedule.ensure_one()
        if not lines:
            return
        tz = company_tz(self.schedule.company_id)
        problems = self.ek2_problems(
            self.schedule.company_id, self.schedule.clinic_id, self.block_values(lines)
        )
        weekdays = self.schedule._weekdays()
        for line in lines:
            day = line._local_date()
            if not self.schedule._mhrs_in_period(day, weekdays):
                problems.append(
                    self.env._(
                        "Block %(block)s is outside the schedule's period or working days: press Generate "
                        "Blocks again.",
                        block=line._local_label(),
                    )
                )
        active = self.schedule.line_ids.filtered(lambda line: line.state != "cancelled").sorted("date_start")
        for before, after in pairwise(active):
            if after.date_start < before.date_end:
                problems.append(
                    self.env._(
                        "Blocks %(first)s and %(second)s of this schedule overlap.",
                        first=before._local_label(),
                        second=self.schedule._mhrs_format_range(after.date_start, after.date_end, tz),
                    )
                )
        if problems:
            text = self.bullets(list(dict.fromkeys(problems)))
            raise UserError(
                self.env._(
                    "%(name)s cannot be sent to MHRS:\n%(problems)s", name=self.schedule.name, problems=text
                )
            )
        conflicts = self.conflicts(lines)
        if conflicts:
            raise UserError(self.conflict_message(conflicts))

    def booked_appointments(self, lines=None):
        """Booked appointments on ``lines`` (default: all blocks)."""
        lines = lines if lines is not None else self.schedule.line_ids
        return self.env["mhrs.appointment"].search(
            [("schedule_line_id", "in", lines.ids), ("state", "=", "booked")]
        )

    def check_booked(self, lines, what):
        self.schedule.ensure_one()
        if not lines:
            return
        booked = self.booked_appointments(lines)
        if booked:
            days = sorted({appointment.schedule_line_id._local_date() for appointment in booked})
            raise UserError(
                self.env._(
                    "%(name)s has %(count)s booked appointment(s) (%(days)s), so it cannot be %(what)s. "
                    "File an appointment exception (MHRS operation 13, Randevu İstisna) for the period "
                    "instead.",
                    name=self.schedule.name,
                    count=len(booked),
                    days=", ".join(self.schedule._mhrs_format_date(day) for day in days),
                    what=what,
                )
            )

    def bullets(self, items, indent=""):
        """``items`` as a bulleted list of at most MAX_LISTED lines, then "… and N more"."""
        lines = [f"{indent}• {item}" for item in items[:MAX_LISTED]]
        if len(items) > MAX_LISTED:
            lines.append(indent + self.env._("… and %(count)s more", count=len(items) - MAX_LISTED))
        return "\n".join(lines)
