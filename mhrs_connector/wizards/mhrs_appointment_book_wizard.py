import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import is_valid_tckn
from ..tools.dates import from_wire, to_aware
from ..tools.outcome import mhrs_entry_point
from ..wire import errors

_logger = logging.getLogger(__name__)


class MhrsAppointmentBookWizard(models.TransientModel):
    """Booking (operation 16) of one free slot for a patient."""

    _name = "mhrs.appointment.book.wizard"
    _description = "MHRS Appointment Booking"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        help="The hospital booking the appointment.",
    )
    clinic_id = fields.Many2one("mhrs.clinic", check_company=True, help="The slot's clinic.")
    physician_id = fields.Many2one("mhrs.physician", check_company=True, help="The slot's physician.")
    physician_tckn = fields.Char(string="Physician TCKN", help="HekimKodu of the slot.")
    mhrs_schedule_ref = fields.Char(
        string="MHRS Schedule Id", required=True, help="KesinCetvelId of the slot."
    )
    mhrs_slot_id = fields.Char(string="MHRS Slot Id", help="The slot's id at MHRS (MHRS V2 books by it).")
    date_start = fields.Datetime(string="Start", required=True, help="Slot start.")
    date_end = fields.Datetime(string="End", required=True, help="Slot end.")
    partner_id = fields.Many2one(
        "res.partner", string="Patient", help="An existing patient: fills in the fields below."
    )
    tckn = fields.Char(string="TCKN", size=11, required=True, help="The patient's T.C. Kimlik No.")
    first_name = fields.Char(string="Name", required=True, help="Ad.")
    last_name = fields.Char(string="Surname", required=True, help="Soyad.")
    phone = fields.Char(required=True, help="TelefonNo: MHRS refuses a booking without it.")
    email = fields.Char(string="E-mail", help="Email of the patient (optional).")
    note = fields.Char(help="RandevuNotu stored with the appointment at MHRS.")

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        partner = self.partner_id
        if not partner:
            return
        parts = (partner.name or "").rsplit(" ", 1)
        self.tckn = partner.tckn or self.tckn
        self.first_name = parts[0]
        self.last_name = parts[1] if len(parts) > 1 else self.last_name
        self.phone = partner.phone or partner.mobile or self.phone
        self.email = partner.email or self.email

    @mhrs_entry_point
    def action_book(self):
        self.ensure_one()
        tckn = (self.tckn or "").strip()
        if not is_valid_tckn(tckn):
            raise UserError(self.env._("%(tckn)s is not a valid T.C. Kimlik No.", tckn=tckn))
        if not (self.phone or "").strip():
            raise UserError(self.env._("MHRS needs the patient's phone number to book."))
        connector = self.env["mhrs.client"]
        try:
            hrn = connector._mhrs_call(
                "appointment_book",
                company=self.company_id,
                record=self,
                slot={
                    "slot_id": int(self.mhrs_slot_id) if self.mhrs_slot_id else None,
                    "schedule_id": int(self.mhrs_schedule_ref),
                    "start": to_aware(self.date_start),
                    "end": to_aware(self.date_end),
                },
                patient={
                    "tckn": tckn,
                    "name": self.first_name.strip(),
                    "surname": self.last_name.strip(),
                    "phone": "".join(c for c in self.phone if c.isdigit()),
                },
                note=self.note or None,
            )
        except errors.MhrsError as exc:
            error = connector._mhrs_error_message(exc)
            if not self._mhrs_answer_lost(exc):
                raise UserError(error) from exc
            # MHRS may have booked before its answer was lost: ask it instead of booking twice.
            row = self._mhrs_find_booked(tckn, error)
            if not row:
                raise UserError(
                    self.env._(
                        "MHRS did not answer the booking (%(error)s). Asked afterwards, MHRS holds no "
                        "appointment of this patient in this slot: nothing was booked. Try again.",
                        error=error,
                    )
                ) from exc
            return self._mhrs_record_booking(
                tckn,
                row["hrn"],
                self.env._(
                    "MHRS did not answer the booking but holds it (HRN %(hrn)s): adopted, not booked twice.",
                    hrn=row["hrn"],
                ),
            )
        return self._mhrs_record_booking(tckn, hrn, self.env._("Booked on MHRS (HRN %(hrn)s).", hrn=hrn))

    def _mhrs_record_booking(self, tckn, hrn, note):
        """MHRS has booked ``hrn``: record it in Odoo. Should Odoo fail to (a constraint, a partner that
        cannot be created), the booking stands at MHRS and is not undone by an error: the user is told its
        HRN, and the appointment sync brings it into Odoo."""
        try:
            with self.env.cr.savepoint():
                appointment = self._mhrs_create_appointment(tckn, hrn)
        except Exception as exc:  # whatever failed, MHRS's booking must not be hidden by a rollback
            _logger.exception("MHRS booked %s but Odoo could not record it", hrn)
            return self.env["mhrs.client"]._mhrs_notify(
                self.env._("Booked on MHRS, not yet in Odoo"),
                self.env._(
                    "MHRS booked the appointment (HRN %(hrn)s), but Odoo could not record it: %(error)s. "
                    "Do not book again: the appointment sync brings it into Odoo.",
                    hrn=hrn,
                    error=str(exc),
                ),
                kind="warning",
                sticky=True,
            )
        return self._mhrs_open(appointment, note)

    @api.model
    def _mhrs_answer_lost(self, exc):
        """True when MHRS may have booked although its answer never arrived: a transport error, a
        malformed or truncated answer, or a SOAP server fault without an MHRS code."""
        if isinstance(exc, errors.MhrsTransportError | errors.MhrsMalformedResponse):
            return True
        return isinstance(exc, errors.MhrsBusinessError) and self.env[
            "mhrs.appointment"
        ]._mhrs_is_server_fault(exc)

    def _mhrs_find_booked(self, tckn, error):
        """MHRS's active appointment of this patient in this slot (a row of operation 14), or None.
        When MHRS cannot be asked either, the booking is unknown: the user is told so."""
        physician_tckn = self.physician_tckn or self.physician_id.tckn
        try:
            rows = self.env["mhrs.client"]._mhrs_call(
                "appointment_query",
                company=self.company_id,
                record=self,
                branch=self.clinic_id.mhrs_branch_code,
                start=to_aware(self.date_start),
                end=to_aware(self.date_end),
                physician=physician_tckn or None,
            )
        except errors.MhrsError as exc:
            raise UserError(
                self.env._(
                    "MHRS did not answer the booking (%(error)s) and could not be asked whether it booked "
                    "the appointment anyway. Do not book again yet: query this physician's appointments "
                    "first; an appointment MHRS booked will appear there.",
                    error=error,
                )
            ) from exc
        for row in rows:
            if (
                (row.get("patient_tckn") or "").strip() == tckn
                and row.get("record_status") != 2
                and row.get("start") is not None
                and from_wire(row["start"]) == self.date_start
            ):
                return row
        return None

    def _mhrs_create_appointment(self, tckn, hrn):
        """The Odoo appointment of the booking MHRS holds as ``hrn`` (a sync may have brought it already)."""
        existing = self.env["mhrs.appointment"].search(
            [("company_id", "=", self.company_id.id), ("mhrs_hrn", "=", hrn)], limit=1
        )
        if existing:
            return existing
        partner = self.partner_id if self.partner_id.tckn == tckn else self._find_or_create_partner(tckn)
        return self.env["mhrs.appointment"].create(
            {
                "mhrs_hrn": hrn,
                "company_id": self.company_id.id,
                "partner_id": partner.id,
                "patient_tckn": tckn,
                "patient_name": f"{self.first_name.strip()} {self.last_name.strip()}",
                "patient_phone": self.phone.strip(),
                "physician_id": self.physician_id.id,
                "physician_tckn": self.physician_tckn or self.physician_id.tckn,
                "clinic_id": self.clinic_id.id,
                "mhrs_schedule_ref": self.mhrs_schedule_ref,
                "schedule_line_id": self.env["mhrs.schedule.line"]
                .search(
                    [
                        ("company_id", "=", self.company_id.id),
                        ("mhrs_schedule_id", "=", self.mhrs_schedule_ref),
                    ],
                    limit=1,
                )
                .id,
                "date_start": self.date_start,
                "date_end": self.date_end,
                "mhrs_channel": "4",
                "mhrs_booked_at": fields.Datetime.now(),
                "note": self.note or False,
                "state": "booked",
                "mhrs_sync_state": "synced",
            }
        )

    def _mhrs_link_call_logs(self, appointment):
        """The booking's calls are logged against this wizard (the appointment does not exist before
        MHRS answers): move them to the appointment, so that its Call Log button and the log's Record
        column show them. The log rows were committed by their own cursor, so they are updated by one
        too (this transaction's snapshot does not see them)."""
        domain = [("res_model", "=", self._name), ("res_id", "in", self.ids)]
        vals = {
            "res_model": appointment._name,
            "res_id": appointment.id,
            "record_name": appointment.display_name,
        }
        try:
            with self.env.registry.cursor() as cr:
                logs = self.env(cr=cr, su=True)["mhrs.sync.log"].search(domain)
                logs.write(vals)
                # Written now: the environment of this cursor is not kept until the commit.
                logs.flush_recordset()
        except Exception:
            # A log row left on the wizard never hides the booking from the user.
            _logger.exception("Could not link the booking's MHRS call log to %s", appointment)

    def _mhrs_open(self, appointment, note):
        """The booked appointment is recorded: the chatter line follows, guarded (a failure is shown
        over the opened appointment, never undoes it)."""
        appointment._mhrs_outcome_recorded()
        self._mhrs_link_call_logs(appointment)
        appointment._mhrs_followup(appointment._mhrs_log_note, note)
        action = {
            "type": "ir.actions.act_window",
            "res_model": "mhrs.appointment",
            "res_id": appointment.id,
            "view_mode": "form",
            "target": "current",
        }
        failures = appointment._mhrs_followup_failure_lines()
        if not failures:
            return action
        notification = self.env["mhrs.client"]._mhrs_notify(
            self.env._("Appointment booked"), "\n".join(failures), kind="warning", sticky=True
        )
        notification["params"]["next"] = action
        return notification

    def _find_or_create_partner(self, tckn):
        # Reception users may not manage contacts; patients are created by TCKN all the same.
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        partner = Partner.search([("tckn", "=", tckn)], limit=1, order="id")
        if partner:
            return partner
        return Partner.create(
            {
                "name": f"{self.first_name.strip()} {self.last_name.strip()}",
                "tckn": tckn,
                "phone": self.phone.strip(),
                "email": self.email or False,
            }
        )
