"""Pages of the reporting cycle: my work, entering figures and task reports, review, evidence,
explanation requests.

Views stay thin: every record is fetched through a selector that starts from access.scope()
(so an id outside the user's territory is a 404 that reveals nothing), every write goes through
a service that calls access.require() (PermissionDenied becomes the 403 page). Service
ValidationErrors are put on the form fields they name; an EditConflict re-renders the form with
both values and what the user typed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indicators import audit_history, merged_entry, selectors, services, worklist
from indicators.forms import (
    ActualForm,
    AnswerForm,
    ExplanationRequestForm,
    ReportForm,
    ReturnForm,
    TaskReportForm,
    add_service_errors,
)
from indicators.models import Actual, Target
from plans import access, provenance
from plans.access import Action
from plans.models import AdministrativeUnit, ReviewStatus, Task, TaskReport
from plans.workflow import EditConflict

EDITABLE = {ReviewStatus.DRAFT, ReviewStatus.RETURNED}


def _url(name: str, *args, **query) -> str:
    url = reverse(name, args=args)
    if query:
        url += "?" + urlencode(query)
    return url


def _next_url(request: HttpRequest, fallback: str) -> str:
    """?next= when it is a path of this site; anything else (a view name to redirect() would look up,
    another host, javascript:) gives the fallback."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _message_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _conflict(record, mine: str, theirs: str) -> dict:
    change = selectors.last_change(record)
    return {
        "mine": mine,
        "theirs": theirs,
        "by": provenance.audit_actor(change) if change else provenance.produced_by(record),
        "at": change.at if change else record.updated_at,
    }


def _rebind(form_class: type[ReportForm], request: HttpRequest, version: int, **kwargs) -> ReportForm:
    """The user's form again, as typed, carrying the stored version so that they may save over it."""
    data = request.POST.copy()
    data["version"] = str(version)
    return form_class(data, **kwargs)


# ---------------------------------------------------------------------------------------------
# Việc của tôi


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    year = selectors.reporting_year(request.GET.get("nam"))
    period = selectors.reporting_period(request.GET.get("ky"))
    abilities = selectors.Abilities(request.user)
    context = {
        "year": year,
        "period": period,
        "period_title": period.title(year),
        "period_choices": selectors.PERIOD_CHOICES,
        "target_rows": worklist.targets_awaiting_figures(request.user, year, abilities, period),
        "task_rows": worklist.my_tasks(request.user, year, abilities, period),
    }
    return render(request, "indicators/my_work.html", context)


# ---------------------------------------------------------------------------------------------
# Figures (actuals)


def _target_in_scope(request: HttpRequest, target_id: int) -> Target:
    targets = (
        selectors.visible_targets(request.user)
        .select_related("indicator", "document", "territory" + selectors.PARENTS)
        .prefetch_related("compare_units")
    )
    return get_object_or_404(targets, pk=target_id)


def _save_actual(request: HttpRequest, target: Target, unit: AdministrativeUnit, form: ActualForm, loaded_year: int,
                 loaded_period: selectors.Period) -> Actual:
    """Save the figure, attach its files and (for "Gửi duyệt") submit it: all or nothing."""
    data = form.cleaned_data
    with transaction.atomic():
        actual = services.save_actual(
            user=request.user, indicator=target.indicator, unit=unit, year=data["year"],
            period_kind=data["period"].kind, period_number=data["period"].number,
            value=data["value"], numerator=data["numerator"], denominator=data["denominator"], target=target,
            expected_version=form.expected_version(loaded_year, loaded_period), correction_reason=data["correction_reason"],
        )
        for upload in data["evidence"]:
            services.attach_evidence(user=request.user, upload=upload, actual=actual)
        if request.POST.get("action") == "submit" and actual.status in EDITABLE:
            actual = services.submit_actual(user=request.user, actual=actual)
    return actual


