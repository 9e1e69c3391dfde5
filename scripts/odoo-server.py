#!/usr/bin/env python3
"""Start Odoo as odoo-bin does, for a multi-process (``--workers``) server.

With ``--workers``, Odoo starts its websocket worker as ``sys.executable sys.argv[0] gevent ...``.
Under ``python -m odoo`` ``sys.argv[0]`` is ``odoo/__main__.py``, which cannot be run as a script
(its relative import fails), so the gevent worker dies and is restarted forever. This file can be
run as a script: Odoo re-executes it for the gevent worker. It uses Odoo installed in the running
Python (``pip install -e``), so it needs no path of Odoo's source tree.

``--mhrs-cron-poll=SECONDS`` (or ``MHRS_CRON_POLL``; default 5, 0 keeps Odoo's 60 s): how often an idle
cron worker looks for due jobs. Odoo's workers sleep 60 s (plus up to 9 s) between two looks unless a
``cron_trigger`` notification wakes them, and a job falling due at a planned time notifies nobody, so a
company's 1-minute query started up to a minute late. Each look is one cheap query per database.
"""

import os
import sys

# As odoo-bin: the server works in UTC, whatever the machine's time zone.
os.environ["TZ"] = "UTC"

import odoo

POLL_OPTION = "--mhrs-cron-poll"
DEFAULT_POLL = 5.0


def take_cron_poll(argv):
    """The poll interval given on the command line (removed from ``argv``: Odoo does not know it, and
    the gevent worker, re-executed with these arguments, has no cron), else the environment's."""
    value = os.environ.get("MHRS_CRON_POLL", DEFAULT_POLL)
    for index, arg in enumerate(argv):
        if arg == POLL_OPTION and index + 1 < len(argv):
            value = argv[index + 1]
            del argv[index : index + 2]
            break
        if arg.startswith(POLL_OPTION + "="):
            value = arg.split("=", 1)[1]
            del argv[index]
            break
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1
    if seconds < 0:
        raise SystemExit(f"{POLL_OPTION} must be 0 (Odoo's own interval) or more seconds, not {value!r}")
    return seconds


def set_cron_poll(seconds):
    """Cron workers look for due jobs every ``seconds``: multi-process workers (WorkerCron) sleep that
    long (spread by up to a quarter per worker, as Odoo spreads them by its pid, so that they do not all
    look at once); the cron threads of a server without workers sleep ``SLEEP_INTERVAL`` (plus their
    number), which then also paces the threaded server's check of its limits."""
    import errno
    import select
    import time

    from odoo.service import server

    server.SLEEP_INTERVAL = seconds

    def sleep(self):
        # Odoo's WorkerCron.sleep, with the interval above instead of 60 s + pid % 10.
        if self.db_index == 0:
            interval = seconds * (1 + (self.pid % 10) / 40)
            try:
                select.select([self.wakeup_fd_r, self.dbcursor._cnx], [], [], interval)
                time.sleep(self.pid / 100 % 0.1)
                self.dbcursor._cnx.poll()
                server.empty_pipe(self.wakeup_fd_r)
            except OSError as exc:
                if exc.args[0] != errno.EINTR:
                    raise

    server.WorkerCron.sleep = sleep


if __name__ == "__main__":
    poll = take_cron_poll(sys.argv)
    if poll:
        set_cron_poll(poll)
    odoo.cli.main()
