"""Smart buttons between physicians, clinics, templates, schedules, appointments and the call log."""

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


class MhrsPhysician(models.Model):
    _name = "mhrs.physician"
    _inherit = ["mhrs.physician", "mhrs.call.log.link"]

    schedule_count = fields.Integer(
        string="Schedules", compute="_compute_smart_counts", help="Work schedules of the physician."
    )
    appointment_count = fields.Integer(
        string="Appointments", compute="_compute_smart_counts", help="Appointments with the physician."
    )

    def _compute_smart_counts(self):
        ids = self._origin.ids
        schedules = count_by(self.env, "mhrs.schedule", "physician_id", ids)
        appointments = count_by(self.env, "mhrs.appointment", "physician_id", ids)
        for physician in self:
            physician.schedule_count = schedules.get(physician._origin.id, 0)
            physician.appointment_count = appointments.get(physician._origin.id, 0)

    def _call_log_targets(self):
        return [
            self.env["mhrs.schedule"].search([("physician_id", "in", self.ids)]),
            self.env["mhrs.appointment"].search([("physician_id", "in", self.ids)]),
            self.env["mhrs.exception"].search([("physician_id", "in", self.ids)]),
        ]

    def action_open_schedules(self):
        self.ensure_one()
        return open_list(
            self.env,
            "mhrs.schedule",
            [("physician_id", "=", self.id)],
            self.env._("Schedules: %(name)s", name=self.name),
            views=("list", "calendar", "form"),
            context={"default_physician_id": self.id},
            create=True,
        )

    def action_open_appointments(self):
        self.ensure_one()
        return open_list(
            self.env,
            "mhrs.appointment",
            [("physician_id", "=", self.id)],
            self.env._("Appointments: %(name)s", name=self.name),
            views=("calendar", "list", "form"),
        )


class MhrsClinic(models.Model):
    _name = "mhrs.clinic"
    _inherit = ["mhrs.clinic", "mhrs.call.log.link"]

    physician_count = fields.Integer(
        string="Physician Count", compute="_compute_smart_counts", help="Physicians working in the clinic."
    )
    schedule_count = fields.Integer(
        string="Schedules", compute="_compute_smart_counts", help="Work schedules in the clinic."
    )
    appointment_count = fields.Integer(
        string="Appointments", compute="_compute_smart_counts", help="Appointments in the clinic."
    )

    def _compute_smart_counts(self):
        ids = self._origin.ids
        schedules = count_by(self.env, "mhrs.schedule", "clinic_id", ids)
        appointments = count_by(self.env, "mhrs.appointment", "clinic_id", ids)
        for clinic in self:
            clinic.physician_count = len(clinic.physician_ids)
            clinic.schedule_count = schedules.get(clinic._origin.id, 0)
            clinic.appointment_count = appointments.get(clinic._origin.id, 0)

    def action_open_physicians(self):
        self.ensure_one()
        return open_list(
            self.env,
            "mhrs.physician",
            [("clinic_ids", "in", self.id)],
            self.env._("Physicians: %(name)s", name=self.name),
        )

    def action_open_schedules(self):
        self.ensure_one()
        return open_list(
            self.env,
            "mhrs.schedule",
            [("clinic_id", "=", self.id)],
            self.env._("Schedules: %(name)s", name=self.name),
            views=("list", "calendar", "form"),
            context={"default_clinic_id": self.id},
            create=True,
        )

    def action_open_appointments(self):
        self.ensure_one()
        return open_list(
            self.env,
            "mhrs.appointment",
            [("clinic_id", "=", self.id)],
            self.env._("Appointments: %(name)s", name=self.name),
            views=("calendar", "list", "form"),
        )


class MhrsTemplate(models.Model):
    _name = "mhrs.template"
    _inherit = ["mhrs.template", "mhrs.call.log.link"]

    schedule_count = fields.Integer(
        string="Schedules", compute="_compute_smart_counts", help="Work schedules made from the template."
    )

    def _compute_smart_counts(self):
        schedules = count_by(self.env, "mhrs.schedule", "template_id", self._origin.ids)
        for template in self:
            template.schedule_count = schedules.get(template._origin.id, 0)

    def action_open_schedules(self):
        self.ensure_one()
        return open_list(
            self.env,
            "mhrs.schedule",
            [("template_id", "=", self.id)],
            self.env._("Schedules: %(name)s", name=self.name),
            views=("list", "calendar", "form"),
            context={"default_template_id": self.id},
            create=True,
        )


class MhrsSchedule(models.Model):
    _name = "mhrs.schedule"
    _inherit = ["mhrs.schedule", "mhrs.call.log.link"]

    appointment_count = fields.Integer(
        string="Appointments",
        compute="_compute_smart_counts",
        help="Appointments booked in the blocks of this schedule.",
    )

    def _compute_smart_counts(self):
        Appointment = self.env["mhrs.appointment"]
        for schedule in self:
            lines = schedule._origin.line_ids
            schedule.appointment_count = (
                Appointment.search_count([("schedule_line_id", "in", lines.ids)]) if lines else 0
            )

    def action_open_appointments(self):
        self.ensure_one()
        return open_list(
            self.env,
            "mhrs.appointment",
            [("schedule_line_id", "in", self.line_ids.ids)],
            self.env._("Appointments: %(name)s", name=self.name),
            views=("list", "calendar", "form"),
        )


class MhrsAppointment(models.Model):
    _name = "mhrs.appointment"
    _inherit = ["mhrs.appointment", "mhrs.call.log.link"]
