from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.dates import from_wire, to_aware


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
        # MHRS answers the slots of one physician per query.
        physicians = self.physician_id or self.clinic_id.physician_ids
        if not physicians:
            raise UserError(
                self.env._("Choose a physician: MHRS answers the slots of one physician at a time.")
            )
        rows = []
        for physician in physicians:
            rows += self.env["mhrs.client"]._mhrs_call_ui(
                "slot_query",
                company=self.company_id,
                branch=self.clinic_id.mhrs_branch_code,
                physician=physician.tckn,
                start=to_aware(self.date_from),
                end=to_aware(self.date_to),
                clinic=self.clinic_id.mhrs_clinic_code,
            )
        by_tckn = {p.tckn: p for p in physicians}
        lines = [(5, 0, 0)]
        for row in rows:
            if self.only_free and not row["free"]:
                continue
            physician = by_tckn.get(row.get("physician"))
            lines.append(
                (
                    0,
                    0,
                    {
                        "mhrs_slot_id": str(row["slot_id"]) if row.get("slot_id") else False,
                        "mhrs_schedule_ref": str(row["schedule_id"]),
                        "physician_id": physician.id if physician else False,
                        "physician_tckn": row.get("physician"),
                        "date_start": from_wire(row["start"]),
                        "date_end": from_wire(row["end"]),
                        "capacity": 1,
                        "booked_count": 0 if row["free"] else 1,
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
