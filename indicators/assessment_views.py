"""The page of a qualitative target's assessments: an officer writes the year's assessment with
evidence and sends it for review; a reviewer approves or returns it. Thin: the target comes through
the user's scope (as on its dashboard page), every write goes through indicators.assessments.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dashboards.scope import dashboard_targets, has_territory
from indicators import assessments
from indicators.forms import EvidenceField, ReturnForm, add_service_errors
from indicators.models import AssessmentVerdict, Target, TargetAssessment, TargetKind
from indicators.view_helpers import EDITABLE, message_errors, run_step
from plans import access
from plans.access import Action
from review import audit_history
from review.models import ReviewStatus
from review.workflow import EditConflict


class AssessmentForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Năm đánh giá"), min_value=2000, max_value=2100)
    verdict = forms.ChoiceField(label=gettext_lazy("Kết quả"), choices=AssessmentVerdict.choices)
    narrative = forms.CharField(
        label=gettext_lazy("Nhận xét, căn cứ đánh giá"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Kết quả cụ thể đã đạt, văn bản và số liệu dẫn chứng."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    correction_reason = forms.CharField(
        label=gettext_lazy("Lý do sửa"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Đánh giá đã được duyệt: ghi rõ vì sao sửa; bản sửa sẽ được gửi duyệt lại."),
    )
    evidence = EvidenceField(
        label=gettext_lazy("Tệp minh chứng"), help_text=gettext_lazy("PDF, Word, Excel, JPEG hoặc PNG; tối đa 10 MB mỗi tệp.")
    )


def _target(request: HttpRequest, target_id: int) -> Target:
    if not has_territory(user=request.user):
        raise PermissionDenied(_("Bạn chưa được phân công địa bàn nào."))
    targets = dashboard_targets(user=request.user).filter(kind=TargetKind.QUALITATIVE)
    return get_object_or_404(targets.select_related("document__issuer", "territory"), pk=target_id)


def _assessment(request: HttpRequest, assessment_id: int) -> TargetAssessment:
    assessment = get_object_or_404(TargetAssessment.objects.select_related("target"), pk=assessment_id)
    _target(request, assessment.target_id)  # the same scope as the page
    return assessment


def _page_url(target_id: int, year: int) -> str:
    return f"{reverse('assessment_page', args=[target_id])}?nam={year}"


def _year(request: HttpRequest, target: Target) -> int:
    try:
        return int(request.GET.get("nam", ""))
    except ValueError:
        return min(timezone.localdate().year, target.end_year)


def _save(request: HttpRequest, target: Target, form: AssessmentForm, loaded_year: int) -> TargetAssessment:
    data = form.cleaned_data
    with transaction.atomic():
        saved = assessments.save_assessment(
            user=request.user, target=target, year=data["year"], verdict=data["verdict"], narrative=data["narrative"],
            expected_version=(data.get("version") or 0) if data["year"] == loaded_year else 0,
            correction_reason=data["correction_reason"],
        )
        for upload in data["evidence"]:
            assessments.attach_evidence(user=request.user, assessment=saved, upload=upload)
        if request.POST.get("action") == "submit" and saved.status in EDITABLE:
            saved = assessments.submit_assessment(user=request.user, assessment=saved)
    return saved


def _page(request: HttpRequest, target: Target, year: int, *, form=None, return_form=None, status=200) -> HttpResponse:
    user = request.user
    rows = list(assessments.assessments_of(target))
    record = next((a for a in rows if a.year == year), None)
    may_enter = access.can(user, Action.ENTER, unit=target.territory)
    may_review = record is not None and record.status == ReviewStatus.SUBMITTED and access.can(
        user, Action.REVIEW, unit=target.territory)
    own = record is not None and record.created_by_id == user.pk and not user.is_superuser
    editable = may_enter and (record is None or record.status != ReviewStatus.SUBMITTED)
    if form is None and editable:
        initial = {"year": year}
        if record is not None:
            initial.update(verdict=record.verdict, narrative=record.narrative, version=record.version)
        form = AssessmentForm(initial=initial)
    context = {
        "target": target,
        "year": year,
        "rows": rows,
        "record": record,
        "form": form if editable else None,
        "needs_reason": record is not None and record.is_locked,
        "can_submit": may_enter and record is not None and record.status in EDITABLE,
        "can_review": may_review and not own,
        "own_record": may_review and own,
        "return_form": return_form or ReturnForm(),
        "evidence": record.evidence.order_by("uploaded_at", "pk") if record else [],
        "audit": audit_history.audit_rows(record) if record else [],
        "approve_url": reverse("assessment_approve", args=[record.pk]) if record else "",
        "return_url": reverse("assessment_return", args=[record.pk]) if record else "",
    }
    return render(request, "indicators/assessment.html", context, status=status)


@login_required
def assessment_page(request: HttpRequest, target_id: int) -> HttpResponse:
    target = _target(request, target_id)
    year = _year(request, target)
    if request.method != "POST":
        return _page(request, target, year)
    if not access.can(request.user, Action.ENTER, unit=target.territory):
        raise PermissionDenied(_("Bạn không có quyền nhập đánh giá chỉ tiêu của địa bàn này."))
    form = AssessmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            saved = _save(request, target, form, loaded_year=year)
        except EditConflict:
            form.add_error(None, _("Đánh giá đã được người khác sửa sau khi bạn mở trang; xem bản hiện tại rồi nhập lại."))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if saved.status == ReviewStatus.SUBMITTED:
                messages.success(request, _("Đã lưu và gửi đánh giá để duyệt."))
            else:
                messages.success(request, _("Đã lưu nháp đánh giá."))
            return redirect(_page_url(target.pk, saved.year))
    return _page(request, target, year, form=form)


def _step(request: HttpRequest, assessment: TargetAssessment, success: str, transition) -> HttpResponse:
    run_step(request, success, transition)
    return redirect(_page_url(assessment.target_id, assessment.year))


@login_required
@require_POST
def assessment_submit(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _assessment(request, assessment_id)
    return _step(request, assessment, _("Đã gửi đánh giá để duyệt."),
                 lambda: assessments.submit_assessment(user=request.user, assessment=assessment))


@login_required
@require_POST
def assessment_approve(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _assessment(request, assessment_id)
    return _step(request, assessment, _("Đã duyệt đánh giá."),
                 lambda: assessments.approve_assessment(user=request.user, assessment=assessment))


@login_required
@require_POST
def assessment_return(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _assessment(request, assessment_id)
    form = ReturnForm(request.POST)
    form.is_valid()
    try:
        assessments.return_assessment(user=request.user, assessment=assessment,
                                      comment=form.cleaned_data.get("review_comment", ""))
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            message_errors(request, error)
            return redirect(_page_url(assessment.target_id, assessment.year))
        add_service_errors(form, error)
        return _page(request, assessment.target, assessment.year, return_form=form)
    messages.success(request, _("Đã trả lại đánh giá cho người nhập."))
    return redirect(_page_url(assessment.target_id, assessment.year))
