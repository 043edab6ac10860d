"""Task report pages: entering a task's report for a period, its detail page and its review steps.

Thin in the same way as indicators.views: the task and the report are fetched through the user's
scope, every write goes through a service, and an edit conflict re-renders the form with both
reports and what the user typed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indicators import selectors, services
from indicators.forms import ReturnForm, TaskReportForm, add_service_errors
from indicators.view_helpers import EDITABLE, conflict_context, rebind, return_step, task_in_scope, workflow_step
from plans import access
from plans.access import Action
from plans.models import Task
from reporting import locks
from review import audit_history, provenance
from review.models import ReviewStatus, TaskReport
from review.workflow import EditConflict


def _url(name: str, *args, **query) -> str:
    url = reverse(name, args=args)
    if query:
        url += "?" + urlencode(query)
    return url


def _reporting_agency(request: HttpRequest, task: Task):
    """The agency named by ?co_quan=, else the first of the task's agencies the user reports for."""
    agencies = selectors.task_agencies(task=task)
    territory = task.document.territory
    code = request.GET.get("co_quan", "")
    if code:
        agency = next((a for a in agencies if a.code == code), None)
        if agency is None:
            raise Http404(_("Cơ quan này không chủ trì hay phối hợp nhiệm vụ."))
    else:
        agency = next((a for a in agencies if access.can(request.user, Action.ENTER, unit=territory, agency_ids={a.pk})), None)
    if agency is None or not access.can(request.user, Action.ENTER, unit=territory, agency_ids={agency.pk}):
        raise PermissionDenied(_("Bạn không có quyền báo cáo nhiệm vụ này cho cơ quan này."))
    return agency


def _save_task_report(request: HttpRequest, task: Task, agency, form: TaskReportForm, loaded_year: int,
                      loaded_period: selectors.Period) -> TaskReport:
    data = form.cleaned_data
    with transaction.atomic():
        report = services.save_task_report(
            user=request.user, task=task, agency=agency, year=data["year"],
            period_kind=data["period"].kind, period_number=data["period"].number, progress=data["progress"],
            percent_done=data["percent_done"], narrative=data["narrative"], completed_on=data["completed_on"],
            expected_version=form.expected_version(loaded_year, loaded_period), correction_reason=data["correction_reason"],
        )
        for upload in data["evidence"]:
            services.attach_evidence(user=request.user, upload=upload, task_report=report)
        if request.POST.get("action") == "submit" and report.status in EDITABLE:
            report = services.submit_task_report(user=request.user, report=report)
    return report


def report_summary(*, progress_label: str, percent_done, completed_on, narrative: str) -> str:
    completed = _("hoàn thành ngày")
    done = f", {completed} {completed_on:%d/%m/%Y}" if completed_on else ""
    return f"{progress_label}, {percent_done}%{done}: {narrative}"


