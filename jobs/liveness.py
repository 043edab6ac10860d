"""Whether the worker that claimed a task still lives: a lock the worker holds for its whole life.

No timer is involved. Each `db_worker` process (jobs' own command) takes, before it claims any
task, a lock named by its worker id, and holds it until it ends; whoever ends it (SIGKILL, the OOM
killer, a reboot), the lock goes with it, and so does the transaction of the task it was running.

- PostgreSQL: a session advisory lock on a connection kept for that purpose (workers may run on
  other machines than the web servers; the database sees them all). Checked through pg_locks.
- SQLite: an flock() on a file beside the system's temporary files; the kernel drops it when the
  process dies. A SQLite database is a local file, so its workers run on the same machine.
"""

import fcntl
import hashlib
import tempfile
import zlib
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connection, connections

LOCK_SPACE = 7302  # the first key of every worker's advisory lock
_held: list = []  # what keeps this process's lock alive (a connection or an open file)


def _key(worker_id: str) -> int:
    return zlib.crc32(worker_id.encode()) & 0x7FFFFFFF


def _lock_file(worker_id: str) -> Path:
    database = hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / "povertyplan-workers" / database
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{hashlib.sha256(worker_id.encode()).hexdigest()[:32]}.lock"


def hold(worker_id: str) -> None:
    """Take this worker's lock for the rest of the process's life."""
    if connection.vendor == "postgresql":
        own = connections.create_connection(DEFAULT_DB_ALIAS)  # not closed by close_old_connections()
        with own.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_SPACE, _key(worker_id)])
        _held.append(own)
    else:
        handle = _lock_file(worker_id).open("a")
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _held.append(handle)


def is_alive(worker_id: str) -> bool:
    """Whether a process holds `worker_id`'s lock now."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = %s AND objid = %s AND objsubid = 2)",
                [LOCK_SPACE, _key(worker_id)],
            )
            return cursor.fetchone()[0]
    path = _lock_file(worker_id)
    if not path.exists():
        return False
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
