from odoo import api, fields, models
from odoo.exceptions import UserError

DIFF_KINDS = [
    ("only_mhrs", "Only at MHRS"),
    ("only_here", "Only Here"),
    ("different", "Different"),
]


class MhrsClinicQueryWizard(models.TransientModel):
    """Result of the clinic query (operation 3): what differs between MHRS and this company's clinics."""

    _name = "mhrs.clinic.query.wizard"
    _description = "MHRS Clinic Query"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        help="The institution whose clinics were compared.",
    )
    line_ids = fields.One2many(
        "mhrs.clinic.query.wizard.line",
        "wizard_id",
        string="Differences",
        help="Clinics that exist on one side only or differ between MHRS and here.",
    )
    mhrs_count = fields.Integer(string="Clinics at MHRS", readonly=True, help="Clinics MHRS returned.")
    importable_count = fields.Integer(
        string="Importable", compute="_compute_importable_count", help="Clinics only at MHRS, still active."
    )

    @api.depends("line_ids.kind", "line_ids.mhrs_active", "line_ids.to_import")
    def _compute_importable_count(self):
        for wizard in self:
            wizard.importable_count = len(wizard.line_ids.filtered(lambda line: line._is_importable()))

    def _fill_lines(self, mhrs_rows):
        """Compare MHRS's clinics (the facade's ``{"id", "name", "branch"}`` rows: the active ones) with
        the local clinics and store the differences."""
        self.ensure_one()
        clinics = (
            self.env["mhrs.clinic"]
            .with_context(active_test=False)
            .search([("company_id", "=", self.company_id.id)])
        )
        by_code = {c.mhrs_clinic_code: c for c in clinics if c.mhrs_clinic_code}
        seen = set()
        commands = []
        for row in mhrs_rows:
            code = row["id"]
            seen.add(code)
            values = {
                "mhrs_clinic_code": code,
                "mhrs_branch_code": row.get("branch"),
                "mhrs_name": row.get("name"),
                "mhrs_active": row.get("active", True),
            }
            clinic = by_code.get(code)
            if not clinic:
                commands.append(
                    fields.Command.create(dict(values, kind="only_mhrs", to_import=values["mhrs_active"]))
                )
                continue
            notes = clinic._mhrs_differences(row)
            if notes:
                commands.append(
                    fields.Command.create(
                        dict(values, kind="different", clinic_id=clinic.id, note="\n".join(notes))
                    )
                )
        for clinic in clinics:
            if clinic.state == "cancelled" or (clinic.mhrs_clinic_code and clinic.mhrs_clinic_code in seen):
                continue
            note = (
                self.env._("Not registered yet.")
                if clinic.state == "draft"
                else self.env._("MHRS does not know this clinic.")
            )
            commands.append(
                fields.Command.create({"kind": "only_here", "clinic_id": clinic.id, "note": note})
            )
        self.write({"line_ids": commands, "mhrs_count": len(mhrs_rows)})

    def _open(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Clinics: MHRS vs. here"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_import(self):
        """Create the clinics that exist only at MHRS, as registered clinics."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line._is_importable())
        if not lines:
            raise UserError(self.env._("Nothing to import: select the clinics that exist only at MHRS."))
        clinics = self.env["mhrs.clinic"]
        for line in lines:
            clinics |= line._import_clinic()
        for record in clinics:
            record._mhrs_log_note(self.env._("Imported from MHRS (clinic query)."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Imported Clinics"),
            "res_model": "mhrs.clinic",
            "view_mode": "list,form",
            "domain": [("id", "in", clinics.ids)],
        }


class MhrsClinicQueryWizardLine(models.TransientModel):
    _name = "mhrs.clinic.query.wizard.line"
    _description = "MHRS Clinic Query Difference"
    _order = "kind, mhrs_clinic_code, id"

    wizard_id = fields.Many2one("mhrs.clinic.query.wizard", required=True, ondelete="cascade")
    kind = fields.Selection(DIFF_KINDS, string="Difference", required=True, help="Where the clinic exists.")
    to_import = fields.Boolean(string="Import", help="Create this clinic here when you press Import.")
    clinic_id = fields.Many2one("mhrs.clinic", string="Clinic Here", help="The local clinic, if any.")
    mhrs_clinic_code = fields.Integer(string="MHRS Clinic Code", help="AltKlinikKodu at MHRS.")
    mhrs_branch_code = fields.Integer(string="Branch Code", help="KlinikKodu at MHRS.")
    mhrs_name = fields.Char(string="Name at MHRS", help="AltKlinikAdi at MHRS.")
    mhrs_video = fields.Boolean(string="Video at MHRS", help="GoruntuluRandevu at MHRS.")
    mhrs_active = fields.Boolean(
        string="Active at MHRS", help="AktifMi: whether MHRS still offers the clinic."
    )
    note = fields.Text(string="Details", help="What differs.")

    def _is_importable(self):
        self.ensure_one()
        return self.kind == "only_mhrs" and self.to_import and not self.clinic_id

    def _import_clinic(self):
        self.ensure_one()
        company = self.wizard_id.company_id
        branch = (
            self.env["mhrs.branch"]
            .with_context(active_test=False)
            .search([("code", "=", self.mhrs_branch_code)], limit=1)
        )
        if not branch:
            branch = (
                self.env["mhrs.branch"]
                .sudo()
                .create({"code": self.mhrs_branch_code, "name": str(self.mhrs_branch_code)})
            )
        clinic = self.env["mhrs.clinic"].create(
            {
                "name": self.mhrs_name,
                "company_id": company.id,
                "mhrs_branch_id": branch.id,
                "video_consultation": self.mhrs_video,
            }
        )
        clinic.write(
            {
                "mhrs_clinic_code": self.mhrs_clinic_code,
                "state": "registered" if self.mhrs_active else "cancelled",
                "mhrs_sync_state": "synced",
            }
        )
        self.clinic_id = clinic
        return clinic
