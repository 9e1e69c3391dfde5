from odoo import fields, models


class MhrsPhysician(models.Model):
    """The appointment sync's view of a physician: when their appointments were last fully synced."""

    _inherit = "mhrs.physician"

    mhrs_last_complete_sync = fields.Datetime(
        string="Last Complete Sync",
        compute="_compute_mhrs_last_complete_sync",
        help="Start of the last appointment sync run that queried this physician without error.",
    )

    def _compute_mhrs_last_complete_sync(self):
        Run = self.env["mhrs.sync.run"].sudo()
        for physician in self:
            if not physician.id:
                physician.mhrs_last_complete_sync = False
                continue
            run = Run.search(
                [
                    ("physician_ids", "in", physician.id),
                    ("failed_physician_ids", "not in", physician.id),
                    ("state", "in", ("done", "partial")),
                    ("kind", "!=", "exception"),
                ],
                order="started_at desc, id desc",
                limit=1,
            )
            physician.mhrs_last_complete_sync = run.started_at
