from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from ..tools.dates import local_today


class MhrsDayListWizard(models.TransientModel):
    """Print Day List: the appointments of one day for a physician or a clinic (or the whole hospital),
    on paper for the reception desk and the physician's room."""

    _name = "mhrs.day.list.wizard"
    _description = "MHRS Print Day List"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        help="The hospital whose appointments are printed.",
    )
    date = fields.Date(
        string="Day",
        required=True,
        default=lambda self: local_today(self.env.company),
        help="The day to print (the hospital's local day).",
    )
    physician_id = fields.Many2one(
        "mhrs.physician",
        string="Physician",
        check_company=True,
        help="Only this physician's appointments (empty: every physician).",
    )
    clinic_id = fields.Many2one(
        "mhrs.clinic",
        string="Clinic",
        check_company=True,
        help="Only this clinic's appointments (empty: every clinic).",
    )
    include_cancelled = fields.Boolean(help="Also print the cancelled appointments of the day (crossed out).")

    def _appointments(self):
        self.ensure_one()
        Appointment = self.env["mhrs.appointment"]
        start, end = Appointment._mhrs_local_day_bounds(self.company_id, self.date)
        domain = [
            ("company_id", "=", self.company_id.id),
            ("date_start", ">=", start),
            ("date_start", "<", end),
        ]
        if self.physician_id:
            domain.append(("physician_id", "=", self.physician_id.id))
        if self.clinic_id:
            domain.append(("clinic_id", "=", self.clinic_id.id))
        if not self.include_cancelled:
            domain.append(("state", "!=", "cancelled"))
        return Appointment.search(domain, order="date_start, id")

    def action_print(self):
        """Print the day list (PDF), one page per physician and clinic."""
        self.ensure_one()
        appointments = self._appointments()
        if not appointments:
            raise UserError(
                self.env._(
                    "No appointments on %(day)s for this selection.", day=format_date(self.env, self.date)
                )
            )
        report = self.env.ref("mhrs_connector.action_report_mhrs_day_list")
        action = report.report_action(appointments, config=False)
        # The dialog closes once the PDF is downloaded.
        action["close_on_report_download"] = True
        return action