@login_required
def task_report_entry(request: HttpRequest, task_id: int) -> HttpResponse:
    task = task_in_scope(request, task_id)
    agency = _reporting_agency(request, task)
    year = selectors.reporting_year(raw=request.GET.get("nam"))
    period = selectors.reporting_period(raw=request.GET.get("ky"))
    report = selectors.task_report_for(user=request.user, task=task, agency=agency, year=year, period=period)
    # A locked period (reporting.locks) shows why before anything is typed, and no form.
    period_lock = locks.entry_lock(unit=task.document.territory, year=year, period_kind=period.kind,
                                   period_number=period.number, task=task, record=report)
    conflict, status = None, 200
    if request.method == "POST":
        form = TaskReportForm(request.POST, request.FILES, page_period=period)
        if form.is_valid():
            data = form.cleaned_data
            if data["year"] != year or data["period"] != period:
                report = selectors.task_report_for(user=request.user, task=task, agency=agency, year=data["year"],
                                                   period=data["period"])
            try:
                saved = _save_task_report(request, task, agency, form, loaded_year=year, loaded_period=period)
            except EditConflict as edit_conflict:
                report, year, period, status = edit_conflict.current, data["year"], data["period"], 409
                mine = report_summary(
                    progress_label=dict(form.fields["progress"].choices).get(data["progress"], data["progress"]),
                    percent_done=data["percent_done"], completed_on=data["completed_on"], narrative=data["narrative"],
                )
                theirs = report_summary(
                    progress_label=report.get_progress_display(), percent_done=report.percent_done,
                    completed_on=report.completed_on, narrative=report.narrative,
                )
                conflict = conflict_context(report, mine, theirs)
                form = rebind(TaskReportForm, request, report.version, page_period=period)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if saved.status == ReviewStatus.SUBMITTED:
                    messages.success(request, _("Đã lưu và gửi báo cáo để duyệt."))
                else:
                    messages.success(request, _("Đã lưu nháp báo cáo."))
                return redirect("task_report_detail", saved.pk)
    else:
        initial = {"year": year, "period": period.code}
        if report is not None:
            initial.update(
                progress=report.progress, percent_done=report.percent_done, completed_on=report.completed_on,
                narrative=report.narrative, version=report.version,
            )
        form = TaskReportForm(initial=initial, page_period=period)
    context = {
        "task": task,
        "agency": agency,
        "year": year,
        "period": period,
        "period_title": period.title(year),
        "report": report,
        "form": form,
        "conflict": conflict,
        "period_lock": period_lock,
        "needs_reason": report is not None and report.is_locked,
        "is_pending": report is not None and report.status == ReviewStatus.SUBMITTED,
        "action_url": _url("task_report_entry", task.pk, nam=year, ky=period.code, co_quan=agency.code),
    }
    return render(request, "indicators/task_report_form.html", context, status=status)


def _task_report_in_scope(request: HttpRequest, report_id: int) -> TaskReport:
    reports = provenance.with_provenance(selectors.visible_task_reports(user=request.user)).select_related(
        "task__document", "task__lead_agency", "agency", "reviewed_by",
        selectors.TASK_REPORT_UNIT + selectors.PARENTS,
    )
    return get_object_or_404(reports, pk=report_id)


def _task_report_page(request: HttpRequest, report: TaskReport, *, return_form: ReturnForm | None = None) -> HttpResponse:
    user = request.user
    territory = report.task.document.territory
    may_enter = access.can(user, Action.ENTER, unit=territory, agency_ids={report.agency_id})
    may_review = report.status == ReviewStatus.SUBMITTED and access.can(user, Action.REVIEW, unit=territory)
    own = report.created_by_id == user.pk and not user.is_superuser
    context = {
        "report": report,
        "task": report.task,
        "evidence": report.evidence.order_by("uploaded_at", "pk"),
        "audit": audit_history.audit_rows(report),
        "can_review": may_review and not own,
        "own_record": may_review and own,
        "can_submit": may_enter and report.status in EDITABLE,
        "period": selectors.period_of(record=report),
        "edit_url": _url("task_report_entry", report.task_id, nam=report.year, ky=selectors.period_of(record=report).code,
                         co_quan=report.agency.code)
        if may_enter and report.status != ReviewStatus.SUBMITTED else "",
        "return_form": return_form or ReturnForm(),
        "can_request": access.can(user, Action.REQUEST_EXPLANATION, unit=territory),
        "explanations": selectors.explanations_about(user=user, task=report.task),
    }
    return render(request, "indicators/task_report_detail.html", context)


@login_required
def task_report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    return _task_report_page(request, _task_report_in_scope(request, report_id))


@login_required
@require_POST
def task_report_submit(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _task_report_in_scope(request, report_id)
    return workflow_step(request, report, "task_report_detail", _("Đã gửi báo cáo để duyệt."),
                 lambda: services.submit_task_report(user=request.user, report=report))


@login_required
@require_POST
def task_report_approve(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _task_report_in_scope(request, report_id)
    return workflow_step(request, report, "task_report_detail", _("Đã duyệt báo cáo."),
                 lambda: services.approve_task_report(user=request.user, report=report))


@login_required
@require_POST
def task_report_return(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _task_report_in_scope(request, report_id)
    return return_step(
        request, report, "task_report_detail", _("Đã trả lại báo cáo cho người nhập."),
        lambda comment: services.return_task_report(user=request.user, report=report, comment=comment),
        lambda form: _task_report_page(request, report, return_form=form),
    )
