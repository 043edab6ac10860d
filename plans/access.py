"""Who sees what and who may change what: the one place that decides.

Every view and export that shows reported data filters it with `scope()`; every write asks
`require()` first. A user's reach is the union of their memberships: an administrative subtree
(with the units it absorbed in 2025, so Cần Thơ's officer reaches Hậu Giang's history) and,
for task reports, an agency (with the agencies whose work passed to it).
"""

from dataclasses import dataclass, field
from enum import Enum

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from plans.models import AdministrativeUnit, AgencySuccession, Membership, Role, UnitLevel, UnitSuccession


class Action(str, Enum):
    ENTER = "enter"  # create or edit a draft figure or task report, submit it
    REVIEW = "review"  # approve or return a submitted one
    CORRECT = "correct"  # change an approved one (late correction, with a reason)
    REQUEST_EXPLANATION = "request_explanation"
    ANSWER_EXPLANATION = "answer_explanation"
    VIEW_HOUSEHOLDS = "view_households"  # see individual households of the register (personal data)
    KEEP_REGISTER = "keep_register"  # add or change households and their reviews, import review lists
    IMPORT = "import"  # upload plan workbooks and bulk figures (admins only)
    SEE_REPORTING = "see_reporting"  # the receiving level's board: who reported, who is late
    GRANT_LOCK_EXCEPTION = "grant_lock_exception"  # reopen a locked period for one unit, with a reason


# Which roles may perform each action, within their reach.
ROLES_FOR = {
    Action.ENTER: {Role.OFFICER},
    Action.CORRECT: {Role.OFFICER},
    Action.REVIEW: {Role.REVIEWER},
    Action.REQUEST_EXPLANATION: {Role.LEADER},
    Action.ANSWER_EXPLANATION: {Role.OFFICER},
    Action.IMPORT: set(),
    Action.VIEW_HOUSEHOLDS: {Role.OFFICER, Role.REVIEWER},
    Action.KEEP_REGISTER: {Role.OFFICER},
    Action.SEE_REPORTING: {Role.REVIEWER, Role.LEADER},
    Action.GRANT_LOCK_EXCEPTION: {Role.REVIEWER},
}

# Roles that hold an action on their membership's own unit only, not on the units below it:
# households are personal data, seen by the commune's own officers and the reviewers above them.
OWN_UNIT_ONLY = {
    Action.VIEW_HOUSEHOLDS: {Role.OFFICER},
    Action.KEEP_REGISTER: {Role.OFFICER},
}

# How far below a unit its subtree goes: province → district → commune.
SUBTREE_DEPTH = 3


@dataclass
class Reach:
    """The units (subtree roots) and agencies one role of a user covers."""

    everywhere: bool = False
    root_unit_ids: set[int] = field(default_factory=set)
    agency_ids: set[int] = field(default_factory=set)
    any_agency: bool = False

    def unit_q(self, path: str) -> Q:
        if self.everywhere:
            return Q()
        if not self.root_unit_ids:
            return Q(pk__in=[])
        q = Q()
        hop = path
        for _hop_number in range(SUBTREE_DEPTH):
            q |= Q(**{f"{hop}__in": self.root_unit_ids})
            hop = f"{hop}__parent"
        return q


def predecessor_unit_ids(unit_ids: set[int]) -> set[int]:
    """Add the units that passed into these (transitively): the legacy provinces of a merged one."""
    result = set(unit_ids)
    frontier = set(unit_ids)
    while frontier:
        frontier = set(
            UnitSuccession.objects.filter(successor_id__in=frontier, predecessor__level__lte=UnitLevel.DISTRICT)
            .values_list("predecessor_id", flat=True)
        ) - result
        result |= frontier
    return result


def _with_predecessor_agencies(agency_ids: set[int]) -> set[int]:
    result = set(agency_ids)
    frontier = set(agency_ids)
    while frontier:
        frontier = set(
            AgencySuccession.objects.filter(successor_id__in=frontier).values_list("predecessor_id", flat=True)
        ) - result
        result |= frontier
    return result


def reach(user, roles: set[str] | None = None) -> Reach:
    """What the user's memberships (of the given roles; all roles if None) cover."""
    result = Reach()
    if not user.is_authenticated or not user.is_active:
        return result
    if user.is_superuser:
        return Reach(everywhere=True, any_agency=True)
    cache = getattr(user, "_reach_cache", None)
    if cache is None:
        cache = user._reach_cache = {}
    key = frozenset(roles) if roles else None
    if key in cache:
        return cache[key]
    memberships = Membership.objects.filter(user=user).select_related("unit")
    if roles:
        memberships = memberships.filter(role__in=roles)
    for membership in memberships:
        if membership.role == Role.ADMIN or membership.unit.level == UnitLevel.NATION:
            result.everywhere = True
        else:
            result.root_unit_ids.add(membership.unit_id)
        if membership.agency_id:
            result.agency_ids.add(membership.agency_id)
        else:
            result.any_agency = True
    result.root_unit_ids = predecessor_unit_ids(result.root_unit_ids)
    result.agency_ids = _with_predecessor_agencies(result.agency_ids)
    cache[key] = result
    return result


