from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engines.schedule_checks import ScheduleChecks
from ..tools.dates import WEEKDAY_FIELDS, company_tz, from_wire, local_today, to_local


class MhrsScheduleQueryWizard(models.TransientModel):
    """Schedule query (operation 11): what differs between MHRS and Odoo for a physician, a clinic and a
    period; blocks only at MHRS can be imported into new schedules."""

    _name = "mhrs.schedule.query.wizard"
    _description = "MHRS Schedule Query"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        help="The institution whose schedules are compared.",
    )
    physician_id = fields.Many2one(
        "mhrs.physician",
        check_company=True,
        help="Compare this physician's schedules only (HekimKodu). Empty: all physicians.",
    )
    clinic_id = fields.Many2one(
        "mhrs.clinic",
        check_company=True,
        domain="[('mhrs_clinic_code', '!=', 0)]",
        help="Compare this clinic's schedules only (AltKlinikKodu). Empty: all clinics.",
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: local_today(self.env.company),
        help="First day compared.",
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: local_today(self.env.company) + timedelta(days=30),
        help="Last day compared (included).",
    )
    state = fields.Selection(
        [("draft", "Criteria"), ("done", "Compared")], default="draft", required=True, string="Step"
    )
    line_ids = fields.One2many(
        "mhrs.schedule.query.wizard.line",
        "wizard_id",
        string="Differences",
        help="Blocks that exist on one side only or differ between MHRS and here.",
    )
    mhrs_count = fields.Integer(string="Blocks at MHRS", readonly=True, help="Blocks MHRS returned.")
    importable_count = fields.Integer(
        string="Importable", compute="_compute_importable_count", help="Selected blocks only at MHRS."
    )

    @api.depends("line_ids.to_import", "line_ids.kind")
    def _compute_importable_count(self):
        for wizard in self:
            wizard.importable_count = len(wizard.line_ids.filtered(lambda line: line._is_importable()))

    def _open(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Schedules: MHRS vs. here"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_compare(self):
        self.ensure_one()
        if self.date_to < self.date_from:
            raise UserError(self.env._("The period must end on or after its first day."))
        tz = company_tz(self.company_id)
        start = datetime.combine(self.date_from, time.min).replace(tzinfo=tz)
        end = datetime.combine(self.date_to + timedelta(days=1), time.min).replace(tzinfo=tz)
        # MHRS answers one branch per query: the clinic's, else every branch the institution registered.
        if self.clinic_id:
            branches = [self.clinic_id.mhrs_branch_code]
        else:
            branches = self.env["mhrs.clinic"]._mhrs_query_branches(self.company_id)
        rows = []
        for branch in branches:
            rows += self.env["mhrs.client"]._mhrs_call_ui(
                "schedule_query",
                company=self.company_id,
                branch=branch,
                start=start,
                end=end,
                physician=self.physician_id.tckn or None,
                clinic=self.clinic_id.mhrs_clinic_code or None,
            )
        self.line_ids.unlink()
        self._fill_lines(rows, start, end)
        self.write({"state": "done", "mhrs_count": len(rows)})
        return self._open()

    def _local_lines(self, start, end):
        schedules = self.env["mhrs.schedule"]
        domain = [
            ("company_id", "=", self.company_id.id),
            ("state", "!=", "cancelled"),
            ("schedule_id.state", "!=", "cancelled"),
            ("date_start", "<", schedules._mhrs_from_mhrs(end)),
            ("date_end", ">", schedules._mhrs_from_mhrs(start)),
        ]
        if self.physician_id:
            domain.append(("physician_id", "=", self.physician_id.id))
        if self.clinic_id:
            domain.append(("clinic_id", "=", self.clinic_id.id))
        return self.env["mhrs.schedule.line"].search(domain)

    def _fill_lines(self, rows, start, end):
        """Compare MHRS's final blocks (the facade's schedule rows) with the blocks here (matched by the
        final id)."""
        self.ensure_one()
        local = self._local_lines(start, end)
        by_id = {line.mhrs_schedule_id: line for line in local if line.mhrs_schedule_id}
        physicians = {
            p.tckn: p for p in self.env["mhrs.physician"].search([("company_id", "=", self.company_id.id)])
        }
        clinics = {
            c.mhrs_clinic_code: c
            for c in self.env["mhrs.clinic"].search(
                [("company_id", "=", self.company_id.id), ("mhrs_clinic_code", "!=", 0)]
            )
        }
        actions = {a.code: a for a in self.env["mhrs.action.code"].with_context(active_test=False).search([])}
        seen = set()
        commands = []
        for row in rows:
            mhrs_id = str(row["id"])
            seen.add(mhrs_id)
            physician = physicians.get(row.get("physician"))
            clinic = clinics.get(row.get("clinic"))
            action = actions.get(row.get("action"))
            values = {
                "mhrs_schedule_id": mhrs_id,
                "physician_tckn": row.get("physician"),
                "physician_id": physician.id if physician else False,
                "mhrs_clinic_code": row.get("clinic"),
                "clinic_id": clinic.id if clinic else False,
                "date_start": from_wire(row["start"]),
                "date_end": from_wire(row["end"]),
                "action_code": row.get("action"),
                "action_code_id": action.id if action else False,
                "slot_minutes": row.get("slot_minutes") or 0,
                "patients_per_slot": row.get("capacity") or 0,
            }
            line = by_id.get(mhrs_id)
            if not line:
                notes = []
                if not physician:
                    notes.append(
                        self.env._("No physician with TCKN %(tckn)s here.", tckn=row.get("physician"))
                    )
                if not clinic:
                    notes.append(
                        self.env._("No clinic with MHRS code %(code)s here.", code=row.get("clinic"))
                    )
                if not action:
                    notes.append(self.env._("Unknown action code %(code)s.", code=row.get("action")))
                commands.append(
                    fields.Command.create(
                        dict(values, kind="only_mhrs", to_import=not notes, note="\n".join(notes))
                    )
                )
                continue
            notes = self._differences(line, values)
            if notes:
                commands.append(
                    fields.Command.create(
                        dict(values, kind="different", schedule_line_id=line.id, note="\n".join(notes))
                    )
                )
        for line in local:
            if line.mhrs_schedule_id in seen:
                continue
            if line.state == "registered":
                note = self.env._("MHRS does not know this block.")
            else:
                note = self.env._("Not registered on MHRS yet.")
            commands.append(
                fields.Command.create(
                    {
                        "kind": "only_here",
                        "schedule_line_id": line.id,
                        "physician_id": line.physician_id.id,
                        "clinic_id": line.clinic_id.id,
                        "date_start": line.date_start,
                        "date_end": line.date_end,
                        "action_code_id": line.action_code_id.id,
                        "action_code": line.action_code_id.code,
                        "slot_minutes": line.slot_minutes,
                        "patients_per_slot": line.patients_per_slot,
                        "mhrs_schedule_id": line.mhrs_schedule_id,
                        "note": note,
                    }
                )
            )
        self.write({"line_ids": commands})

    def _differences(self, line, values):
        notes = []
        tz = company_tz(self.company_id)
        fmt = self.env["mhrs.schedule"]._mhrs_format_range
        here = line._mhrs_definition()
        there = (
            values["date_start"],
            values["date_end"],
            values["action_code"],
            values["slot_minutes"],
            values["patients_per_slot"],
        )
        if here[:2] != there[:2]:
            notes.append(
                self.env._(
                    "Time: %(here)s here, %(mhrs)s at MHRS.",
                    here=fmt(here[0], here[1], tz),
                    mhrs=fmt(there[0], there[1], tz),
                )
            )
        if here[2] != there[2]:
            notes.append(self.env._("Action: %(here)s here, %(mhrs)s at MHRS.", here=here[2], mhrs=there[2]))
        if (here[3], here[4]) != (there[3], there[4]):
            notes.append(
                self.env._(
                    "Slots: %(here)s min × %(here_p)s here, %(mhrs)s min × %(mhrs_p)s at MHRS.",
                    here=here[3],
                    here_p=here[4],
                    mhrs=there[3],
                    mhrs_p=there[4],
                )
            )
        if line.physician_id.tckn != values["physician_tckn"]:
            notes.append(
                self.env._("Physician differs (TCKN %(tckn)s at MHRS).", tckn=values["physician_tckn"])
            )
        if line.clinic_id.mhrs_clinic_code != values["mhrs_clinic_code"]:
            notes.append(
                self.env._("Clinic differs (code %(code)s at MHRS).", code=values["mhrs_clinic_code"])
            )
        return notes

    def action_import(self):
        """Create registered schedules (one per physician and clinic) from the blocks only at MHRS."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line._is_importable())
        if not lines:
            raise UserError(self.env._("Nothing to import: select blocks that exist only at MHRS."))
        schedules_model = self.env["mhrs.schedule"]
        tz = company_tz(self.company_id)
        checks = ScheduleChecks(schedules_model)
        conflicts = checks.find_conflicts(
            (line.id, line.physician_id.tckn, line.date_start, line.date_end) for line in lines
        )
        if conflicts:
            raise UserError(checks.conflict_message(conflicts, self.company_id))
        groups = defaultdict(lambda: self.env["mhrs.schedule.query.wizard.line"])
        for line in lines:
            groups[(line.physician_id, line.clinic_id)] |= line
        created = schedules_model
        for (physician, clinic), group in groups.items():
            days = [to_local(line.date_start, tz).date() for line in group]
            weekdays = {day.weekday() for day in days}
            template_ids = {line.mhrs_template_id for line in group if line.mhrs_template_id}
            template = self.env["mhrs.template"].search(
                [("company_id", "=", self.company_id.id), ("mhrs_template_id", "in", list(template_ids))],
                limit=1,
            )
            vals = {
                "company_id": self.company_id.id,
                "physician_id": physician.id,
                "clinic_id": clinic.id,
                "template_id": template.id,
                "date_from": min(days),
                "date_to": max(days),
                "line_ids": [fields.Command.create(line._import_values()) for line in group],
            }
            vals.update({name: index in weekdays for index, name in enumerate(WEEKDAY_FIELDS)})
            schedule = schedules_model.create(vals)
            schedule.write({"state": "registered", "mhrs_sync_state": "synced"})
            schedule._mhrs_log_note(self.env._("Imported from MHRS (schedule query)."))
            created |= schedule
        lines.write({"to_import": False})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Imported Schedules"),
            "res_model": "mhrs.schedule",
            "view_mode": "list,form",
            "domain": [("id", "in", created.ids)],
        }
