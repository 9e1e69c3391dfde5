"""The MHRS workflow of a work schedule (row 9-12 of the directive, issue #14), in one plain class.

``ScheduleWorkflow(schedule)`` is what the buttons of ``mhrs.schedule`` and its ``_mhrs_operations``
table hand their work to: the registration plan (the branch and the physician's link first, each block
added as a draft, then the drafts finalised), the finalisation of drafts (one schedule, many at once, the
job that finalises ahead), the change of a final schedule (blocks deleted and added, or updated on REST),
the cancellation (final blocks, or the drafts one by one) and the adoption of what MHRS already holds
after a lost answer. The outcome of every MHRS answer is recorded through the schedule's
``mhrs.record.mixin`` methods (``_mhrs_execute``, ``_mhrs_outcome_recorded``, ``_mhrs_followup``), and so
is a refusal (``_mhrs_failed``): raised before MHRS did anything in the press, recorded once it did
(``outcome.held``). Only the blocks MHRS refuses one by one are the workflow's own.

Local checks (EK 2, conflicts, booked appointments) are ``engines/schedule_checks.py``.
"""

import logging
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError

from ..tools import can_commit, outcome
from ..tools.dates import from_wire, to_wire
from ..tools.messages import user_message
from ..wire import errors
from .schedule_checks import ScheduleChecks

_logger = logging.getLogger(__name__)


