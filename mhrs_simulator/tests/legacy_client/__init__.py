"""Pure-Python MHRS SOAP client (no Odoo import): see docs/contract.md."""

from . import errors
from .client import MAX_RESPONSE_BYTES, MhrsClient, MhrsConfig, clear_cache, mask_secrets
from .errors import MhrsBusinessError, MhrsError, MhrsMalformedResponse, MhrsTransportError, user_message
from .operations import OPERATIONS, OPERATIONS_BY_CODE, Operation

__all__ = [
    "MAX_RESPONSE_BYTES",
    "OPERATIONS",
    "OPERATIONS_BY_CODE",
    "MhrsBusinessError",
    "MhrsClient",
    "MhrsConfig",
    "MhrsError",
    "MhrsMalformedResponse",
    "MhrsTransportError",
    "Operation",
    "clear_cache",
    "errors",
    "mask_secrets",
    "user_message",
]
