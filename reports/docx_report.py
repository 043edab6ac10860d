"""The periodic monitoring report as a .docx: a Word template with Jinja tags (docxtpl) filled from
reports.report_data. An administrator replaces the template without touching code:

1. settings.REPORT_TEMPLATE_PATH, when set;
2. else MEDIA_ROOT/report_templates/mau-01.docx, when an administrator uploaded one;
3. else the shipped data/reports/mau-01-bao-cao-giam-sat.docx (built by
   `manage.py build_report_template`; data/reports/README.md lists the tags).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _
from docxtpl import DocxTemplate, Listing

from plans.models import AdministrativeUnit
from reports.narratives import SECTIONS
from reports.report_data import ReportData, report_data
from review.models import ReviewStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SHIPPED_TEMPLATE = Path(settings.BASE_DIR) / "data" / "reports" / "mau-01-bao-cao-giam-sat.docx"
UPLOADED_TEMPLATE = Path("report_templates") / "mau-01.docx"  # under MEDIA_ROOT
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def template_path() -> Path:
    configured = settings.REPORT_TEMPLATE_PATH
    if configured:
        return Path(configured)
    uploaded = Path(settings.MEDIA_ROOT) / UPLOADED_TEMPLATE
    return uploaded if uploaded.is_file() else SHIPPED_TEMPLATE


def _paragraphs(text: str) -> Listing:
    """Line breaks the author typed kept as paragraphs (docxtpl's Listing escapes the text)."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    return Listing("\a".join(line for line in lines if line))


def context(data: ReportData) -> dict:
    """The tags a template may use (data/reports/README.md)."""
    narrative = data.narrative
    missing = _("(Chưa có nội dung.)")
    values = {name: _paragraphs(data.text(name)) if data.text(name).strip() else missing for name in SECTIONS}
    if narrative is None:
        narrative_status = _("Phần lời chưa được viết trong phần mềm.")
    else:
        narrative_status = _("Phần lời: %(status)s (phiên bản %(version)s).") % {
            "status": narrative.get_status_display(), "version": narrative.version}
    made_on = data.made_on
    return {
        **values,
        "unit_name": data.unit.name,
        "year": str(data.year),
        "period": data.period,
        "made_on": f"{made_on:%d/%m/%Y}",
        "place_date": _("ngày %(day)s tháng %(month)s năm %(year)s") % {
            "day": f"{made_on:%d}", "month": f"{made_on:%m}", "year": made_on.year},
        "narrative_status": narrative_status,
        "narrative_approved": bool(narrative and narrative.status == ReviewStatus.APPROVED),
        "targets": data.targets,
        "target_count": len(data.targets),
        "status_counts": [{"label": label, "count": count} for label, count in data.status_counts],
        "task_headers": data.task_headers,
        "tasks": data.tasks,
        "task_totals": data.task_totals,
        "movements": data.movements,
        "movement_total": data.movement_total,
        "figures_note": _("Số liệu trong các bảng là số liệu đã được duyệt trong phần mềm đến ngày %(date)s.") % {
            "date": f"{made_on:%d/%m/%Y}"},
    }


def render(data: ReportData, template: Path | None = None) -> bytes:
    document = DocxTemplate(str(template or template_path()))
    document.render(context(data), autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def monitoring_report(*, user: User, unit: AdministrativeUnit, year: int, period_kind: str, period_number: int) -> bytes:
    """The report of a territory and period as the user may see it (the view checks the unit's reach)."""
    return render(report_data(user=user, unit=unit, year=year, period_kind=period_kind, period_number=period_number))


def file_name(unit: AdministrativeUnit, year: int, period_code: str) -> str:
    return f"bao-cao-giam-sat-{unit.code}-{year}-{period_code}.docx"
