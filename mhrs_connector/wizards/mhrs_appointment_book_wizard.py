from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.mhrs_appointment import to_aware
from ..tools import is_valid_tckn


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
    physician_id = fields.Many2one(
        "mhrs.physician", check_company=True, help="The slot's physician."
    )
    physician_tckn = fields.Char(string="Physician TCKN", help="HekimKodu of the slot.")
    mhrs_schedule_ref = fields.Char(
        string="MHRS Schedule Id", required=True, help="KesinCetvelId of the slot."
    )
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

    def action_book(self):
        self.ensure_one()
        tckn = (self.tckn or "").strip()
        if not is_valid_tckn(tckn):
            raise UserError(self.env._("%(tckn)s is not a valid T.C. Kimlik No.", tckn=tckn))
        if not (self.phone or "").strip():
            raise UserError(self.env._("MHRS needs the patient's phone number to book."))
        result = self.env["mhrs.connector.mixin"]._mhrs_call_ui(
            "appointment_register",
            company=self.company_id,
            KesinCetvelId=int(self.mhrs_schedule_ref),
            RandevuZamanBilgisi={
                "RandevuBaslangicZamani": to_aware(self.date_start),
                "RandevuBitisZamani": to_aware(self.date_end),
            },
            VatandasBilgileri={
                "TCKimlikNo": tckn,
                "Ad": self.first_name.strip(),
                "Soyad": self.last_name.strip(),
                "TelefonNo": self.phone.strip(),
                "Email": self.email or None,
            },
            RandevuNotu=self.note or None,
        )
        partner = self.partner_id if self.partner_id.tckn == tckn else self._find_or_create_partner(tckn)
        appointment = self.env["mhrs.appointment"].create(
            {
                "mhrs_hrn": result["RandevuHrn"],
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
        appointment.message_post(body=self.env._("Booked on MHRS (HRN %(hrn)s).", hrn=appointment.mhrs_hrn))
        return {
            "type": "ir.actions.act_window",
            "res_model": "mhrs.appointment",
            "res_id": appointment.id,
            "view_mode": "form",
            "target": "current",
        }

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
