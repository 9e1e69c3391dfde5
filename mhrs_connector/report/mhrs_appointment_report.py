from odoo import fields, models, tools

from ..models.mhrs_appointment import APPOINTMENT_STATES, CHANNELS


class MhrsAppointmentReport(models.Model):
    """Appointment analysis: counts and the no-show rate by physician, clinic, channel and period.

    The no-show rate is 100 for a patient who did not come, 0 for one who came and empty for the
    others (still booked or cancelled): its average over any group is the share of no-shows among the
    appointments whose attendance is known, the figure hospitals are judged on."""

    _name = "mhrs.appointment.report"
    _description = "MHRS Appointment Analysis"
    _auto = False
    _order = "date_start desc"
    _rec_name = "date_start"

    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    date_start = fields.Datetime(string="Start", readonly=True)
    physician_id = fields.Many2one("mhrs.physician", string="Physician", readonly=True)
    clinic_id = fields.Many2one("mhrs.clinic", string="Clinic", readonly=True)
    mhrs_channel = fields.Selection(CHANNELS, string="Channel", readonly=True)
    state = fields.Selection(APPOINTMENT_STATES, string="Status", readonly=True)
    appointment_count = fields.Integer(string="Appointments", readonly=True)
    attended_count = fields.Integer(string="Attended", readonly=True, help="Patients who came.")
    no_show_count = fields.Integer(string="Not Attended", readonly=True, help="Patients who did not come.")
    no_show_rate = fields.Float(
        string="No-show Rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Not attended among the appointments whose attendance is known (attended or not "
        "attended), in per cent.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT a.id,
                       a.company_id,
                       a.date_start,
                       a.physician_id,
                       a.clinic_id,
                       a.mhrs_channel,
                       a.state,
                       1 AS appointment_count,
                       CASE WHEN a.state = 'attended' THEN 1 ELSE 0 END AS attended_count,
                       CASE WHEN a.state = 'no_show' THEN 1 ELSE 0 END AS no_show_count,
                       CASE WHEN a.state = 'no_show' THEN 100.0
                            WHEN a.state = 'attended' THEN 0.0
                       END AS no_show_rate
                  FROM mhrs_appointment a
            )
            """
        )
