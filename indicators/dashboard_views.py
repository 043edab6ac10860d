"""The leader dashboards: territory overview, one target, comparison across units, cascade of
restated targets and the IPTT table (also as Excel).

Thin views: check that the user has a territory, read through indicators.dashboards (which
scopes every read with plans.access), draw the figures with indicators.charts, render.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify

from indicators import breakdowns, charts, dashboards
from indicators.models import Indicator
from quality import selectors as quality


def _options(request: HttpRequest) -> dashboards.Options:
    if not dashboards.has_territory(request.user):
        raise PermissionDenied("Bạn chưa được phân công địa bàn nào nên chưa có bảng điều khiển.")
    return dashboards.options_from(request.GET)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    options = _options(request)
    unit = dashboards.unit_for(request.user, request.GET.get("dia_ban"))
    board = dashboards.leader_dashboard(request.user, unit, options)
    return render(request, "dashboards/dashboard.html", {"board": board, "options": options})


@login_required
def target(request: HttpRequest, target_id: int) -> HttpResponse:
    options = _options(request)
    detail = dashboards.target_detail(request.user, target_id, options)
    # A qualitative target has no figures to draw: its assessments are on its own page.
    chart = charts.figure_html(charts.target_figure(detail)) if detail.target.indicator_id else ""
    per_option = None
    if detail.target.indicator_id:
        per_option = breakdowns.unit_figures(
            request.user, indicator=detail.target.indicator, unit=detail.target.territory,
            years=breakdowns.target_years(detail.target, options.year),
        )
    return render(request, "dashboards/target.html", {"detail": detail, "options": options, "chart": chart,
                                                      "per_option": per_option, "to_check": quality.flagged_years(detail)})


@login_required
def compare_index(request: HttpRequest) -> HttpResponse:
    options = _options(request)
    indicators = Indicator.objects.order_by("code")
    return render(request, "dashboards/compare_index.html", {"indicators": indicators, "options": options})


@login_required
def compare(request: HttpRequest, indicator_id: int) -> HttpResponse:
    options = _options(request)
    indicator = get_object_or_404(Indicator, pk=indicator_id)
    parent = dashboards.unit_for(request.user, request.GET.get("dia_ban"))
    order = request.GET.get("thu_tu")
    comp = dashboards.comparison(
        request.user, indicator, parent, options, admin_map=request.GET.get("ban_do", ""),
        sort=request.GET.get("sap_xep", ""), descending=None if order not in ("tang", "giam") else order == "giam",
        metric=request.GET.get("do", ""),
    )
    chart = charts.figure_html(charts.comparison_figure(comp), drill_down=True)
    return render(request, "dashboards/compare.html", {"comp": comp, "options": options, "chart": chart,
                                                       "to_check": quality.flagged_units(comp)})


@login_required
def cascade_index(request: HttpRequest) -> HttpResponse:
    options = _options(request)
    return render(request, "dashboards/cascade_index.html",
                  {"roots": dashboards.cascade_roots(request.user), "options": options})


@login_required
def cascade(request: HttpRequest, target_id: int) -> HttpResponse:
    options = _options(request)
    tree = dashboards.cascade(request.user, target_id, options)
    return render(request, "dashboards/cascade.html", {"tree": tree, "options": options})


@login_required
def iptt(request: HttpRequest, document_id: int) -> HttpResponse:
    options = _options(request)
    table = dashboards.iptt(request.user, document_id, options)
    return render(request, "dashboards/iptt.html", {"table": table, "options": options})


@login_required
def iptt_excel(request: HttpRequest, document_id: int) -> HttpResponse:
    options = _options(request)
    table = dashboards.iptt(request.user, document_id, options)
    response = HttpResponse(
        dashboards.iptt_workbook(table),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = slugify(f"iptt-{table.document.number or table.document.key}") or "iptt"
    response["Content-Disposition"] = f'attachment; filename="{name}-{options.year}.xlsx"'
    return response
