from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.actions import count_by, open_list
from ..tools.dates import local_today
from ..tools.outcome import mhrs_entry_point
from ..tools.record_operation import MhrsOperation
from ..wire import errors

CLINIC_STATES = [
    ("draft", "Draft"),
    ("registered", "Registered"),
    ("cancelled", "Cancelled"),
]


def same_name(first, second):
    """MHRS compares names without regard to case and repeated spaces."""
    return " ".join((first or "").split()).casefold() == " ".join((second or "").split()).casefold()


class MhrsClinic(models.Model):
    """An outpatient clinic (MHRS sub-clinic, "alt klinik"): a room or unit under a branch code."""

    _name = "mhrs.clinic"
    _description = "MHRS Clinic"
    _inherit = ["mail.thread", "mail.activity.mixin", "mhrs.record.mixin", "mhrs.call.log.link"]
    _order = "name, id"
    _check_company_auto = True
    _mhrs_update_fields = ("name",)
    _mhrs_update_operations = ("clinic_register", "clinic_update")

    name = fields.Char(
        string="Clinic Name",
        required=True,
        tracking=True,
        help="AltKlinikAdi: the name patients see on MHRS. Must be unique within its branch.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="The hospital (MHRS institution) this clinic belongs to.",
    )
    mhrs_branch_id = fields.Many2one(
        "mhrs.branch",
        string="MHRS Branch",
        required=True,
        tracking=True,
        ondelete="restrict",
        help="KlinikKodu: the clinical branch (specialty) the clinic is registered under.",
    )
    mhrs_branch_code = fields.Integer(
        string="Branch Code", related="mhrs_branch_id.code", store=True, help="KlinikKodu sent to MHRS."
    )
    mhrs_clinic_code = fields.Integer(
        string="MHRS Clinic Code",
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
        help="AltKlinikKodu: the sub-clinic id returned by MHRS at registration; it identifies the clinic "
        "in schedules and appointments.",
    )
    video_consultation = fields.Boolean(
        tracking=True,
        help="Appointments of this clinic are video consultations. Kept here only: MHRS's examination "
        "place registration (G2 and MHRS V2) has no such field.",
    )
    state = fields.Selection(
        CLINIC_STATES,
        string="Status",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        help="Draft: not yet on MHRS. Registered: known to MHRS. Cancelled: closed on MHRS.",
    )
    active = fields.Boolean(default=True, help="Archive clinics you no longer use.")
    physician_ids = fields.Many2many(
        "mhrs.physician",
        "mhrs_clinic_physician_rel",
        "clinic_id",
        "physician_id",
        string="Physicians",
        check_company=True,
        help="Physicians working in this clinic.",
    )
    physician_count = fields.Integer(
        compute="_compute_smart_counts", help="Physicians working in the clinic."
    )
    schedule_count = fields.Integer(
        string="Schedules", compute="_compute_smart_counts", help="Work schedules in the clinic."
    )
    appointment_count = fields.Integer(
        string="Appointments", compute="_compute_smart_counts", help="Appointments in the clinic."
    )

    @api.constrains("mhrs_clinic_code", "company_id")
    def _check_mhrs_clinic_code(self):
        for clinic in self.filtered("mhrs_clinic_code"):
            other = self.with_context(active_test=False).search(
                [
                    ("id", "!=", clinic.id),
                    ("company_id", "=", clinic.company_id.id),
                    ("mhrs_clinic_code", "=", clinic.mhrs_clinic_code),
                ],
                limit=1,
            )
            if other:
                raise ValidationError(
                    self.env._(
                        "%(other)s already has the MHRS clinic code %(code)s.",
                        other=other.name,
                        code=clinic.mhrs_clinic_code,
                    )
                )

    # ------------------------------------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------------------------------------
    @api.depends("name", "mhrs_clinic_code")
    def _compute_display_name(self):
        for clinic in self:
            clinic.display_name = (
                f"{clinic.name} [{clinic.mhrs_clinic_code}]" if clinic.mhrs_clinic_code else clinic.name
            )

    def _compute_smart_counts(self):
        ids = self._origin.ids
        schedules = count_by(self.env, "mhrs.schedule", "clinic_id", ids)
        appointments = count_by(self.env, "mhrs.appointment", "clinic_id", ids)
        for clinic in self:
            clinic.physician_count = len(clinic.physician_ids)
            clinic.schedule_count = schedules.get(clinic._origin.id, 0)
            clinic.appointment_count = appointments.get(clinic._origin.id, 0)

    # ------------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------------
    @mhrs_entry_point
    def action_mhrs_register(self):
        self.ensure_one()
        if self.state != "draft":
            raise UserError(self.env._("Only draft clinics can be registered on MHRS."))
        if self._mhrs_held_for_check():
            raise UserError(self.mhrs_last_error)
        if self.mhrs_maybe_applied and self.mhrs_pending_operation == "clinic_register":
            # The last answer was lost: look at MHRS (or stop for a check) before sending it again.
            self._mhrs_retry_one()
            return self._mhrs_register_result()
        result = self._mhrs_run("clinic_register")
        return self._mhrs_action_result(
            result,
            self.env._("Clinic registered"),
            self.env._("%(name)s is registered on MHRS.", name=self.name),
        )

    @mhrs_entry_point
    def action_mhrs_register_again(self):
        """The person checked MHRS and it does not hold the clinic: send the registration again."""
        self.ensure_one()
        if not (self.state == "draft" and self._mhrs_held_for_check()):
            raise UserError(self.env._("Only a clinic waiting for a check at MHRS can be registered again."))
        self.mhrs_maybe_applied = False
        self._mhrs_log_note(
            self.env._(
                "%(user)s checked MHRS: it does not hold the clinic; registering it again.",
                user=self.env.user.name,
            )
        )
        return self.action_mhrs_register()

    def action_mhrs_mark_registered(self):
        """The person found the clinic at MHRS: a manager enters its examination place id."""
        self.ensure_one()
        self._mhrs_check_mark_registered()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Mark as Registered"),
            "res_model": "mhrs.clinic.mark.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_clinic_id": self.id},
        }

    def _mhrs_check_mark_registered(self):
        """Only an MHRS manager, only for a draft clinic whose registration may have been applied."""
        if not self.env.user.has_group("mhrs_connector.group_mhrs_manager"):
            raise UserError(self.env._("Only an MHRS manager can mark a clinic as registered."))
        if not (self.state == "draft" and self.mhrs_maybe_applied):
            raise UserError(
                self.env._(
                    "Only a draft clinic whose registration may have been done at MHRS can be marked as "
                    "registered."
                )
            )

    def _mhrs_mark_registered(self, code):
        """MHRS holds this clinic under examination place id ``code`` (checked there by a manager)."""
        self.ensure_one()
        self._mhrs_check_mark_registered()
        self.write({"state": "registered", "mhrs_clinic_code": code})
        self._mhrs_write_synced()
        self._mhrs_log_note(
            self.env._(
                "%(user)s found the clinic at MHRS and marked it as registered (examination place id "
                "%(code)s); nothing was sent.",
                user=self.env.user.name,
                code=code,
            )
        )

    def _mhrs_register_result(self):
        """The notification of a registration pressed again after a lost answer."""
        if self.state == "registered":
            return self._mhrs_action_result(
                True,
                self.env._("Clinic registered"),
                self.env._("%(name)s is registered on MHRS.", name=self.name),
            )
        if self._mhrs_held_for_check():
            return self._mhrs_check_notification()
        return self._mhrs_action_result(None if self.mhrs_sync_state == "to_retry" else False, "", "")

    def _mhrs_check_notification(self):
        action = self.env["mhrs.client"]._mhrs_notify(
            self.env._("Check at MHRS"), self.mhrs_last_error, kind="warning", sticky=True
        )
        action["params"]["next"] = {"type": "ir.actions.client", "tag": "soft_reload"}
        return action

    @mhrs_entry_point
    def action_mhrs_update(self):
        self.ensure_one()
        if self.state != "registered":
            raise UserError(self.env._("Only clinics registered on MHRS can be updated there."))
        result = self._mhrs_run("clinic_update")
        return self._mhrs_action_result(
            result, self.env._("Clinic updated"), self.env._("%(name)s is updated on MHRS.", name=self.name)
        )

    @mhrs_entry_point
    def action_mhrs_cancel(self):
        self.ensure_one()
        if self.state == "cancelled":
            raise UserError(self.env._("This clinic is already cancelled."))
        blockers = self._mhrs_cancel_blockers()
        if blockers:
            raise UserError(
                self.env._(
                    "%(name)s cannot be cancelled while it has:\n%(blockers)s",
                    name=self.name,
                    blockers="\n".join(f"• {b}" for b in blockers),
                )
            )
        if self.state == "draft":
            # Never sent to MHRS: nothing to cancel there.
            self.state = "cancelled"
            self._mhrs_log_note(self.env._("Cancelled before it was registered on MHRS."))
            return self.env["mhrs.client"]._mhrs_notify(
                self.env._("Clinic cancelled"), self.env._("%(name)s is cancelled.", name=self.name)
            )
        result = self._mhrs_run("clinic_delete")
        return self._mhrs_action_result(
            result,
            self.env._("Clinic cancelled"),
            self.env._("%(name)s is cancelled on MHRS.", name=self.name),
        )

    def action_reset_to_draft(self):
        """A cancelled clinic that must be opened again is registered anew (MHRS gives a new code)."""
        for clinic in self:
            if clinic.state != "cancelled":
                raise UserError(self.env._("Only cancelled clinics can be reset to draft."))
        self.write({"state": "draft", "mhrs_clinic_code": 0, "mhrs_sync_state": "not_sent"})

    def action_mhrs_query(self):
        """Compare this company's clinics with MHRS and open the differences.

        A list header button: the web client calls it with the (maybe empty) selection's ids, so it is
        a record method (an ``api.model`` one would receive the ids as an argument and crash)."""
        company = self.env.company
        connector = self.env["mhrs.client"]
        rows = []
        for branch in self._mhrs_query_branches(company):
            rows += connector._mhrs_call_ui("clinic_query", company=company, branch=branch)
        wizard = self.env["mhrs.clinic.query.wizard"].create({"company_id": company.id})
        wizard._fill_lines(rows)
        return wizard._open()

    @api.model
    def _mhrs_query_branches(self, company):
        """The branch codes to ask MHRS about (its clinic query is per branch): the branches the
        institution registered, and those of its clinics here."""
        clinics = self.with_context(active_test=False).search([("company_id", "=", company.id)])
        return sorted(
            set(company.sudo().mhrs_registered_branch_ids.mapped("code"))
            | set(clinics.mapped("mhrs_branch_id.code"))
        )

    def action_open_physicians(self):
        self.ensure_one()
        return open_list(
            self.env,
            "mhrs.physician",
            [("clinic_ids", "in", self.id)],
            self.env._("Physicians: %(name)s", name=self.name),
        )

    def action_open_schedules(self):
        self.ensure_one()
        return open_list(
            self.env,
            "mhrs.schedule",
            [("clinic_id", "=", self.id)],
            self.env._("Schedules: %(name)s", name=self.name),
            views=("list", "calendar", "form"),
            context={"default_clinic_id": self.id},
            create=True,
        )

    def action_open_appointments(self):
        self.ensure_one()
        return open_list(
            self.env,
            "mhrs.appointment",
            [("clinic_id", "=", self.id)],
            self.env._("Appointments: %(name)s", name=self.name),
            views=("calendar", "list", "form"),
        )

    # ------------------------------------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------------------------------------
    def _mhrs_cancel_blockers(self):
        """Human-readable reasons that forbid cancelling this clinic: its schedules registered on MHRS
        that are still active, and its future booked appointments."""
        self.ensure_one()
        blockers = []
        today = local_today(self.company_id or self.env.company)
        schedules = self.env["mhrs.schedule"].search(
            [("clinic_id", "=", self.id), ("state", "=", "registered"), ("date_to", ">=", today)]
        )
        if schedules:
            blockers.append(
                self.env._(
                    "%(count)s active work schedule(s) registered on MHRS: %(names)s. Cancel them first.",
                    count=len(schedules),
                    names=", ".join(schedules.mapped("name")),
                )
            )
        appointments = self.env["mhrs.appointment"].search(
            [
                ("clinic_id", "=", self.id),
                ("state", "=", "booked"),
                ("date_start", ">=", fields.Datetime.now()),
            ],
            order="date_start",
        )
        if appointments:
            shown = appointments[:5]
            blockers.append(
                self.env._(
                    "%(count)s future appointment(s) booked: %(names)s. Cancel them or file an appointment "
                    "exception first.",
                    count=len(appointments),
                    names=", ".join(shown.mapped("display_name")) + (", …" if appointments - shown else ""),
                )
            )
        return blockers

    def _mhrs_adopt_existing(self, operation):
        """A registration or cancellation whose answer was lost may have been applied: look first
        (SOAP G2). MHRS V2 has no clinic query: a registration it may have done waits for a person to
        check MHRS (:meth:`_mhrs_hold_for_check`); one it surely did not do (503...) is resent."""
        self.ensure_one()
        if operation not in ("clinic_register", "clinic_delete"):
            return super()._mhrs_adopt_existing(operation)
        try:
            rows = self.env["mhrs.client"]._mhrs_call(
                "clinic_query", record=self, branch=self.mhrs_branch_id.code
            )
        except errors.MhrsNotAvailable:
            # Resending blindly would be refused as a duplicate name (or register it twice).
            unsure = operation == "clinic_register" and self.mhrs_maybe_applied
            return unsure and self._mhrs_hold_for_check(operation, self._mhrs_check_message())
        except errors.MhrsBusinessError:
            # The branch itself is not registered yet: nothing to adopt.
            return False
        if operation == "clinic_delete":
            return self._mhrs_adopt_cancelled(rows)
        taken = set(
            self.with_context(active_test=False)
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("id", "!=", self.id),
                    ("mhrs_clinic_code", "!=", 0),
                ]
            )
            .mapped("mhrs_clinic_code")
        )
        row = next(
            (r for r in rows if r["id"] not in taken and same_name(r.get("name"), self.name)),
            None,
        )
        if not row:
            return False
        self.write({"state": "registered", "mhrs_clinic_code": row["id"]})
        self._mhrs_mark_adopted(
            self.env._(
                "MHRS already held this clinic (code %(code)s): adopted instead of registering it twice.",
                code=row["id"],
            )
        )
        if self._mhrs_differences(row):
            # Changed here since the lost registration: bring MHRS in line.
            self._mhrs_run("clinic_update")
        return True

    def _mhrs_adopt_cancelled(self, rows):
        """MHRS's clinics no longer include this one: its lost cancellation was applied."""
        if any(r["id"] == self.mhrs_clinic_code for r in rows):
            return False
        self.write({"state": "cancelled"})
        self._mhrs_mark_adopted(self.env._("MHRS had already cancelled the clinic; nothing resent."))
        return True

    def _mhrs_check_message(self):
        """What to check at MHRS after a lost registration, and what to do then."""
        # Built outside _(): babel evaluates the strings inside it, an f-string too.
        branch = f"{self.mhrs_branch_id.code} {self.mhrs_branch_id.name}"
        return self.env._(
            "MHRS did not answer the registration of %(name)s (%(detail)s) and may have registered it; "
            "MHRS V2 offers no query to check it from here, so it is not sent again blindly. Look at MHRS "
            'for an examination place named "%(name)s" under branch %(branch)s of your institution. If it '
            "is there, an MHRS manager presses Mark as Registered and enters its examination place id "
            "(muayeneYeriId). If it is not, press Register Again.",
            name=self.name,
            detail=self.mhrs_last_error or "-",
            branch=branch,
        )

    def _mhrs_differences(self, row):
        """What differs between this clinic and MHRS's row (``{"id", "name", "branch", "active"?}``),
        as a list of sentences."""
        self.ensure_one()
        notes = []
        if (row.get("name") or "").strip() != (self.name or "").strip():
            notes.append(
                self.env._("Name: %(here)s here, %(mhrs)s at MHRS.", here=self.name, mhrs=row.get("name"))
            )
        if row.get("branch") != self.mhrs_branch_id.code:
            notes.append(
                self.env._(
                    "Branch code: %(here)s here, %(mhrs)s at MHRS.",
                    here=self.mhrs_branch_id.code,
                    mhrs=row.get("branch"),
                )
            )
        active_at_mhrs = bool(row.get("active", True))
        if active_at_mhrs != (self.state == "registered"):
            labels = dict(self._fields["state"]._description_selection(self.env))
            notes.append(
                self.env._(
                    "Status: %(here)s here, %(mhrs)s at MHRS.",
                    here=labels[self.state],
                    mhrs=self.env._("active") if active_at_mhrs else self.env._("cancelled"),
                )
            )
        return notes

    def _mhrs_operations(self):
        return {
            "clinic_register": MhrsOperation(
                payload=self._mhrs_payload_clinic_register,
                apply=self._mhrs_apply_clinic_register,
                message=self._mhrs_message_clinic_register,
            ),
            "clinic_update": MhrsOperation(
                payload=self._mhrs_payload_clinic_update, message=self._mhrs_message_clinic_update
            ),
            "clinic_delete": MhrsOperation(
                payload=self._mhrs_payload_clinic_delete,
                apply=self._mhrs_apply_clinic_delete,
                message=self._mhrs_message_clinic_delete,
            ),
        }

    def _mhrs_payload_clinic_register(self):
        return {"branch": self.mhrs_branch_id.code, "name": self.name}

    def _mhrs_payload_clinic_update(self):
        return {"clinic_id": self.mhrs_clinic_code, "name": self.name}

    def _mhrs_payload_clinic_delete(self):
        return {"clinic_id": self.mhrs_clinic_code}

    def _mhrs_send(self, operation, payload):
        """A clinic (examination place) lives under a branch the institution registered at MHRS:
        register the branch first when it is not known to be."""
        if operation == "clinic_register" and self.company_id._mhrs_ensure_branch(
            self.mhrs_branch_id, record=self
        ):
            # An outcome of its own: a refusal of the clinic step must not undo the branch's registration.
            self._mhrs_outcome_recorded()
        return super()._mhrs_send(operation, payload)

    def _mhrs_apply_clinic_register(self, result):
        self.write({"state": "registered", "mhrs_clinic_code": int(result)})

    def _mhrs_apply_clinic_delete(self, result):
        self.write({"state": "cancelled"})

    def _mhrs_message_clinic_register(self):
        return self.env._("Registered on MHRS.")

    def _mhrs_message_clinic_update(self):
        return self.env._("Name sent to MHRS.")

    def _mhrs_message_clinic_delete(self):
        return self.env._("Cancelled on MHRS.")