@login_required
def actual_entry(request: HttpRequest, target_id: int) -> HttpResponse:
    target = _target_in_scope(request, target_id)
    year = selectors.reporting_year(request.GET.get("nam"))
    period = selectors.reporting_period(request.GET.get("ky"))
    unit = merged_entry.entry_unit(request, target, year, period)
    if not access.can(request.user, Action.ENTER, unit=unit):
        raise PermissionDenied(_("Bạn không có quyền nhập số liệu cho địa bàn này."))
    actual = selectors.actual_for(request.user, target=target, year=year, period=period, unit=unit)
    conflict, status, notice = None, 200, (year, period)
    if request.method == "POST":
        form = ActualForm(request.POST, request.FILES, page_period=period)
        if form.is_valid():
            data = form.cleaned_data
            notice = (data["year"], data["period"])
            if data["year"] != year or data["period"] != period:
                actual = selectors.actual_for(request.user, target=target, year=data["year"], period=data["period"],
                                              unit=unit)
            try:
                saved = _save_actual(request, target, unit, form, loaded_year=year, loaded_period=period)
            except EditConflict as edit_conflict:
                actual, year, period, status = edit_conflict.current, data["year"], data["period"], 409
                mine = selectors.typed_figure_text(
                    indicator=target.indicator, value=data["value"], numerator=data["numerator"], denominator=data["denominator"]
                )
                conflict = _conflict(actual, mine, selectors.figure_text(actual))
                form = _rebind(ActualForm, request, actual.version, page_period=period)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if saved.status == ReviewStatus.SUBMITTED:
                    messages.success(request, _("Đã lưu và gửi số liệu để duyệt."))
                else:
                    messages.success(request, _("Đã lưu nháp số liệu."))
                return redirect("actual_detail", saved.pk)
    else:
        initial = {"year": year, "period": period.code}
        if actual is not None:
            initial.update(
                value=selectors.number_input(actual.value), numerator=selectors.number_input(actual.numerator),
                denominator=selectors.number_input(actual.denominator), version=actual.version,
            )
        form = ActualForm(initial=initial, page_period=period)
    context = {
        "target": target,
        "unit": unit,
        **merged_entry.notice(request, target, unit, *notice),
        "year": year,
        "period": period,
        "period_title": period.title(year),
        "actual": actual,
        "current_figure": selectors.figure_text(actual) if actual else "",
        "form": form,
        "conflict": conflict,
        "needs_reason": actual is not None and actual.is_locked,
        "is_pending": actual is not None and actual.status == ReviewStatus.SUBMITTED,
        "action_url": merged_entry.entry_url(target, unit, year, period),
    }
    return render(request, "indicators/actual_form.html", context, status=status)


def _actual_in_scope(request: HttpRequest, actual_id: int) -> Actual:
    actuals = provenance.with_provenance(selectors.visible_actuals(request.user)).select_related(
        "indicator", "reviewed_by", "unit" + selectors.PARENTS
    )
    return get_object_or_404(actuals, pk=actual_id)


def _actual_page(request: HttpRequest, actual: Actual, *, return_form: ReturnForm | None = None) -> HttpResponse:
    user = request.user
    target = selectors.target_for_actual(user, actual)
    may_enter = access.can(user, Action.ENTER, unit=actual.unit)
    may_review = actual.status == ReviewStatus.SUBMITTED and access.can(user, Action.REVIEW, unit=actual.unit)
    own = actual.created_by_id == user.pk and not user.is_superuser
    context = {
        "actual": actual,
        "figure": selectors.figure_text(actual),
        "target": target,
        "evidence": actual.evidence.order_by("uploaded_at", "pk"),
        "audit": audit_history.audit_rows(actual),
        "can_review": may_review and not own,
        "own_record": may_review and own,
        "can_submit": may_enter and actual.status in EDITABLE,
        "period": selectors.period_of(actual),
        "edit_url": merged_entry.entry_url(target, actual.unit, actual.year, selectors.period_of(actual))
        if target is not None and may_enter and actual.status != ReviewStatus.SUBMITTED else "",
        "return_form": return_form or ReturnForm(),
        "can_request": target is not None and access.can(user, Action.REQUEST_EXPLANATION, unit=target.territory),
        "explanations": selectors.explanations_about(user, target=target) if target is not None else [],
    }
    return render(request, "indicators/actual_detail.html", context)


