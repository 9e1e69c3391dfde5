from .tckn import is_valid_tckn
