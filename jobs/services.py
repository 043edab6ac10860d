"""Writes of the job queue: enqueue the periodic tasks due, settle tasks whose worker died, retry.

django-tasks-db keeps every task as a DBTaskResult row: READY (queued), RUNNING (claimed by the
worker whose id is last in worker_ids), SUCCESSFUL or FAILED (with the exception and traceback).
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from jobs import liveness
from jobs.models import PeriodicRun
from jobs.schedule import SCHEDULE, Periodic

WORKER_LOST = "jobs.services.WorkerLost"


class WorkerLost(Exception):
    """What a task interrupted by the death of its worker is marked as having failed with."""


class NotRetryable(Exception):
    """The task cannot be run again now (not failed, or the same task is already queued)."""


def enqueue_due(*, now: datetime | None = None, schedule: list[Periodic] | None = None) -> list[PeriodicRun]:
    """Enqueue each periodic task due at `now` unless it already was for this period; the new runs.

    The PeriodicRun row and the task's row are written in one transaction, and (name, period) is
    unique: run twice, or by two schedulers at once, a task is enqueued once per period.
    """
    now = now or timezone.now()
    started = []
    for periodic in SCHEDULE if schedule is None else schedule:
        period = periodic.due_period(now)
        if period is None:
            continue
        with transaction.atomic():
            run, created = PeriodicRun.objects.get_or_create(name=periodic.name, period=period)
            if created:
                run.task_result_id = str(periodic.task.enqueue().id)
                run.save(update_fields=["task_result_id"])
                started.append(run)
    return started


def is_lost(result: DBTaskResult) -> bool:
    """A task said to be running whose worker holds no liveness lock: the worker died."""
    return result.status == TaskResultStatus.RUNNING and bool(result.worker_ids) and not liveness.is_alive(result.worker_ids[-1])


def settle_lost(result: DBTaskResult) -> bool:
    """Mark a task whose worker died as failed (its transaction died with the worker). True if it was."""
    if not is_lost(result):
        return False
    message = _("Tiến trình xử lý (worker %(worker)s) đã dừng giữa chừng; việc này không ghi được gì và có thể chạy lại.") % {
        "worker": result.worker_ids[-1],
    }
    settled = DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now(), exception_class_path=WORKER_LOST,
        traceback=f"{WORKER_LOST}: {message}", return_value=None,
    )
    result.refresh_from_db()
    return bool(settled)


def settle_lost_tasks() -> int:
    """settle_lost() for every task said to be running; how many were lost."""
    return sum(settle_lost(result) for result in DBTaskResult.objects.running())


def retry(*, result_id: str) -> DBTaskResult:
    """Queue a failed task again, as the same row (its worker_ids keep the earlier attempts)."""
    with transaction.atomic():
        result = DBTaskResult.objects.select_for_update().filter(pk=result_id).first()
        if result is None or result.status != TaskResultStatus.FAILED:
            raise NotRetryable(_("Chỉ chạy lại được việc đã lỗi."))
        twin = DBTaskResult.objects.filter(
            Q(status=TaskResultStatus.READY) | Q(status=TaskResultStatus.RUNNING),
            task_path=result.task_path, args_kwargs=result.args_kwargs,
        )
        if twin.exists():
            raise NotRetryable(_("Việc giống hệt đang chờ hoặc đang chạy; không đưa thêm vào hàng đợi."))
        result.status, result.run_after = TaskResultStatus.READY, get_date_max()
        result.started_at = result.finished_at = result.return_value = None
        result.exception_class_path = result.traceback = ""
        result.save(update_fields=[
            "status", "run_after", "started_at", "finished_at", "return_value", "exception_class_path", "traceback",
        ])
    return result