@login_required
def actual_detail(request: HttpRequest, actual_id: int) -> HttpResponse:
    return _actual_page(request, _actual_in_scope(request, actual_id))


@login_required
@require_POST
def actual_submit(request: HttpRequest, actual_id: int) -> HttpResponse:
    actual = _actual_in_scope(request, actual_id)
    return _step(request, actual, "actual_detail", _("Đã gửi số liệu để duyệt."),
                 lambda: services.submit_actual(user=request.user, actual=actual))


@login_required
@require_POST
def actual_approve(request: HttpRequest, actual_id: int) -> HttpResponse:
    actual = _actual_in_scope(request, actual_id)
    return _step(request, actual, "actual_detail", _("Đã duyệt số liệu."),
                 lambda: services.approve_actual(user=request.user, actual=actual))


@login_required
@require_POST
def actual_return(request: HttpRequest, actual_id: int) -> HttpResponse:
    actual = _actual_in_scope(request, actual_id)
    return _return_step(
        request, actual, "actual_detail", _("Đã trả lại số liệu cho người nhập."),
        lambda comment: services.return_actual(user=request.user, actual=actual, comment=comment),
        lambda form: _actual_page(request, actual, return_form=form),
    )


def _step(request: HttpRequest, record, detail_view: str, success: str, transition) -> HttpResponse:
    """Run one workflow step (submit, approve) and go back to the record's page with the outcome."""
    try:
        transition()
    except ValidationError as error:
        _message_errors(request, error)
    else:
        messages.success(request, success)
    return redirect(detail_view, record.pk)


def _return_step(request: HttpRequest, record, detail_view: str, success: str, transition, page) -> HttpResponse:
    """Return a record for rework; a missing comment is shown on the form, which keeps what was typed."""
    form = ReturnForm(request.POST)
    form.is_valid()
    try:
        transition(form.cleaned_data.get("review_comment", ""))
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            _message_errors(request, error)
            return redirect(detail_view, record.pk)
        add_service_errors(form, error)
        return page(form)
    messages.success(request, success)
    return redirect(detail_view, record.pk)


# ---------------------------------------------------------------------------------------------
# Task reports


def _task_in_scope(request: HttpRequest, task_id: int) -> Task:
    tasks = (
        selectors.visible_tasks(request.user)
        .select_related("document", "lead_agency", "document__territory" + selectors.PARENTS)
        .prefetch_related("coordinating_agencies")
    )
    return get_object_or_404(tasks, pk=task_id)


def _reporting_agency(request: HttpRequest, task: Task):
    """The agency named by ?co_quan=, else the first of the task's agencies the user reports for."""
    agencies = selectors.task_agencies(task)
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
    task = _task_in_scope(request, task_id)
    agency = _reporting_agency(request, task)
    year = selectors.reporting_year(request.GET.get("nam"))
    period = selectors.reporting_period(request.GET.get("ky"))
    report = selectors.task_report_for(request.user, task=task, agency=agency, year=year, period=period)
    conflict, status = None, 200
    if request.method == "POST":
        form = TaskReportForm(request.POST, request.FILES, page_period=period)
        if form.is_valid():
            data = form.cleaned_data
            if data["year"] != year or data["period"] != period:
                report = selectors.task_report_for(request.user, task=task, agency=agency, year=data["year"],
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
                conflict = _conflict(report, mine, theirs)
                form = _rebind(TaskReportForm, request, report.version, page_period=period)
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
        "needs_reason": report is not None and report.is_locked,
        "is_pending": report is not None and report.status == ReviewStatus.SUBMITTED,
        "action_url": _url("task_report_entry", task.pk, nam=year, ky=period.code, co_quan=agency.code),
    }
    return render(request, "indicators/task_report_form.html", context, status=status)


