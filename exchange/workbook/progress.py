"""A worker's progress, written to its ImportRecord while the import's transaction is still open."""

import threading
import time

from django.db import connections
from django.utils import timezone

from exchange.models import ImportRecord


class RecordProgress:
    """Writes a worker's progress to its record through a connection of its own (a short thread),
    so that the page sees it while the import's own transaction is still open."""

    def __init__(self, record_id: int, every_seconds: float = 1.0):
        self.record_id = record_id
        self.every = every_seconds
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < self.every and done < total:
            return
        self.last = now
        thread = threading.Thread(target=self._write, args=(done, total))
        thread.start()
        thread.join()

    def _write(self, done: int, total: int) -> None:
        try:
            ImportRecord.objects.filter(pk=self.record_id).update(
                rows_done=min(done, max(total, done)), rows_total=max(total, done), updated_at=timezone.now()
            )
        finally:
            connections.close_all()  # this thread's connections only
