from django.utils.functional import SimpleLazyObject

from plans import access


def menu(request) -> dict:
    """`menu`: the role-bound menu entries, looked up only when a page shows the menu."""
    return {"menu": SimpleLazyObject(lambda: access.menu(request.user))}
