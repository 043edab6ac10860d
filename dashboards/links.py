"""The HTTP side of the dashboards: the query string every page reads and carries over
(?nam=YYYY the year judged, ?cho_duyet=1 figures awaiting review), and the links of the
comparison page (sorting, map, chart metric, drilling down)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from dashboards import scope
from dashboards.comparison import Comparison
from dashboards.scope import Options
from indicators import selectors
from plans.models import AdministrativeUnit, AdminMap
from plans.text import query_number


@dataclass(frozen=True)
class PageOptions(Options):
    """The options as a page carries them in its links."""

    def query(self, **extra) -> str:
        params = {"nam": self.year}
        if self.include_pending:
            params["cho_duyet"] = 1
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return urlencode(params)


def page_options(request) -> PageOptions:
    """The year and pending choice of a leader's page; refused to a user with no territory."""
    if not scope.has_territory(user=request.user):
        raise PermissionDenied(_("Bạn chưa được phân công địa bàn nào nên chưa có bảng điều khiển."))
    return options_from(request.GET)


def territory(request) -> AdministrativeUnit:
    """The territory asked for (?dia_ban=id) when in the user's reach, else the user's first one."""
    raw_id = request.GET.get("dia_ban")
    if raw_id and (unit_id := query_number(raw_id, max_digits=18)) is not None:
        unit = scope.unit_in_reach(user=request.user, unit_id=unit_id)
        if unit is None:
            raise Http404(_("Địa bàn không có hoặc ngoài phạm vi của bạn."))
        return unit
    unit = scope.first_home(user=request.user)
    if unit is None:
        raise Http404(_("Bạn chưa được phân công địa bàn nào."))
    return unit


def options_from(query) -> PageOptions:
    """The options of a request's query string (a year out of range falls back to the current one)."""
    return PageOptions(year=selectors.reporting_year(raw=query.get("nam")), include_pending=query.get("cho_duyet") == "1")


@dataclass(frozen=True)
class ComparisonLinks:
    """The links of a comparison page, each carrying over what the page shows."""

    comp: Comparison
    options: PageOptions

    @property
    def keep(self) -> list[tuple[str, object]]:
        """What the year form carries over."""
        comp = self.comp
        params = [("dia_ban", comp.parent.pk), ("sap_xep", comp.sort), ("thu_tu", "giam" if comp.descending else "tang"),
                  ("do", comp.chart_metric)]
        return params + ([("ban_do", comp.admin_map)] if comp.has_maps and comp.map_chosen else [])

    def url(self, **changes) -> str:
        params = dict(self.keep)
        params.update(changes)
        return reverse("dashboard_compare", args=[self.comp.indicator.pk]) + "?" + self.options.query(**params)

    @property
    def map_links(self) -> list[tuple[str, str, bool]]:
        if not self.comp.has_maps:
            return []
        return [(str(m.label), self.url(ban_do=m.value), m.value == self.comp.admin_map)
                for m in (AdminMap.CURRENT, AdminMap.LEGACY)]

    @property
    def url_value_metric(self) -> str:
        return self.url(do="gia_tri")

    @property
    def url_progress_metric(self) -> str:
        return self.url(do="tien_do")

    def sort_url(self, key: str) -> str:
        descending = not self.comp.descending if key == self.comp.sort else key != "ten"
        return self.url(sap_xep=key, thu_tu="giam" if descending else "tang")

    @property
    def sort_url_name(self) -> str:
        return self.sort_url("ten")

    @property
    def sort_url_value(self) -> str:
        return self.sort_url("gia_tri")

    @property
    def sort_url_progress(self) -> str:
        return self.sort_url("tien_do")

    @property
    def sort_url_status(self) -> str:
        return self.sort_url("trang_thai")

    @property
    def drill_urls(self) -> dict[int, str]:
        """{unit id: the comparison of the units below it} for the rows' units that have some."""
        base = reverse("dashboard_compare", args=[self.comp.indicator.pk])
        return {row.unit.pk: base + "?" + self.options.query(dia_ban=row.unit.pk) for row in self.comp.rows if row.has_below}
