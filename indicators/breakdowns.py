"""Disaggregation, in the manner of DHIS2's category combinations.

An indicator may be split by dimensions (Dimension: khu vực, dân tộc, giới tính chủ hộ...), each a
list of options (DimensionOption: thành thị / nông thôn...). A figure's `breakdown` is "" for the
whole (tổng số) or the code of one option of one of its indicator's dimensions; a target's
`breakdown` says it is set on that option alone ("tỷ lệ hộ nghèo dân tộc thiểu số giảm trên 3%/năm").

Here: the options an indicator takes, the check that refuses any other (the entry page, the
workbook), the check that the options of one dimension add up to the whole (for the data-quality
rules), and the read of a unit's figures per option beside the whole.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy as _

from indicators.models import Actual, Aggregation, Dimension, DimensionOption, Indicator, Target, YearlyValue
from plans import access
from plans.models import AdministrativeUnit, UnitLevel
from plans.text import format_number

WHOLE = ""
WHOLE_LABEL = _("Tổng số")


# ---------------------------------------------------------------------------------------------
# The options an indicator takes


def indicator_options(indicator: Indicator) -> list[DimensionOption]:
    """The options of the indicator's dimensions, dimension by dimension (one query)."""
    if indicator is None or indicator.pk is None:
        return []
    return list(
        DimensionOption.objects.filter(dimension__indicators=indicator)
        .select_related("dimension")
        .order_by("dimension__position", "dimension__code", "position", "code")
    )


def option_choices(indicator: Indicator, options: list[DimensionOption] | None = None) -> list:
    """Choices for a form: the whole first, then the options grouped under their dimension's name."""
    groups: dict[Dimension, list[tuple[str, str]]] = {}
    for option in indicator_options(indicator) if options is None else options:
        groups.setdefault(option.dimension, []).append((option.code, option.name))
    return [(WHOLE, WHOLE_LABEL), *[(dimension.name, members) for dimension, members in groups.items()]]


def allowed_breakdowns(indicator_ids: Iterable[int]) -> dict[int, set[str]]:
    """{indicator id: the option codes it takes}, one query: for checking many rows (the bulk import)."""
    allowed: dict[int, set[str]] = defaultdict(set)
    pairs = DimensionOption.objects.filter(dimension__indicators__in=list(indicator_ids)).values_list(
        "dimension__indicators", "code"
    )
    for indicator_id, code in pairs:
        allowed[indicator_id].add(code)
    return allowed


def breakdown_error(*, indicator: Indicator, breakdown: str, allowed: set[str] | None = None) -> str | None:
    """The Vietnamese message when `breakdown` is not the whole nor an option of the indicator's
    dimensions; None when it fits. With `allowed` (from `allowed_breakdowns`) it runs no query, as
    the bulk import needs (its rows are checked while they stream into COPY)."""
    code = (breakdown or "").strip()
    if code == WHOLE:
        return None
    if indicator is None:
        return gettext("Chỉ tiêu định tính không có nhóm phân tổ.")
    given = allowed is not None
    if allowed is None:
        allowed = {option.code for option in indicator_options(indicator)}
    if code in allowed:
        return None
    if not allowed:
        return gettext("Chỉ số %(indicator)s không phân tổ: để trống nhóm phân tổ (tổng số).") % {
            "indicator": indicator.code}
    if given:
        return gettext(
            "Nhóm phân tổ “%(code)s” không thuộc chiều phân tổ nào của chỉ số %(indicator)s; dùng một trong: "
            "%(codes)s (xem sheet Chiều phân tổ)."
        ) % {"code": code, "indicator": indicator.code, "codes": ", ".join(sorted(allowed))}
    option = DimensionOption.objects.select_related("dimension").filter(code=code).first()
    dimensions = ", ".join(
        d.name for d in Dimension.objects.filter(indicators=indicator).order_by("position", "code")
    )
    if option is None:
        return gettext("Không có nhóm phân tổ mã “%(code)s” (xem sheet Chiều phân tổ).") % {"code": code}
    return gettext(
        "Nhóm phân tổ “%(option)s” thuộc chiều “%(dimension)s”, không phải chiều phân tổ của chỉ số "
        "%(indicator)s (chỉ số này phân tổ theo: %(dimensions)s)."
    ) % {"option": option.name, "dimension": option.dimension.name, "indicator": indicator.code,
         "dimensions": dimensions}


def check_breakdown(*, indicator: Indicator, breakdown: str, field_name: str = "breakdown") -> None:
    """Refuse (ValidationError on `field_name`) an option that is not of the indicator's dimensions."""
    message = breakdown_error(indicator=indicator, breakdown=breakdown)
    if message:
        raise ValidationError({field_name: message})


