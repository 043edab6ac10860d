"""Reads of the job queue for the jobs page: queued, running and failed tasks, each in words."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs.services import WORKER_LOST

# What each task is called on the page (by its module path); others show their function's name.
TASK_TITLES = {
    "exchange.tasks.check_import": _("Kiểm tra tệp nhập"),
    "exchange.tasks.apply_import": _("Ghi tệp nhập"),
    "exchange.tasks.build_export": _("Xuất danh sách lớn (.xlsx)"),
    "households.tasks.recompute_register_year": _("Tính lại số liệu sổ hộ một năm"),
    "households.tasks.recompute_register_nightly": _("Tính lại số liệu sổ hộ (hằng đêm)"),
    "reporting.tasks.reporting_daily": _("Tính nghĩa vụ báo cáo và gửi nhắc hạn (hằng ngày)"),
    "notifications.tasks.send_notification_email": _("Gửi email thông báo"),
    "notifications.tasks.send_notification_emails": _("Gửi email thông báo (theo lô)"),
    "notifications.tasks.send_daily_digests": _("Gửi email tổng hợp thông báo hằng ngày"),
}
FAILED_SHOWN = 50


@dataclass
class JobRow:
    id: str
    title: str
    arguments: str
    status: str
    enqueued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    worker: str
    error: str
    lost: bool


def _error_of(result: DBTaskResult) -> str:
    """The error in one line: the exception and its message, the traceback's last line."""
    lines = [line for line in result.traceback.strip().splitlines() if line.strip()]
    if not lines:
        return result.exception_class_path
    last = lines[-1]
    if result.exception_class_path == WORKER_LOST:
        return last.split(": ", 1)[-1]
    return last


def _arguments(result: DBTaskResult) -> str:
    args_kwargs = result.args_kwargs or {}
    parts = [str(a) for a in args_kwargs.get("args", [])]
    parts += [f"{key}={value}" for key, value in sorted(args_kwargs.get("kwargs", {}).items())]
    return ", ".join(parts)


def _row(result: DBTaskResult) -> JobRow:
    return JobRow(
        id=str(result.pk), title=str(TASK_TITLES.get(result.task_path, result.task_path.rsplit(".", 1)[-1])),
        arguments=_arguments(result), status=result.status, enqueued_at=result.enqueued_at,
        started_at=result.started_at, finished_at=result.finished_at, attempts=len(result.worker_ids),
        worker=result.worker_ids[-1] if result.worker_ids else "",
        error=_error_of(result) if result.status == TaskResultStatus.FAILED else "",
        lost=result.exception_class_path == WORKER_LOST,
    )


def job_lists() -> dict[str, list[JobRow]]:
    """Queued (oldest first, in the order workers take them), running, and the latest failed."""
    results = DBTaskResult.objects.defer("return_value")
    return {
        "queued": [_row(r) for r in results.filter(status=TaskResultStatus.READY)],
        "running": [_row(r) for r in results.running().order_by("started_at")],
        "failed": [_row(r) for r in results.failed().order_by("-finished_at")[:FAILED_SHOWN]],
    }
