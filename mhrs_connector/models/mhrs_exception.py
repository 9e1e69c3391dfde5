import base64
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engines.company_jobs import CompanyJobRunner
from ..tools.action_codes import EXCEPTION_ACTION_CODE_DOMAIN
from ..tools.dates import to_aware, user_datetime_text
from ..tools.outcome import mhrs_entry_point
from ..tools.record_operation import MhrsOperation
from ..wire import errors
from ..wire.operations import OPERATIONS

_logger = logging.getLogger(__name__)

EXCEPTION_STATES = [
    ("draft", "Draft"),
    ("sent", "Waiting for Approval"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
]
# IstisnaDurumKodu -> state
MHRS_EXCEPTION_STATES = {1: "sent", 2: "approved", 3: "rejected"}
FOLLOW_UP_DAYS = 7


class MhrsException(models.Model):
    """An appointment exception (randevu istisna, operation 13): a request to close a finalised,
    bookable period of a physician (leave, surgery...). The Ministry approves or rejects it; when
    approved, MHRS cancels the period's appointments."""

    _name = "mhrs.exception"
    _description = "MHRS Appointment Exception"
    _inherit = ["mail.thread", "mail.activity.mixin", "mhrs.record.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    # No ``name`` field: a search by name looks at the physician, the clinic and MHRS's id.
    _rec_names_search = ["physician_id", "clinic_id", "mhrs_exception_id"]

    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="The hospital asking for the exception.",
    )
    physician_id = fields.Many2one(
        "mhrs.physician",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        help="HekimKodu: the physician whose period is closed.",
    )
    clinic_id = fields.Many2one(
        "mhrs.clinic",
        required=True,
        tracking=True,
        check_company=True,
        help="KlinikKodu and AltKlinikKodu: the clinic whose period is closed.",
    )
    date_start = fields.Datetime(
        string="From", required=True, tracking=True, help="Start of the period to close."
    )
    date_end = fields.Datetime(string="To", required=True, tracking=True, help="End of the period to close.")
    action_code_id = fields.Many2one(
        "mhrs.action.code",
        string="Reason",
        required=True,
        tracking=True,
        domain=EXCEPTION_ACTION_CODE_DOMAIN,
        ondelete="restrict",
        help="AksiyonKodu: why the period is closed (annual leave, surgery, congress...).",
    )
    mhrs_interface = fields.Selection(
        related="company_id.mhrs_interface",
        string="MHRS Interface",
        help="How the company talks to MHRS: the action codes offered follow its numbering.",
    )
    description = fields.Text(
        required=True,
        help="Aciklama: the explanation the Ministry reads before approving.",
    )
    phone = fields.Char(help="TelefonNo: who to call about the request.")
    email = fields.Char(string="E-mail", help="Email: where to write about the request.")
    document = fields.Binary(
        string="Supporting Document", attachment=True, help="IstisnaDokuman: e.g. the leave approval."
    )
    document_name = fields.Char(help="IstisnaDokumanAdi.")
    state = fields.Selection(
        EXCEPTION_STATES,
        string="Status",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        help="Draft, sent and waiting for the Ministry's decision, approved (the period is closed and its "
        "appointments cancelled), rejected (see the reason) or cancelled before sending.",
    )
    mhrs_exception_id = fields.Char(
        string="MHRS Exception Id", readonly=True, copy=False, index=True, help="IstisnaId given by MHRS."
    )
    rejection_reason = fields.Text(
        readonly=True,
        copy=False,
        tracking=True,
        help="RedNedeni: why the Ministry refused.",
    )
    decided_at = fields.Datetime(
        string="Decided", readonly=True, copy=False, help="When the decision was seen."
    )
    appointment_ids = fields.Many2many(
        "mhrs.appointment",
        compute="_compute_appointment_ids",
        string="Affected Appointments",
        help="Booked appointments of the physician in the period: MHRS cancels them when the exception "
        "is approved.",
    )
    appointment_count = fields.Integer(compute="_compute_appointment_ids", string="Affected")
    mhrs_withdrawable = fields.Boolean(
        string="Can Be Withdrawn",
        compute="_compute_mhrs_withdrawable",
        help="Withdraw from MHRS is offered only for an exception waiting for approval, over an interface "
        "with a known way to delete it (SOAP G2; MHRS V2's path is unknown).",
    )

    # ------------------------------------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------------------------------------
    @api.depends("physician_id", "date_start")
    def _compute_display_name(self):
        for exception in self:
            when = user_datetime_text(exception, exception.date_start)
            exception.display_name = " ".join(
                p for p in (exception.physician_id.name, when) if p
            ) or self.env._("New Exception")

    @api.depends("physician_id", "clinic_id", "date_start", "date_end", "state")
    def _compute_appointment_ids(self):
        for exception in self:
            appointments = exception._affected_appointments()
            exception.appointment_ids = appointments
            exception.appointment_count = len(appointments)

    @api.depends("state", "mhrs_exception_id", "company_id.mhrs_interface")
    def _compute_mhrs_withdrawable(self):
        delete = OPERATIONS["exception_delete"]
        for exception in self:
            # The same rule as action_mhrs_withdraw and the wire, so that no button is offered only to refuse.
            known = delete.g2 if exception.company_id.mhrs_interface == "g2" else delete.g3
            exception.mhrs_withdrawable = bool(
                known and exception.state == "sent" and exception.mhrs_exception_id
            )

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for exception in self:
            if exception.date_end <= exception.date_start:
                raise ValidationError(self.env._("The exception period must end after it starts."))

    # ------------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------------
    @mhrs_entry_point
    def action_mhrs_send(self):
        self.ensure_one()
        if self.state != "draft":
            raise UserError(self.env._("Only draft exceptions can be sent to MHRS."))
        if self.action_code_id.document_required and not self.document:
            raise UserError(
                self.env._(
                    "MHRS requires a supporting document for %(action)s: attach it before sending.",
                    action=self.action_code_id.display_name,
                )
            )
        result = self._mhrs_run("exception_add")
        return self._mhrs_action_result(
            result,
            self.env._("Exception sent"),
            self.env._("The exception is waiting for the Ministry's approval."),
        )

    @mhrs_entry_point
    def action_mhrs_withdraw(self):
        """Withdraw an exception sent and not decided yet (G2 KurumIstisnaSilme; MHRS V2 has no known
        path for it: the button says so and sends nothing)."""
        self.ensure_one()
        if self.state != "sent" or not self.mhrs_exception_id:
            raise UserError(self.env._("Only exceptions waiting for approval can be withdrawn from MHRS."))
        result = self._mhrs_run("exception_delete")
        return self._mhrs_action_result(
            result, self.env._("Exception withdrawn"), self.env._("The exception is withdrawn from MHRS.")
        )

    def _mhrs_payload_exception_delete(self):
        return {"exception_id": int(self.mhrs_exception_id)}

    def _mhrs_apply_exception_delete(self, result):
        self.write({"state": "cancelled"})

    def _mhrs_message_exception_delete(self):
        return self.env._("Withdrawn from MHRS (İstisna Silme).")

    def action_cancel(self):
        for exception in self:
            if exception.state != "draft":
                raise UserError(self.env._("Only exceptions not sent yet can be cancelled here."))
        self.write({"state": "cancelled"})

    def action_reset_to_draft(self):
        for exception in self:
            if exception.state not in ("cancelled", "rejected"):
                raise UserError(self.env._("Only cancelled or rejected exceptions can be reset to draft."))
        self.write({"state": "draft", "mhrs_exception_id": False, "rejection_reason": False})

    def action_mhrs_check(self):
        """Ask MHRS now whether the Ministry decided."""
        try:
            self.filtered(lambda e: e.state == "sent")._mhrs_follow_up(self.company_id or self.env.company)
        except errors.MhrsError as exc:
            raise UserError(self.env["mhrs.client"]._mhrs_button_message(exc)) from exc
        return True

    def action_open_appointments(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("mhrs_connector.action_mhrs_appointment")
        action["domain"] = [("id", "in", self.appointment_ids.ids)]
        return action

    # ------------------------------------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------------------------------------
    def _affected_appointments(self, states=("booked",)):
        self.ensure_one()
        if not (self.physician_id and self.date_start and self.date_end):
            return self.env["mhrs.appointment"]
        domain = [
            ("company_id", "=", (self.company_id or self.env.company).id),
            ("physician_id", "=", self.physician_id.id),
            ("state", "in", list(states)),
            ("date_start", "<", self.date_end),
            ("date_end", ">", self.date_start),
        ]
        if self.clinic_id:
            domain.append(("clinic_id", "in", [self.clinic_id.id, False]))
        return self.env["mhrs.appointment"].search(domain)

    def _mhrs_operations(self):
        return {
            "exception_add": MhrsOperation(
                payload=self._mhrs_payload_exception_add,
                apply=self._mhrs_apply_exception_add,
                message=self._mhrs_message_exception_add,
            ),
            "exception_delete": MhrsOperation(
                payload=self._mhrs_payload_exception_delete,
                apply=self._mhrs_apply_exception_delete,
                message=self._mhrs_message_exception_delete,
            ),
        }

    def _mhrs_payload_exception_add(self):
        document = None
        if self.document:
            document = (self.document_name or "istisna.pdf", base64.b64decode(self.document))
        return {
            "exception": {
                "branch": self.clinic_id.mhrs_branch_code,
                "physician": self.physician_id.tckn,
                "clinic": self.clinic_id.mhrs_clinic_code or None,
                "action": self.action_code_id.code,
                "start": to_aware(self.date_start),
                "end": to_aware(self.date_end),
                "description": self.description,
                "email": self.email or None,
                "phone": self.phone or None,
                "document": document,
            }
        }

    def _mhrs_apply_exception_add(self, result):
        self.write({"state": "sent", "mhrs_exception_id": str(result)})

    def _mhrs_message_exception_add(self):
        return self.env._("Sent to MHRS; waiting for the Ministry's approval.")

    def _mhrs_apply_decision(self, row):
        """Store the Ministry's decision from an exception_query row (``status``, ``reason``)."""
        self.ensure_one()
        state = MHRS_EXCEPTION_STATES.get(row.get("status"), "sent")
        if state == self.state or self.state != "sent":
            return False
        if state == "approved":
            # Bring MHRS's own view of the period first (its cancellations, by exception).
            self.env["mhrs.appointment"]._mhrs_sync_window(
                self.company_id, self.date_start, self.date_end, self.physician_id, kind="exception"
            )
            affected = self._affected_appointments()
            self.write({"state": "approved", "decided_at": fields.Datetime.now()})
            # MHRS does not say who cancelled: what it cancelled in the approved period is the exception's.
            cancelled = self._affected_appointments(states=("cancelled",)).filtered(
                lambda a: a.cancelled_by in ("exception", "patient_mhrs") and a.write_date >= self.write_date
            )
            cancelled.filtered(lambda a: a.cancelled_by != "exception").write({"cancelled_by": "exception"})
            if affected:
                affected.write({"state": "cancelled", "cancelled_by": "exception"})
            self._mhrs_refresh_schedule_lines()
            self._mhrs_outcome_recorded()
            if affected:
                affected._mhrs_followup(
                    affected._mhrs_log_note,
                    self.env._("Cancelled by the approved MHRS exception %(exc)s.", exc=self.display_name),
                )
            self._mhrs_followup(
                self._mhrs_log_note,
                self.env._(
                    "Approved by the Ministry: %(count)s appointment(s) cancelled.",
                    count=len(affected | cancelled),
                ),
            )
        elif state == "rejected":
            reason = row.get("reason") or ""
            self.write({"state": "rejected", "rejection_reason": reason, "decided_at": fields.Datetime.now()})
            self._mhrs_outcome_recorded()
            self._mhrs_followup(
                self._mhrs_log_note, self.env._("Rejected by the Ministry: %(reason)s", reason=reason or "-")
            )
            if self.physician_id.user_id:
                self._mhrs_followup(
                    self.activity_schedule,
                    "mail.mail_activity_data_todo",
                    user_id=self.physician_id.user_id.id,
                    summary=self.env._("MHRS exception rejected"),
                    note=reason,
                )
        return True

    def _mhrs_refresh_schedule_lines(self):
        """The physician's registered blocks around the approved period, as MHRS now holds them.

        An approval closes the period's slots at MHRS, not necessarily the blocks around it (a
        10:00-11:00 exception leaves the 09:00-12:00 block open, with its other slots): MHRS is asked
        which of these blocks are still active, and only those it no longer holds are cancelled here.
        When MHRS cannot be asked, nothing is guessed: the blocks stay as they are and the next
        comparison with MHRS shows the difference."""
        self.ensure_one()
        lines = self.env["mhrs.schedule.line"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("physician_id", "=", self.physician_id.id),
                ("state", "=", "registered"),
                ("mhrs_schedule_id", "!=", False),
                ("date_start", "<", self.date_end),
                ("date_end", ">", self.date_start),
            ]
        )
        if not lines:
            return
        try:
            rows = []
            for branch in set(lines.mapped("clinic_id.mhrs_branch_code")):
                rows += self.env["mhrs.client"]._mhrs_call(
                    "schedule_query",
                    record=self,
                    branch=branch,
                    start=to_aware(min(lines.mapped("date_start"))),
                    end=to_aware(max(lines.mapped("date_end"))),
                    physician=self.physician_id.tckn,
                )
        except errors.MhrsError as exc:
            _logger.warning("MHRS: blocks around exception %s not checked: %s", self.mhrs_exception_id, exc)
            return
        active = {str(row["id"]) for row in rows}
        gone = lines.filtered(lambda line: line.mhrs_schedule_id not in active)
        if gone:
            # Not a change of the block's definition: MHRS closed it itself, nothing to resend.
            gone.write({"state": "cancelled", "mhrs_changed": False})

    @api.model
    def _mhrs_follow_up(self, company):
        """One exception query for the company's pending exceptions; apply the decisions. SOAP G2 only:
        MHRS V2 has no known exception query (the wire raises MhrsNotAvailable)."""
        pending = self.search([("company_id", "=", company.id), ("state", "=", "sent")])
        if not pending:
            return 0
        now = fields.Datetime.now()
        start = min(*pending.mapped("date_start"), now)
        end = max(*pending.mapped("date_end"), now + timedelta(days=FOLLOW_UP_DAYS))
        result = self.env["mhrs.client"]._mhrs_call(
            "exception_query", company=company, start=to_aware(start), end=to_aware(end)
        )
        rows = {str(row["id"]): row for row in result}
        decided = 0
        for exception in pending:
            row = rows.get(exception.mhrs_exception_id)
            if row and exception._mhrs_apply_decision(row):
                decided += 1
        return decided

    @api.model
    def _cron_exception_follow_up(self, company_ids=None):
        """Per company (its own scheduled action): ask MHRS about the pending exceptions and apply
        approvals and rejections."""
        CompanyJobRunner(self, "exception_follow_up", "MHRS exception follow-up").run(
            lambda company: self.with_company(company)
            .with_context(mhrs_trigger="cron")
            ._mhrs_follow_up(company),
            company_ids=company_ids,
        )
