"""Writes of reported figures: entry, submission, review, late correction, evidence, explanations.

Every function checks the user's right through plans.access, validates with Vietnamese messages,
writes an audit entry and runs in one transaction.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from common import uploads
from indicators import closures, demo_data
from indicators.breakdowns import breakdown_error
from indicators.models import Actual, ActualSource, Indicator, MeasureUnit, PeriodKind, Target
from indicators.poverty_standards import standard_for_figure
from notifications import events
from plans.access import Action, require
from plans.models import AdministrativeUnit, Task
from reporting import locks
from review import workflow
from review.models import Evidence, ExplanationRequest, ReviewedRecord, ReviewStatus, TaskReport
from review.workflow import EditConflict

COUNT_UNITS = {
    MeasureUnit.HOUSEHOLDS, MeasureUnit.PERSONS, MeasureUnit.WORKERS,
    MeasureUnit.COMMUNES, MeasureUnit.VILLAGES, MeasureUnit.DISTRICTS,
}
BOUNDED_PERCENT_UNITS = {MeasureUnit.PERCENT}  # values must lie within 0–100

MAX_EVIDENCE_BYTES = uploads.MAX_EVIDENCE_BYTES


def validate_figure(
    *, indicator: Indicator, value: Decimal | None, numerator: Decimal | None, denominator: Decimal | None,
    with_fraction: bool = False,
) -> None:
    """Field-by-field checks a person can act on, in Vietnamese. With `with_fraction` (the workbook
    import) a published rate may come with its counts: the value stays the rate, the quality rules compare them."""
    errors: dict[str, str] = {}
    if value is None and (numerator is None or denominator is None):
        if numerator is not None or denominator is not None:
            errors["denominator" if denominator is None else "numerator"] = _("Nhập cả tử số và mẫu số, hoặc chỉ nhập giá trị.")
        else:
            errors["value"] = _("Nhập giá trị, hoặc tử số và mẫu số.")
    if value is not None and (numerator is not None or denominator is not None) and not with_fraction:
        errors["value"] = _("Nhập giá trị, hoặc tử số và mẫu số, không nhập cả hai.")
    elif value is not None and (numerator is None) != (denominator is None):
        errors["denominator" if denominator is None else "numerator"] = _("Nhập cả tử số và mẫu số cùng tỷ lệ công bố.")
    elif value is not None:
        if indicator.measure_unit in BOUNDED_PERCENT_UNITS and not (Decimal(0) <= value <= Decimal(100)):
            errors["value"] = _("Tỷ lệ phải nằm trong khoảng 0–100%.")
        elif indicator.measure_unit in COUNT_UNITS and (value < 0 or value != value.to_integral_value()):
            errors["value"] = _("Số lượng phải là số nguyên không âm (ví dụ 1.250).")
        elif indicator.measure_unit == MeasureUnit.YES_NO and value not in (Decimal(0), Decimal(1)):
            errors["value"] = _("Chỉ nhập 1 (có) hoặc 0 (không).")
    if numerator is not None and denominator is not None:
        if denominator <= 0:
            errors["denominator"] = _("Mẫu số phải lớn hơn 0.")
        elif numerator < 0 or numerator != numerator.to_integral_value():
            errors["numerator"] = _("Tử số phải là số nguyên không âm.")
        elif numerator > denominator:
            errors["numerator"] = _("Tử số không được lớn hơn mẫu số.")
        if denominator != denominator.to_integral_value():
            errors["denominator"] = _("Mẫu số phải là số nguyên.")
    if errors:
        raise ValidationError(errors)


def figure_key(*, indicator: Indicator, year: int, standard: str = "", breakdown: str = "") -> tuple[str, str]:
    """The figure's standard and breakdown as stored: a blank standard is the one in force in the
    year when the indicator depends on the standard; a breakdown is one of the indicator's options."""
    standard = standard_for_figure(indicator=indicator, year=year, code=standard)
    breakdown = (breakdown or "").strip()
    message = breakdown_error(indicator=indicator, breakdown=breakdown) if breakdown else None
    if message:
        raise ValidationError({"breakdown": message})
    return standard, breakdown


