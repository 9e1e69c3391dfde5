from odoo import fields, models

from .mhrs_clinic_query_wizard import DIFF_KINDS


class MhrsScheduleQueryWizardLine(models.TransientModel):
    _name = "mhrs.schedule.query.wizard.line"
    _description = "MHRS Schedule Query Difference"
    _order = "kind, date_start, id"

    wizard_id = fields.Many2one("mhrs.schedule.query.wizard", required=True, ondelete="cascade")
    kind = fields.Selection(DIFF_KINDS, string="Difference", required=True, help="Where the block exists.")
    to_import = fields.Boolean(string="Import", help="Create this block here when you press Import.")
    schedule_line_id = fields.Many2one("mhrs.schedule.line", string="Block Here", help="The local block.")
    mhrs_schedule_id = fields.Char(string="MHRS Schedule Id", help="KesinCetvelId at MHRS.")
    mhrs_reference = fields.Char(string="Reference", help="ReferansNo the sender gave MHRS.")
    physician_tckn = fields.Char(string="Physician TCKN", help="HekimKodu at MHRS.")
    physician_id = fields.Many2one("mhrs.physician", help="The physician here.")
    mhrs_clinic_code = fields.Integer(string="MHRS Clinic Code", help="AltKlinikKodu at MHRS.")
    clinic_id = fields.Many2one("mhrs.clinic", help="The clinic here.")
    date_start = fields.Datetime(string="Start", help="Start of the block.")
    date_end = fields.Datetime(string="End", help="End of the block.")
    action_code = fields.Integer(help="AksiyonKodu at MHRS.")
    action_code_id = fields.Many2one("mhrs.action.code", string="Action", help="The action here.")
    slot_minutes = fields.Integer(string="Slot Length (min)", help="TedaviSuresi at MHRS.")
    patients_per_slot = fields.Integer(string="Patients per Slot", help="SlotBasinaDusenHastaSayisi.")
    mhrs_template_id = fields.Integer(string="MHRS Template Id", help="SablonId at MHRS, if any.")
    note = fields.Text(string="Details", help="What differs, or why the block cannot be imported.")

    def _is_importable(self):
        self.ensure_one()
        return (
            self.kind == "only_mhrs"
            and self.to_import
            and self.physician_id
            and self.clinic_id
            and self.action_code_id
            and not self.schedule_line_id
        )

    def _import_values(self):
        self.ensure_one()
        bookable = self.action_code_id.bookable
        return {
            "date_start": self.date_start,
            "date_end": self.date_end,
            "action_code_id": self.action_code_id.id,
            "slot_minutes": self.slot_minutes if bookable else 0,
            "patients_per_slot": self.patients_per_slot if bookable else 0,
            "mhrs_schedule_id": self.mhrs_schedule_id,
            "state": "registered",
        }
