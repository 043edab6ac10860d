from django.utils.functional import SimpleLazyObject

from notifications import services


def unread(request) -> dict:
    """`unread_count` for the bell: one count query, only when a page shows it to a signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_count": 0}
    return {"unread_count": SimpleLazyObject(lambda: services.unread_count(user))}
