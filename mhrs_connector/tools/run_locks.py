"""Which sync runs are alive: a run in progress holds a session-level advisory lock on its id.

PostgreSQL releases a session's advisory locks when its connection ends, also when the process holding
it is killed (kill -9, out of memory, a server stopped mid-run). A run still 'running' whose lock nobody
holds was left by a dead worker. Commits between batches do not release a session lock.
"""

import logging

from .jobs import can_commit

_logger = logging.getLogger(__name__)

# First key of the run locks (the second is the run's id); any constant unused by other lock users.
RUN_LOCK_CLASS = 47180001


def lock_runs(cr, run_ids):
    """Hold the lock of these runs for this connection until release_runs or the connection's end. A
    rollback of the transaction that created the runs releases them too (the rows disappear)."""
    if not run_ids:
        return
    cr.execute(
        "SELECT pg_advisory_lock(%s, run_id) FROM unnest(%s::int[]) AS run_id",
        (RUN_LOCK_CLASS, list(run_ids)),
    )
    cr.postrollback.add(lambda: _release_after_rollback(cr, run_ids))


_UNLOCK = """
    SELECT pg_advisory_unlock(%s, l.objid::int)
      FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid() AND l.classid = %s
       AND l.objsubid = 2 AND l.objid::int = ANY(%s)
"""


def release_runs(cr, run_ids):
    """Release the locks this connection holds on these runs (none held: nothing happens)."""
    if run_ids:
        cr.execute(_UNLOCK, (RUN_LOCK_CLASS, RUN_LOCK_CLASS, list(run_ids)))


def release_after_commit(cr, run_ids):
    """Release these runs' locks when the transaction ends: their outcome is then committed (or, rolled
    back, the runs are back to what was committed before). Inside tests, nothing commits: at once."""
    if not run_ids:
        return
    if not can_commit():
        release_runs(cr, run_ids)
        return
    cr.postcommit.add(lambda: _release_after_rollback(cr, run_ids))
    cr.postrollback.add(lambda: _release_after_rollback(cr, run_ids))


def _release_after_rollback(cr, run_ids):
    """After a rollback the runs are gone; the cursor may be closing (its connection goes back to the
    pool), so the locks are released on the connection itself. Best effort: a lock left on a run id that
    no longer exists blocks nothing."""
    cnx = getattr(cr, "_cnx", None)
    try:
        if cnx is None:
            release_runs(cr, run_ids)
            return
        with cnx.cursor() as raw:
            raw.execute(_UNLOCK, (RUN_LOCK_CLASS, RUN_LOCK_CLASS, list(run_ids)))
        cnx.rollback()
    except Exception:  # nothing to do about a connection that is gone
        _logger.debug("Could not release the locks of runs %s", run_ids, exc_info=True)


def orphan_runs(cr, company_ids=None):
    """Ids of the runs still 'running' whose lock no connection holds (their worker died)."""
    company_ids = list(company_ids) if company_ids else None
    cr.execute(
        """
        SELECT r.id
          FROM mhrs_sync_run r
         WHERE r.state = 'running'
           AND (%s IS NULL OR r.company_id = ANY(%s))
           AND NOT EXISTS (
               SELECT 1 FROM pg_locks l
                WHERE l.locktype = 'advisory' AND l.granted
                  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND l.classid = %s AND l.objid = r.id AND l.objsubid = 2
           )
        """,
        (company_ids, company_ids, RUN_LOCK_CLASS),
    )
    return [row[0] for row in cr.fetchall()]
