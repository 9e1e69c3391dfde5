"""The Call Log smart button of a record sent to MHRS."""

from odoo import fields, models

from ..tools.actions import open_list


def call_log_domain(targets):
    """Call log rows of any of ``targets`` (recordsets of any model)."""
    domain = []
    for records in targets:
        if records:
            part = ["&", ("res_model", "=", records._name), ("res_id", "in", records.ids)]
            domain = ["|", *domain, *part] if domain else part
    return domain or [("id", "=", 0)]


class MhrsCallLogLink(models.AbstractModel):
    """The Call Log smart button of a record sent to MHRS."""

    _name = "mhrs.call.log.link"
    _description = "MHRS Call Log Link"

    call_log_count = fields.Integer(
        string="MHRS Calls", compute="_compute_call_log_count", help="MHRS calls made for this record."
    )

    def _call_log_targets(self):
        return [self]

    def _compute_call_log_count(self):
        Log = self.env["mhrs.sync.log"]
        for record in self:
            origin = record._origin
            record.call_log_count = (
                Log.search_count(call_log_domain(origin._call_log_targets())) if origin.id else 0
            )

    def action_open_call_log(self):
        self.ensure_one()
        return open_list(
            self.env,
            "mhrs.sync.log",
            call_log_domain(self._call_log_targets()),
            self.env._("Call Log: %(name)s", name=self.display_name),
        )
