"""Import records: an upload kept as an ImportRecord, its check (the preview) and its apply.

Small files are checked and applied in the request; larger ones by a task of the job queue
(exchange.tasks, run by a `db_worker` process). A task killed mid-way leaves nothing written: its
transaction dies with it. `settle_abandoned` gives such a record back to the user (no timer: the
task's worker holds a liveness lock for as long as it lives, jobs.liveness).
"""

import tempfile
from collections.abc import Callable
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common import uploads
from exchange.models import ImportRecord, ImportStatus
from exchange.workbook.loading import import_workbook
from exchange.workbook.reading import (
    Workbook,
    bundle_csv_files,
    file_checksum,
    inspect_file,
    read_upload,
    refusal_error,
)
from exchange.workbook.results import MAX_ERRORS_KEPT, RowError, WorkbookRefused, WorkbookResult
from exchange.workbook.sheets import max_upload_bytes

# Checks other apps add to the preview (quality: the data-quality rules), each called with the sheets
# and returning (warnings, blocking errors) as RowErrors; warnings are kept beside the errors.
PREVIEW_CHECKS: list[Callable[[dict], tuple[list["RowError"], list["RowError"]]]] = []

# ---------------------------------------------------------------------------------------------
# Import records: upload, check (preview), apply; in the request or in a task of the job queue

# Above this many rows, checking and applying run as tasks (exchange.tasks) in a worker process.
BACKGROUND_ROWS = 5_000


def store_upload(*, user, files: list) -> ImportRecord:
    """Check the uploaded file(s) and keep them as an ImportRecord (status CHECKING).

    Several files must all be sheet CSVs; they are kept together as one zip. Raises
    WorkbookRefused, having written nothing, for a file refused as a whole.
    """
    if not files:
        raise WorkbookRefused(_("Hãy chọn một tệp .xlsx hoặc các tệp .csv."))
    names = [Path(upload.name).name for upload in files]
    try:
        uploads.check_size(sum(upload.size for upload in files), name=", ".join(names), limit=max_upload_bytes())
    except uploads.UploadRefused as refusal:
        raise refusal_error(refusal) from None
    with tempfile.TemporaryDirectory(prefix="povertyplan-upload-") as folder:
        saved = []
        for name, upload in zip(names, files):
            path = Path(folder) / f"{len(saved)}{Path(name).suffix.lower()}"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            saved.append((name, path))
        if len(saved) > 1:
            if not all(name.lower().endswith(".csv") for name in names):
                raise WorkbookRefused(_("Khi tải nhiều tệp cùng lúc, tất cả phải là tệp .csv (mỗi sheet một tệp)."))
            for name, path in saved:
                inspect_file(path, name)
            bundle = Path(folder) / "bundle.zip"
            bundle_csv_files([(name, path) for name, path in saved], bundle)
            path, reading_name, file_name = bundle, "bundle.zip", ", ".join(names)[:255]
        else:
            (file_name, path), reading_name = saved[0], saved[0][0]
        workbook = read_upload(path, reading_name)
        record = ImportRecord(
            user=user if user is not None and user.is_authenticated else None,
            file_name=file_name, checksum=file_checksum(path), size=path.stat().st_size,
            rows_total=workbook.rows_total,
        )
        with path.open("rb") as handle:
            record.file.save(Path(reading_name).name, File(handle), save=False)
        record.save()
    return record


def stored_path(record: ImportRecord) -> tuple[Path, str]:
    """The stored file and the name to read it by (a single CSV is named by its sheet)."""
    path = Path(record.file.path)
    return path, (record.file_name if path.suffix.lower() == ".csv" else path.name)


def _store_result(record: ImportRecord, result: WorkbookResult) -> None:
    record.counts = {name: totals.as_dict() for name, totals in result.totals.items()}
    record.changes = [change.as_dict() for change in result.changes]
    record.errors = [error.as_dict() for error in result.errors]
    record.error_count = result.error_count


