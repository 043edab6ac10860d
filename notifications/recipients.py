"""Who may do an action on a unit: plans.access read the other way round, for the messages to send.

`access.can(user, action, unit=…)` answers for one user; `users_who_may(action, unit)` gives every
user for whom it answers yes, in a few set-based queries (the units a membership must sit on, the
agencies it must hold, then one query of users), not by asking `can()` user after user.

The reminders use it with the role each action belongs to (access.ROLES_FOR): a unit's officers
(Action.ENTER), its reviewers (Action.REVIEW), its leaders (Action.REQUEST_EXPLANATION).
"""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from plans.access import OWN_UNIT_ONLY, ROLES_FOR, SUBTREE_DEPTH, Action
from plans.models import AdministrativeUnit, AgencySuccession, Membership, Role, UnitLevel, UnitSuccession


def successor_unit_ids(unit_ids: set[int]) -> set[int]:
    """These units and the units they passed into (transitively): whose members reach them through
    access.predecessor_unit_ids (a merged province's officer reaches its legacy provinces)."""
    result, frontier = set(unit_ids), set(unit_ids)
    while frontier:
        frontier = set(
            UnitSuccession.objects.filter(predecessor_id__in=frontier, predecessor__level__lte=UnitLevel.DISTRICT)
            .values_list("successor_id", flat=True)
        ) - result
        result |= frontier
    return result


def successor_agency_ids(agency_ids: set[int]) -> set[int]:
    """These agencies and the agencies their work passed to (transitively)."""
    result, frontier = set(agency_ids), set(agency_ids)
    while frontier:
        frontier = set(
            AgencySuccession.objects.filter(predecessor_id__in=frontier).values_list("successor_id", flat=True)
        ) - result
        result |= frontier
    return result


def ancestor_ids(unit: AdministrativeUnit) -> set[int]:
    """The unit and the units above it that access.unit_in_reach looks at (SUBTREE_DEPTH steps up)."""
    hops = ["pk"] + ["__".join(["parent"] * step) for step in range(1, SUBTREE_DEPTH + 1)]
    row = AdministrativeUnit.objects.filter(pk=unit.pk).values_list(*hops).get()
    return {pk for pk in row if pk is not None}


def users_who_may(
    action: Action, unit: AdministrativeUnit, agency_ids: set[int] | None = None, *, include_admins: bool = False
) -> QuerySet:
    """The active users for whom `access.can(user, action, unit=unit, agency_ids=agency_ids)` is true.

    Administrators (the ADMIN role, superusers) may do everything everywhere; they are left out
    unless `include_admins`: a message about a commune's figure is for the people who work on it.
    """
    roles = {role.value for role in ROLES_FOR[action]}
    if include_admins:
        roles.add(Role.ADMIN.value)
    own_only = {role.value for role in OWN_UNIT_ONLY.get(action, set())} & roles
    wide = roles - own_only
    nationwide = Q(unit__level=UnitLevel.NATION) | Q(role=Role.ADMIN)
    covering = Q(role__in=wide) & (Q(unit_id__in=successor_unit_ids(ancestor_ids(unit))) | nationwide)
    if own_only:
        covering |= Q(role__in=own_only) & (Q(unit_id__in=successor_unit_ids({unit.pk})) | nationwide)
    memberships = Membership.objects.filter(user=OuterRef("pk"))
    users = get_user_model().objects.filter(is_active=True).filter(Exists(memberships.filter(covering)))
    if agency_ids is not None and action not in OWN_UNIT_ONLY:
        # As access.reach: the user's memberships of these roles together hold any agency or one of
        # the record's agencies (or an agency that took over one of them).
        holding = Q(agency__isnull=True) | Q(agency_id__in=successor_agency_ids(set(agency_ids)))
        users = users.filter(Exists(memberships.filter(holding, role__in=roles)))
    if include_admins:
        users = users | get_user_model().objects.filter(is_active=True, is_superuser=True)
    return users.distinct().order_by("pk")
