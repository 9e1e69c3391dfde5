from . import test_settings
from . import test_sync_log
from . import test_access
from . import test_tour
from . import test_clinic
from . import test_template
