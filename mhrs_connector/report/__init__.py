from . import mhrs_appointment_report, mhrs_day_list_report, mhrs_schedule_report, mhrs_sync_report
