"""Reads about accounts: whose second factor is required, and which users, units, agencies and
roles a user administrator reaches.

A user administrator's territory is plans.access.reach() over their admin and unit-admin
memberships: the same subtree logic that scopes every other page. A user lies within it when all
of that user's memberships do (a user who also works for another province is that province's
business too), and only a national administrator touches administrators, staff or users without
a membership.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from plans import access
from plans.access import Action, Reach
from plans.models import AdministrativeUnit, AdminMap, Agency, Membership, Role

MANAGING_ROLES = {Role.ADMIN.value, Role.UNIT_ADMIN.value}

# Who must log in with a second factor: administrators and whoever may read households' personal data.
SECOND_FACTOR_ROLES = MANAGING_ROLES | {role.value for role in access.ROLES_FOR[Action.VIEW_HOUSEHOLDS]}


def second_factor_required(*, user: User) -> bool:
    if user.is_superuser or user.is_staff:
        return True
    return Membership.objects.filter(user=user, role__in=SECOND_FACTOR_ROLES).exists()


def second_factor_step(*, user: User) -> str | None:
    """What an authenticated user who has not given a code this session must do, in one query:
    "verify" (they have a device), "enrol" (they must have one and don't) or None (nothing)."""
    User = get_user_model()
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            has_device=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            required=Exists(Membership.objects.filter(user=OuterRef("pk"), role__in=SECOND_FACTOR_ROLES)),
        )
        .values("has_device", "required", "is_superuser", "is_staff")
        .first()
    )
    if row is None:
        return None
    if row["has_device"]:
        return "verify"
    if row["required"] or row["is_superuser"] or row["is_staff"]:
        return "enrol"
    return None


def confirmed_device(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def managing_reach(*, user: User) -> Reach:
    """The territory whose users this user administers (empty for everyone but administrators)."""
    return access.reach(user, MANAGING_ROLES)


def is_user_admin(*, user: User) -> bool:
    user_reach = managing_reach(user=user)
    return user_reach.everywhere or bool(user_reach.root_unit_ids)


def managed_users(*, actor) -> QuerySet:
    """The users `actor` may administer, with their memberships."""
    User = get_user_model()
    users = User.objects.exclude(pk=actor.pk)
    user_reach = managing_reach(user=actor)
    if not user_reach.everywhere:
        if not user_reach.root_unit_ids:
            return users.none()
        memberships = Membership.objects.filter(user=OuterRef("pk"))
        users = users.filter(
            Exists(memberships.filter(user_reach.unit_q("unit"))),
            ~Exists(memberships.exclude(user_reach.unit_q("unit"))),
            ~Exists(memberships.filter(role=Role.ADMIN)),
            is_staff=False,
            is_superuser=False,
        )
    elif not actor.is_superuser:
        users = users.filter(is_superuser=False)
    return users.prefetch_related(
        Prefetch("memberships", Membership.objects.select_related("unit", "agency").order_by("unit__level", "pk"))
    ).order_by("username")


def assignable_units(*, actor) -> QuerySet:
    """The units of the current map (and the country, for national administrators) within reach."""
    user_reach = managing_reach(user=actor)
    units = AdministrativeUnit.objects.all()
    if user_reach.everywhere:
        units = units.filter(Q(admin_map=AdminMap.CURRENT) | Q(code="VN", admin_map=AdminMap.STATISTICAL))
    else:
        # The roots and what lies below them: reach's own subtree test, one hop up.
        units = units.filter(admin_map=AdminMap.CURRENT).filter(
            Q(pk__in=user_reach.root_unit_ids) | user_reach.unit_q("parent")
        )
    return units.order_by("level", "name")


def assignable_agencies(*, actor) -> QuerySet:
    user_reach = managing_reach(user=actor)
    agencies = Agency.objects.select_related("unit")
    if not user_reach.everywhere:
        agencies = agencies.filter(user_reach.unit_q("unit"))
    return agencies.order_by("name")


def assignable_roles(*, actor) -> list[tuple[str, str]]:
    """Every role but the national administrator's, which only a national administrator gives."""
    national = managing_reach(user=actor).everywhere
    return [(value, label) for value, label in Role.choices if national or value != Role.ADMIN]


def unit_within_reach(*, actor, unit: AdministrativeUnit) -> bool:
    return access.unit_in_reach(managing_reach(user=actor), unit)