def check_record(record: ImportRecord, *, workbook: Workbook | None = None, progress=None) -> ImportRecord:
    """The preview: import everything in a transaction that is always rolled back."""
    try:
        if workbook is None:
            workbook = read_upload(*stored_path(record))
        result = import_workbook(workbook.sheets, dry_run=True, user=record.user, problems=workbook.problems, progress=progress)
    except WorkbookRefused as refusal:
        record.status, record.message = ImportStatus.FAILED, str(refusal)
        record.save()
        return record
    warnings = []
    for check in PREVIEW_CHECKS:
        found, blocking = check(workbook.sheets)
        warnings += found
        for error in blocking:
            result.add_error(error)
    _store_result(record, result)
    record.errors += [{**warning.as_dict(), "warning": True} for warning in warnings[:MAX_ERRORS_KEPT]]
    record.status, record.checked_at, record.message = ImportStatus.CHECKED, timezone.now(), ""
    record.rows_done = record.rows_total = max(record.rows_total, workbook.rows_total)
    record.save()
    return record


class NotApplicable(Exception):
    """The record cannot be applied (already applied, still running, or it has errors)."""


def claim_for_apply(record_id: int, *, user) -> ImportRecord:
    """Mark a checked, error-free record as being applied; refuses a second confirmation."""
    with transaction.atomic():
        record = ImportRecord.objects.select_for_update().get(pk=record_id)
        if record.status == ImportStatus.APPLIED:
            raise NotApplicable(_("Tệp này đã được ghi rồi; tải lên lại nếu muốn nhập lần nữa."))
        if record.status != ImportStatus.CHECKED:
            raise NotApplicable(_("Chỉ ghi được tệp đã kiểm tra xong."))
        if record.error_count:
            raise NotApplicable(_("Tệp còn lỗi: sửa rồi tải lên lại; không ghi gì."))
        record.status, record.rows_done, record.message = ImportStatus.APPLYING, 0, ""
        if user is not None and user.is_authenticated:
            record.user = user
        record.save()
    return record


def apply_record(record: ImportRecord, *, progress=None) -> ImportRecord:
    """Write everything or nothing. Checked again: the data may have changed since the preview."""
    try:
        path, name = stored_path(record)
        if file_checksum(path) != record.checksum:
            raise WorkbookRefused(_("Tệp đã lưu không còn khớp mã kiểm tra; hãy tải lên lại."))
        workbook = read_upload(path, name)
        result = import_workbook(
            workbook.sheets, user=record.user, problems=workbook.problems, progress=progress,
            reason=f"Nhập từ tệp {record.file_name}"[:300], import_record=record,
        )
    except WorkbookRefused as refusal:
        record.status, record.message = ImportStatus.FAILED, str(refusal)
        record.save()
        return record
    _store_result(record, result)
    record.rows_done = record.rows_total = max(record.rows_total, workbook.rows_total)
    if result.has_errors:
        record.status = ImportStatus.CHECKED
        record.message = _("Dữ liệu đã thay đổi từ lúc kiểm tra và tệp nay có lỗi; không ghi gì.")
    else:
        record.status, record.applied_at = ImportStatus.APPLIED, timezone.now()
    record.save()
    return record


# The record's message is stored in the language of the request or worker that writes it (like its row errors).
INTERRUPTED_APPLY = gettext_lazy(
    "Lần ghi trước đã dừng giữa chừng (tiến trình bị ngắt); cơ sở dữ liệu không thay đổi. Có thể xác nhận ghi lại."
)
INTERRUPTED_CHECK = gettext_lazy(
    "Lần kiểm tra đã dừng giữa chừng (tiến trình bị ngắt); không có gì được ghi. Hãy tải tệp lên lại."
)


def settle_abandoned(record: ImportRecord, *, task_failed: Callable[[ImportRecord], bool]) -> ImportRecord:
    """A record whose task stopped without saying so (its worker was killed, the machine restarted)
    is given back to the user: an interrupted apply returns to "checked" and may be confirmed again;
    an interrupted check asks for the file again. Its transaction died with the worker: nothing was
    written. `task_failed` says whether the record's last task has failed or lost its worker
    (exchange.tasks.task_failed); a record still queued or running is left as it is.
    """
    if not record.is_running or not task_failed(record):
        return record
    if record.status == ImportStatus.APPLYING:
        status, message = ImportStatus.CHECKED, INTERRUPTED_APPLY
    else:
        status, message = ImportStatus.FAILED, INTERRUPTED_CHECK
    ImportRecord.objects.filter(pk=record.pk, status=record.status, updated_at=record.updated_at).update(
        status=status, message=str(message), rows_done=0, updated_at=timezone.now(),
    )
    record.refresh_from_db()
    return record
