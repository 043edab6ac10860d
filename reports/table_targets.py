"""Biểu 02 – Kết quả thực hiện chỉ tiêu: a territory's targets for a year against the year's
approved figures, and the headline indicators' values of each unit below it.

The targets are judged by the dashboards (dashboards.judging.evaluate_targets, the one place that
does), and each target's plan and result for the year are the IPTT's cell of that year
(dashboards.iptt), so that the table equals the IPTT page and the dashboard.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext as _

from dashboards.figures import final_year
from dashboards.iptt import iptt_row
from dashboards.judging import SEVERITY, TargetStatus, evaluate_targets
from dashboards.scope import Options, dashboard_targets, for_judging, visible_values, within
from households.selectors import children_filter, map_for_year
from indicators.models import MeasureUnit, TargetKind
from plans import access
from plans.models import AdministrativeUnit, UnitLevel
from reports.tables import DECIMAL, INTEGER, Column, Row, Sheet

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_INDICATORS = 20  # headline indicators on the sheet of units below (one column each)


def year_targets(*, user: User, unit: AdministrativeUnit, year: int) -> list:
    """The targets of the territory (its own and its units') whose period covers the year."""
    targets = for_judging(dashboard_targets(user=user).filter(within(unit, "territory"))).order_by(
        "document__issued_on", "document__number", "position", "pk")
    return [t for t in targets if (t.start_year or final_year(t)) <= year <= final_year(t)]


def _year_cell(status: TargetStatus, year: int):
    if status.target.kind == TargetKind.QUALITATIVE:
        return None, None, None, ""
    row = iptt_row(status, [year])
    cell = row.cells[0]
    return cell.planned, cell.actual, cell.percent, str(dict(MeasureUnit.choices).get(row.quantity_unit, ""))


def _note(status: TargetStatus) -> str:
    parts = [status.evaluation.explanation, status.closure_note]
    if status.is_illustrative:
        parts.append(_("số liệu minh họa"))
    if status.is_synthetic:
        parts.append(_("số liệu giả lập"))
    return "; ".join(p for p in parts if p)


def target_sheets(*, user: User, unit: AdministrativeUnit, year: int) -> list[Sheet]:
    targets = year_targets(user=user, unit=unit, year=year)
    statuses = evaluate_targets(user=user, targets=targets, options=Options(year=year))
    columns = [
        Column(_("STT"), INTEGER, 6), Column(_("Mã chỉ tiêu"), "", 12), Column(_("Chỉ tiêu"), "", 48),
        Column(_("Văn bản"), "", 18), Column(_("Địa bàn"), "", 18), Column(_("Mục tiêu cả giai đoạn"), "", 24),
        Column(_("Đơn vị tính"), "", 10),
        Column(_("Chỉ tiêu kế hoạch năm %(year)s") % {"year": year}, DECIMAL),
        Column(_("Thực hiện năm %(year)s") % {"year": year}, DECIMAL),
        Column(_("Tỷ lệ thực hiện so với kế hoạch (%)"), DECIMAL),
        Column(_("Trạng thái"), "", 16), Column(_("Ghi chú, giải trình"), "", 60),
    ]
    rows = []
    for number, status in enumerate(statuses, start=1):
        target = status.target
        planned, actual, percent, quantity = _year_cell(status, year)
        rows.append(Row([
            number, target.code, target.subject, target.document.reference, status.basis.name, target.bound_label,
            quantity, planned, actual, percent, status.evaluation.label, _note(status),
        ]))
    counts = Counter(s.status for s in statuses)
    rows.append(Row([None, "", _("Tổng số chỉ tiêu"), "", "", "", "", None, None, None, len(statuses), ""], total=True))
    for status in SEVERITY:
        rows.append(Row([None, "", f"– {status.label}", "", "", "", "", None, None, None, counts.get(status, 0), ""]))
    documents = sorted({s.target.document.reference for s in statuses})
    source = _(
        "Chỉ tiêu theo các văn bản %(documents)s; số thực hiện là số liệu đã duyệt trên hệ thống đến năm %(year)s; "
        "trạng thái do hệ thống đánh giá theo quy tắc của bảng điều khiển."
    ) % {"documents": ", ".join(documents) or "—", "year": year}
    title = _("Biểu 02 – Kết quả thực hiện chỉ tiêu – %(unit)s – năm %(year)s") % {"unit": unit.name, "year": year}
    indicators = sorted({t.indicator for t in targets if t.indicator_id}, key=lambda i: i.code)[:MAX_INDICATORS]
    return [Sheet(_("Biểu 02"), title, columns, rows, source), unit_sheet(user=user, unit=unit, year=year,
                                                                        indicators=indicators)]


def _below(unit: AdministrativeUnit, year: int) -> tuple[set[int], Q]:
    """The territory (with the units merged into it, on the year's map) and the units one level below."""
    if unit.level <= UnitLevel.REGION:
        return {unit.pk}, children_filter(unit=unit, year=year)
    merged = access.predecessor_unit_ids({unit.pk}) - {unit.pk}
    own = {unit.pk, *AdministrativeUnit.objects.filter(pk__in=merged, level=unit.level).values_list("pk", flat=True)}
    return own, Q(unit__parent_id__in=own, unit__admin_map=map_for_year(year=year))


def unit_sheet(*, user: User, unit: AdministrativeUnit, year: int, indicators: list) -> Sheet:
    """Each unit below the territory (provinces of the nation, districts or communes of a province):
    the year's approved value of each headline indicator, the territory's own first (one query).
    Before the 2025 merger a province of today's map reads the provinces merged into it and theirs."""
    values: dict[int, dict[int, Decimal | None]] = {}
    names: dict[int, AdministrativeUnit] = {}
    own_ids, children = _below(unit, year)
    found = (
        visible_values(user=user)
        .filter(children | Q(unit_id__in=own_ids), year=year, indicator_id__in=[i.pk for i in indicators])
        .select_related("unit").order_by("unit__level", "unit__name")
    )
    for value in found:
        names[value.unit_id] = value.unit
        values.setdefault(value.unit_id, {})[value.indicator_id] = value.value
    columns = [Column(_("STT"), INTEGER, 6), Column(_("Địa bàn"), "", 28), Column(_("Mã địa bàn"), "", 10)]
    for indicator in indicators:
        label = dict(MeasureUnit.choices).get(indicator.measure_unit, "")
        columns.append(Column(f"{indicator.code} – {indicator.name} ({label})", DECIMAL, 16))
    own = values.pop(unit.pk, {})
    rows = [Row([None, _("Toàn địa bàn: %(unit)s") % {"unit": unit.name}, unit.code,
                 *[own.get(i.pk) for i in indicators]], total=True)]
    for unit_id in [pk for pk in values if pk in own_ids]:
        place, figures = names[unit_id], values.pop(unit_id)
        rows.append(Row([None, _("Toàn địa bàn: %(unit)s") % {"unit": place.name}, place.code,
                         *[figures.get(i.pk) for i in indicators]], total=True))
    for number, unit_id in enumerate(values, start=1):
        place = names[unit_id]
        rows.append(Row([number, place.name, place.code, *[values[unit_id].get(i.pk) for i in indicators]]))
    title = _("Biểu 02 (tiếp) – Chỉ số chính theo địa bàn – %(unit)s – năm %(year)s") % {"unit": unit.name, "year": year}
    source = _("Số liệu năm đã duyệt trên hệ thống (bảng số liệu năm của bảng điều khiển), năm %(year)s.") % {"year": year}
    notes = [_("Dòng “Toàn địa bàn” là số liệu của chính địa bàn, không phải tổng các dòng dưới (tỷ lệ không cộng được).")]
    return Sheet(_("Theo địa bàn"), title, columns, rows, source, notes)
