from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import is_valid_tckn
from ..tools.actions import count_by, open_list
from ..tools.outcome import mhrs_entry_point
from ..tools.run_kinds import SYNC_KINDS
from ..wire import errors

HEALTH = [("ok", "In Sync"), ("warning", "Needs Attention"), ("danger", "Not Synced")]
HEALTH_COLORS = {"ok": 10, "warning": 2, "danger": 1}
# A physician whose last complete sync is older than this many shortest durations is flagged.
STALE_FACTOR = 3


class MhrsPhysician(models.Model):
    """A physician whose schedules are sent to MHRS and whose appointments are synchronised."""

    _name = "mhrs.physician"
    _description = "MHRS Physician"
    _inherit = ["mail.thread", "mail.activity.mixin", "mhrs.call.log.link"]
    _order = "name, id"
    _check_company_auto = True
    _rec_names_search = ["name", "tckn"]

    name = fields.Char(required=True, tracking=True, help="Full name of the physician.")
    tckn = fields.Char(
        string="TCKN",
        required=True,
        size=11,
        tracking=True,
        copy=False,
        help="T.C. Kimlik No: MHRS identifies the physician by it (HekimKodu).",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="The hospital the physician works for.",
    )
    mhrs_linked_branch_ids = fields.Many2many(
        "mhrs.branch",
        "mhrs_physician_linked_branch_rel",
        "physician_id",
        "branch_id",
        string="Branches Linked on MHRS",
        readonly=True,
        copy=False,
        help="Branches (klinik) MHRS knows this physician in (klinik hekim ekleme); a schedule registration "
        "links the physician to its branch first when it is not in this list.",
    )
    mhrs_link_needed = fields.Boolean(
        string="Link on MHRS Needed",
        compute="_compute_mhrs_link_needed",
        help="Link on MHRS is offered only while a registered clinic's branch is not linked yet.",
    )
    mhrs_temporary_duty = fields.Boolean(
        string="Temporary Duty",
        tracking=True,
        help="The physician works here on temporary duty (geçici görevli): said to MHRS when the physician "
        "is linked to a branch (klinik hekim ekleme).",
    )
    clinic_ids = fields.Many2many(
        "mhrs.clinic",
        "mhrs_clinic_physician_rel",
        "physician_id",
        "clinic_id",
        string="Clinics",
        check_company=True,
        help="Clinics where the physician sees patients.",
    )
    user_id = fields.Many2one(
        "res.users",
        check_company=True,
        tracking=True,
        help="The physician's Odoo user, if any.",
    )
    mhrs_sync = fields.Boolean(
        string="Sync with MHRS",
        default=True,
        tracking=True,
        help="Query this physician's MHRS appointments in the automatic appointment synchronisation. "
        "Turned off, the appointments booked outside this Odoo (MHRS web, mobile app, call centre) never "
        "come here: their patients cannot be checked in and MHRS receives no attended / not attended "
        "status for them. Only the appointments booked at this desk are still reported.",
    )
    active = fields.Boolean(default=True, help="Archive physicians who left the hospital.")
    schedule_count = fields.Integer(
        string="Schedules", compute="_compute_smart_counts", help="Work schedules of the physician."
    )
    appointment_count = fields.Integer(
        string="Appointments", compute="_compute_smart_counts", help="Appointments with the physician."
    )
    mhrs_last_complete_sync = fields.Datetime(
        string="Last Complete Sync",
        compute="_compute_mhrs_last_complete_sync",
        help="Start of the last appointment sync run that queried this physician without error.",
    )
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

    _sql_constraints = [
        ("tckn_company_uniq", "unique(tckn, company_id)", "A physician with this TCKN already exists."),
    ]

    # ------------------------------------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------------------------------------
    @api.depends("clinic_ids.state", "clinic_ids.mhrs_branch_id", "mhrs_linked_branch_ids")
    def _compute_mhrs_link_needed(self):
        # The same rule as action_mhrs_link, so that the button is not offered only to refuse.
        for physician in self:
            registered = physician.clinic_ids.filtered(lambda clinic: clinic.state == "registered")
            branches = registered.mhrs_branch_id
            physician.mhrs_link_needed = bool(branches - physician.mhrs_linked_branch_ids)

    def _compute_smart_counts(self):
        ids = self._origin.ids
        schedules = count_by(self.env, "mhrs.schedule", "physician_id", ids)
        appointments = count_by(self.env, "mhrs.appointment", "physician_id", ids)
        for physician in self:
            physician.schedule_count = schedules.get(physician._origin.id, 0)
            physician.appointment_count = appointments.get(physician._origin.id, 0)

    def _compute_mhrs_last_complete_sync(self):
        """One query for all the physicians (the status page shows it on every card)."""
        last = {}
        ids = tuple(physician_id for physician_id in self.ids if physician_id)
        if ids:
            self.env["mhrs.sync.run"].flush_model()
            self.env.cr.execute(
                """
                SELECT rp.physician_id, max(r.started_at)
                  FROM mhrs_sync_run_physician_rel rp
                  JOIN mhrs_sync_run r ON r.id = rp.run_id
                 WHERE rp.physician_id IN %s
                   AND r.state IN ('done', 'partial')
                   AND r.kind IN %s
                   AND NOT EXISTS (
                       SELECT 1 FROM mhrs_sync_run_failed_physician_rel f
                        WHERE f.run_id = r.id AND f.physician_id = rp.physician_id
                   )
                 GROUP BY rp.physician_id
                """,
                (ids, SYNC_KINDS),
            )
            last = dict(self.env.cr.fetchall())
        for physician in self:
            physician.mhrs_last_complete_sync = last.get(physician.id, False)

    def _compute_mhrs_status(self):
        Appointment = self.env["mhrs.appointment"]
        today = {company.id: Appointment._mhrs_today_bounds(company) for company in self.company_id}
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
        to_send = {
            physician.id: count
            for physician, count in Appointment._read_group(
                [("physician_id", "in", self.ids), ("mhrs_status", "=", "to_send")],
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

    @api.constrains("tckn")
    def _check_tckn(self):
        for physician in self:
            if not is_valid_tckn(physician.tckn):
                raise ValidationError(
                    self.env._(
                        "%(tckn)s is not a valid T.C. Kimlik No (11 digits with correct check digits).",
                        tckn=physician.tckn,
                    )
                )

    # ------------------------------------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("tckn"):
                vals["tckn"] = vals["tckn"].strip()
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("tckn"):
            vals["tckn"] = vals["tckn"].strip()
        return super().write(vals)

    # ------------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------------
    def action_open_schedules(self):
        self.ensure_one()
        return open_list(
            self.env,
            "mhrs.schedule",
            [("physician_id", "=", self.id)],
            self.env._("Schedules: %(name)s", name=self.name),
            views=("list", "calendar", "form"),
            context={"default_physician_id": self.id},
            create=True,
        )

    def action_open_appointments(self):
        self.ensure_one()
        return open_list(
            self.env,
            "mhrs.appointment",
            [("physician_id", "=", self.id)],
            self.env._("Appointments: %(name)s", name=self.name),
            views=("calendar", "list", "form"),
        )

    # ------------------------------------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------------------------------------
    def _call_log_targets(self):
        return [
            self.env["mhrs.schedule"].search([("physician_id", "in", self.ids)]),
            self.env["mhrs.appointment"].search([("physician_id", "in", self.ids)]),
            self.env["mhrs.exception"].search([("physician_id", "in", self.ids)]),
        ]

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

    def _mhrs_ensure_link(self, branch, record=None):
        """Link this physician to ``branch`` at MHRS (a schedule is refused otherwise) unless it is known
        to be linked; raises the wire's typed errors like any call."""
        self.ensure_one()
        self.company_id._mhrs_ensure_branch(branch, record=record)
        if branch in self.mhrs_linked_branch_ids:
            return False
        self.env["mhrs.client"]._mhrs_call(
            "physician_link",
            company=self.company_id,
            record=record,
            branch=branch.code,
            physician=self.tckn,
            temporary=self.mhrs_temporary_duty,
        )
        self.sudo().mhrs_linked_branch_ids = [fields.Command.link(branch.id)]
        return True

    @mhrs_entry_point
    def action_mhrs_link(self):
        """Link the physician at MHRS to the branch of each of their registered clinics (klinik hekim
        ekleme), registering the branch first when needed. A link MHRS made stays recorded whatever MHRS
        answers for the next branch (sticky warning instead of an error)."""
        self.ensure_one()
        connector = self.env["mhrs.client"]
        branches = self.clinic_ids.filtered(lambda clinic: clinic.state == "registered").mhrs_branch_id
        todo = branches - self.mhrs_linked_branch_ids
        if not todo:
            raise UserError(
                self.env._(
                    "Nothing to link: %(name)s is linked on MHRS to the branch of every registered clinic "
                    "(or has no registered clinic).",
                    name=self.name,
                )
            )
        done, answered = self.env["mhrs.branch"], False
        for branch in todo:
            try:
                # The branch first (its registration is a step of its own, kept whatever follows).
                answered = self.company_id._mhrs_ensure_branch(branch, record=self) or answered
                self._mhrs_ensure_link(branch, record=self)
            except errors.MhrsError as exc:
                if not answered:
                    raise UserError(connector._mhrs_button_message(exc)) from exc
                message = self.env._(
                    "Linked on MHRS to %(done)s; then MHRS answered for %(branch)s: %(error)s",
                    done=", ".join(done.mapped("display_name")) or "-",
                    branch=branch.display_name,
                    error=connector._mhrs_error_message(exc),
                )
                self._message_log(body=message)
                return connector._mhrs_notify(
                    self.env._("Partly linked"), message, kind="warning", sticky=True
                )
            done |= branch
            answered = True
        self._message_log(
            body=self.env._(
                "Linked on MHRS to %(branches)s.", branches=", ".join(done.mapped("display_name"))
            )
        )
        return connector._mhrs_notify(
            self.env._("Physician linked"),
            self.env._(
                "%(name)s is linked on MHRS to %(branches)s.",
                name=self.name,
                branches=", ".join(done.mapped("display_name")),
            ),
        )
