"""Pages of the figures: entering them, a figure's page, submitting, approving and returning it
(my work, the review queue, evidence and explanations: review.views; task reports: review.task_report_views).

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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indicators import breakdowns, merged_entry, poverty_standards, selectors, services
from indicators.forms import ActualForm, ReturnForm, add_service_errors
from indicators.models import Actual, Target
from indicators.view_helpers import (
    EDITABLE,
    conflict_context,
    rebind,
    return_step,
    target_in_scope,
    warn_about,
    workflow_step,
)
from plans import access
from plans.access import Action
from plans.models import AdministrativeUnit
from reporting import locks
from review import audit_history, provenance
from review.models import ReviewStatus
from review.workflow import EditConflict

# ---------------------------------------------------------------------------------------------
# Figures (actuals)




def _save_actual(request: HttpRequest, target: Target, unit: AdministrativeUnit, form: ActualForm, loaded_year: int,
                 loaded_period: selectors.Period, loaded_breakdown: str, loaded_standard: str) -> Actual:
    """Save the figure, attach its files and (for "Gửi duyệt") submit it: all or nothing."""
    data = form.cleaned_data
    with transaction.atomic():
        actual = services.save_actual(
            user=request.user, indicator=target.indicator, unit=unit, year=data["year"],
            period_kind=data["period"].kind, period_number=data["period"].number,
            value=data["value"], numerator=data["numerator"], denominator=data["denominator"], target=target,
            expected_version=form.expected_version(loaded_year, loaded_period, loaded_breakdown, loaded_standard),
            correction_reason=data["correction_reason"], standard=data["standard"], breakdown=data["breakdown"],
        )
        for upload in data["evidence"]:
            services.attach_evidence(user=request.user, upload=upload, actual=actual)
        if request.POST.get("action") == "submit" and actual.status in EDITABLE:
            actual = services.submit_actual(user=request.user, actual=actual)
    return actual


@login_required
def actual_entry(request: HttpRequest, target_id: int) -> HttpResponse:
    target = target_in_scope(request, target_id)
    year = selectors.reporting_year(raw=request.GET.get("nam"))
    period = selectors.reporting_period(raw=request.GET.get("ky"))
    unit = merged_entry.entry_unit(request, target, year, period)
    if not access.can(request.user, Action.ENTER, unit=unit):
        raise PermissionDenied(_("Bạn không có quyền nhập số liệu cho địa bàn này."))
    # The form goes only where the page's own period is closed: a refused post of another period
    # keeps the form and what was typed in it.
    page_closed = unit.pk == target.territory_id and merged_entry.closure(target, year, period) is not None
    options = breakdowns.indicator_options(target.indicator)
    breakdown = _page_breakdown(request, target, options)
    standards = poverty_standards.Standards() if target.indicator.depends_on_standard else None
    standard = _page_standard(request, target, year, standards)
    choices = _standard_choices(target, year, standards)
    actual = selectors.actual_for(user=request.user, target=target, year=year, period=period, unit=unit, breakdown=breakdown,
                                  standard=standard)
    # A locked period (reporting.locks) shows why before anything is typed, and no form.
    period_lock = locks.entry_lock(unit=unit, year=year, period_kind=period.kind, period_number=period.number,
                                   indicator=target.indicator, record=actual)
    conflict, status, notice = None, 200, (year, period)
    if request.method == "POST":
        form = ActualForm(request.POST, request.FILES, page_period=period, indicator=target.indicator, options=options,
                          standard_choices=choices)
        if form.is_valid():
            data = form.cleaned_data
            if target.indicator.depends_on_standard and not data["standard"]:
                data["standard"] = poverty_standards.entry_standard(target=target, year=data["year"], standards=standards)
            notice = (data["year"], data["period"])
            if (data["year"], data["period"], data["breakdown"], data["standard"]) != (year, period, breakdown, standard):
                actual = selectors.actual_for(user=request.user, target=target, year=data["year"], period=data["period"],
                                              unit=unit, breakdown=data["breakdown"], standard=data["standard"])
            try:
                saved = _save_actual(request, target, unit, form, loaded_year=year, loaded_period=period,
                                     loaded_breakdown=breakdown, loaded_standard=standard)
            except EditConflict as edit_conflict:
                actual, year, period, status = edit_conflict.current, data["year"], data["period"], 409
                breakdown, standard = data["breakdown"], data["standard"]
                mine = selectors.typed_figure_text(
                    indicator=target.indicator, value=data["value"], numerator=data["numerator"], denominator=data["denominator"]
                )
                conflict = conflict_context(actual, mine, selectors.figure_text(record=actual))
                form = rebind(ActualForm, request, actual.version, page_period=period, indicator=target.indicator,
                              options=options, standard_choices=_standard_choices(target, year, standards))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if saved.status == ReviewStatus.SUBMITTED:
                    messages.success(request, _("Đã lưu và gửi số liệu để duyệt."))
                else:
                    messages.success(request, _("Đã lưu nháp số liệu."))
                warn_about(request, saved)
                return redirect("actual_detail", saved.pk)
    else:
        initial = {"year": year, "period": period.code, "breakdown": breakdown, "standard": standard}
        if actual is not None:
            initial.update(
                value=selectors.number_input(value=actual.value), numerator=selectors.number_input(value=actual.numerator),
                denominator=selectors.number_input(value=actual.denominator), version=actual.version,
            )
        form = ActualForm(initial=initial, page_period=period, indicator=target.indicator, options=options,
                          standard_choices=choices)
    context = {
        "target": target,
        "unit": unit,
        **merged_entry.notice(request, target, unit, *notice),
        "page_closed": page_closed,
        "period_lock": period_lock,
        "year": year,
        "period": period,
        "period_title": period.title(year),
        "actual": actual,
        "current_figure": selectors.figure_text(record=actual) if actual else "",
        "form": form,
        "conflict": conflict,
        "needs_reason": actual is not None and actual.is_locked,
        "is_pending": actual is not None and actual.status == ReviewStatus.SUBMITTED,
        "action_url": _entry_url(target, unit, year, period, breakdown, standard, standards),
        "standard": standard,
        "standard_rows": _standard_rows(request, target, unit, year, period, breakdown, standard, standards),
        "breakdown_label": breakdowns.breakdown_label(breakdown) if breakdown else "",
        "breakdown_rows": breakdowns.period_figures(
            request.user, indicator=target.indicator, unit=unit, year=year, period_kind=period.kind,
            period_number=period.number, text=selectors.figure_text, options=options,
        ),
    }
    for row in context["breakdown_rows"]:
        row.url = _entry_url(target, unit, year, period, row.code, standard, standards)
    return render(request, "indicators/actual_form.html", context, status=status)


def _page_standard(request: HttpRequest, target: Target, year: int, standards: poverty_standards.Standards | None) -> str:
    """The standard the page enters (?chuan=): one the year takes, else the target's where it
    applies, else the one in force; "" for an indicator that does not depend on the standard."""
    default = poverty_standards.entry_standard(target=target, year=year, standards=standards)
    code = request.GET.get("chuan", "").strip()
    return code if default and code in standards.applicable(year) else default


def _standard_choices(target: Target, year: int, standards: poverty_standards.Standards | None) -> list[tuple[str, str]]:
    if not target.indicator.depends_on_standard:
        return []
    return [(code, standards.choice_label(code)) for code in standards.applicable(year)]


def _standard_rows(request: HttpRequest, target: Target, unit: AdministrativeUnit, year: int, period: selectors.Period,
                   breakdown: str, standard: str, standards: poverty_standards.Standards | None) -> list[dict]:
    """The period's figure under each standard the year takes, where it takes two (each its own figure)."""
    codes = [code for code, _label in _standard_choices(target, year, standards)]
    if len(codes) < 2:
        return []
    figures = selectors.figures_by_standard(user=request.user, target=target, unit=unit, year=year, period=period,
                                            breakdown=breakdown, standards=codes)
    return [
        {"code": code, "label": standards.choice_label(code), "actual": figures.get(code), "current": code == standard,
         "text": selectors.figure_text(record=figures[code]) if code in figures else "",
         "url": _entry_url(target, unit, year, period, breakdown, code, standards)}
        for code in codes
    ]


