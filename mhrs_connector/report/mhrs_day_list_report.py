from odoo import api, models
from odoo.tools import groupby
from odoo.tools.misc import format_date

from ..tools import letterhead_in_body
from ..tools.dates import local_now


class MhrsDayListReport(models.AbstractModel):
    """The printed day list: one page per day, physician and clinic, one row per appointment, with an
    empty box to tick when the patient arrives."""

    _name = "report.mhrs_connector.report_mhrs_day_list"
    _description = "MHRS Day List Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        appointments = self.env["mhrs.appointment"].browse(docids).exists()
        return {
            "doc_ids": appointments.ids,
            "doc_model": "mhrs.appointment",
            "docs": appointments,
            "pages": self._pages(appointments),
            "letterhead_in_body": letterhead_in_body(),
        }

    @api.model
    def _pages(self, appointments):
        """Appointments grouped by local day, physician and clinic, each group in time order."""
        Appointment = self.env["mhrs.appointment"]
        channels = dict(Appointment._fields["mhrs_channel"]._description_selection(self.env))
        states = dict(Appointment._fields["state"]._description_selection(self.env))
        rows = []
        for appointment in appointments:
            local = local_now(appointment.company_id, appointment.date_start)
            rows.append((local, appointment))

        def key(row):
            local, appointment = row
            return (
                appointment.company_id.id,
                local.date(),
                appointment.physician_id.name or "",
                appointment.clinic_id.display_name or "",
            )

        pages = []
        for _key, group in groupby(sorted(rows, key=lambda row: (key(row), row[0])), key=key):
            first = group[0][1]
            pages.append(
                {
                    "company": first.company_id,
                    "day": format_date(self.env, group[0][0].date()),
                    "physician": first.physician_id,
                    "clinic": first.clinic_id,
                    "rows": [
                        {
                            "time": local.strftime("%H:%M"),
                            "hrn": appointment.mhrs_hrn,
                            "patient": appointment.partner_id.name or appointment.patient_name or "",
                            "channel": channels.get(appointment.mhrs_channel, ""),
                            "status": states.get(appointment.state, ""),
                            "checked_in": appointment.state == "attended",
                            "cancelled": appointment.state == "cancelled",
                        }
                        for local, appointment in group
                    ],
                }
            )
        return pages
