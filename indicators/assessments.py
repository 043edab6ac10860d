"""Qualitative targets ("Định tính"): judged by a reviewer-approved assessment with evidence.

An officer of the target's territory writes the assessment of a year (verdict and reasons) and
attaches evidence; a reviewer of the territory approves it or returns it with a comment. The same
workflow, version check and audit trail as reported figures (plans.workflow); an approved
assessment is changed only with a reason, which re-opens review. The dashboards read the latest
approved assessment up to the year judged (`latest_approved`).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from indicators.models import AssessmentVerdict, Target, TargetAssessment, TargetKind
from indicators.services import save_first, validate_evidence
from plans.access import Action, require
from review import workflow
from review.models import Evidence, ReviewStatus


def latest_approved(target: Target, *, as_of_year: int) -> TargetAssessment | None:
    """The approved assessment of the latest year up to `as_of_year` (a prefetched
    `approved_assessments` list on the target spares the query)."""
    prefetched = getattr(target, "approved_assessments", None)
    if prefetched is not None:
        rows = [a for a in prefetched if a.year <= as_of_year]
        return max(rows, key=lambda a: a.year) if rows else None
    return (
        TargetAssessment.objects.filter(target=target, status=ReviewStatus.APPROVED, year__lte=as_of_year)
        .order_by("-year").first()
    )


def approved_assessments() -> Prefetch:
    """Prefetch for target lists: `latest_approved` then reads no more."""
    approved = TargetAssessment.objects.filter(status=ReviewStatus.APPROVED)
    return Prefetch("assessments", queryset=approved, to_attr="approved_assessments")


def assessments_of(target: Target) -> QuerySet[TargetAssessment]:
    return target.assessments.select_related("created_by", "reviewed_by").order_by("-year")


def _check(*, target: Target, year: int, verdict: str, narrative: str) -> None:
    errors = {}
    if target.kind != TargetKind.QUALITATIVE:
        raise ValidationError(_("Chỉ chỉ tiêu định tính mới được đánh giá bằng nhận xét; chỉ tiêu này đánh giá theo số liệu."))
    first = target.start_year or target.end_year
    if not (first <= year <= target.end_year + 1):
        errors["year"] = (_("Năm %(year)s nằm ngoài thời hạn của chỉ tiêu (%(first)s–%(last)s).")
                          % {"year": year, "first": first, "last": target.end_year})
    if verdict not in AssessmentVerdict.values:
        labels = ", ".join(f"“{label}”" for label in AssessmentVerdict.labels)
        errors["verdict"] = _("Chọn kết quả: %(labels)s.") % {"labels": labels}
    if not narrative.strip():
        errors["narrative"] = _("Hãy ghi nhận xét và căn cứ đánh giá (kết quả cụ thể, văn bản, số liệu dẫn chứng).")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_assessment(
    *, user, target: Target, year: int, verdict: str, narrative: str, expected_version: int = 0,
    correction_reason: str = "",
) -> TargetAssessment:
    """Create or change the assessment of one target and year (a draft, or a late correction)."""
    same_year = TargetAssessment.objects.filter(target=target, year=year)
    assessment = same_year.select_for_update(of=("self",)).first()
    action = Action.CORRECT if assessment and assessment.status == ReviewStatus.APPROVED else Action.ENTER
    require(user, action, unit=target.territory)
    _check(target=target, year=year, verdict=verdict, narrative=narrative)
    if assessment is None:
        assessment = TargetAssessment(
            target=target, year=year, verdict=verdict, narrative=narrative.strip(), created_by=user,
        )
        save_first(user=user, record=assessment, same_period=same_year, reason=correction_reason)
        return assessment
    return workflow.apply_edit(user=user, record=assessment, content={"verdict": verdict, "narrative": narrative.strip()},
                               expected_version=expected_version, reason=correction_reason)


def _locked(assessment: TargetAssessment) -> TargetAssessment:
    return (
        TargetAssessment.objects.select_for_update(of=("self",)).select_related("target__territory")
        .get(pk=assessment.pk)
    )


def _step(user, assessment: TargetAssessment, action: Action, change, audit_action: str, reason: str = ""):
    require(user, action, unit=assessment.target.territory)
    return workflow.apply_step(user=user, record=assessment, change=change, audit_action=audit_action, reason=reason)


def _refuse_own(user, assessment: TargetAssessment) -> None:
    if assessment.created_by_id == user.pk and not user.is_superuser:
        raise PermissionDenied(_("Không tự duyệt đánh giá do mình nhập."))


@transaction.atomic
def submit_assessment(*, user, assessment: TargetAssessment) -> TargetAssessment:
    assessment = _locked(assessment)
    return _step(user, assessment, Action.ENTER, workflow.submit, "submit")


@transaction.atomic
def approve_assessment(*, user, assessment: TargetAssessment) -> TargetAssessment:
    assessment = _locked(assessment)
    require(user, Action.REVIEW, unit=assessment.target.territory)
    _refuse_own(user, assessment)
    return _step(user, assessment, Action.REVIEW, lambda r: workflow.approve(r, reviewer=user), "approve")


@transaction.atomic
def return_assessment(*, user, assessment: TargetAssessment, comment: str) -> TargetAssessment:
    assessment = _locked(assessment)
    require(user, Action.REVIEW, unit=assessment.target.territory)
    _refuse_own(user, assessment)
    return _step(
        user, assessment, Action.REVIEW, lambda r: workflow.return_for_rework(r, reviewer=user, comment=comment),
        "return", reason=comment,
    )


@transaction.atomic
def attach_evidence(*, user, assessment: TargetAssessment, upload: UploadedFile) -> Evidence:
    assessment = _locked(assessment)
    require(user, Action.ENTER, unit=assessment.target.territory)
    validate_evidence(upload)
    if assessment.status == ReviewStatus.APPROVED:
        raise ValidationError({"evidence": _("Đánh giá đã duyệt đã khóa; hãy sửa (kèm lý do) rồi đính kèm minh chứng.")})
    evidence = Evidence(assessment=assessment, original_name=upload.name[:255], size=upload.size, uploaded_by=user)
    evidence.file.save(upload.name, upload, save=False)
    evidence.save()
    workflow.record_audit(
        user=user, instance=assessment, action="attach_evidence", before=None, after={"evidence": evidence.original_name},
    )
    return evidence
