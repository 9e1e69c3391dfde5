from . import mhrs_clinic_query_wizard, mhrs_template_query_wizard
