"""Pages of the plan workbook: template, upload, preview, confirm, error workbook, progress; and
the list exports.

Import pages are for administrators (plans.access, Action.IMPORT); exports are for every
signed-in user, limited to what they may see. Files of more than BACKGROUND_ROWS rows are checked
and applied by tasks of the job queue (exchange.tasks, run by `db_worker`); the page polls the
record's progress with htmx. An .xlsx list over the page's limit is built by a task too.
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.spreadsheets import write_xlsx
from exchange import tasks
from exchange.exports import EXPORTS, FORMATS, count_rows, export_rows, write_csv, xlsx_row_limit
from exchange.models import ImportRecord, ImportStatus
from exchange.workbook import records
from exchange.workbook.reading import WorkbookRefused
from exchange.workbook.sheets import SHEET_TITLES, max_upload_bytes
from exchange.workbook.template import build_error_workbook, build_template
from jobs import services as jobs_services
from plans import access
from plans.access import Action
from plans.models import AdministrativeUnit, UnitLevel

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_admin(request: HttpRequest) -> None:
    nation = AdministrativeUnit.objects.filter(level=UnitLevel.NATION).first()
    if nation is None or not access.can(request.user, Action.IMPORT, unit=nation):
        raise PermissionDenied(_("Chỉ quản trị viên được nhập dữ liệu từ bảng tính."))


def _temporary_file(suffix: str) -> str:
    handle = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)
    handle.close()
    return handle.name


def _file_response(path: str, filename: str) -> FileResponse:
    response = FileResponse(open(path, "rb"), as_attachment=True, filename=filename, content_type=XLSX)
    os.unlink(path)  # the open handle keeps the data until the response is sent (POSIX)
    return response


def _home(request: HttpRequest, refusal: str = "") -> HttpResponse:
    context = {
        "records": ImportRecord.objects.select_related("user")[:20],
        "max_mb": max_upload_bytes() // (1024 * 1024),
        "refusal": refusal,
    }
    return render(request, "workbook/import_home.html", context, status=400 if refusal else 200)


@login_required
def import_home(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return _home(request)


@login_required
@require_GET
def template_download(request: HttpRequest) -> FileResponse:
    _require_admin(request)
    path = _temporary_file(".xlsx")
    build_template(path)
    return _file_response(path, "mau-bang-tinh-ke-hoach.xlsx")


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    try:
        record = records.store_upload(user=request.user, files=request.FILES.getlist("files"))
    except WorkbookRefused as refusal:
        return _home(request, str(refusal))
    if record.rows_total > records.BACKGROUND_ROWS:
        tasks.enqueue(record, "check")  # a row of the queue, committed with the record
    else:
        records.check_record(record)
    return redirect("import_detail", record.pk)


def _record_for(request: HttpRequest, record_id: int) -> ImportRecord:
    _require_admin(request)
    return get_object_or_404(ImportRecord.objects.select_related("user"), pk=record_id)


def _preview_context(record: ImportRecord) -> dict:
    titles = SHEET_TITLES
    position = {name: index for index, name in enumerate(titles)}  # load order: JSONB keeps none
    sheets = [
        {"name": name, "title": titles.get(name, name), **counts}
        for name, counts in sorted(record.counts.items(), key=lambda item: position.get(item[0], len(position)))
    ]
    for item in record.changes:
        item["title"] = titles.get(item["sheet"], item["sheet"])
    for item in record.errors:
        item["title"] = titles.get(item["sheet"], item["sheet"])
    return {
        "record": record,
        "sheets": sheets,
        "changes": record.changes,
        "errors": [e for e in record.errors if not e.get("warning")][:500],
        "warnings": [e for e in record.errors if e.get("warning")][:500],  # the data-quality rules (quality/)
        "errors_hidden": max(record.error_count - 500, 0),
        "can_apply": record.status == ImportStatus.CHECKED and not record.error_count,
    }


@login_required
def import_detail(request: HttpRequest, record_id: int) -> HttpResponse:
    record = tasks.settle_abandoned(_record_for(request, record_id))
    return render(request, "workbook/import_detail.html", _preview_context(record))


@login_required
def import_progress(request: HttpRequest, record_id: int) -> HttpResponse:
    """The progress bar alone (polled by htmx); once the work is done, the whole page reloads."""
    record = tasks.settle_abandoned(_record_for(request, record_id))
    response = render(request, "workbook/_progress.html", _preview_context(record))
    if not record.is_running and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_apply(request: HttpRequest, record_id: int) -> HttpResponse:
    _require_admin(request)
    get_object_or_404(ImportRecord, pk=record_id)
    try:
        record = records.claim_for_apply(record_id, user=request.user)
    except records.NotApplicable as refusal:
        messages.error(request, str(refusal))
        return redirect("import_detail", record_id)
    if record.rows_total > records.BACKGROUND_ROWS:
        tasks.enqueue(record, "apply")
        return redirect("import_detail", record.pk)
    record = records.apply_record(record)
    if record.status == ImportStatus.APPLIED:
        messages.success(request, _("Đã ghi dữ liệu từ tệp %(name)s.") % {"name": record.file_name})
    return redirect("import_detail", record.pk)


@login_required
@require_GET
def error_workbook(request: HttpRequest, record_id: int) -> FileResponse:
    record = _record_for(request, record_id)
    if not record.file or not record.error_count:
        raise Http404
    path = _temporary_file(".xlsx")
    stored, name = records.stored_path(record)
    try:
        build_error_workbook(stored, name, record.errors, path)
    except WorkbookRefused:
        os.unlink(path)
        raise Http404 from None
    return _file_response(path, f"{Path(record.file_name).stem[:80]}-loi.xlsx")


# ---------------------------------------------------------------------------------------------
# Exports


@login_required
def export_home(request: HttpRequest) -> HttpResponse:
    return render(request, "workbook/export_home.html", {"exports": EXPORTS, "formats": FORMATS, "xlsx_limit": xlsx_row_limit()})


@login_required
@require_GET
def export_list(request: HttpRequest, kind: str, file_format: str) -> HttpResponse:
    if kind not in EXPORTS or file_format not in FORMATS:
        raise Http404
    filename = f"{kind}-{timezone.localdate():%Y%m%d}.{file_format}"
    if file_format == "xlsx":
        # An .xlsx is built whole before it is sent: a large one would hold this thread for minutes.
        rows_total, limit = count_rows(kind, request.user), xlsx_row_limit()
        if rows_total > limit:
            context = {"kind": kind, "export": EXPORTS[kind], "rows_total": rows_total, "limit": limit}
            return render(request, "workbook/export_too_large.html", context)
    headers, rows = export_rows(kind, request.user, numbers=file_format == "xlsx")
    if file_format == "csv":
        response = StreamingHttpResponse(write_csv(headers, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    path = _temporary_file(".xlsx")
    write_xlsx([(EXPORTS[kind].title, headers, rows)], path)
    return _file_response(path, filename)


@login_required
@require_POST
def export_start(request: HttpRequest, kind: str) -> HttpResponse:
    """Queue the .xlsx of a list too large to build during the request (exchange.tasks.build_export)."""
    if kind not in EXPORTS:
        raise Http404
    result = tasks.build_export.enqueue(kind, request.user.pk)
    return redirect("export_job", result.id)


def _export_job(request: HttpRequest, result_id) -> tasks.DBTaskResult:
    result = tasks.export_result(str(result_id), request.user)
    if result is None:
        raise Http404
    jobs_services.settle_lost(result)
    return result


@login_required
@require_GET
def export_job(request: HttpRequest, result_id) -> HttpResponse:
    result = _export_job(request, result_id)
    context = {"result": result, "export": EXPORTS[result.args_kwargs["args"][0]], "ready": result.status == "SUCCESSFUL"}
    return render(request, "workbook/export_job.html", context)


@login_required
@require_GET
def export_download(request: HttpRequest, result_id) -> FileResponse:
    result = _export_job(request, result_id)
    if result.status != "SUCCESSFUL" or not result.return_value:
        raise Http404
    path = Path(settings.MEDIA_ROOT) / result.return_value
    if not path.is_file():
        raise Http404
    kind = result.args_kwargs["args"][0]
    filename = f"{kind}-{timezone.localtime(result.finished_at):%Y%m%d}.xlsx"
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename, content_type=XLSX)