def option_in_use(code: str) -> bool:
    """Whether any figure, yearly value or target is split by the option `code`."""
    return bool(code) and (
        Actual.objects.filter(breakdown=code).exists()
        or Target.objects.filter(breakdown=code).exists()
        or YearlyValue.every.filter(breakdown=code).exists()
    )


def option_names(codes: Iterable[str]) -> dict[str, str]:
    """{code: name} of the given option codes (the whole included), one query at most."""
    wanted = {code for code in codes if code}
    names = {WHOLE: str(WHOLE_LABEL)}
    if wanted:
        names.update(DimensionOption.objects.filter(code__in=wanted).values_list("code", "name"))
    return names


def breakdown_label(code: str) -> str:
    """"Tổng số", or the option's name ("Dân tộc thiểu số"); the code itself if it is unknown."""
    return option_names([code]).get(code, code)


# ---------------------------------------------------------------------------------------------
# The options of one dimension add up to the whole


@dataclass(frozen=True)
class Figure:
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None


@dataclass(frozen=True)
class SumGap:
    """The options of `dimension` do not add up to the whole, on `field` (value, numerator or denominator)."""

    dimension: Dimension
    field: str
    whole: Decimal
    parts: Decimal

    @property
    def message(self) -> str:
        words = {"value": gettext("giá trị"), "numerator": gettext("tử số"), "denominator": gettext("mẫu số")}
        return gettext(
            "Tổng %(field)s các nhóm theo %(dimension)s là %(parts)s, khác tổng số %(whole)s."
        ) % {"field": words[self.field], "dimension": self.dimension.name.lower(),
             "parts": format_number(self.parts), "whole": format_number(self.whole)}


def _fields(indicator: Indicator, whole: Figure) -> tuple[str, ...]:
    if indicator.aggregation == Aggregation.SUM:
        return ("value",)
    if indicator.aggregation == Aggregation.RATIO and whole.denominator is not None:
        # A rate is not the sum of the options' rates; its numerator and denominator are.
        return ("numerator", "denominator")
    return ()


def sum_gaps(
    *, indicator: Indicator, options: list[DimensionOption], whole: Figure | None, parts: Mapping[str, Figure],
    tolerance: Decimal = Decimal("0.0001"),
) -> list[SumGap]:
    """The dimensions whose options, all present, do not add up to the whole.

    `options` are the indicator's (`indicator_options`), `parts` the figures by option code. A
    dimension with an option missing is not judged (a partial split adds up to less); nor is an
    indicator whose figures do not add up (Không tổng hợp), nor a rate given without its fraction.
    """
    if whole is None:
        return []
    fields = _fields(indicator, whole)
    by_dimension: dict[Dimension, list[DimensionOption]] = {}
    for option in options:
        by_dimension.setdefault(option.dimension, []).append(option)
    gaps = []
    for dimension, members in by_dimension.items():
        figures = [parts.get(option.code) for option in members]
        if any(figure is None for figure in figures):
            continue
        for name in fields:
            total = getattr(whole, name)
            values = [getattr(figure, name) for figure in figures]
            if total is None or any(value is None for value in values):
                continue
            added = sum(values, Decimal(0))
            if abs(added - total) > tolerance:
                gaps.append(SumGap(dimension, name, total, added))
    return gaps


# ---------------------------------------------------------------------------------------------
# A unit's figures per option


@dataclass
class OptionRow:
    label: str
    cells: list[Decimal | None]
    is_whole: bool = False


@dataclass
class DimensionBlock:
    dimension: Dimension
    rows: list[OptionRow]
    gaps: dict[int, list[SumGap]] = field(default_factory=dict)  # year -> gaps

    @property
    def gap_messages(self) -> list[tuple[int, str]]:
        return [(year, gap.message) for year, year_gaps in sorted(self.gaps.items()) for gap in year_gaps]


@dataclass
class BreakdownTable:
    """A unit's yearly figures of one indicator: the whole, then each dimension's options."""

    years: list[int]
    whole: OptionRow
    blocks: list[DimensionBlock]

    @property
    def has_figures(self) -> bool:
        return any(cell is not None for block in self.blocks for row in block.rows for cell in row.cells)


def _visible_values(user):
    """Every standard and breakdown, in the user's reach or a benchmark (nation, regions), as dashboards show."""
    values = YearlyValue.every.all()
    if user.is_superuser:
        return values
    return access.scope(user, values, unit_path="unit") | values.filter(unit__level__lte=UnitLevel.REGION)


