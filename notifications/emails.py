"""The notification emails, through Django's mail framework (EMAIL_* settings): one notification at
once, or a user's daily digest. Plain text and HTML, in Vietnamese (the site's language), with
absolute links built from settings.SITE_URL."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from notifications.models import Notification

DEFAULT_SITE_URL = "http://localhost:8000"


def absolute_url(path: str) -> str:
    """A link of the site as an address that works from a mail client."""
    if path.startswith(("http://", "https://")):
        return path
    base = getattr(settings, "SITE_URL", "") or DEFAULT_SITE_URL
    return base.rstrip("/") + path


def open_url(notification: Notification) -> str:
    """Through the notification's own page: the click marks it read, then goes to its link."""
    return absolute_url(reverse("notification_open", args=[notification.pk]))


def _send(*, user, template: str, context: dict) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "user": user, "list_url": absolute_url(reverse("notification_list")),
            "preferences_url": absolute_url(reverse("notification_preferences")), **context,
        }
        subject = "".join(render_to_string(f"notifications/email/{template}_subject.txt", context).splitlines())
        message = EmailMultiAlternatives(
            subject, render_to_string(f"notifications/email/{template}.txt", context),
            settings.DEFAULT_FROM_EMAIL, [user.email],
        )
        message.attach_alternative(render_to_string(f"notifications/email/{template}.html", context), "text/html")
    message.send()


def send_notification(notification: Notification) -> None:
    _send(user=notification.user, template="notification",
          context={"notification": notification, "url": open_url(notification)})


def send_digest(*, user, notifications: list[Notification]) -> None:
    items = [{"notification": notification, "url": open_url(notification)} for notification in notifications]
    _send(user=user, template="digest", context={"items": items, "count": len(items)})
