"""The client of the simulator's old endpoint (the self-made contract the addon spoke up to 18.0.1).

The addon no longer ships it: it lives here, next to the tests of the simulator's logic that still use
that endpoint, and for the benchmark's baseline (bench/bench_sync.py).
"""

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mhrs_simulator.tests.legacy_client import OPERATIONS, MhrsClient, MhrsConfig, errors  # noqa: E402
from mhrs_simulator.tests.legacy_client import client as client_module  # noqa: E402

__all__ = ["OPERATIONS", "ROOT", "MhrsClient", "MhrsConfig", "client_module", "errors"]