def _standard_by_year(rows: list[tuple]) -> dict[int, str]:
    """The standard shown for each year: the whole's headline row's, else any headline row's, else the only one."""
    chosen: dict[int, tuple[int, str]] = {}
    for year, standard, breakdown, is_headline, *_rest in rows:
        rank = 0 if (is_headline and breakdown == WHOLE) else 1 if is_headline else 2
        if year not in chosen or rank < chosen[year][0]:
            chosen[year] = (rank, standard)
    return {year: standard for year, (_rank, standard) in chosen.items()}


def unit_figures(user, *, indicator: Indicator, unit: AdministrativeUnit, years: list[int]) -> BreakdownTable | None:
    """The approved yearly figures of `unit` per option of the indicator's dimensions, beside the
    whole, for `years`; None for an indicator without dimensions. Two queries whatever the size."""
    options = indicator_options(indicator)
    if not options:
        return None
    rows = list(
        _visible_values(user)
        .filter(indicator=indicator, unit=unit, year__in=years)
        .filter(Q(breakdown=WHOLE) | Q(breakdown__in=[o.code for o in options]))
        .values_list("year", "standard", "breakdown", "is_headline", "value", "numerator", "denominator")
    )
    standards = _standard_by_year(rows)
    figures: dict[tuple[int, str], Figure] = {}
    for year, standard, breakdown, _headline, value, numerator, denominator in rows:
        if standards.get(year) == standard and value is not None:
            figures[(year, breakdown)] = Figure(value, numerator, denominator)

    def cells(code: str) -> list[Decimal | None]:
        return [figures[(year, code)].value if (year, code) in figures else None for year in years]

    blocks: dict[Dimension, DimensionBlock] = {}
    for option in options:
        block = blocks.setdefault(option.dimension, DimensionBlock(option.dimension, []))
        block.rows.append(OptionRow(option.name, cells(option.code)))
    for year in years:
        parts = {code: figure for (y, code), figure in figures.items() if y == year and code}
        for gap in sum_gaps(indicator=indicator, options=options, whole=figures.get((year, WHOLE)), parts=parts):
            blocks[gap.dimension].gaps.setdefault(year, []).append(gap)
    return BreakdownTable(years=list(years), whole=OptionRow(str(WHOLE_LABEL), cells(WHOLE), is_whole=True),
                          blocks=list(blocks.values()))


# ---------------------------------------------------------------------------------------------
# One period's figures per option (the entry page)


@dataclass
class PeriodRow:
    code: str
    label: str
    actual: object | None  # the Actual, if any
    text: str = ""
    gap: str = ""
    url: str = ""  # the entry page of this option (set by the view)


def period_figures(user, *, indicator: Indicator, unit: AdministrativeUnit, year: int, period_kind: str,
                   period_number: int, text, options: list[DimensionOption] | None = None) -> list[PeriodRow]:
    """The whole and each option's figure of one period, as the user may see them (any status),
    `text(record=actual)` giving each figure's words; [] for an indicator without dimensions. One query
    with the indicator's `options` given, two without."""
    if options is None:
        options = indicator_options(indicator)
    if not options:
        return []
    actuals = {
        actual.breakdown: actual
        for actual in access.scope(user, Actual.objects.all(), unit_path="unit")
        .filter(indicator=indicator, unit=unit, year=year, period_kind=period_kind, period_number=period_number,
                breakdown__in=[WHOLE, *(o.code for o in options)])
        .order_by("standard")
    }
    for actual in actuals.values():
        actual.indicator = indicator
    rows = [PeriodRow(WHOLE, str(WHOLE_LABEL), actuals.get(WHOLE))]
    rows += [PeriodRow(o.code, f"{o.dimension.name}: {o.name}", actuals.get(o.code)) for o in options]
    for row in rows:
        row.text = text(record=row.actual) if row.actual is not None else ""

    def figure(actual) -> Figure | None:
        return Figure(actual.effective_value if actual.value is None else actual.value, actual.numerator,
                      actual.denominator) if actual is not None else None

    parts = {code: figure(actual) for code, actual in actuals.items() if code}
    gaps = sum_gaps(indicator=indicator, options=options, whole=figure(actuals.get(WHOLE)), parts=parts)
    by_dimension = {gap.dimension.pk: gap.message for gap in gaps}
    last = {option.dimension_id: option.code for option in options}  # a gap shows under its dimension's last option
    for row, option in zip(rows[1:], options):
        if last[option.dimension_id] == option.code:
            row.gap = by_dimension.get(option.dimension_id, "")
    return rows


def target_years(target, last_year: int, most: int = 8) -> list[int]:
    """The years a target's page shows per option: from its baseline (or start) to the year judged,
    at most the last `most` of them."""
    first = target.baseline_year or target.start_year or target.end_year
    last = max(first, min(last_year, target.end_year))
    return list(range(max(first, last - most + 1), last + 1))
