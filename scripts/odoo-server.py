#!/usr/bin/env python3
"""Start Odoo as odoo-bin does, for a multi-process (``--workers``) server.

With ``--workers``, Odoo starts its websocket worker as ``sys.executable sys.argv[0] gevent ...``.
Under ``python -m odoo`` ``sys.argv[0]`` is ``odoo/__main__.py``, which cannot be run as a script
(its relative import fails), so the gevent worker dies and is restarted forever. This file can be
run as a script: Odoo re-executes it for the gevent worker. It uses Odoo installed in the running
Python (``pip install -e``), so it needs no path of Odoo's source tree.
"""

import os

# As odoo-bin: the server works in UTC, whatever the machine's time zone.
os.environ["TZ"] = "UTC"

import odoo

if __name__ == "__main__":
    odoo.cli.main()
