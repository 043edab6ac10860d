"""Response headers that keep personal data out of caches.

The Content-Security-Policy itself is django-csp's (settings.CONTENT_SECURITY_POLICY); templates give
each <script> the request's nonce, and chart HTML built in Python gets it from the `nonced` filter.
"""

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreForSignedInMiddleware:
    """Nothing shown to a signed-in user is stored by the browser or a proxy.

    Every page behind the login may show household personal data (lists, details, exports, forms),
    so one rule for all of them rather than a decorator on each view that someone may forget.
    Static files are served before this (WhiteNoise) and keep their long cache lifetimes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
