"""The reporting board (who reported, who is late: per unit and regime, or per obligation with
?xem=chi-tiet), one unit's obligations with their missing items, and the regimes in words.

Thin views: refuse users without a reviewer, leader or admin role (the board and the drill-down),
read the query string, read through reporting.boards (which scopes every read with plans.access),
render.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.selectors import PERIODS, reporting_year
from plans.text import query_number
from reporting import board_units, boards, regime_texts
from reporting.status import Status


def _require_board(request: HttpRequest) -> None:
    if not boards.can_see_board(user=request.user):
        raise PermissionDenied(_("Lịch báo cáo của các đơn vị dành cho người duyệt, lãnh đạo và quản trị."))


def _unit(request: HttpRequest, raw: str | None):
    if not raw:
        return None
    unit_id = query_number(raw, max_digits=18)
    unit = boards.board_unit(user=request.user, unit_id=unit_id) if unit_id is not None else None
    if unit is None:
        raise Http404(_("Địa bàn không có hoặc ngoài phạm vi của bạn."))
    return unit


@login_required
def board(request: HttpRequest) -> HttpResponse:
    _require_board(request)
    query = request.GET
    regimes = boards.regime_choices()
    code = query.get("che_do") or query.get("che-do") or ""
    regime = next((r for r in regimes if r.code == code), None)
    filters = boards.BoardFilters(
        year=reporting_year(raw=query.get("nam")),
        regime=regime,
        period=PERIODS.get((query.get("ky") or "").strip()),
        status=boards.STATUS_BY_SLUG.get(query.get("trang_thai") or ""),
        unit=_unit(request, query.get("dia_ban")),
        detail=query.get("xem") == boards.DETAIL_SLUG,
    )
    build = boards.board if filters.detail else board_units.unit_board
    data = build(user=request.user, filters=filters, today=timezone.localdate(), page_number=query_number(query.get("trang")))
    return render(request, "reporting/board.html", {
        "board": data, "filters": filters, "regimes": regimes, "units": boards.filter_units(user=request.user),
        "periods": PERIODS.values(), "statuses": [(boards.STATUS_SLUGS[s], s.label) for s in Status],
        "status_slug": boards.STATUS_SLUGS.get(filters.status, ""),
    })


@login_required
def unit_obligations(request: HttpRequest, unit_id: int) -> HttpResponse:
    _require_board(request)
    unit = boards.board_unit(user=request.user, unit_id=unit_id)
    if unit is None:
        raise Http404(_("Địa bàn không có hoặc ngoài phạm vi của bạn."))
    year = reporting_year(raw=request.GET.get("nam"))
    lines = boards.unit_lines(user=request.user, unit=unit, year=year, today=timezone.localdate())
    return render(request, "reporting/unit_obligations.html", {
        "unit": unit, "year": year, "lines": lines, "today": timezone.localdate(),
        "back": boards.BoardFilters(year=year).query(),
    })


@login_required
def regime_list(request: HttpRequest) -> HttpResponse:
    """Read by every signed-in user: an officer needs to know what is due and when as much as the receiver."""
    return render(request, "reporting/regime_list.html", {"rows": regime_texts.regime_rows(user=request.user),
                                                          "can_see_board": boards.can_see_board(user=request.user)})
