"""The aggregate tables' page (/bao-cao/bang-tong-hop/?dia_ban=&nam=) and their .xlsx downloads.

Thin views: any signed-in user with a territory; the territory asked for must lie in their reach
(else 404); each table reads through plans.access (reports.table_*), and the workbook is written
by reports.tables (every text formula-safe)."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards import scope
from households.selectors import map_for_year
from plans.models import AdministrativeUnit, UnitLevel
from plans.text import query_number
from reports import table_households, table_targets, table_tasks
from reports.tables import workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YEARS_BACK = 6


@dataclass(frozen=True)
class TableKind:
    slug: str
    title: object
    build: object  # (user=, unit=, year=) -> list[Sheet]


TABLES = {
    kind.slug: kind for kind in (
        TableKind("bieu-02", gettext_lazy("Biểu 02 – Kết quả thực hiện chỉ tiêu"), table_targets.target_sheets),
        TableKind("ra-soat-ho-ngheo", gettext_lazy("Kết quả rà soát hộ nghèo, hộ cận nghèo"), table_households.review_sheets),
        TableKind("nhiem-vu", gettext_lazy("Tình hình thực hiện nhiệm vụ"), table_tasks.task_sheets),
    )
}


def _choice(request: HttpRequest) -> tuple[AdministrativeUnit, int]:
    """The territory (?dia_ban=, in reach, else 404; the user's first by default) and year (?nam=)."""
    if not scope.has_territory(user=request.user):
        raise PermissionDenied(_("Bạn chưa được phân công địa bàn nào nên chưa có bảng tổng hợp."))
    today = timezone.localdate()
    year = query_number(request.GET.get("nam"), max_digits=4)
    if year is None or not 2000 <= year <= today.year + 1:
        year = today.year
    raw_id = request.GET.get("dia_ban")
    if raw_id:
        unit_id = query_number(raw_id, max_digits=18)
        unit = scope.unit_in_reach(user=request.user, unit_id=unit_id) if unit_id is not None else None
        if unit is None:
            raise Http404(_("Địa bàn không có hoặc ngoài phạm vi của bạn."))
        return unit, year
    unit = scope.first_home(user=request.user)
    if unit is None:
        raise Http404(_("Bạn chưa được phân công địa bàn nào."))
    return unit, year


def _territories(request: HttpRequest, year: int) -> list[AdministrativeUnit]:
    """The user's territories and the units one level below them (provinces of the nation, on the year's map)."""
    homes = scope.home_units(user=request.user)
    below = AdministrativeUnit.objects.none()
    for home in homes:
        if home.level == UnitLevel.NATION:
            below |= AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, admin_map=map_for_year(year=year))
        elif home.level < UnitLevel.COMMUNE:
            below |= AdministrativeUnit.objects.filter(parent=home)
    return homes + [u for u in below.order_by("level", "name") if u not in homes]


@login_required
def table_index(request: HttpRequest) -> HttpResponse:
    unit, year = _choice(request)
    territories = _territories(request, year)
    if unit not in territories:
        territories.insert(0, unit)
    years = list(range(timezone.localdate().year, timezone.localdate().year - YEARS_BACK, -1))
    return render(request, "reports/tables.html", {
        "unit": unit, "year": year, "territories": territories, "years": years, "tables": TABLES.values(),
    })


@login_required
def table_download(request: HttpRequest, table: str) -> HttpResponse:
    kind = TABLES.get(table)
    if kind is None:
        raise Http404(_("Không có bảng này."))
    unit, year = _choice(request)
    content = workbook(kind.build(user=request.user, unit=unit, year=year))
    response = HttpResponse(content, content_type=XLSX)
    name = slugify(f"{kind.slug}-{unit.code}-{year}") or kind.slug
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
