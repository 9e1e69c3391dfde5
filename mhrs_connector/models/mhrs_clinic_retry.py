from odoo import models

from .mhrs_record_retry import same_name


class MhrsClinic(models.Model):
    _inherit = "mhrs.clinic"

    # ------------------------------------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------------------------------------
    def _mhrs_adopt_existing(self, operation):
        """A registration or cancellation whose answer was lost may have been applied: look first."""
        self.ensure_one()
        if operation not in ("clinic_register", "clinic_cancel"):
            return super()._mhrs_adopt_existing(operation)
        result = self.env["mhrs.connector.mixin"]._mhrs_call(
            "clinic_query", record=self, KlinikKodu=self.mhrs_branch_id.code
        )
        rows = result.get("AltKlinikBilgileri") or []
        if operation == "clinic_cancel":
            row = next((r for r in rows if r.get("AltKlinikKodu") == self.mhrs_clinic_code), None)
            if not row or row.get("AktifMi"):
                return False
            self.write({"state": "cancelled"})
            self._mhrs_mark_adopted(self.env._("MHRS had already cancelled the clinic; nothing resent."))
            return True
        taken = set(
            self.with_context(active_test=False)
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("id", "!=", self.id),
                    ("mhrs_clinic_code", "!=", 0),
                ]
            )
            .mapped("mhrs_clinic_code")
        )
        row = next(
            (
                r
                for r in rows
                if r.get("AktifMi")
                and r.get("KlinikKodu") == self.mhrs_branch_id.code
                and r.get("AltKlinikKodu") not in taken
                and same_name(r.get("AltKlinikAdi"), self.name)
            ),
            None,
        )
        if not row:
            return False
        self.write({"state": "registered", "mhrs_clinic_code": row["AltKlinikKodu"]})
        self._mhrs_mark_adopted(
            self.env._(
                "MHRS already held this clinic (code %(code)s): adopted instead of registering it twice.",
                code=row["AltKlinikKodu"],
            )
        )
        if self._mhrs_differences(row):
            # Changed here since the lost registration: bring MHRS in line.
            self._mhrs_run("clinic_update")
        return True
