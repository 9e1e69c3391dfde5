from . import mhrs_clinic_query_wizard, mhrs_clinic_mark_wizard
from . import mhrs_schedule_query_wizard, mhrs_schedule_query_wizard_line
from . import mhrs_schedule_plan_wizard, mhrs_schedule_plan_wizard_line
from . import mhrs_slot_search_wizard, mhrs_slot_search_wizard_line, mhrs_appointment_book_wizard
from . import mhrs_appointment_cancel_wizard, mhrs_appointment_query_wizard
from . import mhrs_dashboard
from . import mhrs_day_list_wizard, mhrs_sync_report_wizard
