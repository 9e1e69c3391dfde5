from odoo import fields, models
from odoo.exceptions import ValidationError

# MHRS's ids are 32-bit integers (G2 xs:int, MHRS V2 JSON numbers stored as int here).
MAX_MHRS_ID = 2**31 - 1


class MhrsClinicMarkWizard(models.TransientModel):
    """A manager found at MHRS the clinic whose registration answer was lost (MHRS V2 has no query):
    record MHRS's examination place id on it instead of registering it twice."""

    _name = "mhrs.clinic.mark.wizard"
    _description = "Mark a Clinic as Registered on MHRS"

    clinic_id = fields.Many2one("mhrs.clinic", required=True, readonly=True)
    examination_place_id = fields.Char(
        required=True,
        help="muayeneYeriId: the id MHRS shows for this clinic (examination place) of your institution.",
    )

    def _parsed_code(self):
        """The examination place id as MHRS's integer; ValidationError for anything else."""
        text = (self.examination_place_id or "").strip()
        if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_MHRS_ID:
            raise ValidationError(
                self.env._(
                    "The examination place id (muayeneYeriId) is a positive whole number as MHRS shows it, "
                    "not %(value)s.",
                    value=text or "-",
                )
            )
        return int(text)

    def action_confirm(self):
        self.ensure_one()
        code = self._parsed_code()
        self.clinic_id._mhrs_mark_registered(code)
        return {"type": "ir.actions.client", "tag": "soft_reload"}
