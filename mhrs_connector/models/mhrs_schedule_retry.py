from odoo import models


class MhrsSchedule(models.Model):
    _inherit = "mhrs.schedule"

    # ------------------------------------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------------------------------------
    def _mhrs_adopt_existing(self, operation):
        """Blocks whose registration answer was lost are found at MHRS by their ReferansNo (the block's
        id, sent with the registration) and adopted; only the blocks MHRS does not hold are resent."""
        self.ensure_one()
        if operation not in ("schedule_register", "schedule_update"):
            return super()._mhrs_adopt_existing(operation)
        lines = self._mhrs_lines_to_register()
        if not lines:
            return False
        periods = [line._mhrs_detail()["TarihBilgileri"] for line in lines]
        result = self.env["mhrs.connector.mixin"]._mhrs_call(
            "schedule_query",
            record=self,
            TarihBilgileri={
                "BaslangicZamani": min(p["BaslangicZamani"] for p in periods),
                "BitisZamani": max(p["BitisZamani"] for p in periods),
            },
            HekimKodu=self.physician_id.tckn,
        )
        refs = {str(line.id) for line in lines}
        found = [
            {"ReferansNo": str(row["ReferansNo"]), "KesinCetvelId": row["KesinCetvelId"]}
            for row in result.get("CetvelBilgileri") or []
            if row.get("KesinCetvelId") and str(row.get("ReferansNo")) in refs
        ]
        if not found:
            return False
        self._mhrs_apply_schedule_register({"CetvelCevap": found})
        if len(found) < len(lines) or operation != "schedule_register":
            return False  # the other blocks (or the other steps of the update) are still sent
        self._mhrs_mark_adopted(
            self.env._(
                "MHRS already held the %(count)s blocks of this schedule: adopted instead of registering "
                "them twice.",
                count=len(found),
            )
        )
        return True
