from odoo import api, models

from ..tools import letterhead_in_body


class MhrsSyncReport(models.AbstractModel):
    """The printed MHRS sync report of a period (its figures come from the wizard)."""

    _name = "report.mhrs_connector.report_mhrs_sync"
    _description = "MHRS Sync Report Printout"

    @api.model
    def _get_report_values(self, docids, data=None):
        wizards = self.env["mhrs.sync.report.wizard"].browse(docids).exists()
        return {
            "doc_ids": wizards.ids,
            "doc_model": "mhrs.sync.report.wizard",
            "docs": wizards,
            "letterhead_in_body": letterhead_in_body(),
        }
