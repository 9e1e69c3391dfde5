"""The Call Log smart button of a record sent to MHRS, and helpers of the smart buttons between physicians,
clinics, templates, schedules and appointments."""

from odoo import fields, models


def count_by(env, model, field, ids, extra=()):
    """{id: count} of ``model`` records whose ``field`` is one of ``ids``."""
    if not ids:
        return {}
    rows = env[model]._read_group([(field, "in", ids), *extra], [field], ["__count"])
    return {record.id: count for record, count in rows}


def open_list(env, model, domain, name, views=("list", "form"), context=None, create=False):
    context = dict(context or {})
    if not create:
        context["create"] = False
    return {
        "type": "ir.actions.act_window",
        "name": name,
        "res_model": model,
        "domain": domain,
        "views": [(False, view) for view in views],
        "context": context,
    }


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
