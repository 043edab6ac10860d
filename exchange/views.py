"""Pages of the appendix import: upload, table, columns, preview and matches, result.

For administrators only (plans.access, Action.IMPORT), like the plan workbook. Each page reads or
calls one service of exchange/services; nothing is written to plans until the preview is confirmed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from common.uploads import UploadRefused
from exchange.forms import MappingForm, TableForm, UploadForm
from exchange.models import AppendixUpload
from exchange.services import intake, mapping
from exchange.services.apply import NotApplicable, apply_upload
from exchange.services.preview import build_preview
from plans import access
from plans.access import Action
from plans.models import AdministrativeUnit, Document, Task, UnitLevel
from plans.text import query_number, search_key

SHOWN_DOCUMENTS = 100
HEADER_CHOICES = 15


def _require_admin(request: HttpRequest) -> None:
    nation = AdministrativeUnit.objects.filter(level=UnitLevel.NATION).first()
    if nation is None or not access.can(request.user, Action.IMPORT, unit=nation):
        raise PermissionDenied(_("Chỉ quản trị viên được nhập phụ lục kế hoạch."))


def _documents(request: HttpRequest) -> QuerySet:
    documents = Document.objects.select_related("issuer", "territory").order_by("-issued_on", "number")
    return access.scope(request.user, documents, unit_path="territory")


def _upload_for(request: HttpRequest, upload_id: int) -> AppendixUpload:
    _require_admin(request)
    uploads = AppendixUpload.objects.select_related("document__territory", "document__issuer", "import_record")
    return get_object_or_404(uploads.filter(document__in=_documents(request)), pk=upload_id)


def _next_step(record: AppendixUpload) -> HttpResponse:
    if record.is_applied:
        return redirect("appendix_result", record.pk)
    if record.table_index is None:
        return redirect("appendix_table", record.pk)
    if not record.fields:
        return redirect("appendix_columns", record.pk)
    return redirect("appendix_preview", record.pk)


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    documents = _documents(request)
    query = request.GET.get("q", "").strip()[:200]
    form = UploadForm(request.POST or None, request.FILES or None, documents=documents,
                      initial={"document": query_number(request.GET.get("van_ban"))})
    if request.method == "POST" and form.is_valid():
        try:
            record = intake.store_upload(user=request.user, upload=form.cleaned_data["file"],
                                         document=form.cleaned_data["document"])
        except (UploadRefused, intake.ReaderRefused) as refusal:
            form.add_error("file", str(refusal))
        else:
            return _next_step(record)
    shown = documents.filter(search_key__contains=search_key(query)) if query else documents
    context = {
        "form": form, "query": query, "documents": shown[:SHOWN_DOCUMENTS],
        "recent": AppendixUpload.objects.select_related("document", "import_record").filter(document__in=documents)[:10],
    }
    return render(request, "exchange/upload.html", context, status=400 if form.errors else 200)


@login_required
def choose_table(request: HttpRequest, upload_id: int) -> HttpResponse:
    record = _upload_for(request, upload_id)
    if record.is_applied:
        return _next_step(record)
    tables = intake.tables_of(record)
    form = TableForm(request.POST or None, tables=tables, initial={"table": record.table_index})
    if request.method == "POST" and form.is_valid():
        intake.choose_table(record, form.cleaned_data["table"])
        return redirect("appendix_columns", record.pk)
    context = {"record": record, "form": form, "tables": [(i, t, t.preview()) for i, t in enumerate(tables)]}
    return render(request, "exchange/table.html", context, status=400 if form.errors else 200)


@login_required
def columns(request: HttpRequest, upload_id: int) -> HttpResponse:
    record = _upload_for(request, upload_id)
    if record.is_applied or record.table_index is None:
        return _next_step(record)
    table = intake.table_of(record)
    asked = query_number(request.POST.get("header_row") if request.method == "POST" else request.GET.get("dong"))
    if asked is not None and asked < len(table.rows):
        record.header_row = asked
    header_row, headers = intake.headers_of(record, table)
    proposal = mapping.propose(headers)
    kept = record.fields if len(record.fields) == len(headers) and record.header_row == header_row else None
    initial = {"header_row": header_row, "number_prefix": record.number_prefix,
               **{f"col_{i}": f for i, f in enumerate(kept or proposal.fields)}}
    form = MappingForm(request.POST or None, headers=headers, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = form.column_fields()
        for error in mapping.mapping_errors(fields):
            form.add_error(None, error)
        if not form.errors:
            intake.save_mapping(record, header_row=header_row, headers=headers, fields=fields,
                                prefix=form.cleaned_data["number_prefix"].strip())
            return redirect("appendix_preview", record.pk)
    rows = [(i, " | ".join(c for c in row if c)[:160]) for i, row in enumerate(table.rows[:HEADER_CHOICES]) if any(row)]
    context = {
        "record": record, "form": form, "table": table, "header_row": header_row, "header_choices": rows,
        "remembered": proposal.remembered and kept is None,
        "samples": [row for row in table.rows[header_row + 1:] if any(row)][:5],
        "document_has_tasks": Task.objects.filter(document=record.document).exists(),
    }
    return render(request, "exchange/columns.html", context, status=400 if form.errors else 200)


def _posted_choices(request: HttpRequest) -> dict[str, str]:
    return {k: v for k, v in request.POST.items() if k.startswith("m") and len(k) == 13}


@login_required
def preview(request: HttpRequest, upload_id: int) -> HttpResponse:
    record = _upload_for(request, upload_id)
    if record.is_applied or record.table_index is None or not record.fields:
        return _next_step(record)
    choices = _posted_choices(request) if request.method == "POST" else None
    status = 200
    if request.method == "POST" and "apply" in request.POST:
        try:
            record = apply_upload(record.pk, user=request.user, choices=choices)
        except NotApplicable as refusal:
            messages.error(request, str(refusal))
            status = 400
        else:
            messages.success(request, _("Đã ghi phụ lục “%(name)s” vào %(document)s.")
                             % {"name": record.file_name, "document": record.document})
            return redirect("appendix_result", record.pk)
    result = build_preview(record, choices=choices)
    if request.method == "POST" and status == 200:
        record.decisions = result.choices
        record.save(update_fields=["decisions"])
    return render(request, "exchange/preview.html", {"record": record, "preview": result}, status=status)


@login_required
def result(request: HttpRequest, upload_id: int) -> HttpResponse:
    record = _upload_for(request, upload_id)
    if not record.is_applied:
        return _next_step(record)
    tasks = (Task.objects.filter(document=record.document).select_related("lead_agency", "parent")
             .prefetch_related("coordinating_agencies").order_by("position", "pk"))
    return render(request, "exchange/result.html", {"record": record, "document": record.document, "tasks": tasks})
