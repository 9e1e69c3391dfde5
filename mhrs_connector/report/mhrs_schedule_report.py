from odoo import api, models
from odoo.tools.misc import format_date

from ..tools import letterhead_in_body
from ..tools.dates import company_tz, to_local


class MhrsScheduleReport(models.AbstractModel):
    """A physician's printed work schedule: the blocks of each day in the hospital's local time."""

    _name = "report.mhrs_connector.report_mhrs_schedule"
    _description = "MHRS Work Schedule Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        schedules = self.env["mhrs.schedule"].browse(docids).exists()
        return {
            "doc_ids": schedules.ids,
            "doc_model": "mhrs.schedule",
            "docs": schedules,
            "days_of": self._days,
            "letterhead_in_body": letterhead_in_body(),
        }

    @api.model
    def _days(self, schedule):
        """[{day, blocks: [{time, action, bookable, slot, patients, state}]}] in local day order."""
        tz = company_tz(schedule.company_id)
        states = dict(schedule.line_ids._fields["state"]._description_selection(self.env))
        days = {}
        for line in schedule.line_ids.sorted("date_start"):
            start = to_local(line.date_start, tz)
            end = to_local(line.date_end, tz)
            days.setdefault(start.date(), []).append(
                {
                    "time": f"{start:%H:%M}-{end:%H:%M}",
                    "action": line.action_code_id.name or "",
                    "bookable": line.bookable,
                    "slot": line.slot_minutes if line.bookable else "",
                    "patients": line.patients_per_slot if line.bookable else "",
                    "state": states.get(line.state, ""),
                }
            )
        return [
            {"day": format_date(self.env, day, date_format="EEE dd.MM.yyyy"), "blocks": blocks}
            for day, blocks in sorted(days.items())
        ]