def _task_report_in_scope(request: HttpRequest, report_id: int) -> TaskReport:
    reports = provenance.with_provenance(selectors.visible_task_reports(request.user)).select_related(
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
        "period": selectors.period_of(report),
        "edit_url": _url("task_report_entry", report.task_id, nam=report.year, ky=selectors.period_of(report).code,
                         co_quan=report.agency.code)
        if may_enter and report.status != ReviewStatus.SUBMITTED else "",
        "return_form": return_form or ReturnForm(),
        "can_request": access.can(user, Action.REQUEST_EXPLANATION, unit=territory),
        "explanations": selectors.explanations_about(user, task=report.task),
    }
    return render(request, "indicators/task_report_detail.html", context)


@login_required
def task_report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    return _task_report_page(request, _task_report_in_scope(request, report_id))


@login_required
@require_POST
def task_report_submit(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _task_report_in_scope(request, report_id)
    return _step(request, report, "task_report_detail", _("Đã gửi báo cáo để duyệt."),
                 lambda: services.submit_task_report(user=request.user, report=report))


@login_required
@require_POST
def task_report_approve(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _task_report_in_scope(request, report_id)
    return _step(request, report, "task_report_detail", _("Đã duyệt báo cáo."),
                 lambda: services.approve_task_report(user=request.user, report=report))


@login_required
@require_POST
def task_report_return(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _task_report_in_scope(request, report_id)
    return _return_step(
        request, report, "task_report_detail", _("Đã trả lại báo cáo cho người nhập."),
        lambda comment: services.return_task_report(user=request.user, report=report, comment=comment),
        lambda form: _task_report_page(request, report, return_form=form),
    )


# ---------------------------------------------------------------------------------------------
# Review queue, evidence


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    items = selectors.review_queue(request.user, selectors.Abilities(request.user))
    return render(request, "indicators/review_queue.html", {"items": items})


@login_required
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    evidence = get_object_or_404(selectors.visible_evidence(request.user), pk=evidence_id)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("Không tìm thấy tệp.")) from None
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name)


# ---------------------------------------------------------------------------------------------
# Explanation requests


@login_required
def explanation_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.explanation_list(request.user, selectors.Abilities(request.user))
    return render(request, "indicators/explanation_list.html", {"rows": rows, "answer_form": AnswerForm()})


def _request_explanation(request: HttpRequest, *, target: Target | None = None, task: Task | None = None) -> HttpResponse:
    form = ExplanationRequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_explanation(
                user=request.user, question=form.cleaned_data["question"], target=target, task=task,
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationError as error:
            _message_errors(request, error)
        else:
            messages.success(request, _("Đã gửi yêu cầu giải trình."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(_next_url(request, reverse("explanation_list")))


@login_required
@require_POST
def explanation_request_target(request: HttpRequest, target_id: int) -> HttpResponse:
    return _request_explanation(request, target=_target_in_scope(request, target_id))


@login_required
@require_POST
def explanation_request_task(request: HttpRequest, task_id: int) -> HttpResponse:
    return _request_explanation(request, task=_task_in_scope(request, task_id))


@login_required
@require_POST
def explanation_answer(request: HttpRequest, request_id: int) -> HttpResponse:
    explanation = get_object_or_404(selectors.visible_explanations(request.user), pk=request_id)
    form = AnswerForm(request.POST)
    form.is_valid()
    try:
        services.answer_explanation(user=request.user, request=explanation, answer=form.cleaned_data.get("answer", ""))
    except ValidationError as error:
        _message_errors(request, error)
    else:
        messages.success(request, _("Đã gửi nội dung giải trình."))
    return redirect(_next_url(request, reverse("explanation_list")))