def _reaches_for(user, action: Action) -> list[tuple[Reach, bool]]:
    """The user's reach for `action`: (reach, own unit only) for the roles that may perform it."""
    own_only = {role.value for role in OWN_UNIT_ONLY.get(action, set())}
    wide = {role.value for role in ROLES_FOR[action]} - own_only | {Role.ADMIN.value}
    reaches = [(reach(user, wide), False)]
    if own_only:
        reaches.append((reach(user, own_only), True))
    return reaches


def action_q(user, action: Action, unit_path: str) -> Q:
    """Rows (by the unit at `unit_path`) on which the user may perform `action`."""
    q = Q(pk__in=[])
    for user_reach, own_only in _reaches_for(user, action):
        if user_reach.everywhere:
            return Q()
        if own_only:
            q |= Q(**{f"{unit_path}__in": user_reach.root_unit_ids})
        elif user_reach.root_unit_ids:
            q |= user_reach.unit_q(unit_path)
    return q


def scope(
    user, queryset: QuerySet, unit_path: str = "unit", agency_path: str | None = None, action: Action | None = None
) -> QuerySet:
    """The part of `queryset` the user may see: rows whose unit lies in the user's reach.

    With `action` (households: Action.VIEW_HOUSEHOLDS), only the rows on which the user may
    perform that action, by the same rules as `can()`.

    With `agency_path` (task reports), an officer sees only the rows of their agencies and of
    the agencies whose work passed to theirs; reviewers, leaders and admins see every agency's
    rows in their territory. A user with several memberships gets the union.
    """
    if user.is_superuser:
        return queryset
    if action is not None:
        return queryset.filter(action_q(user, action, unit_path))
    if agency_path is None:
        user_reach = reach(user)
        return queryset if user_reach.everywhere else queryset.filter(user_reach.unit_q(unit_path))
    overseers = reach(user, {Role.REVIEWER.value, Role.LEADER.value, Role.ADMIN.value})
    if overseers.everywhere:
        return queryset
    officer = reach(user, {Role.OFFICER.value})
    officer_q = officer.unit_q(unit_path)
    if not officer.any_agency:
        officer_q &= Q(**{f"{agency_path}__in": officer.agency_ids})
    return queryset.filter(overseers.unit_q(unit_path) | officer_q)


def unit_in_reach(user_reach: Reach, unit: AdministrativeUnit) -> bool:
    if user_reach.everywhere:
        return True
    current, depth = unit, 0
    while current is not None and depth <= SUBTREE_DEPTH:
        if current.pk in user_reach.root_unit_ids:
            return True
        current, depth = current.parent, depth + 1
    return False


def can(user, action: Action, *, unit: AdministrativeUnit, agency_ids: set[int] | None = None) -> bool:
    """May the user perform `action` on a record of `unit` (and, for tasks, of one of `agency_ids`)?

    Admins may do everything; other roles only what ROLES_FOR grants them, within their reach.
    """
    if user.is_superuser:
        return True
    if action in OWN_UNIT_ONLY:
        return any(
            (user_reach.everywhere or unit.pk in user_reach.root_unit_ids) if own_only else unit_in_reach(user_reach, unit)
            for user_reach, own_only in _reaches_for(user, action)
        )
    user_reach = reach(user, {role.value for role in ROLES_FOR[action]} | {Role.ADMIN.value})
    if not unit_in_reach(user_reach, unit):
        return False
    if agency_ids is not None and not user_reach.any_agency:
        return bool(user_reach.agency_ids & agency_ids)
    return True


def require(user, action: Action, *, unit: AdministrativeUnit, agency_ids: set[int] | None = None) -> None:
    if not can(user, action, unit=unit, agency_ids=agency_ids):
        raise PermissionDenied(_("Bạn không có quyền thực hiện thao tác này trên địa bàn hoặc cơ quan này."))


def has_role(user, role: Role) -> bool:
    return user.is_superuser or Membership.objects.filter(user=user, role=role).exists()


def menu(user) -> set[str]:
    """Which role-bound menu entries to show ("review", "quality", "reporting", "import", "users"), in one query. The pages check
    rights again themselves; this only spares users links that would refuse them."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return {"review", "quality", "reporting", "import", "users"}
    entries = set()
    for role, level in Membership.objects.filter(user=user).values_list("role", "unit__level"):
        if role in (Role.REVIEWER, Role.ADMIN):
            entries.add("review")
        if role in (Role.LEADER, Role.REVIEWER, Role.ADMIN):  # the data-quality and reporting boards' roles
            entries.update({"quality", "reporting"})
        if role == Role.ADMIN and level == UnitLevel.NATION:
            entries.add("import")
        if role in (Role.ADMIN, Role.UNIT_ADMIN):
            entries.add("users")
    return entries