def validate_period_for_target(target: Target, year: int) -> None:
    first = target.baseline_year or target.start_year or target.end_year
    if not (first <= year <= target.end_year):
        raise ValidationError(
            {"year": _("Năm %(year)s nằm ngoài thời hạn của chỉ tiêu (%(first)s–%(last)s).")
             % {"year": year, "first": first, "last": target.end_year}}
        )


@transaction.atomic
def save_actual(
    *,
    user,
    indicator: Indicator,
    unit: AdministrativeUnit,
    year: int,
    period_kind: str = PeriodKind.YEAR,
    period_number: int = 0,
    value: Decimal | None = None,
    numerator: Decimal | None = None,
    denominator: Decimal | None = None,
    target: Target | None = None,
    expected_version: int = 0,
    correction_reason: str = "",
    standard: str = "",
    breakdown: str = "",
) -> Actual:
    """Create or change the figure of one indicator, unit and period (a draft, or a late correction).

    `standard` blank: the poverty standard in force in `year` for an indicator that depends on it
    (a figure under another standard is another figure, never a correction of this one);
    `breakdown` blank: the whole.

    A figure of a unit for a period that ends after the unit closed is refused (indicators.closures);
    with a target, the unit is the target's territory or, for such a period, its successor.
    """
    standard, breakdown = figure_key(indicator=indicator, year=year, standard=standard, breakdown=breakdown)
    same_period = Actual.objects.filter(
        indicator=indicator, unit=unit, year=year, period_kind=period_kind, period_number=period_number,
        standard=standard, breakdown=breakdown,
    )
    actual = same_period.select_for_update(of=("self",)).first()
    action = Action.CORRECT if actual and actual.status == ReviewStatus.APPROVED else Action.ENTER
    require(user, action, unit=unit)
    period = closures.Period(year, period_kind, period_number)
    if target is not None:
        validate_period_for_target(target, year)
        closures.check_unit_for_target(target=target, unit=unit, period=period)
    closures.refuse_if_closed(unit=unit, period=period)
    locks.refuse_if_locked(unit=unit, year=year, period_kind=period_kind, period_number=period_number,
                           indicator=indicator, record=actual)  # an approved figure's late correction is not refused
    validate_figure(indicator=indicator, value=value, numerator=numerator, denominator=denominator)

    if actual is None:
        actual = Actual(
            indicator=indicator, unit=unit, year=year, period_kind=period_kind, period_number=period_number,
            created_by=user, source=ActualSource.ENTERED, value=value, numerator=numerator, denominator=denominator,
            standard=standard, breakdown=breakdown,
        )
        save_first(user=user, record=actual, same_period=same_period, reason=correction_reason)
        return actual
    if actual.source in demo_data.DEMO_SOURCES:  # a real figure over a demo one: new, not a late correction
        return demo_data.replace_with_real(user=user, actual=actual, source=ActualSource.ENTERED, value=value,
                                           numerator=numerator, denominator=denominator, expected_version=expected_version)
    return workflow.apply_edit(user=user, record=actual, content={"value": value, "numerator": numerator,
                               "denominator": denominator}, expected_version=expected_version, reason=correction_reason)


def save_first(*, user, record: ReviewedRecord, same_period: QuerySet, reason: str = "") -> None:
    """Save a record that did not exist when the save began; if another first save of the same
    period won the race, refuse with EditConflict carrying the winner, as for any stale edit.

    Two first saves both find no row. The later INSERT waits on the unique index until the other
    transaction commits, then fails (IntegrityError); if the other committed just before, the unique
    check of full_clean() fails instead. The savepoint keeps the caller's transaction usable.
    """
    try:
        with transaction.atomic():
            workflow.save_edit(user=user, record=record, before=None, reason=reason)
    except (IntegrityError, ValidationError):
        current = same_period.select_for_update(of=("self",)).first()
        if current is None:
            raise
        raise EditConflict(current) from None


def _transition(user, record, action: Action, change, audit_action: str, *, unit, agency_ids=None, reason: str = ""):
    require(user, action, unit=unit, agency_ids=agency_ids)
    workflow.apply_step(user=user, record=record, change=change, audit_action=audit_action, reason=reason)
    if audit_action in ("approve", "return"):
        events.record_reviewed(record, reviewer=user, approved=audit_action == "approve")
    return record


