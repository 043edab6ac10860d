"""Making notifications, reading and marking them, each user's choice of delivery.

`notify()` is what the rest of the app calls (through notifications.events for the review cycle and
the exchange's jobs, directly for the reminders). Each notification's email is a task on the queue
(notifications.tasks), enqueued in the caller's transaction: with the database queue the task's
row commits with the notification, so a rolled-back action sends nothing and a committed one
cannot lose its email.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from notifications import tasks
from notifications.models import Delivery, Kind, Notification, Preference

PAGE_SIZE = 20


def deliveries(*, user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """Each user's delivery for `kind` (no row: at once)."""
    user_ids = list(user_ids)
    chosen = dict(Preference.objects.filter(user_id__in=user_ids, kind=kind).values_list("user_id", "delivery"))
    return {user_id: chosen.get(user_id, Delivery.INSTANT) for user_id in user_ids}


@dataclass(frozen=True)
class Message:
    user_id: int
    kind: str
    title: str
    body: str = ""
    link: str = ""
    key: str = ""


EMAILS_PER_TASK = 500


@transaction.atomic
def deliver(messages: list[Message]) -> list[Notification]:
    """Store the messages, one per user and key (a user who already holds a message's key gets none:
    the unique constraint on (user, key) decides, so a job run twice, even at the same time, makes
    one), and queue the emails of those wanted at once. A constant number of queries however many.

    Users whose delivery for the kind is "at once" and who have an email address get it by email
    (notifications.tasks); "digest" waits for the daily digest; "off" stays in the app.
    """
    wanted = {(m.user_id, m.key or None): m for m in messages if m.user_id is not None}
    keys = {m.key for m in wanted.values() if m.key}
    have = set(Notification.objects.filter(key__in=keys).values_list("user_id", "key")) if keys else set()
    fresh = [m for m in wanted.values() if (m.user_id, m.key) not in have]
    if not fresh:
        return []
    rows = [Notification(user_id=m.user_id, kind=m.kind, title=m.title[:300], body=m.body, link=m.link[:500],
                         key=m.key[:200]) for m in fresh]
    keyed = [row for row in rows if row.key]
    made = Notification.objects.bulk_create([row for row in rows if not row.key], batch_size=1000)
    if keyed:
        # ignore_conflicts: a run at the same time may have made some; the constraint keeps one.
        Notification.objects.bulk_create(keyed, ignore_conflicts=True, batch_size=1000)
        pairs = {(row.user_id, row.key) for row in keyed}
        made += [n for n in Notification.objects.filter(key__in={row.key for row in keyed}, emailed_at__isnull=True)
                 if (n.user_id, n.key) in pairs]
    user_ids = {n.user_id for n in made}
    chosen = dict(
        ((user_id, kind), delivery) for user_id, kind, delivery in Preference.objects.filter(
            user_id__in=user_ids, kind__in={n.kind for n in made}).values_list("user_id", "kind", "delivery")
    )
    with_email = set(get_user_model().objects.filter(pk__in=user_ids).exclude(email="").values_list("pk", flat=True))
    to_email = sorted(n.pk for n in made if n.user_id in with_email
                      and chosen.get((n.user_id, n.kind), Delivery.INSTANT) == Delivery.INSTANT)
    for start in range(0, len(to_email), EMAILS_PER_TASK):
        tasks.send_notification_emails.enqueue(to_email[start:start + EMAILS_PER_TASK])
    return made


def notify(*, users, kind: Kind, title: str, body: str = "", link: str = "", key: str = "") -> list[Notification]:
    """The same message to each of these users (see deliver); returns the notifications made."""
    return deliver([Message(user.pk, kind, title, body, link, key) for user in users if user is not None])


def notifications_of(user) -> QuerySet:
    """The user's notifications, unread first, newest first."""
    return (
        Notification.objects.filter(user=user)
        .annotate(is_read=ExpressionWrapper(Q(read_at__isnull=False), output_field=BooleanField()))
        .order_by("is_read", "-created_at", "-id")
    )


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications (these ids, or all) read; how many were unread. Another user's
    ids are ignored: each user reads only their own."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def open_notification(*, user, notification_id: int) -> Notification:
    """The user's notification (Notification.DoesNotExist for another's), marked read."""
    notification = Notification.objects.get(user=user, pk=notification_id)
    if notification.read_at is None:
        mark_read(user=user, ids=[notification.pk])
    return notification


def preferences_of(user) -> dict[str, str]:
    """The user's delivery per kind, every kind named (no row: at once)."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, Delivery.INSTANT) for kind in Kind.values}


@transaction.atomic
def save_preferences(*, user, choices: dict[str, str]) -> None:
    """Store the user's delivery per kind; "at once" is the default, so it is kept as no row."""
    for kind, delivery in choices.items():
        if kind not in Kind.values or delivery not in Delivery.values:
            continue
        if delivery == Delivery.INSTANT:
            Preference.objects.filter(user=user, kind=kind).delete()
        else:
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"delivery": delivery})
