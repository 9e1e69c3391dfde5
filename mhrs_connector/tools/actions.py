"""Window actions and counts of the smart buttons between physicians, clinics, templates, schedules,
appointments and the status page (no model here)."""


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
