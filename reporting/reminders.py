"""Reminders of reporting obligations: due in 7 days, due tomorrow, overdue (to the officers who
report), then escalated to the unit's reviewers and leaders after the regime's number of days.

Each step is a window, not a day: a day the job did not run is caught up the next day. Of the due
steps only the latest applicable one is sent (an obligation already due tomorrow gets no "due in 7
days"). Each notification's key names the obligation by what it is, not by its row (rows are
re-derived), and the step, so a job run twice, or a recreated row, sends nothing twice.

Recipients are read from the memberships in a few set-based queries for all obligations together,
by plans.access's rules (notifications.recipients reads them the same way for one unit):
- officers: memberships on the obligation's unit (or a unit it passed into, as access reaches a
  merged unit's history); for a task-report obligation, those holding its agency or its successor;
- reviewers and leaders: memberships on the unit or a unit up to SUBTREE_DEPTH above it (or one they
  passed into), no higher than the regime's receiving level (the nation only for reports the nation
  receives); for a task-report obligation holding any agency or that agency.
Administrators are left out, as in notifications.recipients: the messages are for those who do the work.
"""

from collections import defaultdict
from datetime import date, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from notifications.models import Kind
from notifications.services import Message, deliver
from plans.access import SUBTREE_DEPTH
from plans.models import AdministrativeUnit, AgencySuccession, Membership, Role, UnitLevel, UnitSuccession
from reporting.locks import period_title
from reporting.models import Obligation
from reporting.status import DUE_SOON_DAYS

OVERSEERS = (Role.REVIEWER, Role.LEADER)


def due_step(days_left: int) -> str | None:
    """The latest due step that applies: due in 7 days, due tomorrow (or today), overdue."""
    if days_left < 0:
        return Kind.OVERDUE
    if days_left <= 1:
        return Kind.DUE_TOMORROW
    if days_left <= DUE_SOON_DAYS:
        return Kind.DUE_SOON
    return None


def escalations(obligation: Obligation, days_left: int) -> list[str]:
    """The roles told of an obligation overdue long enough: its reviewers, then its leaders."""
    overdue = -days_left
    roles = []
    if overdue >= obligation.regime.escalate_to_reviewer_after_days:
        roles.append(Role.REVIEWER)
    if overdue >= obligation.regime.escalate_to_leader_after_days:
        roles.append(Role.LEADER)
    return roles


def obligation_key(obligation: Obligation, step: str) -> str:
    """The notification key of one obligation and step, stable across re-derived rows."""
    return (
        f"obligation:{obligation.regime.code}:{obligation.unit_id}:{obligation.agency_id or 0}:"
        f"{obligation.year}:{obligation.period_kind}{obligation.period_number}:{step}"
    )


def pending(today: date):
    """Unmet obligations of active regimes that are due within a week or overdue, of the years the
    daily job keeps (this one and the last)."""
    return (
        Obligation.objects.filter(
            met_at__isnull=True, expected__gt=0, regime__is_active=True,
            year__gte=today.year - 1, due_on__lte=today + timedelta(days=DUE_SOON_DAYS),
        )
        .select_related("regime", "unit", "agency")
        .order_by("due_on", "pk")
    )


@transaction.atomic
def send_reminders(*, today: date) -> int:
    """Make the reminders due `today` that were not made before; how many notifications were made.
    Their emails (for users who want them at once) go in one task on the queue."""
    obligations = list(pending(today))
    if not obligations:
        return 0
    audience = Audience(obligations)
    messages: list[Message] = []
    my_work = reverse("my_work")
    with translation.override(settings.LANGUAGE_CODE):
        for obligation in obligations:
            days_left = (obligation.due_on - today).days
            step = due_step(days_left)
            if step is not None:
                text = due_text(obligation, step, days_left)
                messages += [
                    Message(user_id, step, *text, my_work, obligation_key(obligation, step))
                    for user_id in audience.officers(obligation)
                ]
            for role in escalations(obligation, days_left):
                key = obligation_key(obligation, f"escalated_{role}")
                text, link = escalation_text(obligation, -days_left), board_link(obligation)
                messages += [
                    Message(user_id, Kind.ESCALATED, *text, link, key)
                    for user_id in audience.overseers(obligation, role)
                ]
    return len(deliver(messages))


def unit_label(obligation: Obligation) -> str:
    if obligation.agency_id:
        return f"{obligation.agency.name} ({obligation.unit.name})"
    return obligation.unit.name


def text_names(obligation: Obligation, days: int) -> dict:
    return {
        "regime": obligation.regime.name, "unit": unit_label(obligation),
        "period": period_title(obligation.year, obligation.period_kind, obligation.period_number),
        "due": obligation.due_on.strftime("%d/%m/%Y"), "days": days,
        "received": obligation.received, "expected": obligation.expected,
    }


