"""Reads of the stored findings: the page's list and the dashboards' "cần kiểm tra" marks."""

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.urls import reverse

from plans import access
from plans.models import AdministrativeUnit, Role, UnitLevel
from quality.engine import subtree_q
from quality.models import QualityFinding, QualityRule

PAGE_ROLES = {Role.LEADER.value, Role.REVIEWER.value, Role.ADMIN.value}
MAX_PER_RULE = 500


def page_reach(*, user: User) -> access.Reach:
    """Where the user may check data quality: their leader, reviewer and admin memberships."""
    return access.reach(user, PAGE_ROLES)


def home_units(*, user: User) -> list[AdministrativeUnit]:
    user_reach = page_reach(user=user)
    if user_reach.everywhere:
        return list(AdministrativeUnit.objects.filter(level=UnitLevel.NATION))
    ids = user.memberships.filter(role__in=PAGE_ROLES).values_list("unit_id", flat=True)
    return list(AdministrativeUnit.objects.filter(pk__in=ids).order_by("level", "name"))


def flagged(*, indicator_ids, unit_ids, years) -> set[tuple[int, int, int]]:
    """(indicator, unit, year) of the given figures that broke a rule at the last run: one query."""
    return set(
        QualityFinding.objects.filter(indicator_id__in=indicator_ids, unit_id__in=unit_ids, year__in=years)
        .values_list("indicator_id", "unit_id", "year").distinct()
    )


@dataclass
class RuleFindings:
    rule: QualityRule
    findings: list[QualityFinding] = field(default_factory=list)
    total: int = 0


def figure_url(*, finding: QualityFinding, below: bool = False) -> str:
    """The comparison page where the figure sits: among its neighbours, or (below) above its own units."""
    around = finding.unit_id if below or finding.unit.parent_id is None else finding.unit.parent_id
    return f"{reverse('dashboard_compare', args=[finding.indicator_id])}?nam={finding.year}&dia_ban={around}"


def findings_by_rule(*, user: User, territory: AdministrativeUnit, year: int) -> list[RuleFindings]:
    """The stored findings of the territory's subtree for the year, in the user's reach, per rule."""
    rows: QuerySet = access.scope(
        user, QualityFinding.objects.filter(subtree_q(territory, "unit"), year=year)
    ).select_related("rule", "indicator", "unit__parent").order_by("rule__position", "rule__code", "unit__level", "unit__name")
    groups: dict[int, RuleFindings] = {}
    for finding in rows:
        group = groups.setdefault(finding.rule_id, RuleFindings(finding.rule))
        group.total += 1
        if len(group.findings) < MAX_PER_RULE:
            finding.url = figure_url(finding=finding)
            finding.below_url = figure_url(finding=finding, below=True) if finding.children_count is not None else ""
            group.findings.append(finding)
    return list(groups.values())


def flagged_units(*, comparison) -> set[int]:
    """The units of a comparison page (its rows and its parent) whose figure of the year is to check."""
    unit_ids = [row.unit.pk for row in comparison.rows] + [comparison.parent.pk]
    year = comparison.options.year
    return {u for _i, u, _y in flagged(indicator_ids=[comparison.indicator.pk], unit_ids=unit_ids, years=[year])}


def flagged_years(*, detail) -> set[int]:
    """The years of a target page's table whose figure (the territory's, or its successor's) is to check."""
    target = detail.target
    if not target.indicator_id or not detail.rows:
        return set()
    successor = detail.status.merger.successor if detail.status.merger else None
    marks = flagged(indicator_ids=[target.indicator_id], unit_ids=[target.territory_id] + ([successor.pk] if successor else []),
                    years=[row.year for row in detail.rows])
    years = set()
    for row in detail.rows:
        unit_id = successor.pk if successor and row.point and row.point.from_successor else target.territory_id
        if (target.indicator_id, unit_id, row.year) in marks:
            years.add(row.year)
    return years
