"""Import the addon's pure-Python SOAP client without Odoo.

mhrs_connector/__init__.py imports Odoo models, so a bare namespace package stands in for it and only
the `soap` subpackage (which imports nothing from odoo) is loaded.
"""

import pathlib
import sys
import types

ROOT = pathlib.Path(__file__).resolve().parents[2]
if "mhrs_connector" not in sys.modules:
    _pkg = types.ModuleType("mhrs_connector")
    _pkg.__path__ = [str(ROOT / "mhrs_connector")]
    sys.modules["mhrs_connector"] = _pkg

from mhrs_connector.soap import OPERATIONS, MhrsClient, MhrsConfig, errors  # noqa: E402
from mhrs_connector.soap import client as client_module  # noqa: E402

__all__ = ["OPERATIONS", "ROOT", "MhrsClient", "MhrsConfig", "client_module", "errors"]
