from .tckn import is_valid_tckn
from .jobs import can_commit, try_company_lock
from .report import letterhead_in_body
