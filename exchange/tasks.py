"""The exchange's work on the job queue (jobs/): checking and applying large imports, large exports.

Each task is run by a `db_worker` process. An import's check or apply runs in one transaction: a
worker killed mid-way leaves nothing written (PostgreSQL rolls back a dead client's transaction).
The record then still says "checking"/"applying" and its task "running"; jobs.services finds the
task's worker gone (its liveness lock is free) and the record is given back (records.settle_abandoned).
A task may be run again (the jobs page's "run again"): it works from the record's state.
"""

import shutil
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from exchange.exports import EXPORTS, export_xlsx_path
from exchange.models import ImportRecord, ImportStatus
from exchange.workbook import records
from exchange.workbook.progress import RecordProgress
from jobs import services as jobs
from notifications import events

EXPORTS_FOLDER = "exports"  # under MEDIA_ROOT


def _run(record: ImportRecord, work) -> str:
    try:
        work(record, progress=RecordProgress(record.pk))
    except Exception as error:  # the page must not wait for ever; the jobs page shows the traceback
        ImportRecord.objects.filter(pk=record.pk).update(
            status=ImportStatus.FAILED,
            message=(_("Lỗi không mong đợi khi xử lý tệp: %(error)s") % {"error": f"{type(error).__name__}: {error}"})[:2000],
        )
        events.import_done(ImportRecord.objects.get(pk=record.pk))
        raise
    record.refresh_from_db()
    events.import_done(record)  # who uploaded it is told (notifications)
    return record.status


@task()
def check_import(record_id: int) -> str:
    """The preview of an uploaded file (everything imported, then rolled back)."""
    record = ImportRecord.objects.get(pk=record_id)
    if record.status not in (ImportStatus.CHECKING, ImportStatus.FAILED):
        return record.status  # run again after it was checked: nothing to do
    ImportRecord.objects.filter(pk=record_id).update(status=ImportStatus.CHECKING, rows_done=0, message="")
    record.refresh_from_db()
    return _run(record, records.check_record)


@task()
def apply_import(record_id: int) -> str:
    """Write a checked, error-free file: everything or nothing (checked again on the way)."""
    claimed = ImportRecord.objects.filter(
        pk=record_id, status__in=(ImportStatus.APPLYING, ImportStatus.CHECKED), error_count=0,
    ).update(status=ImportStatus.APPLYING, rows_done=0, message="")
    record = ImportRecord.objects.get(pk=record_id)
    if not claimed:
        return record.status  # already applied, or it has errors: nothing to do
    return _run(record, records.apply_record)


def enqueue(record: ImportRecord, phase: str) -> str:
    """Queue the check or the apply of a record (in the caller's transaction); the task's id."""
    return str((check_import if phase == "check" else apply_import).enqueue(record.pk).id)


def last_task(record: ImportRecord) -> DBTaskResult | None:
    paths = [check_import.module_path, apply_import.module_path]
    return (
        DBTaskResult.objects.filter(task_path__in=paths, args_kwargs__args__0=record.pk)
        .order_by("-enqueued_at").first()
    )


def task_failed(record: ImportRecord) -> bool:
    """Whether the record's last task failed or lost its worker (jobs.services.settle_lost)."""
    result = last_task(record)
    if result is None:
        return False
    jobs.settle_lost(result)
    return result.status == TaskResultStatus.FAILED


def settle_abandoned(record: ImportRecord) -> ImportRecord:
    return records.settle_abandoned(record, task_failed=task_failed)


# ---------------------------------------------------------------------------------------------
# Large exports: an .xlsx over the page's limit is built by a worker and downloaded when ready


@task(takes_context=True)
def build_export(context, kind: str, user_id: int | None) -> str:
    """The list as .xlsx, limited to what the user may see; its path under MEDIA_ROOT. Who asked is
    told when it is ready or failed (notifications), with the job's page."""
    told = {"result_id": context.task_result.id, "user_id": user_id, "title": EXPORTS[kind].title}
    try:
        path = _build_export(kind, user_id)
    except Exception:
        events.export_done(**told, failed=True)
        raise
    events.export_done(**told, failed=False)
    return path


def _build_export(kind: str, user_id: int | None) -> str:
    user = get_user_model().objects.get(pk=user_id) if user_id is not None else None
    built = Path(export_xlsx_path(kind, user))
    folder = Path(settings.MEDIA_ROOT) / EXPORTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{kind}-{user_id or 0}-{built.stem}.xlsx"
    shutil.move(built, target)
    return str(target.relative_to(settings.MEDIA_ROOT))


def export_result(result_id: str, user) -> DBTaskResult | None:
    """An export task of this user (nobody sees another's file)."""
    result = DBTaskResult.objects.filter(pk=result_id, task_path=build_export.module_path).first()
    if result is None or result.args_kwargs["args"][1] != user.pk or result.args_kwargs["args"][0] not in EXPORTS:
        return None
    return result
