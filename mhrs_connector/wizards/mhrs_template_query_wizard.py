from datetime import datetime, time

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.mhrs_template_line import float_to_minutes, time_to_float
from .mhrs_clinic_query_wizard import DIFF_KINDS


def _row_definition(row, bookable_codes):
    """The normalised definition of an MHRS SablonBilgileri row (as mhrs.template._definition)."""
    key = []
    for line in row.get("SablonSatiri") or []:
        bookable = line.get("AksiyonKodu") in bookable_codes
        key.append(
            (
                float_to_minutes(time_to_float(line["BaslangicSaati"])),
                float_to_minutes(time_to_float(line["BitisSaati"])),
                line.get("AksiyonKodu"),
                (line.get("TedaviSuresi") or 0) if bookable else 0,
                (line.get("SlotBasinaDusenHastaSayisi") or 0) if bookable else 0,
            )
        )
    return tuple(sorted(key))


def _jsonable(value):
    """MHRS's answer with times as 'HH:MM:SS' strings, storable in a Json field."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, time | datetime):
        return value.isoformat()
    return value


class MhrsTemplateQueryWizard(models.TransientModel):
    """Result of the template query (operation 8): what differs between MHRS and this company."""

    _name = "mhrs.template.query.wizard"
    _description = "MHRS Template Query"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        help="The institution whose templates were compared.",
    )
    line_ids = fields.One2many(
        "mhrs.template.query.wizard.line",
        "wizard_id",
        string="Differences",
        help="Templates that exist on one side only or differ between MHRS and here.",
    )
    mhrs_count = fields.Integer(string="Templates at MHRS", readonly=True, help="Templates MHRS returned.")
    importable_count = fields.Integer(
        string="Importable", compute="_compute_importable_count", help="Templates only at MHRS to import."
    )

    @api.depends("line_ids.kind", "line_ids.to_import")
    def _compute_importable_count(self):
        for wizard in self:
            wizard.importable_count = len(wizard.line_ids.filtered(lambda line: line._is_importable()))

    def _fill_lines(self, mhrs_rows):
        self.ensure_one()
        templates = self.env["mhrs.template"].search([("company_id", "=", self.company_id.id)])
        by_id = {t.mhrs_template_id: t for t in templates if t.mhrs_template_id}
        bookable_codes = set(
            self.env["mhrs.action.code"]
            .with_context(active_test=False)
            .search([("bookable", "=", True)])
            .mapped("code")
        )
        definitions = {t: t._definition() for t in templates}
        seen = set()
        commands = []
        for row in mhrs_rows:
            template_id = row.get("SablonId")
            seen.add(template_id)
            definition = _row_definition(row, bookable_codes)
            values = {
                "mhrs_template_id": template_id,
                "mhrs_name": row.get("SablonAdi"),
                "mhrs_active": bool(row.get("AktifMi")),
                "mhrs_lines": self._format_lines(row),
                "mhrs_row": _jsonable(row),
            }
            template = by_id.get(template_id)
            if template:
                notes = []
                if (row.get("SablonAdi") or "").strip() != template.name.strip():
                    notes.append(
                        self.env._(
                            "Name: %(here)s here, %(mhrs)s at MHRS.",
                            here=template.name,
                            mhrs=row.get("SablonAdi"),
                        )
                    )
                if definition != definitions[template]:
                    notes.append(self.env._("Blocks differ."))
                if bool(row.get("AktifMi")) != template.mhrs_active:
                    notes.append(
                        self.env._(
                            "Active at MHRS: %(mhrs)s, here: %(here)s.",
                            mhrs=bool(row.get("AktifMi")),
                            here=template.mhrs_active,
                        )
                    )
                if notes:
                    commands.append(
                        fields.Command.create(
                            dict(values, kind="different", template_id=template.id, note="\n".join(notes))
                        )
                    )
                continue
            same = next((t for t, d in definitions.items() if d == definition and d), None)
            note = (
                self.env._(
                    "Same blocks as the local template %(name)s: it will not be imported twice.",
                    name=same.name,
                )
                if same
                else False
            )
            commands.append(
                fields.Command.create(
                    dict(
                        values,
                        kind="only_mhrs",
                        to_import=not same,
                        same_template_id=same.id if same else False,
                        note=note,
                    )
                )
            )
        for template in templates:
            if template.mhrs_template_id and template.mhrs_template_id in seen:
                continue
            note = (
                self.env._("Not registered yet.")
                if template.state == "draft"
                else self.env._("MHRS does not know this template.")
            )
            commands.append(
                fields.Command.create({"kind": "only_here", "template_id": template.id, "note": note})
            )
        self.write({"line_ids": commands, "mhrs_count": len(mhrs_rows)})

    @api.model
    def _format_lines(self, row):
        parts = []
        for line in row.get("SablonSatiri") or []:
            start, end = str(line["BaslangicSaati"])[:5], str(line["BitisSaati"])[:5]
            text = f"{start}-{end} [{line.get('AksiyonKodu')}]"
            if line.get("TedaviSuresi"):
                text += f" {line['TedaviSuresi']}'x{line.get('SlotBasinaDusenHastaSayisi') or 1}"
            parts.append(text)
        return ", ".join(parts)

    def _open(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Templates: MHRS vs. here"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "context": {"mhrs_template_rows": True},
        }

    def action_import(self):
        """Create the templates that exist only at MHRS (with their blocks), as registered templates."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line._is_importable())
        if not lines:
            raise UserError(self.env._("Nothing to import: select the templates that exist only at MHRS."))
        templates = self.env["mhrs.template"]
        for line in lines:
            templates |= line._import_template(line.mhrs_row or {})
        for record in templates:
            record._mhrs_log_note(self.env._("Imported from MHRS (template query)."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Imported Templates"),
            "res_model": "mhrs.template",
            "view_mode": "list,form",
            "domain": [("id", "in", templates.ids)],
        }


class MhrsTemplateQueryWizardLine(models.TransientModel):
    _name = "mhrs.template.query.wizard.line"
    _description = "MHRS Template Query Difference"
    _order = "kind, mhrs_template_id, id"

    wizard_id = fields.Many2one("mhrs.template.query.wizard", required=True, ondelete="cascade")
    kind = fields.Selection(DIFF_KINDS, string="Difference", required=True, help="Where the template exists.")
    to_import = fields.Boolean(string="Import", help="Create this template here when you press Import.")
    template_id = fields.Many2one("mhrs.template", string="Template Here", help="The local template, if any.")
    same_template_id = fields.Many2one(
        "mhrs.template", string="Same Blocks As", help="A local template with exactly the same blocks."
    )
    mhrs_template_id = fields.Integer(string="MHRS Template Id", help="SablonId at MHRS.")
    mhrs_name = fields.Char(string="Name at MHRS", help="SablonAdi at MHRS.")
    mhrs_active = fields.Boolean(string="Active at MHRS", help="AktifMi at MHRS.")
    mhrs_row = fields.Json(string="MHRS Data", help="The template as MHRS returned it.")
    mhrs_lines = fields.Char(string="Blocks at MHRS", help="The blocks MHRS holds for the template.")
    note = fields.Text(string="Details", help="What differs.")

    def _is_importable(self):
        self.ensure_one()
        return (
            self.kind == "only_mhrs" and self.to_import and not self.template_id and not self.same_template_id
        )

    def _import_template(self, row):
        self.ensure_one()
        actions = self.env["mhrs.action.code"].with_context(active_test=False)
        line_commands = []
        for line in row.get("SablonSatiri") or []:
            code = line.get("AksiyonKodu")
            action = actions.search([("code", "=", code)], limit=1) or actions.sudo().create(
                {
                    "code": code,
                    "name": str(code),
                    "bookable": bool(line.get("TedaviSuresi")),
                }
            )
            line_commands.append(
                fields.Command.create(
                    {
                        "start_time": time_to_float(line["BaslangicSaati"]),
                        "end_time": time_to_float(line["BitisSaati"]),
                        "action_code_id": action.id,
                        "slot_minutes": (line.get("TedaviSuresi") or 0) if action.bookable else 0,
                        "patients_per_slot": (line.get("SlotBasinaDusenHastaSayisi") or 0)
                        if action.bookable
                        else 0,
                    }
                )
            )
        template = self.env["mhrs.template"].create(
            {
                "name": row.get("SablonAdi"),
                "company_id": self.wizard_id.company_id.id,
                "line_ids": line_commands,
            }
        )
        template.write(
            {
                "state": "registered",
                "mhrs_template_id": row.get("SablonId"),
                "mhrs_active": bool(row.get("AktifMi")),
                "mhrs_sync_state": "synced",
            }
        )
        self.template_id = template
        return template