def _refuse_own_review(user, record) -> None:
    if record.created_by_id == user.pk and not user.is_superuser:
        raise PermissionDenied(_("Không tự duyệt số liệu do mình nhập."))


@transaction.atomic
def submit_actual(*, user, actual: Actual) -> Actual:
    actual = Actual.objects.select_for_update(of=("self",)).get(pk=actual.pk)

    def submit(record: Actual) -> None:
        locks.refuse_if_locked(unit=record.unit, year=record.year, period_kind=record.period_kind,
                               period_number=record.period_number, indicator=record.indicator_id, record=record)
        workflow.submit(record)

    return _transition(user, actual, Action.ENTER, submit, "submit", unit=actual.unit)


@transaction.atomic
def approve_actual(*, user, actual: Actual) -> Actual:
    actual = Actual.objects.select_for_update(of=("self",)).get(pk=actual.pk)
    require(user, Action.REVIEW, unit=actual.unit)
    _refuse_own_review(user, actual)
    return _transition(user, actual, Action.REVIEW, lambda r: workflow.approve(r, reviewer=user), "approve", unit=actual.unit)


@transaction.atomic
def return_actual(*, user, actual: Actual, comment: str) -> Actual:
    actual = Actual.objects.select_for_update(of=("self",)).get(pk=actual.pk)
    require(user, Action.REVIEW, unit=actual.unit)
    _refuse_own_review(user, actual)
    return _transition(
        user, actual, Action.REVIEW, lambda r: workflow.return_for_rework(r, reviewer=user, comment=comment),
        "return", unit=actual.unit, reason=comment,
    )


def task_unit(task: Task) -> AdministrativeUnit:
    return task.document.territory


def task_agency_ids(task: Task) -> set[int]:
    ids = set(task.coordinating_agencies.values_list("pk", flat=True))
    if task.lead_agency_id:
        ids.add(task.lead_agency_id)
    return ids


def validate_evidence(upload: UploadedFile) -> None:
    """The upload guard (common.uploads): size, type by content, zip bomb, XML entities."""
    try:
        uploads.check_upload(upload, name=upload.name or "", policy=uploads.EVIDENCE)
    except uploads.UploadRefused as refusal:
        raise ValidationError({"evidence": str(refusal)}) from None


@transaction.atomic
def attach_evidence(*, user, upload: UploadedFile, actual: Actual | None = None, task_report: TaskReport | None = None) -> Evidence:
    if actual is not None:
        actual = Actual.objects.select_for_update(of=("self",)).get(pk=actual.pk)
        require(user, Action.ENTER, unit=actual.unit)
    else:
        task_report = TaskReport.objects.select_for_update(of=("self",)).get(pk=task_report.pk)
        require(user, Action.ENTER, unit=task_unit(task_report.task), agency_ids={task_report.agency_id})
    validate_evidence(upload)
    if (actual or task_report).status == ReviewStatus.APPROVED:
        raise ValidationError({"evidence": _("Bản ghi đã duyệt đã khóa; hãy sửa (kèm lý do) rồi đính kèm minh chứng.")})
    evidence = Evidence(actual=actual, task_report=task_report, original_name=upload.name[:255], size=upload.size, uploaded_by=user)
    evidence.file.save(upload.name, upload, save=False)
    evidence.save()
    owner = actual or task_report
    workflow.record_audit(user=user, instance=owner, action="attach_evidence", before=None, after={"evidence": evidence.original_name})
    return evidence


