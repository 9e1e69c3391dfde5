"""The MHRS wire: pure Python (no Odoo), REST "MHRS V2" and SOAP G2 behind one facade.

See client.py for the conventions and docs/contract.md for the map Table 1 row -> G2 -> G3.
"""

from .client import MhrsClient
from .common import CallRecord, WireConfig, mask
from .errors import (
    MhrsAuthError,
    MhrsBusinessError,
    MhrsError,
    MhrsMalformedResponse,
    MhrsNotAvailable,
    MhrsTransportError,
)
from .operations import OPERATIONS, TABLE1, Operation

__all__ = [
    "OPERATIONS",
    "TABLE1",
    "CallRecord",
    "MhrsAuthError",
    "MhrsBusinessError",
    "MhrsClient",
    "MhrsError",
    "MhrsMalformedResponse",
    "MhrsNotAvailable",
    "MhrsTransportError",
    "Operation",
    "WireConfig",
    "mask",
]
