"""Notification emails on the job queue (jobs/): one at once, or the daily digest (jobs.schedule).

Both may run twice (a retried task, the scheduler and an admin's "run again"): a notification's row
is locked while its email is sent and `emailed_at` set, and a notification with `emailed_at` is never
sent again, so each goes out once.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_tasks import task

from notifications import emails
from notifications.models import Delivery, Notification, Preference


@task()
def send_notification_email(notification_id: int) -> bool:
    """Email one notification to its user; whether it was sent (not when already sent or gone)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",)).select_related("user")
            .filter(pk=notification_id).first()
        )
        if notification is None or notification.emailed_at is not None or not notification.user.email:
            return False
        emails.send_notification(notification)
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email these notifications, each once (a batch of one job's reminders); how many were sent."""
    return sum(bool(send_notification_email.call(pk)) for pk in notification_ids)


def digest_pending(now=None):
    """Notifications waiting for a digest: of a kind their user gets in the digest, made before
    `now`, not yet emailed nor read."""
    chosen = Preference.objects.filter(user=OuterRef("user"), kind=OuterRef("kind"), delivery=Delivery.DIGEST)
    return Notification.objects.filter(
        Exists(chosen), emailed_at__isnull=True, read_at__isnull=True, created_at__lt=now or timezone.now(),
        user__is_active=True,
    ).exclude(user__email="")


@task()
def send_daily_digests() -> int:
    """One email per user listing their waiting digest notifications; how many emails were sent."""
    now = timezone.now()
    user_ids = sorted(set(digest_pending(now).values_list("user_id", flat=True)))
    sent = 0
    for user in get_user_model().objects.filter(pk__in=user_ids).order_by("pk"):
        with transaction.atomic():
            waiting = list(
                digest_pending(now).filter(user=user).select_for_update(of=("self",)).order_by("created_at", "pk")
            )
            if not waiting:
                continue
            emails.send_digest(user=user, notifications=waiting)
            Notification.objects.filter(pk__in=[row.pk for row in waiting]).update(emailed_at=now)
        sent += 1
    return sent
