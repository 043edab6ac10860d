"""Unit groups over time: who is in a group on a day, and who stands for a member after the 2025 mergers.

A group ("74 huyện nghèo giai đoạn 2021–2025", QĐ 353/QĐ-TTg) lists units with the day each joined
and left (`left_on`: the first day it is no longer a member, e.g. the date of the decision that took
a district off the list). A unit closed by the 1/7/2025 reorganisation stays a member until a
decision takes it off; from its closing it is represented by the units that took its territory:

- a commune or a province by its successors on the same level (plans.UnitSuccession);
- a district (the 2025 map has no districts) by the new communes that took its old communes.

A group of districts is therefore judged on the districts' own figures up to 2024 (the last
year-end figures of districts) and, from 2025, on the figures of the communes that took their
territory (indicators.group_targets).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from plans import access
from plans.models import (
    AdministrativeUnit,
    UnitGroup,
    UnitGroupKind,
    UnitGroupMember,
    UnitLevel,
    UnitSuccession,
)

# The level a group's members are on, by kind ("Nhóm khác" may hold any level).
KIND_LEVELS = {
    UnitGroupKind.POOR_DISTRICTS: UnitLevel.DISTRICT,
    UnitGroupKind.ESPECIALLY_DIFFICULT_COMMUNES: UnitLevel.COMMUNE,
    UnitGroupKind.COASTAL_ISLAND_COMMUNES: UnitLevel.COMMUNE,
    UnitGroupKind.ETHNIC_MINORITY_REGION: UnitLevel.COMMUNE,
    UnitGroupKind.NEW_RURAL: UnitLevel.COMMUNE,
}


def member_problems(*, group: UnitGroup, unit: AdministrativeUnit, joined_on: date | None,
                    left_on: date | None) -> dict[str, str]:
    """What is wrong with a membership, by field, in Vietnamese (empty when nothing)."""
    problems = {}
    level = KIND_LEVELS.get(group.kind)
    if level is not None and unit.level != level:
        problems["unit"] = (
            _("%(unit)s là %(level)s, còn nhóm “%(kind)s” chỉ gồm %(group_level)s.") % {
                "unit": unit.name, "level": unit.get_level_display().lower(), "kind": group.get_kind_display(),
                "group_level": UnitLevel(level).label.lower()}
        )
    elif not lies_within(unit, group.scope):
        problems["unit"] = (_("%(unit)s không thuộc phạm vi của nhóm (%(scope)s).")
                            % {"unit": unit.name, "scope": group.scope.name})
    if joined_on and left_on and left_on < joined_on:
        problems["left_on"] = _("Ngày ra khỏi nhóm phải sau ngày vào nhóm.")
    elif left_on and group.valid_from and left_on < group.valid_from:
        problems["left_on"] = (_("Ngày ra khỏi nhóm trước ngày nhóm có hiệu lực (%(valid_from)s).")
                               % {"valid_from": format(group.valid_from, "%d/%m/%Y")})
    return problems


def lies_within(unit: AdministrativeUnit, scope: AdministrativeUnit) -> bool:
    """Is `unit` in `scope`'s subtree, or in that of a unit merged into `scope`?"""
    if scope.level == UnitLevel.NATION:
        return True
    roots = {scope.pk} if scope.admin_map == unit.admin_map else access.predecessor_unit_ids({scope.pk})
    return under_any(unit, roots)


def under_any(unit: AdministrativeUnit, roots: set[int]) -> bool:
    """Is `unit` one of `roots` or below one of them (walking loaded parents)?"""
    current, depth = unit, 0
    while current is not None and depth <= access.SUBTREE_DEPTH:
        if current.pk in roots:
            return True
        current, depth = current.parent, depth + 1
    return False


# ---------------------------------------------------------------------------------------------
# Membership on a day


def is_member_on(member: UnitGroupMember, day: date) -> bool:
    return (member.joined_on is None or member.joined_on <= day) and (member.left_on is None or member.left_on > day)


