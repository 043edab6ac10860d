from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.middleware import mark_active


@receiver(user_logged_in, dispatch_uid="accounts.start_idle_clock")
def start_idle_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        mark_active(request.session)
