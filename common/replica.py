"""Read replica: one router and one view decorator.

When settings define a ``replica`` database (env ``REPLICA_DATABASE_URL``), the
views wrapped with :func:`reads_from_replica` (the dashboards) read from it.
Everything else reads the primary, so an officer's own pages show a figure the
moment it is saved (a streaming replica lags by a little).

Rules, kept deliberately simple:

* Only read-only pages are marked. A request that writes is never marked; if a
  marked view writes anyway, the write goes to the primary (``db_for_write`` is
  always ``default``) and the rest of that request reads the primary too, so it
  sees its own write.
* Reads inside ``transaction.atomic()`` on the primary read the primary.
* Without a ``replica`` alias the router sends nothing anywhere special: every
  read and write goes to ``default``.
* Migrations run on ``default`` only; the replica receives them by streaming.

Streaming responses: the mark lasts only while the view function runs; rows
fetched later while a streaming response is consumed read the primary. The
dashboards return ordinary responses, so this costs nothing today.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models

REPLICA_DB_ALIAS = "replica"

# True while a view marked with ``reads_from_replica`` runs.
_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "povertyplan_replica_reads", default=False
)


def replica_configured() -> bool:
    """True when a ``replica`` alias is configured and names another database.

    Under the test runner the alias mirrors ``default`` (settings), i.e. names
    the same database through a second connection that cannot see a test's
    open transaction: reading ``default`` itself is then the same data, seen
    correctly.
    """
    if REPLICA_DB_ALIAS not in connections.settings:
        return False
    replica = connections[REPLICA_DB_ALIAS].settings_dict
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    return any(replica.get(key) != primary.get(key) for key in ("NAME", "HOST", "PORT"))


def replica_reads_active() -> bool:
    """True when the current code runs inside a replica-marked request."""
    return _replica_reads.get()


def reads_from_replica(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a read-only view: its queries read the ``replica`` alias if configured."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = _replica_reads.set(True)
        try:
            return view(*args, **kwargs)
        finally:
            _replica_reads.reset(token)

    wrapper.reads_from_replica = True  # type: ignore[attr-defined]
    return wrapper


class ReplicaRouter:
    """Send a marked request's reads to the replica; everything else to the primary."""

    def db_for_read(self, model: type[models.Model], **hints: Any) -> str | None:
        if not _replica_reads.get() or not replica_configured():
            return DEFAULT_DB_ALIAS
        primary = connections[DEFAULT_DB_ALIAS]
        if primary.in_atomic_block:
            # Inside a transaction on the primary (a write may be pending):
            # read what that transaction sees.
            return DEFAULT_DB_ALIAS
        return REPLICA_DB_ALIAS

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str:
        # A write in a marked request ends the replica reads for the rest of
        # it, so the request reads its own write.
        if _replica_reads.get():
            _replica_reads.set(False)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: Any) -> bool:
        # Both aliases hold the same data: objects from either may be related.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