@dataclass
class MemberOnDay:
    """A member of a group on a day, and the units standing for it when it had closed by then."""

    member: UnitGroupMember
    representatives: list[AdministrativeUnit] = field(default_factory=list)

    @property
    def unit(self) -> AdministrativeUnit:
        return self.member.unit

    @property
    def is_carried(self) -> bool:
        return bool(self.representatives)


def closed_by(unit: AdministrativeUnit, day: date) -> bool:
    return unit.valid_to is not None and unit.valid_to < day


def representatives_of(units: Iterable[AdministrativeUnit]) -> dict[int, list[AdministrativeUnit]]:
    """{closed unit id: the units that took its territory}, two queries whatever the number.

    Same-level successors where there are (communes, provinces); for a district, the new
    communes that took its old communes.
    """
    closed = {u.pk: u for u in units if u.valid_to is not None}
    out: dict[int, dict[int, AdministrativeUnit]] = defaultdict(dict)
    if not closed:
        return {}
    direct = UnitSuccession.objects.filter(predecessor_id__in=closed).select_related("successor")
    for link in direct:
        if link.successor.level == closed[link.predecessor_id].level:
            out[link.predecessor_id][link.successor_id] = link.successor
    districts = [pk for pk, u in closed.items() if u.level == UnitLevel.DISTRICT]
    if districts:
        below = (UnitSuccession.objects.filter(predecessor__parent_id__in=districts, successor__level=UnitLevel.COMMUNE)
                 .select_related("successor", "predecessor"))
        for link in below:
            out[link.predecessor.parent_id][link.successor_id] = link.successor
    return {pk: sorted(units.values(), key=lambda u: u.code) for pk, units in out.items()}


def members_on(group: UnitGroup, day: date, *, members: list[UnitGroupMember] | None = None) -> list[MemberOnDay]:
    """The group's members on `day`; a member whose unit had closed comes with its representatives.

    Outside the group's validity the group has no members.
    """
    if (group.valid_from and day < group.valid_from) or (group.valid_to and day > group.valid_to):
        return []
    if members is None:
        members = list(group.members.select_related("unit__parent"))
    present = [m for m in members if is_member_on(m, day)]
    stand_ins = representatives_of(m.unit for m in present if closed_by(m.unit, day))
    return [MemberOnDay(m, stand_ins.get(m.unit_id, []) if closed_by(m.unit, day) else []) for m in present]


# ---------------------------------------------------------------------------------------------
# What a user sees


def visible_groups(user) -> QuerySet[UnitGroup]:
    """Groups whose scope lies in the user's reach, and national or regional lists (public law,
    as the nation's targets are benchmarks for everyone)."""
    groups = UnitGroup.objects.select_related("scope", "source_document")
    if user.is_superuser:
        return groups
    return access.scope(user, groups, unit_path="scope") | groups.filter(scope__level__lte=UnitLevel.REGION)


def group_members(group: UnitGroup) -> list[UnitGroupMember]:
    return list(group.members.select_related("unit__parent").order_by("unit__parent__name", "unit__name"))


def members_in_reach(user, members: list[UnitGroupMember]) -> set[int]:
    """Ids of the members whose unit lies in the user's reach (their figures may be shown)."""
    user_reach = access.reach(user)
    if user.is_superuser or user_reach.everywhere:
        return {m.pk for m in members}
    return {m.pk for m in members if access.unit_in_reach(user_reach, m.unit)}


def groups_of_unit(unit: AdministrativeUnit) -> QuerySet[UnitGroupMember]:
    """The unit's memberships, also those of the units it took over in 2025."""
    ids = access.predecessor_unit_ids({unit.pk})
    below = Q(unit_id__in=ids) | Q(unit__parent_id__in=ids) | Q(unit__parent__parent_id__in=ids)
    return (UnitGroupMember.objects.filter(below)
            .select_related("group", "unit").order_by("group__name", "unit__name"))


def with_counts(groups: QuerySet[UnitGroup]) -> QuerySet[UnitGroup]:
    """Each group with its member count and how many have left (two annotations, one query)."""
    return groups.annotate(
        member_count=Count("members"), left_count=Count("members", filter=Q(members__left_on__isnull=False))
    )
