from odoo import models

from .mhrs_record_retry import same_name


def _clock(value):
    return value.strftime("%H:%M") if hasattr(value, "strftime") else str(value or "")[:5]


def lines_key(lines):
    """The comparable, sorted form of SablonSatiri rows (sent or queried)."""
    return sorted(
        (
            _clock(line.get("BaslangicSaati")),
            _clock(line.get("BitisSaati")),
            int(line.get("AksiyonKodu") or 0),
            int(line.get("TedaviSuresi") or 0),
            int(line.get("SlotBasinaDusenHastaSayisi") or 0),
        )
        for line in lines or []
    )


class MhrsTemplate(models.Model):
    _inherit = "mhrs.template"

    # ------------------------------------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------------------------------------
    def _mhrs_adopt_existing(self, operation):
        """A registration whose answer was lost may have been applied: look for the name first."""
        self.ensure_one()
        if operation != "template_register":
            return super()._mhrs_adopt_existing(operation)
        result = self.env["mhrs.connector.mixin"]._mhrs_call("template_query", record=self)
        taken = set(
            self.search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("id", "!=", self.id),
                    ("mhrs_template_id", "!=", 0),
                ]
            ).mapped("mhrs_template_id")
        )
        row = next(
            (
                r
                for r in result.get("SablonBilgileri") or []
                if r.get("SablonId") not in taken and same_name(r.get("SablonAdi"), self.name)
            ),
            None,
        )
        if not row:
            return False
        self.write(
            {
                "state": "registered",
                "mhrs_template_id": row["SablonId"],
                "mhrs_active": bool(row.get("AktifMi")),
            }
        )
        self._mhrs_mark_adopted(
            self.env._(
                "MHRS already held this template (id %(id)s): adopted instead of registering it twice.",
                id=row["SablonId"],
            )
        )
        if lines_key(row.get("SablonSatiri")) != lines_key(self._mhrs_lines_payload()) or (
            (row.get("SablonAdi") or "").strip() != (self.name or "").strip()
        ):
            self._mhrs_run("template_update")
        return True
