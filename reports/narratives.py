"""Writes of a monitoring report's narrative (reports.MonitoringReport): the unit's officers write
the four sections, save a draft and submit; a reviewer approves or returns it with a comment.

The same review cycle as figures and task reports (review.workflow: optimistic lock by version,
lock rules, audit trail), the same rights (plans.access: ENTER / CORRECT on the unit, REVIEW above),
and a reviewer never approves what they wrote. Each function runs in one transaction; the
obligation a narrative meets is refreshed by reporting.signals when it is saved.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from indicators.resources import PERIOD_NUMBERS  # the numbers each kind of period takes
from indicators.services import save_first
from notifications import events
from plans.access import Action, require
from plans.models import AdministrativeUnit
from reports.models import MonitoringReport
from review import workflow
from review.models import ReportingPeriod, ReviewStatus

SECTIONS = ("general_situation", "results_commentary", "difficulties", "proposals")


def parse_period(code: str | None) -> tuple[str, int] | None:
    """("year", 0) from "nam" (or nothing), ("half", 1) from "6t1", ("quarter", 2) from "q2", ("month", 3) from "th3"."""
    code = (code or "nam").strip().lower()
    if code == "nam":
        return ReportingPeriod.YEAR, 0
    for prefix, kind in (("6t", ReportingPeriod.HALF), ("q", ReportingPeriod.QUARTER), ("th", ReportingPeriod.MONTH)):
        rest = code.removeprefix(prefix)
        if rest != code and rest.isascii() and rest.isdigit() and int(rest) in PERIOD_NUMBERS[kind]:
            return kind, int(rest)
    return None


def narrative_of(*, unit: AdministrativeUnit, year: int, period_kind: str, period_number: int) -> MonitoringReport | None:
    return MonitoringReport.objects.filter(
        unit=unit, year=year, period_kind=period_kind, period_number=period_number,
    ).select_related("unit", "created_by", "reviewed_by").first()


@transaction.atomic
def save_narrative(
    *, user, unit: AdministrativeUnit, year: int, period_kind: str = ReportingPeriod.YEAR, period_number: int = 0,
    sections: dict[str, str], expected_version: int = 0, correction_reason: str = "",
) -> MonitoringReport:
    """Create or change the narrative of a unit and period (a draft, or a late correction of an approved one)."""
    same_period = MonitoringReport.objects.filter(unit=unit, year=year, period_kind=period_kind, period_number=period_number)
    report = same_period.select_for_update(of=("self",)).first()
    action = Action.CORRECT if report and report.status == ReviewStatus.APPROVED else Action.ENTER
    require(user, action, unit=unit)
    content = {name: (sections.get(name) or "").strip() for name in SECTIONS}
    if not any(content.values()):
        raise ValidationError({"general_situation": _("Hãy viết ít nhất một phần của báo cáo.")})
    if report is None:
        report = MonitoringReport(unit=unit, year=year, period_kind=period_kind, period_number=period_number,
                                  created_by=user, **content)
        save_first(user=user, record=report, same_period=same_period, reason=correction_reason)
        return report
    return workflow.apply_edit(user=user, record=report, content=content, expected_version=expected_version,
                               reason=correction_reason)


def _locked(report: MonitoringReport) -> MonitoringReport:
    return MonitoringReport.objects.select_for_update(of=("self",)).select_related("unit").get(pk=report.pk)


def _step(user, report: MonitoringReport, change, audit_action: str, *, expected_version: int | None, reason: str = ""):
    """One workflow step: version check, the change, a new version, the audit entry."""
    if expected_version is not None:
        workflow.check_version(report, expected_version)
    return workflow.apply_step(user=user, record=report, change=change, audit_action=audit_action, reason=reason)


def _refuse_own_review(user, report: MonitoringReport) -> None:
    require(user, Action.REVIEW, unit=report.unit)
    if report.created_by_id == user.pk and not user.is_superuser:
        raise PermissionDenied(_("Không tự duyệt báo cáo do mình viết."))


@transaction.atomic
def submit_narrative(*, user, report: MonitoringReport, expected_version: int | None = None) -> MonitoringReport:
    report = _locked(report)
    require(user, Action.ENTER, unit=report.unit)
    return _step(user, report, workflow.submit, "submit", expected_version=expected_version)


@transaction.atomic
def approve_narrative(*, user, report: MonitoringReport, expected_version: int | None = None) -> MonitoringReport:
    report = _locked(report)
    _refuse_own_review(user, report)
    _step(user, report, lambda r: workflow.approve(r, reviewer=user), "approve", expected_version=expected_version)
    events.record_reviewed(report, reviewer=user, approved=True)
    return report


@transaction.atomic
def return_narrative(*, user, report: MonitoringReport, comment: str, expected_version: int | None = None) -> MonitoringReport:
    report = _locked(report)
    _refuse_own_review(user, report)
    _step(user, report, lambda r: workflow.return_for_rework(r, reviewer=user, comment=comment), "return",
          expected_version=expected_version, reason=comment)
    events.record_reviewed(report, reviewer=user, approved=False)
    return report
