"""The cascade: a target, the targets that restate it at the levels below, how each compares
with the one it restates, and whether the commitments below add up to the one above."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from dashboards.figures import first_year_needed, number_text, quantize
from dashboards.judging import TargetStatus, evaluate_targets
from dashboards.paths import direction_of, threshold_of
from dashboards.scope import Options, dashboard_targets, for_judging, visible_values
from indicators.models import Aggregation, Direction, Target, TargetKind
from plans.models import AdministrativeUnit, UnitLevel

if TYPE_CHECKING:
    from django.contrib.auth.models import User

@dataclass
class CascadeNode:
    status: TargetStatus
    depth: int
    relation: str  # against the target it restates
    children: list[CascadeNode] = field(default_factory=list)


@dataclass
class AddUp:
    parent: TargetStatus
    text: str
    ok: bool | None  # None: cannot be added up


@dataclass
class Cascade:
    root: CascadeNode
    nodes: list[CascadeNode]
    checks: list[AddUp]
    options: Options
    illustrative: bool
    synthetic: bool = False



def relation(child: Target, parent: Target) -> str:
    """ "chặt hơn", "tương đương", "thấp hơn" the target it restates, or why they cannot be compared."""
    if child.kind != parent.kind or child.unit != parent.unit or child.indicator_id != parent.indicator_id:
        return _("Khác loại chỉ tiêu (%(kind)s, %(unit)s): không so trực tiếp") % {
            "kind": child.get_kind_display(), "unit": child.get_unit_display()}
    if child.kind in (TargetKind.AVERAGE_CHANGE, TargetKind.RELATIVE_CHANGE) and child.change_direction != parent.change_direction:
        return _("Ngược chiều thay đổi với chỉ tiêu cấp trên")
    mine, theirs = threshold_of(child), threshold_of(parent)
    if mine is None or theirs is None:
        return _("Không có mức để so")
    higher = direction_of(child) == Direction.HIGHER_IS_BETTER
    if mine == theirs:
        text = _("Tương đương cấp trên")
    elif (mine > theirs) == higher:
        text = _("Chặt hơn cấp trên")
    else:
        text = _("Thấp hơn yêu cầu của cấp trên")
    if (child.start_year, child.end_year) != (parent.start_year, parent.end_year):
        text += _(" (kỳ %(mine)s, cấp trên %(theirs)s)") % {"mine": child.period_label, "theirs": parent.period_label}
    return text


def _add_up(parent: TargetStatus, group: list[TargetStatus], weights: dict[int, Decimal], covered: int, total: int,
            where: str) -> AddUp:
    """Whether the children's commitments of one period add up to the parent's."""
    target = parent.target
    period = group[0].target.period_label
    if covered < total:
        return AddUp(
            parent,
            _("Kỳ %(period)s: các chỉ tiêu cấp dưới cùng loại mới phủ %(covered)s/%(total)s %(where)s: "
              "chưa thể cộng lại để so với chỉ tiêu cấp trên.")
            % {"period": period, "covered": covered, "total": total, "where": where},
            None,
        )
    theirs = threshold_of(target)
    higher = direction_of(target) == Direction.HIGHER_IS_BETTER
    if target.indicator.aggregation == Aggregation.SUM and target.kind in (TargetKind.LEVEL, TargetKind.CUMULATIVE, TargetKind.MILESTONE):
        combined = sum((threshold_of(c.target) or Decimal(0)) for c in group)
        how = _("tổng cam kết cấp dưới")
    else:
        if any(weights.get(c.target.territory_id) is None for c in group):
            return AddUp(parent, _("Kỳ %(period)s: thiếu mẫu số (số hộ) của một số địa bàn cấp dưới để tính "
                                   "bình quân gia quyền.") % {"period": period}, None)
        total_weight = sum(weights[c.target.territory_id] for c in group)
        combined = sum((threshold_of(c.target) or Decimal(0)) * weights[c.target.territory_id] for c in group) / total_weight
        how = _("bình quân gia quyền (theo mẫu số) các cam kết cấp dưới")
    ok = combined >= theirs if higher else combined <= theirs
    verdict = _("đủ đáp ứng") if ok else _("chưa đủ đáp ứng")
    unit = target.unit
    return AddUp(
        parent,
        _("Kỳ %(period)s: %(how)s là %(combined)s, %(verdict)s mức %(theirs)s của cấp trên.") % {
            "period": period, "how": how, "combined": number_text(quantize(combined), unit), "verdict": verdict,
            "theirs": number_text(theirs, unit)},
        ok,
    )


def cascade_roots(*, user: User) -> list[Target]:
    """Targets that others restate and that restate none: where cascades start."""
    restated = Target.objects.filter(restates=OuterRef("pk"))
    return list(
        for_judging(dashboard_targets(user=user).filter(restates__isnull=True).filter(Exists(restated)))
        .order_by("document__issued_on", "position")
    )


def cascade_tree(*, user: User, target_id: int, options: Options) -> Cascade | None:
    """A target and the targets that restate it, judged, with the add-up checks (None: no such
    target in the user's reach)."""
    visible = for_judging(dashboard_targets(user=user))
    root = visible.filter(pk=target_id).first()
    if root is None:
        return None
    restating = list(visible.filter(restates__isnull=False).order_by("territory__name", "document__issued_on", "position"))
    children_of: dict[int, list[Target]] = defaultdict(list)
    for target in restating:
        children_of[target.restates_id].append(target)
    ordered, stack = [], [(root, 0)]
    seen = set()
    while stack:
        target, depth = stack.pop()
        if target.pk in seen:
            continue
        seen.add(target.pk)
        ordered.append((target, depth))
        stack.extend((child, depth + 1) for child in reversed(children_of.get(target.pk, [])))
    statuses = {s.target.pk: s for s in evaluate_targets(user=user, targets=[t for t, _depth in ordered], options=options)}
    nodes: dict[int, CascadeNode] = {}
    flat = []
    for target, depth in ordered:
        parent = nodes.get(target.restates_id) if depth else None
        node = CascadeNode(statuses[target.pk], depth, relation(target, parent.status.target) if parent else "")
        nodes[target.pk] = node
        flat.append(node)
        if parent:
            parent.children.append(node)
    checks = _checks(user, [n for n in flat if n.children], options)
    return Cascade(nodes[root.pk], flat, checks, options, any(n.status.is_illustrative for n in flat),
                   any(n.status.is_synthetic for n in flat))


def _checks(user: User, parents: list[CascadeNode], options: Options) -> list[AddUp]:
    """The add-up check of every target restated by others: one query for the weights and one
    count per restated target (a cascade has one to three)."""
    if not parents:
        return []
    # Weights: the children's latest denominators (households) up to the year before the targets.
    weights_by_unit: dict[int, Decimal] = {}
    ratio_children = [c for p in parents for c in p.children
                      if c.status.target.indicator_id and c.status.target.indicator.aggregation == Aggregation.RATIO]
    if ratio_children:
        rows = (
            visible_values(user=user)
            .filter(indicator_id__in={c.status.target.indicator_id for c in ratio_children},
                    unit_id__in={c.status.target.territory_id for c in ratio_children},
                    denominator__isnull=False)
            .order_by("year")
            .values_list("unit_id", "year", "denominator")
        )
        cutoff = {c.status.target.territory_id: first_year_needed(c.status.target) for c in ratio_children}
        for unit_id, year, denominator in rows:
            if year <= cutoff.get(unit_id, year) or unit_id not in weights_by_unit:
                weights_by_unit[unit_id] = denominator
    checks = []
    for node in parents:
        target = node.status.target
        territory = target.territory
        kids = [c.status for c in node.children]
        if not target.indicator_id or target.indicator.aggregation == Aggregation.NONE:
            checks.append(AddUp(node.status, _("Chỉ số không cộng gộp được giữa các địa bàn: chỉ so từng chỉ tiêu."), None))
            continue
        same = [c for c in kids if c.target.indicator_id == target.indicator_id and c.target.kind == target.kind
                and c.target.unit == target.unit and c.target.change_direction == target.change_direction]
        if not same:
            checks.append(AddUp(node.status, _("Các chỉ tiêu cấp dưới khác loại hoặc khác chỉ số: không cộng lại được."), None))
            continue
        levels = {(c.target.territory.level, c.target.territory.admin_map) for c in same}
        if len(levels) != 1:
            checks.append(AddUp(node.status, _("Các chỉ tiêu cấp dưới cùng loại ở nhiều cấp hành chính: không cộng lại được."),
                                  None))
            continue
        level, admin_map = next(iter(levels))
        units = AdministrativeUnit.objects.filter(level=level, admin_map=admin_map)
        if territory.level != UnitLevel.NATION:
            units = units.filter(Q(parent=territory) | Q(parent__parent=territory))
        where = _("%(level)s của %(unit)s (bản đồ %(provinces)s tỉnh)") % {
            "level": str(UnitLevel(level).label).lower(), "unit": territory.name, "provinces": admin_map}
        total = units.count()
        by_period: dict[tuple, list[TargetStatus]] = defaultdict(list)
        for c in same:
            by_period[(c.target.start_year, c.target.end_year)].append(c)
        for _period, group in sorted(by_period.items(), key=lambda item: (item[0][0] or 0, item[0][1])):
            covered = len({c.target.territory_id for c in group})
            checks.append(_add_up(node.status, group, weights_by_unit, covered, total, where))
    return checks