class ScheduleWorkflow:
    """The MHRS steps of one schedule (``mhrs.schedule`` record); see the module docstring."""

    def __init__(self, schedule):
        schedule.ensure_one()
        self.schedule = schedule
        self.checks = ScheduleChecks(schedule)

    @property
    def env(self):
        return self.schedule.env

    def cancel_drafts(self):
        """Cancel a schedule MHRS holds only as drafts: each draft is deleted at MHRS. A draft MHRS
        deleted stays deleted here whatever happens to the next one (the rollback rule)."""
        schedule = self.schedule
        lines = schedule._mhrs_draft_lines()
        done = self.env["mhrs.schedule.line"]
        for line in lines:
            try:
                self.delete_drafts_of(line)
            except errors.MhrsError as exc:
                if not done:
                    raise UserError(self.env["mhrs.client"]._mhrs_button_message(exc)) from exc
                message = self.env._(
                    "%(done)s draft block(s) of %(name)s were withdrawn from MHRS, then MHRS answered: "
                    "%(error)s. Press Cancel Schedule again to withdraw the others.",
                    done=len(done),
                    name=schedule.name,
                    error=self.env["mhrs.client"]._mhrs_error_message(exc),
                )
                schedule.write({"mhrs_sync_state": "error", "mhrs_last_error": message})
                schedule._mhrs_outcome_recorded()
                schedule._mhrs_followup(schedule._mhrs_log_note, message)
                return self.env["mhrs.client"]._mhrs_notify(
                    self.env._("Schedule partly cancelled"), message, kind="warning", sticky=True
                )
            line.write({"state": "cancelled", "mhrs_draft_id": False, "mhrs_changed": False})
            done |= line
        (schedule.line_ids - done).write({"state": "cancelled", "mhrs_changed": False})
        schedule.write({"state": "cancelled", "mhrs_sync_state": "synced", "mhrs_last_error": False})
        schedule._mhrs_outcome_recorded()
        schedule._mhrs_followup(
            schedule._mhrs_log_note, self.env._("Draft blocks withdrawn from MHRS; schedule cancelled.")
        )
        return self.env["mhrs.client"]._mhrs_notify(
            self.env._("Schedule cancelled"),
            self.env._("%(name)s is cancelled: its drafts are deleted on MHRS.", name=schedule.name),
        )

    def delete_drafts_of(self, line):
        """Delete the draft(s) of ``line`` at MHRS. A draft MHRS does not know (CTV-002: an earlier
        delete whose answer was lost) is gone, which is what was asked, unless MHRS holds the block as
        final (finalised meanwhile): then the refusal stands."""
        for draft_id in (line.mhrs_draft_id or "").split(","):
            if not draft_id.isdigit():
                continue
            try:
                self.env["mhrs.client"]._mhrs_call(
                    "draft_delete", record=self.schedule, draft_id=int(draft_id)
                )
            except errors.MhrsBusinessError as exc:
                if exc.code != "CTV-002" or self.match_final(line):
                    raise
                _logger.info("MHRS: draft %s of %s was already deleted at MHRS", draft_id, self.schedule)

    @staticmethod
    def finalise_many(schedules):
        """Finalise the drafts of many schedules in one step (the plan wizard, the job): one
        finalisation per physician and period, as MHRS takes it. Every schedule is checked before any
        call; each one's outcome is its own (a refusal for one never undoes another's finalisation).
        Returns {schedule: (result, reason)} with result "registered", "created" (kept) or "failed"."""
        schedules = schedules.filtered(lambda schedule: schedule._mhrs_draft_lines())
        if not schedules:
            raise UserError(
                schedules.env._("Nothing to finalise: none of these schedules has drafts at MHRS.")
            )
        for schedule in schedules:
            ScheduleChecks(schedule).check_before_sending(schedule._mhrs_draft_lines())
        results = {}
        for schedule in schedules:
            try:
                with schedules.env.cr.savepoint():
                    result = schedule._mhrs_run("draft_finalise")
            except UserError as exc:
                results[schedule] = ("failed", exc.args[0])
                continue
            finally:
                outcome.item_done(schedules.env)
            if ScheduleWorkflow(schedule).refused_midway(result):
                # Refused after MHRS finalised another schedule of this press: recorded, not raised.
                results[schedule] = ("failed", schedule.mhrs_last_error)
            elif result is None:
                results[schedule] = ("created", schedule._mhrs_kept_message())
            elif result is False:  # MHRS answered, storing it failed: kept To Retry, which adopts it
                results[schedule] = ("created", schedule._mhrs_partly_done_message(schedule.mhrs_last_error))
            else:
                results[schedule] = ("registered", False)
        return results

    @classmethod
    def finalise_ahead(cls, schedules, company):
        """One company's finalisation ahead (``mhrs.schedule._cron_finalise_ahead``), on the model
        ``schedules``: each schedule's drafts in their own savepoint, committed once MHRS answered."""
        if not company.mhrs_finalise_days_ahead:
            return True
        now = fields.Datetime.now()
        until = now + timedelta(days=company.mhrs_finalise_days_ahead)
        model = schedules.with_company(company).with_context(mhrs_trigger="cron", mhrs_finalise_until=until)
        lines = model.env["mhrs.schedule.line"].search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "mhrs_draft"),
                ("mhrs_schedule_id", "=", False),
                ("date_start", "<", until),
                ("date_start", ">", now),
            ]
        )
        for schedule in model.browse(lines.schedule_id.ids):
            try:
                # Each schedule is an entry point of the job, as a record of the retry job is: the drafts
                # MHRS took again are recorded with a refusal of their finalisation, not rolled back.
                with model.env.cr.savepoint(), outcome.scope(model.env.cr):
                    results = cls.finalise_many(schedule)
            except (UserError, errors.MhrsError) as exc:
                _logger.warning("MHRS: drafts of %s not finalised: %s", schedule.display_name, exc)
                continue
            for result, reason in results.values():
                if result != "registered":
                    _logger.warning("MHRS: drafts of %s not finalised: %s", schedule.display_name, reason)
            # What MHRS finalised is committed at once: a later schedule's failure cannot undo it.
            if can_commit():
                model.env.cr.commit()  # pylint: disable=invalid-commit
        return True

    def register(self):
        """Checks, then the registration call; returns (blocks sent, result or None)."""
        schedule = self.schedule
        if schedule.state != "draft":
            raise UserError(
                self.env._(
                    "%(name)s is already %(state)s: a schedule is registered on MHRS only once.",
                    name=schedule.name,
                    state=dict(schedule._fields["state"]._description_selection(self.env))[schedule.state],
                )
            )
        if not schedule.line_ids:
            schedule._generate_lines()
        lines = schedule._mhrs_lines_to_register()
        if not lines:
            raise UserError(self.env._("The schedule has no blocks: choose a template and generate them."))
        self.checks.check_before_sending(lines)
        return lines, schedule._mhrs_run("draft_add")

    def finalise_on_register(self):
        return self.env.context.get("mhrs_finalise") or self.schedule.company_id.mhrs_finalise_on_register

    def register_result(self, sent, result):
        schedule = self.schedule
        connector = self.env["mhrs.client"]
        if result is not None and sent and not sent.filtered(lambda line: line.state != "error"):
            return connector._mhrs_notify(
                self.env._("MHRS refused the schedule"),
                schedule.mhrs_last_error,
                kind="danger",
                sticky=True,
            )
        if self.refused_midway(result):
            # MHRS did a step (branch, drafts) then refused the next: recorded, not undone (rollback rule).
            title = (
                self.env._("Drafts sent, not finalised")
                if schedule.state == "mhrs_draft"
                else self.env._("Not registered")
            )
            return connector._mhrs_notify(title, schedule.mhrs_last_error, kind="warning", sticky=True)
        if result is not None and schedule.state == "mhrs_draft":
            return schedule._mhrs_action_result(
                result,
                self.env._("Schedule sent as drafts"),
                self.env._(
                    "%(name)s is at MHRS as drafts (%(count)s blocks): press Finalise to make it bookable.",
                    name=schedule.name,
                    count=len(schedule._mhrs_draft_lines()),
                ),
                self.line_warnings(),
            )
        return schedule._mhrs_action_result(
            result,
            self.env._("Schedule registered"),
            self.env._(
                "%(name)s is registered on MHRS (%(count)s blocks).", name=schedule.name, count=len(sent)
            ),
            self.line_warnings(),
        )

    def refused_midway(self, result):
        """Whether MHRS did a step of this press, then refused the next one, and that is recorded: by the
        schedule's refusal path (False, the schedule in error; False To Retry is an answer that could not
        be stored) or, for the finalisation of the drafts, with them (send_blocks' ``"error"``)."""
        if result is False:
            return self.schedule.mhrs_sync_state == "error"
        return isinstance(result, dict) and bool(result.get("error"))

    def line_warnings(self):
        failed = self.schedule.line_ids.filtered(lambda line: line.state == "error")
        return [self.failed_lines_message(failed)] if failed else []

    def failed_lines_message(self, failed):
        rows = self.checks.bullets([f"{line._local_label()}: {line.mhrs_error}" for line in failed])
        return self.env._(
            "MHRS refused %(count)s block(s) of %(name)s:\n%(rows)s",
            count=len(failed),
            name=self.schedule.name,
            rows=rows,
        )

    def place(self, lines=None):
        """Branch, physician, clinic and period of ``lines`` (default: all blocks) as the facade's
        schedule operations want them."""
        schedule = self.schedule
        lines = schedule.line_ids if lines is None else lines
        return {
            "branch": schedule.clinic_id.mhrs_branch_code,
            "start": to_wire(min(lines.mapped("date_start"))),
            "end": to_wire(max(lines.mapped("date_end"))),
            "physician": schedule.physician_id.tckn,
            "clinic": schedule.clinic_id.mhrs_clinic_code,
        }

    def send_blocks(self, lines):
        """Row 9 as the real MHRS has it: link the physician to the branch when needed, add each block
        as a draft, then finalise the drafts of the period so that they are bookable. Returns
        ``{"final": {line id: final id}, "refused": {line id: message}}``, with ``"error"`` when MHRS
        refused the finalisation of the drafts.

        A refused branch or link is the schedule's refusal (``_mhrs_failed``): raised when MHRS did
        nothing yet in this press, recorded after it registered the branch. A block MHRS refuses is
        reported on its own and the others go on, as with the old per-item answer. When MHRS stops
        answering midway, the drafts added by this attempt are withdrawn (best effort) so that the retry
        does not collide with them, and the transport error is raised."""
        schedule = self.schedule
        schedule.physician_id._mhrs_ensure_link(schedule.clinic_id.mhrs_branch_id, record=schedule)
        refused, added = {}, self.env["mhrs.schedule.line"]
        for line in lines.filtered(lambda line: not line.mhrs_draft_id):
            try:
                draft_id = self.add_draft(line)
            except errors.MhrsBusinessError as exc:
                refused[line.id] = f"{exc.code}: {user_message(self.env, exc)}"
                continue
            except errors.MhrsError:
                for draft in added:
                    self.withdraw_draft(draft)
                raise
            # Recorded at once (draft id and state): a finalisation that does not answer or is refused
            # is done again later without new drafts.
            line.write({"mhrs_draft_id": draft_id, "state": "mhrs_draft"})
            added |= line
        if added and schedule.state == "draft":
            schedule.state = "mhrs_draft"
        sent = lines.filtered(lambda line: line.id not in refused and line.mhrs_draft_id)
        result = {"final": {}, "refused": refused}
        if sent and self.finalise_on_register():
            try:
                result["final"] = self.finalise_lines(sent)
            except errors.MhrsBusinessError as exc:
                # MHRS holds the drafts: the refusal of the next step is recorded, never rolled back.
                # Not the schedule's refusal path: the drafts and the blocks MHRS refused are this
                # operation's result, stored with the refusal (apply_blocks), which says what to press.
                result["error"] = self.env._(
                    "%(count)s block(s) of %(name)s are drafts at MHRS, but MHRS refused their "
                    "finalisation: %(error)s\nPress Finalise when the cause is removed.",
                    count=len(sent),
                    name=schedule.name,
                    error=schedule._mhrs_business_message(exc),
                )
        return result

    def resend_changed_drafts(self):
        """Drafts changed here since they were sent: MHRS holds the old values, so each is deleted and
        added again before the finalisation. Each step MHRS answered is recorded at once; a refused new
        draft leaves its block refused (the old draft is gone) and the others go on. Returns
        {line id: error}."""
        refused = {}
        for line in self.schedule._mhrs_draft_lines().filtered("mhrs_changed"):
            try:
                self.delete_drafts_of(line)
            except errors.MhrsBusinessError as exc:
                if not outcome.held(self.env.cr):
                    raise  # nothing answered yet in this press: the schedule's refusal
                refused[line.id] = f"{exc.code}: {user_message(self.env, exc)}"
                continue
            line.write({"mhrs_draft_id": False, "state": "draft"})
            try:
                draft_id = self.add_draft(line)
            except errors.MhrsBusinessError as exc:
                refused[line.id] = f"{exc.code}: {user_message(self.env, exc)}"
                continue
            line.write({"mhrs_draft_id": draft_id, "state": "mhrs_draft", "mhrs_changed": False})
        return refused

    def add_draft(self, line):
        """Send ``line`` as a draft; the draft id(s) MHRS gave, as the block stores them."""
        ids = self.env["mhrs.client"]._mhrs_call("draft_add", record=self.schedule, block=line._mhrs_block())
        return ",".join(str(i) for i in ids) or "?"

    def finalise_lines(self, lines):
        """Finalise the drafts of ``lines``' period for the physician; {line id: final id}."""
        self.env["mhrs.client"]._mhrs_call("draft_finalise", record=self.schedule, **self.place(lines))
        return self.match_final(lines)

    def message_draft_finalise(self):
        return self.env._("Drafts finalised on MHRS (Taslak Cetvel Kesinleştirme): the blocks are bookable.")

    def withdraw_draft(self, line):
        """Withdraw the draft(s) of ``line`` added by an attempt that then failed (best effort)."""
        schedule = self.schedule
        for draft_id in (line.mhrs_draft_id or "").split(","):
            if not draft_id.isdigit():
                continue
            try:
                self.env["mhrs.client"]._mhrs_call("draft_delete", record=schedule, draft_id=int(draft_id))
            except errors.MhrsError:
                _logger.warning("MHRS: draft %s of %s could not be withdrawn", draft_id, schedule)
        line.write({"mhrs_draft_id": False, "state": "draft"})
        if schedule.state == "mhrs_draft" and not schedule._mhrs_draft_lines():
            schedule.state = "draft"

    def match_final(self, lines):
        """{line id: final id} for the blocks MHRS holds as final in their period (matched by start, end
        and action: the final ids are not mapped to the drafts on every wire)."""
        rows = self.env["mhrs.client"]._mhrs_call("schedule_query", record=self.schedule, **self.place(lines))
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

    def apply_blocks(self, result):
        schedule = self.schedule
        final = result["final"]
        for line in schedule.line_ids.filtered(lambda line: line.id in final):
            line.write(
                {
                    "mhrs_schedule_id": str(final[line.id]),
                    "mhrs_draft_id": False,
                    "state": "registered",
                    "mhrs_error": False,
                    "mhrs_changed": False,
                }
            )
        self.refuse_blocks(
            {line_id: error for line_id, error in result["refused"].items() if line_id not in final}
        )
        if schedule.state in ("draft", "mhrs_draft"):
            if schedule.line_ids.filtered(lambda line: line.state == "registered"):
                schedule.state = "registered"
            elif schedule._mhrs_draft_lines():
                schedule.state = "mhrs_draft"
        failed = schedule.line_ids.filtered(lambda line: line.state == "error")
        messages = [self.failed_lines_message(failed)] if failed else []
        if result.get("error"):
            messages.append(result["error"])
        if messages:
            message = "\n".join(messages)
            schedule.write({"mhrs_sync_state": "error", "mhrs_last_error": message})
            schedule._mhrs_outcome_recorded()
            schedule._mhrs_followup(schedule._mhrs_log_note, message)

    def refuse_blocks(self, refused):
        """Store MHRS's refusal of single blocks ({line id: error}) on them."""
        for line in self.schedule.line_ids.filtered(lambda line: line.id in refused):
            line.write({"state": "error", "mhrs_error": refused[line.id], "mhrs_draft_id": False})

    def message_draft_add(self):
        return self.env._("Blocks sent to MHRS (Çalışma Cetveli Kayıt).")

    def payload_cancel(self):
        lines = self.schedule.line_ids.filtered(
            lambda line: line.state == "registered" and line.mhrs_schedule_id
        )
        return {"final_ids": [int(line.mhrs_schedule_id) for line in lines], **self.place(lines)}

    def apply_cancel(self, result):
        self.schedule.line_ids.write({"state": "cancelled", "mhrs_changed": False})
        self.schedule.state = "cancelled"

    def message_cancel(self):
        return self.env._("Cancelled on MHRS.")

    def update_plan(self):
        """What an update must send: blocks to cancel (left outside the period), to update, to register."""
        schedule = self.schedule
        weekdays = schedule._weekdays()
        cancel = self.env["mhrs.schedule.line"]
        for line in schedule.line_ids.filtered(lambda line: line.state == "registered"):
            day = line._local_date()
            if not schedule._mhrs_in_period(day, weekdays):
                cancel |= line
        changed = schedule.line_ids.filtered(lambda line: line.state == "registered" and line.mhrs_changed)
        update = changed - cancel
        register = schedule._mhrs_lines_to_register()
        return {"cancel": cancel, "update": update, "register": register}

    def send_changes(self):
        """Send the update plan: one cancel call, one update call per changed block, one register call.

        Stops at the first transport error and keeps "schedule_update" for the retry job, and at the
        first refusal: each call is the schedule's (``_mhrs_execute``), whose refusal is raised before
        MHRS did anything in this press and recorded after it.
        """
        schedule = self.schedule
        plan = self.update_plan()
        steps = []
        if plan["cancel"]:
            steps.append(
                self.step_delete(
                    plan["cancel"],
                    self.env._("Blocks outside the new period cancelled on MHRS."),
                    {"state": "cancelled"},
                )
            )
        if plan["update"] and schedule.company_id.mhrs_interface == "g2":
            # G2 has no known plan change (KurumKesinCetvelGuncelleme is a type ATLAS never calls, and a
            # final block is not edited in place): the changed blocks are deleted, then sent again as
            # drafts and finalised, each keeping its Odoo block (and appointments) with the new id.
            steps.append(
                self.step_delete(
                    plan["update"],
                    self.env._("Changed blocks deleted on MHRS, to be added again."),
                    {"state": "draft", "mhrs_schedule_id": False, "mhrs_error": False},
                )
            )
        else:
            steps += [self.step_update(line) for line in plan["update"]]
        if plan["register"] or (plan["update"] and schedule.company_id.mhrs_interface == "g2"):
            steps.append(self.step_register())
        result = {}
        for step in steps:
            result = step()
            if result is None:
                return self.keep_update_for_retry()
            if result is False:  # refused after an earlier step: already recorded by _mhrs_execute
                return result
        return result

    def step_delete(self, lines, message, vals):
        """Delete the final ``lines`` at MHRS; once done, they take ``vals``."""

        def step():
            return self.schedule._mhrs_execute(
                "schedule_cancel",
                message,
                applier=lambda result: lines.write({"mhrs_changed": False, **vals}),
                final_ids=[int(line.mhrs_schedule_id) for line in lines],
                **self.place(lines),
            )

        return step

    def step_update(self, line):
        def step():
            return self.schedule._mhrs_execute(
                "schedule_update",
                self.env._("Block %(block)s updated on MHRS.", block=line._local_label()),
                applier=lambda result: line.write(
                    {"mhrs_schedule_id": str(result), "mhrs_changed": False, "mhrs_error": False}
                ),
                final_id=int(line.mhrs_schedule_id),
                block=line._mhrs_block(),
            )

        return step

    def step_register(self):
        def step():
            # Blocks added to a final schedule are finalised at once, whatever the registration setting:
            # the schedule stays bookable.
            return self.schedule.with_context(
                mhrs_finalise=self.schedule.state == "registered"
            )._mhrs_execute("draft_add", self.message_draft_add(), applier=self.apply_blocks)

        return step

    def send_finalise(self):
        """draft_finalise: drafts changed here are sent again, then the period is finalised. A refused
        finalisation is the schedule's refusal (``_mhrs_failed``), recorded with the drafts sent again
        in this press; the blocks MHRS refused meanwhile are stored first."""
        refused = self.resend_changed_drafts()
        lines = self.schedule._mhrs_draft_lines()
        try:
            final = self.finalise_lines(lines) if lines else {}
        except errors.MhrsBusinessError:
            self.refuse_blocks(refused)
            raise
        return {"final": final, "refused": refused}

    def send_delete(self, payload):
        """Delete final blocks (G2 ``KurumKesinCetvelSilme``; REST's plan change): the cancellation, the
        blocks left outside a shortened period, the blocks G2 replaces. When the answer of an earlier
        delete was lost (the schedule is To Retry with it), MHRS may have applied it: the resent delete
        is then refused with CTV-002 ("schedule not found"). That is what was asked, so the deletion is
        adopted when MHRS holds none of the blocks any more (asked in one query)."""
        schedule = self.schedule
        try:
            return schedule.env["mhrs.client"]._mhrs_call("schedule_cancel", record=schedule, **payload)
        except errors.MhrsBusinessError as exc:
            if exc.code != "CTV-002" or not self.delete_was_lost():
                raise
            place = {key: value for key, value in payload.items() if key != "final_ids"}
            rows = schedule.env["mhrs.client"]._mhrs_call("schedule_query", record=schedule, **place)
            held = {str(row["id"]) for row in rows if row.get("final", True)}
            if held & {str(final_id) for final_id in payload["final_ids"]}:
                raise  # MHRS still holds some: the refusal is MHRS's to explain
            message = self.env._(
                "MHRS no longer held the %(count)s deleted block(s) of %(name)s (the answer of the earlier "
                "delete was lost): the deletion is adopted.",
                count=len(payload["final_ids"]),
                name=schedule.name,
            )
            outcome.answered(schedule.env.cr, message)
            schedule._mhrs_followup(schedule._mhrs_log_note, message)
            return list(payload["final_ids"])

    def delete_was_lost(self):
        """Whether the schedule keeps a delete whose answer MHRS never gave (an update or a cancel)."""
        schedule = self.schedule
        return schedule.mhrs_sync_state == "to_retry" and schedule.mhrs_pending_operation in (
            "schedule_update",
            "schedule_cancel",
        )

    def adopt_existing(self, operation):
        """Blocks whose registration answer was lost are found at MHRS (final blocks of the physician
        at the same times, same action) and adopted; only the blocks MHRS does not hold are resent."""
        schedule = self.schedule
        lines = (
            schedule._mhrs_draft_lines()
            if operation == "draft_finalise"
            else schedule._mhrs_lines_to_register()
        )
        if not lines:
            return False
        found = self.match_final(lines)
        if not found:
            return False
        self.apply_blocks({"final": found, "refused": {}})
        if len(found) < len(lines) or operation == "schedule_update":
            return False  # the other blocks (or the other steps of the update) are still sent
        schedule._mhrs_mark_adopted(
            self.env._(
                "MHRS already held the %(count)s blocks of this schedule: adopted instead of registering "
                "them twice.",
                count=len(found),
            )
        )
        return True

    def keep_update_for_retry(self):
        self.schedule.mhrs_pending_operation = "schedule_update"
