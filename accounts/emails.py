"""The messages accounts send, through Django's mail framework (EMAIL_* settings)."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string


def _send(*, user, subject_template: str, body_template: str, context: dict) -> None:
    if not user.email:
        return
    context = {"user": user, **context}
    subject = "".join(render_to_string(subject_template, context).splitlines())
    send_mail(subject, render_to_string(body_template, context), settings.DEFAULT_FROM_EMAIL, [user.email])


def send_invitation(*, user, inviter, link: str) -> None:
    _send(user=user, subject_template="accounts/email/invitation_subject.txt",
          body_template="accounts/email/invitation.txt",
          context={"inviter": inviter, "link": link, "hours": settings.PASSWORD_RESET_TIMEOUT // 3600})


def send_idle_notice(*, user, days: int) -> None:
    _send(user=user, subject_template="accounts/email/idle_subject.txt", body_template="accounts/email/idle.txt",
          context={"days": days})
