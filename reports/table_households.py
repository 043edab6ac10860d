"""Kết quả rà soát hộ nghèo, hộ cận nghèo: a year's review per commune and province, with the
province's total = the sum of its communes and the balance start − escaped + fell back + newly
poor = end checked on every row.

A unit's figures come from its register when its households are kept here (households.RegisterStat,
computed from the reviews), else from the aggregate table its province published
(households.AggregateReview, imported on the aggregate review page). Where a province's table
stops at its districts (or at the province), those are its rows. Rows are read on the map the
year's review ran on (2025 onwards: the 34 provinces).

From the register: households poor at the start are those whose previous review found them poor
("poor>…" transitions); near-poor that escaped are near-poor ones now of middle or higher living
standard, newly near-poor the reverse. Households reviewed for the first time count at the end but
not at the start, so the balance column shows them as a difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from dashboards.scope import within
from households.aggregate_models import COUNT_FIELDS
from households.aggregate_reviews import visible_aggregates
from households.models import LivingClass
from households.selectors import map_for_year, visible_stats
from indicators.models import DimensionOption
from plans.models import AdministrativeUnit, UnitLevel
from reports.tables import DECIMAL, INTEGER, Column, Row, Sheet, percent

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ETHNIC_MINORITY = "dan-toc-thieu-so"
UP = (LivingClass.MIDDLE, LivingClass.NOT_POOR)
BALANCED = "✓"


@dataclass
class Figures:
    counts: dict = field(default_factory=dict)  # COUNT_FIELDS -> int | None
    poor_rate: float | None = None  # published, for a row without a total
    near_poor_rate: float | None = None

    def get(self, name: str):
        return self.counts.get(name)


@dataclass
class Place:
    unit: AdministrativeUnit
    source: str
    whole: Figures
    parts: dict[str, Figures] = field(default_factory=dict)  # breakdown code -> figures


def _from_review(review) -> Figures:
    return Figures({name: getattr(review, name) for name in COUNT_FIELDS},
                   None if review.poor_rate is None else float(review.poor_rate),
                   None if review.near_poor_rate is None else float(review.near_poor_rate))


def _from_register(stat) -> Figures:
    moves = stat.transitions

    def moved(before, after) -> int:
        return sum(moves.get(f"{b}>{a}", 0) for b in before for a in after)

    return Figures({
        "total": stat.total, "poor_start": moved([LivingClass.POOR], list(LivingClass.values)),
        "near_poor_start": moved([LivingClass.NEAR_POOR], list(LivingClass.values)),
        "escaped": stat.escaped, "fallen_back": stat.fallen_back, "new_poor": stat.new_poor,
        "poor_end": stat.poor, "near_poor_end": stat.near_poor,
        "escaped_near_poor": moved([LivingClass.NEAR_POOR], UP), "new_near_poor": moved(UP, [LivingClass.NEAR_POOR]),
    })


def province_of(unit: AdministrativeUnit) -> AdministrativeUnit:
    current = unit
    while current.level > UnitLevel.PROVINCE and current.parent is not None:
        current = current.parent
    return current


def places(*, user: User, unit: AdministrativeUnit, year: int) -> list[Place]:
    """Every unit of the territory with review figures for the year (two queries)."""
    on_map = {"unit__admin_map": map_for_year(year=year), "year": year}
    related = "unit__parent__parent__parent"
    found: dict[int, Place] = {}
    for review in visible_aggregates(user).filter(within(unit, "unit"), **on_map).select_related(related).order_by(
            "standard_id"):
        place = found.setdefault(review.unit_id, Place(review.unit, _("Bảng tổng hợp công bố"), Figures()))
        if review.breakdown:
            place.parts[review.breakdown] = _from_review(review)
        else:
            place.whole = _from_review(review)
    for stat in visible_stats(user=user).filter(within(unit, "unit"), **on_map).select_related(related):
        source = _("Sổ hộ giả lập") if stat.synthetic == stat.total else _("Sổ hộ")
        found[stat.unit_id] = Place(stat.unit, source, _from_register(stat),
                                    {ETHNIC_MINORITY: Figures({"poor_end": stat.ethnic_minority_poor})})
    return list(found.values())


def add_up(figures: list[Figures]) -> tuple[Figures, int]:
    """The sum of each count over the rows that give it, and how many rows lack one a row gives."""
    total, missing = Figures(), 0
    for name in COUNT_FIELDS:
        given = [f.get(name) for f in figures if f.get(name) is not None]
        total.counts[name] = sum(given) if given else None
        if given and len(given) < len(figures):
            missing = max(missing, len(figures) - len(given))
    return total, missing


def balance(figures: Figures):
    """✓ when start − escaped + fell back + newly poor = end, else the difference ("" if a count is missing)."""
    parts = [figures.get(n) for n in ("poor_start", "escaped", "fallen_back", "new_poor", "poor_end")]
    if any(p is None for p in parts):
        return ""
    start, escaped, fallen_back, new_poor, end = parts
    difference = start - escaped + fallen_back + new_poor - end
    return BALANCED if difference == 0 else difference


def _values(number, name: str, code: str, group: str, source: str, figures: Figures, note: str = "") -> list:
    g = figures.get
    poor_rate = percent(g("poor_end"), g("total"))
    near_rate = percent(g("near_poor_end"), g("total"))
    return [
        number, name, code, group, source, g("total"), g("poor_start"), g("escaped"), g("fallen_back"), g("new_poor"),
        g("poor_end"), poor_rate if poor_rate is not None else figures.poor_rate, balance(figures),
        g("near_poor_start"), g("escaped_near_poor"), g("new_near_poor"), g("near_poor_end"),
        near_rate if near_rate is not None else figures.near_poor_rate, note,
    ]


def columns() -> list[Column]:
    count = [_("Tổng số hộ"), _("Hộ nghèo đầu kỳ"), _("Thoát nghèo"), _("Tái nghèo"), _("Nghèo phát sinh"),
             _("Hộ nghèo cuối kỳ")]
    near = [_("Hộ cận nghèo đầu kỳ"), _("Thoát cận nghèo"), _("Cận nghèo phát sinh"), _("Hộ cận nghèo cuối kỳ")]
    return [
        Column(_("STT"), INTEGER, 6), Column(_("Địa bàn"), "", 28), Column(_("Mã địa bàn"), "", 10),
        Column(_("Nhóm"), "", 16), Column(_("Nguồn số liệu"), "", 18),
        *[Column(h, INTEGER, 12) for h in count], Column(_("Tỷ lệ hộ nghèo cuối kỳ (%)"), DECIMAL, 12),
        Column(_("Cân đối (đầu kỳ − thoát + tái + phát sinh = cuối kỳ)"), INTEGER, 14),
        *[Column(h, INTEGER, 12) for h in near], Column(_("Tỷ lệ hộ cận nghèo cuối kỳ (%)"), DECIMAL, 12),
        Column(_("Ghi chú"), "", 30),
    ]


def _total_rows(label: str, code: str, group_places: list[Place], names: dict[str, str]) -> list[Row]:
    total, missing = add_up([p.whole for p in group_places])
    note = _("%(n)s đơn vị thiếu một số cột: tổng chỉ cộng số đã có") % {"n": missing} if missing else ""
    rows = [Row(_values(None, label, code, _("Tổng số"), _("Tổng các dòng dưới"), total, note), total=True)]
    for option in names:
        with_part = [p.parts[option] for p in group_places if option in p.parts]
        if with_part:
            part, _missing = add_up(with_part)
            rows.append(Row(_values(None, label, code, names[option], _("Tổng các dòng dưới"), part), total=True))
    return rows


def review_sheets(*, user: User, unit: AdministrativeUnit, year: int) -> list[Sheet]:
    found = places(user=user, unit=unit, year=year)
    codes = {code for p in found for code in p.parts}
    names = dict(DimensionOption.objects.filter(code__in=codes).order_by("dimension__position", "position")
                 .values_list("code", "name")) if codes else {}
    provinces: dict[int, list[Place]] = {}
    for place in found:
        provinces.setdefault(province_of(place.unit).pk, []).append(place)
    rows: list[Row] = []
    details_all: list[Place] = []
    groups = []
    for group in provinces.values():
        deepest = max(p.unit.level for p in group)
        details = sorted((p for p in group if p.unit.level == deepest), key=lambda p: (p.unit.name, p.unit.code))
        groups.append((province_of(group[0].unit), details))
        details_all += details
    groups.sort(key=lambda g: g[0].name)
    if len(groups) > 1:
        rows += _total_rows(_("Tổng cộng: %(unit)s") % {"unit": unit.name}, unit.code, details_all, names)
    number = 0
    for province, details in groups:
        rows += _total_rows(province.name, province.code, details, names)
        for place in details:
            if place.unit.pk == province.pk:
                continue  # the province's table has no units below: its total row is its row
            number += 1
            rows.append(Row(_values(number, place.unit.name, place.unit.code, _("Tổng số"), place.source, place.whole)))
            for option, name in names.items():
                if option in place.parts:
                    rows.append(Row(_values(None, place.unit.name, place.unit.code, name, place.source,
                                            place.parts[option])))
    title = _("Kết quả rà soát hộ nghèo, hộ cận nghèo năm %(year)s – %(unit)s") % {"year": year, "unit": unit.name}
    source = _(
        "Sổ hộ trên hệ thống (kết quả rà soát từng hộ) đối với địa bàn quản lý sổ hộ; bảng kết quả rà soát tổng hợp "
        "do tỉnh công bố (đã nhập vào hệ thống) đối với địa bàn khác; năm rà soát %(year)s."
    ) % {"year": year}
    notes = [
        _("Dòng tổng của tỉnh bằng tổng các dòng địa bàn bên dưới. Cột “Cân đối”: ✓ khi đầu kỳ − thoát nghèo + tái "
          "nghèo + nghèo phát sinh = cuối kỳ, nếu không ghi số chênh lệch; để trống khi thiếu số liệu."),
        _("Sổ hộ: hộ rà soát lần đầu tính vào cuối kỳ mà không có ở đầu kỳ; nhóm dân tộc thiểu số chỉ có số hộ nghèo cuối kỳ."),
    ]
    if any(p.source == _("Sổ hộ giả lập") for p in found):
        notes.append(_("CÓ SỐ LIỆU GIẢ LẬP (TÍNH TỪ SỔ HỘ GIẢ LẬP), KHÔNG PHẢI SỐ LIỆU THẬT"))
    return [Sheet(_("Rà soát hộ nghèo"), title, columns(), rows, source, notes)]
