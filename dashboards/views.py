"""The leader dashboards: territory overview, one target, comparison across units, cascade of
restated targets and the IPTT table (also as Excel).

Thin views: check that the user has a territory, read the query string (dashboards.links),
read through the page's module (which scopes every read with plans.access), answer 404 for
what is not there or out of reach, draw the figures with dashboards.charts, render.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify
from django.utils.translation import gettext as _

from dashboards import charts, links, overview
from dashboards import map as dot_map
from dashboards.cascade import cascade_roots, cascade_tree
from dashboards.comparison import comparison
from dashboards.iptt import Iptt, iptt_table
from dashboards.iptt_xlsx import iptt_workbook
from dashboards.target import target_detail
from indicators import breakdowns
from indicators.models import Indicator
from plans.models import Document
from quality import selectors as quality


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    options = links.page_options(request)
    unit = links.territory(request)
    board = overview.leader_dashboard(user=request.user, unit=unit, options=options)
    headline = board.headline
    colour_by = dot_map.colour_choice(request.GET.get("mau"))
    target = dot_map.headline_target(user=request.user, unit=unit, year=options.year,
                                     own=headline.status.target if headline else None)
    units_map = dot_map.unit_map(user=request.user, unit=unit, options=options, target=target, colour_by=colour_by)
    return render(request, "dashboards/dashboard.html", {
        "board": board, "options": options, "keep": [("dia_ban", str(unit.pk)), ("mau", colour_by)],
        "map": units_map, "map_chart": dot_map.map_html(units_map), "colour_choices": dot_map.COLOUR_CHOICES,
    })


@login_required
def target(request: HttpRequest, target_id: int) -> HttpResponse:
    options = links.page_options(request)
    detail = target_detail(user=request.user, target_id=target_id, options=options)
    if detail is None:
        raise Http404(_("Chỉ tiêu không có hoặc ngoài phạm vi của bạn."))
    # A qualitative target has no figures to draw: its assessments are on its own page.
    chart = charts.figure_html(charts.target_figure(detail)) if detail.target.indicator_id else ""
    per_option = None
    if detail.target.indicator_id:
        per_option = breakdowns.unit_figures(
            request.user, indicator=detail.target.indicator, unit=detail.target.territory,
            years=breakdowns.target_years(detail.target, options.year),
        )
    return render(request, "dashboards/target.html", {"detail": detail, "options": options, "chart": chart,
                                                      "per_option": per_option, "to_check": quality.flagged_years(detail=detail)})


@login_required
def compare_index(request: HttpRequest) -> HttpResponse:
    options = links.page_options(request)
    indicators = Indicator.objects.order_by("code")
    return render(request, "dashboards/compare_index.html", {"indicators": indicators, "options": options})


@login_required
def compare(request: HttpRequest, indicator_id: int) -> HttpResponse:
    options = links.page_options(request)
    indicator = get_object_or_404(Indicator, pk=indicator_id)
    parent = links.territory(request)
    order = request.GET.get("thu_tu")
    comp = comparison(
        user=request.user, indicator=indicator, parent=parent, options=options, admin_map=request.GET.get("ban_do", ""),
        sort=request.GET.get("sap_xep", ""), descending=None if order not in ("tang", "giam") else order == "giam",
        metric=request.GET.get("do", ""),
    )
    page_links = links.ComparisonLinks(comp, options)
    chart = charts.figure_html(charts.comparison_figure(comp, drill_urls=page_links.drill_urls), drill_down=True)
    return render(request, "dashboards/compare.html", {"comp": comp, "options": options, "chart": chart,
                                                       "links": page_links, "keep": page_links.keep,
                                                       "to_check": quality.flagged_units(comparison=comp)})


@login_required
def cascade_index(request: HttpRequest) -> HttpResponse:
    options = links.page_options(request)
    return render(request, "dashboards/cascade_index.html",
                  {"roots": cascade_roots(user=request.user), "options": options})


@login_required
def cascade(request: HttpRequest, target_id: int) -> HttpResponse:
    options = links.page_options(request)
    tree = cascade_tree(user=request.user, target_id=target_id, options=options)
    if tree is None:
        raise Http404(_("Chỉ tiêu không có hoặc ngoài phạm vi của bạn."))
    return render(request, "dashboards/cascade.html", {"tree": tree, "options": options})


def _iptt(request: HttpRequest, document_id: int, options: links.PageOptions) -> Iptt:
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        raise Http404(_("Văn bản không có."))
    table = iptt_table(user=request.user, document=document, options=options)
    if table is None:
        raise Http404(_("Văn bản không có chỉ tiêu nào trong phạm vi của bạn."))
    return table


@login_required
def iptt(request: HttpRequest, document_id: int) -> HttpResponse:
    options = links.page_options(request)
    table = _iptt(request, document_id, options)
    return render(request, "dashboards/iptt.html", {"table": table, "options": options})


@login_required
def iptt_excel(request: HttpRequest, document_id: int) -> HttpResponse:
    options = links.page_options(request)
    table = _iptt(request, document_id, options)
    response = HttpResponse(
        iptt_workbook(table),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = slugify(f"iptt-{table.document.number or table.document.key}") or "iptt"
    response["Content-Disposition"] = f'attachment; filename="{name}-{options.year}.xlsx"'
    return response
