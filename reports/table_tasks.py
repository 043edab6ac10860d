"""Tình hình thực hiện nhiệm vụ: the territory's tasks by lead agency in the Government Office's
four categories (dashboards.tasks decides the category, nowhere else), and each task with its
latest approved report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from dashboards.tasks import TaskCategory, task_summary
from indicators import selectors
from plans.models import AdministrativeUnit
from reports.tables import DECIMAL, INTEGER, Column, Row, Sheet, percent
from review.models import ReviewStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NARRATIVE_LENGTH = 500


def _latest_reports(user: User, task_ids: list[int]) -> dict[int, object]:
    """{task id: its latest approved report} (one query)."""
    latest = {}
    reports = (
        selectors.visible_task_reports(user=user)
        .filter(task_id__in=task_ids, status=ReviewStatus.APPROVED)
        .order_by("task_id", "-year", "-period_number", "-pk")
    )
    for report in reports:
        latest.setdefault(report.task_id, report)
    return latest


def task_sheets(*, user: User, unit: AdministrativeUnit, year: int) -> list[Sheet]:
    summary = task_summary(user=user, unit=unit, year=year)
    heads = [Column(str(TaskCategory.LABELS[c]), INTEGER, 14) for c in TaskCategory.ORDER]
    by_agency = [
        Column(_("STT"), INTEGER, 6), Column(_("Cơ quan chủ trì"), "", 40), Column(_("Tổng số nhiệm vụ"), INTEGER, 12),
        *heads, Column(_("Tỷ lệ hoàn thành đúng hạn (%)"), DECIMAL, 14),
    ]
    rows = [Row([None, _("Tổng số"), summary.totals.total, *summary.totals.cells(),
                 percent(summary.totals.counts.get(TaskCategory.ON_TIME, 0), summary.totals.total)], total=True)]
    for number, group in enumerate(summary.by_agency, start=1):
        rows.append(Row([number, group.label, group.total, *group.cells(),
                         percent(group.counts.get(TaskCategory.ON_TIME, 0), group.total)]))
    title = _("Tình hình thực hiện nhiệm vụ – %(unit)s – năm %(year)s (đến ngày %(today)s)") % {
        "unit": unit.name, "year": year, "today": f"{summary.today:%d/%m/%Y}"}
    source = _(
        "Nhiệm vụ của các văn bản trên địa bàn và báo cáo nhiệm vụ đã duyệt trên hệ thống; phân loại theo bốn nhóm "
        "của Văn phòng Chính phủ (nhiệm vụ định kỳ xét theo các kỳ của năm %(year)s)."
    ) % {"year": year}
    notes = []
    if summary.illustrative_reports:
        notes.append(_("Có %(n)s nhiệm vụ có báo cáo minh họa, không phải báo cáo thật.") % {"n": summary.illustrative_reports})
    latest = _latest_reports(user, [s.task.pk for s in summary.statuses])
    task_columns = [
        Column(_("STT"), INTEGER, 6), Column(_("Văn bản"), "", 22), Column(_("Số thứ tự"), "", 8),
        Column(_("Nhiệm vụ"), "", 50), Column(_("Cơ quan chủ trì"), "", 30), Column(_("Hạn"), "", 12),
        Column(_("Tình trạng"), "", 18), Column(_("Ngày hoàn thành"), "", 12), Column(_("Báo cáo gần nhất"), "", 16),
        Column(_("Tiến độ"), "", 14), Column(_("Phần trăm hoàn thành"), INTEGER, 10),
        Column(_("Kết quả thực hiện (báo cáo gần nhất)"), "", 60), Column(_("Ghi chú"), "", 20),
    ]
    task_rows = []
    for number, status in enumerate(summary.statuses, start=1):
        task = status.task
        report = latest.get(task.pk)
        task_rows.append(Row([
            number, task.document.reference, task.number, task.title or task.text[:300],
            status.owner.name if status.owner else "", f"{status.due:%d/%m/%Y}" if status.due else "", status.label,
            f"{status.completed_on:%d/%m/%Y}" if status.completed_on else "",
            report.period_label if report else "", report.get_progress_display() if report else "",
            report.percent_done if report else None, report.narrative[:NARRATIVE_LENGTH] if report else "", status.note,
        ]))
    return [
        Sheet(_("Theo cơ quan chủ trì"), title, by_agency, rows, source, notes),
        Sheet(_("Từng nhiệm vụ"), title, task_columns, task_rows, source, notes),
    ]
