from odoo import api, fields, models


class MhrsSlotSearchWizardLine(models.TransientModel):
    """One slot answered by MHRS in the free-slot search."""

    _name = "mhrs.slot.search.wizard.line"
    _description = "MHRS Free Slot"
    _order = "date_start, id"

    wizard_id = fields.Many2one(
        "mhrs.slot.search.wizard", string="Search", required=True, ondelete="cascade", help="The search."
    )
    mhrs_schedule_ref = fields.Char(string="MHRS Schedule Id", help="KesinCetvelId of the slot's block.")
    mhrs_slot_id = fields.Char(string="MHRS Slot Id", help="The slot's id at MHRS (MHRS V2 books by it).")
    physician_id = fields.Many2one("mhrs.physician", help="The slot's physician.")
    physician_tckn = fields.Char(string="Physician TCKN", help="HekimKodu of the slot.")
    date_start = fields.Datetime(string="Start", help="Slot start.")
    date_end = fields.Datetime(string="End", help="Slot end.")
    capacity = fields.Integer(help="Kapasite: patients per slot.")
    booked_count = fields.Integer(string="Booked", help="DoluSayisi: places already taken.")
    free_count = fields.Integer(string="Free", compute="_compute_free_count", help="Places still free.")

    @api.depends("capacity", "booked_count")
    def _compute_free_count(self):
        for line in self:
            line.free_count = max(line.capacity - line.booked_count, 0)

    def action_book(self):
        """Open the booking form for this slot."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Book Appointment"),
            "res_model": "mhrs.appointment.book.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_company_id": self.wizard_id.company_id.id,
                "default_clinic_id": self.wizard_id.clinic_id.id,
                "default_physician_id": self.physician_id.id,
                "default_physician_tckn": self.physician_tckn,
                "default_mhrs_schedule_ref": self.mhrs_schedule_ref,
                "default_mhrs_slot_id": self.mhrs_slot_id,
                "default_date_start": self.date_start,
                "default_date_end": self.date_end,
            },
        }
