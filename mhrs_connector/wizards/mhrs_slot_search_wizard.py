from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.mhrs_appointment import to_aware, to_utc_naive


class MhrsSlotSearchWizard(models.TransientModel):
    """Free-slot search (operation 18): the free slots MHRS offers for a clinic, optionally a physician."""

    _name = "mhrs.slot.search.wizard"
    _description = "MHRS Free Slot Search"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        help="The hospital whose slots are searched.",
    )
    clinic_id = fields.Many2one(
        "mhrs.clinic",
        required=True,
        check_company=True,
        domain="[('state', '=', 'registered'), ('company_id', '=', company_id)]",
        help="KlinikKodu / AltKlinikKodu: the registered clinic to search.",
    )
    physician_id = fields.Many2one(
        "mhrs.physician",
        check_company=True,
        help="HekimKodu: leave empty for every physician of the clinic.",
    )
    date_from = fields.Datetime(
        string="From",
        required=True,
        default=lambda self: fields.Datetime.now().replace(second=0, microsecond=0),
        help="Slots starting from this time.",
    )
    date_to = fields.Datetime(
        string="To",
        required=True,
        default=lambda self: fields.Datetime.now().replace(second=0, microsecond=0) + timedelta(days=7),
        help="...up to this time.",
    )
    only_free = fields.Boolean(string="Only Free Slots", default=True, help="Hide slots that are full.")
    line_ids = fields.One2many(
        "mhrs.slot.search.wizard.line", "wizard_id", string="Slots", help="The slots MHRS answered."
    )
    searched = fields.Boolean(readonly=True, help="Technical: the search was run.")

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_to <= wizard.date_from:
                raise UserError(self.env._("The end of the period must be after its start."))

    def action_search(self):
        self.ensure_one()
        if not self.clinic_id.mhrs_clinic_code:
            raise UserError(self.env._("The clinic is not registered on MHRS yet."))
        result = self.env["mhrs.connector.mixin"]._mhrs_call_ui(
            "slot_query",
            company=self.company_id,
            TarihBilgileri={
                "BaslangicZamani": to_aware(self.date_from),
                "BitisZamani": to_aware(self.date_to),
            },
            KlinikKodu=self.clinic_id.mhrs_branch_code,
            AltKlinikKodu=self.clinic_id.mhrs_clinic_code,
            HekimKodu=self.physician_id.tckn or None,
        )
        rows = result.get("Slot") or []
        tckns = {row.get("HekimKodu") for row in rows}
        physicians = self.env["mhrs.physician"].search(
            [("company_id", "=", self.company_id.id), ("tckn", "in", list(tckns))]
        )
        by_tckn = {p.tckn: p for p in physicians}
        lines = [(5, 0, 0)]
        for row in rows:
            capacity, booked = row.get("Kapasite") or 0, row.get("DoluSayisi") or 0
            if self.only_free and booked >= capacity:
                continue
            physician = by_tckn.get(row.get("HekimKodu"))
            lines.append(
                (
                    0,
                    0,
                    {
                        "mhrs_schedule_ref": str(row["KesinCetvelId"]),
                        "physician_id": physician.id if physician else False,
                        "physician_tckn": row.get("HekimKodu"),
                        "date_start": to_utc_naive(row["BaslangicZamani"]),
                        "date_end": to_utc_naive(row["BitisZamani"]),
                        "capacity": capacity,
                        "booked_count": booked,
                    },
                )
            )
        self.write({"line_ids": lines, "searched": True})
        return self._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Free Slots"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