@transaction.atomic
def save_task_report(
    *,
    user,
    task: Task,
    agency,
    year: int,
    period_kind: str = PeriodKind.YEAR,
    period_number: int = 0,
    progress: str,
    percent_done: int,
    narrative: str,
    completed_on=None,
    expected_version: int = 0,
    correction_reason: str = "",
) -> TaskReport:
    same_period = TaskReport.objects.filter(
        task=task, agency=agency, year=year, period_kind=period_kind, period_number=period_number
    )
    report = same_period.select_for_update(of=("self",)).first()
    action = Action.CORRECT if report and report.status == ReviewStatus.APPROVED else Action.ENTER
    require(user, action, unit=task_unit(task), agency_ids={agency.pk})
    if agency.pk not in task_agency_ids(task):
        raise ValidationError({"agency": _("Cơ quan này không chủ trì hay phối hợp nhiệm vụ.")})
    locks.refuse_if_locked(unit=task_unit(task), year=year, period_kind=period_kind, period_number=period_number,
                           task=task, record=report)
    errors = {}
    if not (0 <= percent_done <= 100):
        errors["percent_done"] = _("Phần trăm hoàn thành phải trong khoảng 0–100.")
    if progress == "completed" and (completed_on is None or percent_done != 100):
        errors["completed_on"] = _("Nhiệm vụ đã hoàn thành cần ngày hoàn thành và 100%.")
    if not narrative.strip():
        errors["narrative"] = _("Hãy mô tả kết quả thực hiện.")
    if errors:
        raise ValidationError(errors)
    content = {"progress": progress, "percent_done": percent_done, "narrative": narrative.strip(), "completed_on": completed_on}
    if report is None:
        report = TaskReport(task=task, agency=agency, year=year, period_kind=period_kind, period_number=period_number,
                            created_by=user, **content)
        save_first(user=user, record=report, same_period=same_period, reason=correction_reason)
        return report
    return workflow.apply_edit(user=user, record=report, content=content, expected_version=expected_version,
                               reason=correction_reason)


@transaction.atomic
def submit_task_report(*, user, report: TaskReport) -> TaskReport:
    report = TaskReport.objects.select_for_update(of=("self",)).select_related("task__document__territory").get(pk=report.pk)

    def submit(record: TaskReport) -> None:
        locks.refuse_if_locked(unit=task_unit(record.task), year=record.year, period_kind=record.period_kind,
                               period_number=record.period_number, task=record.task, record=record)
        workflow.submit(record)

    return _transition(user, report, Action.ENTER, submit, "submit", unit=task_unit(report.task), agency_ids={report.agency_id})


@transaction.atomic
def approve_task_report(*, user, report: TaskReport) -> TaskReport:
    report = TaskReport.objects.select_for_update(of=("self",)).select_related("task__document__territory").get(pk=report.pk)
    _refuse_own_review(user, report)
    return _transition(user, report, Action.REVIEW, lambda r: workflow.approve(r, reviewer=user), "approve", unit=task_unit(report.task))


@transaction.atomic
def return_task_report(*, user, report: TaskReport, comment: str) -> TaskReport:
    report = TaskReport.objects.select_for_update(of=("self",)).select_related("task__document__territory").get(pk=report.pk)
    _refuse_own_review(user, report)
    return _transition(
        user, report, Action.REVIEW, lambda r: workflow.return_for_rework(r, reviewer=user, comment=comment),
        "return", unit=task_unit(report.task), reason=comment,
    )


@transaction.atomic
def request_explanation(*, user, question: str, target: Target | None = None, task: Task | None = None, due_on=None) -> ExplanationRequest:
    unit = target.territory if target is not None else task_unit(task)
    require(user, Action.REQUEST_EXPLANATION, unit=unit)
    if not question.strip():
        raise ValidationError({"question": _("Hãy nêu nội dung cần giải trình.")})
    request = ExplanationRequest(target=target, task=task, unit=unit, question=question.strip(), requested_by=user, due_on=due_on)
    request.full_clean()
    request.save()
    events.explanation_asked(request, agency_ids=task_agency_ids(task) if task is not None else None)
    return request


@transaction.atomic
def answer_explanation(*, user, request: ExplanationRequest, answer: str) -> ExplanationRequest:
    request = ExplanationRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    agency_ids = task_agency_ids(request.task) if request.task_id else None
    require(user, Action.ANSWER_EXPLANATION, unit=request.unit, agency_ids=agency_ids)
    if request.is_answered:
        raise ValidationError(_("Yêu cầu này đã được giải trình."))
    if not answer.strip():
        raise ValidationError({"answer": _("Hãy nhập nội dung giải trình.")})
    request.answer, request.answered_by, request.answered_at = answer.strip(), user, timezone.now()
    request.save()
    events.explanation_answered(request)
    return request