def _page_breakdown(request: HttpRequest, target: Target, options: list) -> str:
    """The option the page enters (?nhom=): the target's own by default ("" = the whole); one that
    is not of the indicator's dimensions falls back to the default."""
    code = request.GET.get("nhom", target.breakdown).strip()
    return code if code in {breakdowns.WHOLE, *(option.code for option in options)} else target.breakdown


def _entry_url(target: Target, unit: AdministrativeUnit, year: int, period: selectors.Period, breakdown: str,
               standard: str = "", standards: poverty_standards.Standards | None = None) -> str:
    url = merged_entry.entry_url(target, unit, year, period)
    query = {} if breakdown == target.breakdown else {"nhom": breakdown}
    if standard and standard != poverty_standards.entry_standard(target=target, year=year, standards=standards):
        query["chuan"] = standard
    return f"{url}&{urlencode(query)}" if query else url


def _actual_in_scope(request: HttpRequest, actual_id: int) -> Actual:
    actuals = provenance.with_provenance(selectors.visible_actuals(user=request.user)).select_related(
        "indicator", "reviewed_by", "unit" + selectors.PARENTS
    )
    return get_object_or_404(actuals, pk=actual_id)


def _actual_page(request: HttpRequest, actual: Actual, *, return_form: ReturnForm | None = None) -> HttpResponse:
    user = request.user
    target = selectors.target_for_actual(user=user, actual=actual)
    may_enter = access.can(user, Action.ENTER, unit=actual.unit)
    may_review = actual.status == ReviewStatus.SUBMITTED and access.can(user, Action.REVIEW, unit=actual.unit)
    own = actual.created_by_id == user.pk and not user.is_superuser
    context = {
        "actual": actual,
        "figure": selectors.figure_text(record=actual),
        "target": target,
        "evidence": actual.evidence.order_by("uploaded_at", "pk"),
        "audit": audit_history.audit_rows(actual),
        "can_review": may_review and not own,
        "own_record": may_review and own,
        "can_submit": may_enter and actual.status in EDITABLE,
        "period": selectors.period_of(record=actual),
        "edit_url": _entry_url(target, actual.unit, actual.year, selectors.period_of(record=actual), actual.breakdown,
                               actual.standard)
        if target is not None and may_enter and actual.status != ReviewStatus.SUBMITTED else "",
        "breakdown_label": breakdowns.breakdown_label(actual.breakdown) if actual.breakdown else "",
        "return_form": return_form or ReturnForm(),
        "can_request": target is not None and access.can(user, Action.REQUEST_EXPLANATION, unit=target.territory),
        "explanations": selectors.explanations_about(user=user, target=target) if target is not None else [],
    }
    return render(request, "indicators/actual_detail.html", context)


@login_required
def actual_detail(request: HttpRequest, actual_id: int) -> HttpResponse:
    return _actual_page(request, _actual_in_scope(request, actual_id))


@login_required
@require_POST
def actual_submit(request: HttpRequest, actual_id: int) -> HttpResponse:
    actual = _actual_in_scope(request, actual_id)
    return workflow_step(request, actual, "actual_detail", _("Đã gửi số liệu để duyệt."),
                 lambda: services.submit_actual(user=request.user, actual=actual))


@login_required
@require_POST
def actual_approve(request: HttpRequest, actual_id: int) -> HttpResponse:
    actual = _actual_in_scope(request, actual_id)
    return workflow_step(request, actual, "actual_detail", _("Đã duyệt số liệu."),
                 lambda: services.approve_actual(user=request.user, actual=actual))


@login_required
@require_POST
def actual_return(request: HttpRequest, actual_id: int) -> HttpResponse:
    actual = _actual_in_scope(request, actual_id)
    return return_step(
        request, actual, "actual_detail", _("Đã trả lại số liệu cho người nhập."),
        lambda comment: services.return_actual(user=request.user, actual=actual, comment=comment),
        lambda form: _actual_page(request, actual, return_form=form),
    )
