"""The monitoring report's page of a unit and period (/bao-cao/giam-sat/<unit>/?nam=&ky=): the unit's
officers write the narrative and submit it, a reviewer approves or returns it, anyone who may see
the unit downloads the .docx.

Thin views: the unit must lie in the user's reach (else 404); every write goes through
reports.narratives, which asks plans.access (PermissionDenied becomes the 403 page).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboards import scope
from indicators.forms import add_service_errors
from plans.access import Action, can
from plans.models import AdministrativeUnit
from plans.text import query_number
from reporting.locks import period_title
from reports import docx_report, narratives
from reports.models import page_url, period_code
from reports.narrative_forms import NarrativeForm, ReturnForm
from review.models import ReportingPeriod, ReviewStatus
from review.workflow import EditConflict

PERIOD_CHOICES = [("nam", ReportingPeriod.YEAR, 0), ("6t1", ReportingPeriod.HALF, 1), ("6t2", ReportingPeriod.HALF, 2)]


def _place(request: HttpRequest, unit_id: int) -> tuple[AdministrativeUnit, int, str, int]:
    """The unit (in reach, else 404), the year (?nam=, this year by default) and the period (?ky=)."""
    unit = scope.unit_in_reach(user=request.user, unit_id=unit_id)
    if unit is None:
        raise Http404(_("Địa bàn không có hoặc ngoài phạm vi của bạn."))
    today = timezone.localdate()
    year = query_number(request.GET.get("nam"), max_digits=4)
    if year is None or not 2000 <= year <= today.year + 1:
        year = today.year
    period = narratives.parse_period(request.GET.get("ky"))
    if period is None:
        raise Http404(_("Không có kỳ báo cáo này."))
    return unit, year, *period


def _here(unit: AdministrativeUnit, year: int, kind: str, number: int) -> str:
    return page_url(unit_id=unit.pk, year=year, period_kind=kind, period_number=number)


def _initial(report) -> dict:
    if report is None:
        return {"version": 0}
    return {name: getattr(report, name) for name in narratives.SECTIONS} | {"version": report.version}


@login_required
def narrative_edit(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit, year, kind, number = _place(request, unit_id)
    report = narratives.narrative_of(unit=unit, year=year, period_kind=kind, period_number=number)
    status = 200
    form = NarrativeForm(initial=_initial(report))
    if request.method == "POST":
        form = NarrativeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = narratives.save_narrative(
                    user=request.user, unit=unit, year=year, period_kind=kind, period_number=number,
                    sections={name: data[name] for name in narratives.SECTIONS},
                    expected_version=data["version"] or 0, correction_reason=data["correction_reason"],
                )
                if request.POST.get("gui") and report.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED):
                    report = narratives.submit_narrative(user=request.user, report=report)
                    messages.success(request, _("Đã gửi báo cáo để duyệt."))
                else:
                    messages.success(request, _("Đã lưu báo cáo."))
                return redirect(_here(unit, year, kind, number))
            except EditConflict as conflict:
                report, status = conflict.current, 409
                form.add_error(None, _("Báo cáo vừa được người khác lưu sau khi bạn mở trang; những gì bạn viết chưa được "
                                       "lưu và vẫn ở dưới đây. Lưu lần nữa để thay bản đã lưu."))
                form.data = form.data.copy()
                form.data["version"] = report.version
            except ValidationError as error:
                add_service_errors(form, error)
                status = 400
        else:
            status = 400
    may_write = can(request.user, Action.CORRECT if report and report.status == ReviewStatus.APPROVED else Action.ENTER,
                    unit=unit)
    own = report is not None and report.created_by_id == request.user.pk
    context = {
        "unit": unit, "year": year, "period_kind": kind, "period_number": number, "report": report, "form": form,
        "period": period_title(year, kind, number), "ky": period_code(kind, number),
        "may_write": may_write and (report is None or report.status != ReviewStatus.SUBMITTED),
        "may_submit": may_write and report is not None and report.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED),
        "can_review": report is not None and report.status == ReviewStatus.SUBMITTED and not own
        and can(request.user, Action.REVIEW, unit=unit),
        "own_record": own and report.status == ReviewStatus.SUBMITTED,
        "return_form": ReturnForm(initial={"version": report.version if report else 0}),
        "periods": [(code, period_title(year, k, n)) for code, k, n in PERIOD_CHOICES],
        "years": list(range(timezone.localdate().year + 1, timezone.localdate().year - 5, -1)),
    }
    return render(request, "reports/narrative_edit.html", context, status=status)


@login_required
@require_POST
def narrative_review(request: HttpRequest, unit_id: int) -> HttpResponse:
    """"Duyệt" or "Trả lại" (with a comment) on the submitted narrative of the unit and period."""
    unit, year, kind, number = _place(request, unit_id)
    report = narratives.narrative_of(unit=unit, year=year, period_kind=kind, period_number=number)
    if report is None:
        raise Http404(_("Chưa có báo cáo của kỳ này."))
    form = ReturnForm(request.POST)
    version = query_number(request.POST.get("version"))
    try:
        if request.POST.get("quyet_dinh") == "tra_lai":
            if not form.is_valid():
                raise ValidationError({"review_comment": _("Hãy ghi lý do trả lại để người nhập biết cần sửa gì.")})
            narratives.return_narrative(user=request.user, report=report, comment=form.cleaned_data["review_comment"],
                                        expected_version=version)
            messages.success(request, _("Đã trả lại báo cáo."))
        else:
            narratives.approve_narrative(user=request.user, report=report, expected_version=version)
            messages.success(request, _("Đã duyệt báo cáo."))
    except EditConflict:
        messages.error(request, _("Báo cáo vừa được sửa sau khi bạn mở trang; hãy đọc lại trước khi duyệt."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_here(unit, year, kind, number))


@login_required
def narrative_download(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The report as .docx: for anyone who may see the unit (its tables read under their rights)."""
    unit, year, kind, number = _place(request, unit_id)
    content = docx_report.monitoring_report(user=request.user, unit=unit, year=year, period_kind=kind, period_number=number)
    response = HttpResponse(content, content_type=docx_report.CONTENT_TYPE)
    name = docx_report.file_name(unit, year, period_code(kind, number))
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
