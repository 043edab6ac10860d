"""The one place periodic tasks are defined. `manage.py run_scheduler` enqueues each one at most once
per period (jobs.services.enqueue_due); systemd's timer or cron runs that command (README).

To add one (the reminders, next): a Periodic with a unique name, the task, and from what local time
of its period it is due.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

from django.utils import timezone
from django_tasks.base import Task

from households.tasks import recompute_register_nightly
from notifications.tasks import send_daily_digests
from reporting.tasks import reporting_daily


def daily(moment: datetime) -> str:
    """The period a local moment falls in, for a task run once a day: its date."""
    return moment.date().isoformat()


@dataclass(frozen=True)
class Periodic:
    name: str
    task: Task
    period: Callable[[datetime], str] = daily
    due_from: time = time(0, 0)  # local time in the period from which the task is due

    def due_period(self, now: datetime) -> str | None:
        """The period to enqueue for at `now`, or None while it is not yet due."""
        local = timezone.localtime(now)
        return self.period(local) if local.time() >= self.due_from else None


SCHEDULE: list[Periodic] = [
    Periodic("recompute_register", recompute_register_nightly, daily, due_from=time(1, 0)),
    Periodic("notification_digest", send_daily_digests, daily, due_from=time(7, 0)),
    Periodic("reporting_daily", reporting_daily, daily, due_from=time(5, 30)),
]
