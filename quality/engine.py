"""Run the data-quality rules over one territory's subtree for one year.

A few queries per run whatever the number of units: the rules, their indicators, the units of the
subtree, the headline yearly values of the indicators the rules name (for the year and the years
they look back to), then one delete and a bulk insert of the findings. Each rule is evaluated in
memory per unit. A rule is skipped for a unit when any of its figures is missing (DHIS2's
"skip if any value missing"); `sum_children(...)` is known only where the units below cover the
unit: every unit of a group of its children (its units of one map, or a region's provinces) has
the figure.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from indicators.models import Indicator, YearlyValue
from plans import access
from plans.models import AdministrativeUnit, UnitLevel
from quality.expressions import Term, parse
from quality.models import Operator, QualityFinding, QualityRule
from review.models import ReportingPeriod

HUNDRED = Decimal(100)
PLACES = Decimal("0.000001")
BATCH = 5000


@dataclass
class Compiled:
    rule: QualityRule
    left: list[Term]
    right: list[Term]
    marked_code: str


def subtree_roots(territory: AdministrativeUnit) -> set[int] | None:
    """The territory with the units merged into it (None: the nation, everything)."""
    return None if territory.level == UnitLevel.NATION else access.predecessor_unit_ids({territory.pk})


def below_q(roots: set[int] | None, path: str) -> Q:
    """Rows whose unit (at `path`: "unit", or "pk" for units) is one of the roots or lies below one
    (plans.access decides how deep a subtree goes)."""
    if roots is None:
        return Q()
    below = access.Reach(root_unit_ids=roots).unit_q("parent" if path == "pk" else f"{path}__parent")
    return Q(**{"pk__in" if path == "pk" else f"{path}__in": roots}) | below


def subtree_q(territory: AdministrativeUnit, path: str) -> Q:
    return below_q(subtree_roots(territory), path)


def _compiled(rules) -> list[Compiled]:
    return [Compiled(r, parse(r.left_side), parse(r.right_side), r.marked_code) for r in rules]


def field_value(row, field: str) -> Decimal | None:
    value, numerator, denominator = row
    if field == "value":
        return value
    if field == "numerator":
        return numerator
    if field == "denominator":
        return denominator
    if numerator is None or not denominator:
        return None
    return numerator * HUNDRED / denominator


def passes(operator: str, difference: Decimal, gap: Decimal) -> bool:
    if operator == Operator.EQ:
        return abs(difference) <= gap
    if operator == Operator.NE:
        return abs(difference) > gap
    if operator == Operator.LT:
        return difference < gap
    if operator == Operator.LE:
        return difference <= gap
    if operator == Operator.GT:
        return difference > -gap
    return difference >= -gap


class Figures:
    """The headline yearly values the rules read, and the groups of units below each unit."""

    def __init__(self, *, roots: set[int] | None, year: int, indicator_ids: set[int], offsets: set[int]):
        self.values: dict[tuple[int, int], dict[int, tuple]] = defaultdict(dict)
        years = {year - offset for offset in offsets}
        rows = (
            YearlyValue.objects.filter(below_q(roots, "unit"), indicator_id__in=indicator_ids, year__in=years)
            .values_list("indicator_id", "year", "unit_id", "value", "numerator", "denominator")
        )
        for indicator_id, row_year, unit_id, value, numerator, denominator in rows.iterator(chunk_size=20000):
            self.values[(indicator_id, row_year)][unit_id] = (value, numerator, denominator)
        # A unit's groups of units below: its children of each map, and (a region) its provinces.
        self.groups: dict[int, list[tuple[bool, list[int]]]] = defaultdict(list)
        by_key: dict[tuple, list[int]] = defaultdict(list)
        units = AdministrativeUnit.objects.filter(below_q(roots, "pk")).values_list(
            "pk", "parent_id", "region_id", "admin_map", "level")
        for pk, parent_id, region_id, admin_map, level in units:
            if parent_id is not None:
                by_key[(parent_id, False, admin_map)].append(pk)
            if region_id is not None and level == UnitLevel.PROVINCE:
                by_key[(region_id, True, admin_map)].append(pk)
        for (parent_id, by_region, _map), children in by_key.items():
            self.groups[parent_id].append((by_region, children))

    def term(self, term: Term, indicator_ids: dict[str, int], unit_id: int, year: int) -> Decimal | None:
        if term.is_number:
            return term.number
        row = self.values.get((indicator_ids[term.code], year - term.year_offset), {}).get(unit_id)
        return None if row is None else field_value(row, term.field)

    def children_sum(self, term: Term, indicator_ids: dict[str, int], children: list[int], year: int) -> Decimal | None:
        series = self.values.get((indicator_ids[term.code], year - term.year_offset), {})
        total = Decimal(0)
        for child in children:
            row = series.get(child)
            value = None if row is None else field_value(row, term.field)
            if value is None:
                return None
            total += value
        return total


def _side(terms: list[Term], figures: Figures, ids: dict[str, int], unit_id: int, year: int,
          children: list[int] | None) -> Decimal | None:
    total = Decimal(0)
    for term in terms:
        if term.children:
            value = figures.children_sum(term, ids, children, year) if children is not None else None
        else:
            value = figures.term(term, ids, unit_id, year)
        if value is None:
            return None
        total += term.sign * value
    return total


def evaluate(*, territory: AdministrativeUnit, year: int, rules=None, roots: set[int] | None = None) -> list[QualityFinding]:
    """The findings (unsaved) of the active yearly rules over the territory's subtree for the year."""
    if rules is None:
        rules = QualityRule.objects.filter(is_active=True, period_kind=ReportingPeriod.YEAR)
    compiled = _compiled(list(rules))
    codes = {t.code for c in compiled for t in c.left + c.right if not t.is_number}
    ids = dict(Indicator.objects.filter(code__in=codes).values_list("code", "pk"))
    compiled = [c for c in compiled if all(t.is_number or t.code in ids for t in c.left + c.right)]
    if not compiled:
        return []
    offsets = {t.year_offset for c in compiled for t in c.left + c.right} | {0}
    if roots is None:
        roots = subtree_roots(territory)
    figures = Figures(roots=roots, year=year, indicator_ids=set(ids.values()), offsets=offsets)
    findings = []
    for c in compiled:
        gap, marked = c.rule.allowed_gap, ids[c.marked_code]
        with_children = any(t.children for t in c.left + c.right)
        for unit_id in figures.values.get((marked, year), {}):
            alternatives = figures.groups.get(unit_id, []) if with_children else [(False, None)]
            for by_region, children in alternatives:
                left = _side(c.left, figures, ids, unit_id, year, children)
                right = None if left is None else _side(c.right, figures, ids, unit_id, year, children)
                if right is None:
                    continue
                difference = left - right
                if passes(c.rule.operator, difference, gap):
                    continue
                findings.append(QualityFinding(
                    rule=c.rule, indicator_id=marked, unit_id=unit_id, year=year,
                    left_value=left.quantize(PLACES), right_value=right.quantize(PLACES),
                    difference=difference.quantize(PLACES),
                    children_count=len(children) if children is not None else None, by_region=by_region,
                ))
    return findings


def run(*, territory: AdministrativeUnit, year: int) -> list[QualityFinding]:
    """Evaluate, then replace the stored findings of the territory's subtree for the year."""
    roots = subtree_roots(territory)
    findings = evaluate(territory=territory, year=year, roots=roots)
    with transaction.atomic():
        QualityFinding.objects.filter(below_q(roots, "unit"), year=year).delete()
        QualityFinding.objects.bulk_create(findings, batch_size=BATCH)
    return findings