def due_text(obligation: Obligation, step: str, days_left: int) -> tuple[str, str]:
    names = text_names(obligation, abs(days_left))
    if step == Kind.OVERDUE:
        title = _("Quá hạn: %(regime)s – %(unit)s – kỳ %(period)s") % names
        body = _("Hạn báo cáo là ngày %(due)s, đã quá %(days)s ngày. Đã gửi %(received)s/%(expected)s mục.") % names
    elif step == Kind.DUE_TOMORROW and days_left == 0:
        title = _("Đến hạn hôm nay: %(regime)s – %(unit)s – kỳ %(period)s") % names
        body = _("Hạn báo cáo là hôm nay, ngày %(due)s. Đã gửi %(received)s/%(expected)s mục.") % names
    elif step == Kind.DUE_TOMORROW:
        title = _("Đến hạn ngày mai: %(regime)s – %(unit)s – kỳ %(period)s") % names
        body = _("Hạn báo cáo là ngày mai, ngày %(due)s. Đã gửi %(received)s/%(expected)s mục.") % names
    else:
        title = _("Sắp đến hạn: %(regime)s – %(unit)s – kỳ %(period)s") % names
        body = _("Hạn báo cáo là ngày %(due)s, còn %(days)s ngày. Đã gửi %(received)s/%(expected)s mục.") % names
    return title, body


def escalation_text(obligation: Obligation, days_overdue: int) -> tuple[str, str]:
    names = text_names(obligation, days_overdue)
    title = _("Đơn vị quá hạn báo cáo: %(unit)s – %(regime)s – kỳ %(period)s") % names
    body = _(
        "%(unit)s chưa gửi đủ %(regime)s kỳ %(period)s: hạn ngày %(due)s, đã quá %(days)s ngày, "
        "đã gửi %(received)s/%(expected)s mục."
    ) % names
    return title, body


def board_link(obligation: Obligation) -> str:
    query = urlencode({"nam": obligation.year, "che_do": obligation.regime.code})
    return f"{reverse('reporting_board')}?{query}"


def _closure(edges: dict[int, set[int]], start: int) -> set[int]:
    result, frontier = {start}, {start}
    while frontier:
        frontier = {nxt for node in frontier for nxt in edges.get(node, ())} - result
        result |= frontier
    return result


def _successor_edges(model, ids: set[int], **filters) -> dict[int, set[int]]:
    """predecessor → successors among all the rows reachable from `ids` (a query per generation)."""
    edges: dict[int, set[int]] = defaultdict(set)
    seen, frontier = set(ids), set(ids)
    while frontier:
        rows = model.objects.filter(predecessor_id__in=frontier, **filters).values_list("predecessor_id",
                                                                                        "successor_id")
        frontier = set()
        for predecessor, successor in rows:
            edges[predecessor].add(successor)
            if successor not in seen:
                seen.add(successor)
                frontier.add(successor)
    return edges


class Audience:
    """Who is told about which obligation, read for all of them at once."""

    def __init__(self, obligations: list[Obligation]):
        unit_ids = {o.unit_id for o in obligations}
        hops = ["pk"] + ["__".join(["parent"] * step) for step in range(1, SUBTREE_DEPTH + 1)]
        rows = AdministrativeUnit.objects.filter(pk__in=unit_ids).values_list(*hops)
        self.ancestors = {row[0]: {pk for pk in row if pk is not None} for row in rows}
        all_ancestors = set().union(*self.ancestors.values())
        unit_edges = _successor_edges(UnitSuccession, all_ancestors, predecessor__level__lte=UnitLevel.DISTRICT)
        self.reaching = {pk: _closure(unit_edges, pk) for pk in all_ancestors}  # unit → units whose members reach it
        agency_ids = {o.agency_id for o in obligations if o.agency_id}
        agency_edges = _successor_edges(AgencySuccession, agency_ids)
        self.agencies = {pk: _closure(agency_edges, pk) for pk in agency_ids}
        memberships = (
            Membership.objects.filter(role__in=[Role.OFFICER, *OVERSEERS], user__is_active=True)
            .filter(Q(unit_id__in=set().union(*self.reaching.values())) | Q(unit__level=UnitLevel.NATION))
            .values_list("user_id", "role", "unit_id", "agency_id", "unit__level")
        )
        # (role, unit) → [(user, agency)]; the nation's overseers under unit None.
        self.members: dict[tuple[str, int | None], list[tuple[int, int | None]]] = defaultdict(list)
        self.levels: dict[int, int] = {}
        for user_id, role, unit_id, agency_id, level in memberships:
            self.levels[unit_id] = level
            if level == UnitLevel.NATION:
                unit_id = None
            self.members[(role, unit_id)].append((user_id, agency_id))

    def officers(self, obligation: Obligation) -> set[int]:
        agencies = self.agencies.get(obligation.agency_id)
        return {
            user_id
            for unit_id in self.reaching[obligation.unit_id]
            for user_id, agency_id in self.members.get((Role.OFFICER, unit_id), ())
            if agencies is None or agency_id in agencies
        }

    def overseers(self, obligation: Obligation, role: str) -> set[int]:
        """The reviewers (or leaders) over the unit, up to the level that receives the report: a
        commune's lateness goes to its province, not to every leader of the nation."""
        agencies = self.agencies.get(obligation.agency_id)
        receiving = obligation.regime.receiving_level
        units = {
            unit_id for unit_id in set().union(*(self.reaching[pk] for pk in self.ancestors[obligation.unit_id]))
            if self.levels.get(unit_id, UnitLevel.COMMUNE) >= receiving
        }
        if receiving == UnitLevel.NATION:
            units.add(None)
        return {
            user_id
            for unit_id in units
            for user_id, agency_id in self.members.get((role, unit_id), ())
            if agencies is None or agency_id is None or agency_id in agencies
        }
