"""A request that meets a locked SQLite database is run again, then answered with a Vietnamese
page (503), never a 500: one mechanism for every view, as the last middleware but django-axes.

SQLite lets one writer at a time. Another waits up to OPTIONS["timeout"] seconds (settings) and
then fails with OperationalError("database is locked"). The view's transaction has then rolled
back, so running the view again does nothing twice: it is run up to ATTEMPTS times, with a short
pause that grows, and after that the user is told to try again in a moment. PostgreSQL never
raises this error; its concurrent first saves end on the conflict page (indicators.services).
"""

import logging
import time

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

ATTEMPTS = 3
PAUSE_SECONDS = 0.5  # before the 2nd attempt; twice that before the 3rd


def is_locked(error: BaseException) -> bool:
    return isinstance(error, OperationalError) and "database is locked" in str(error).lower()


class RetryWhenDatabaseLocked:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for attempt in range(1, ATTEMPTS + 1):
            request.database_locked = False
            response = self.get_response(request)
            if not request.database_locked:
                return response
            if attempt < ATTEMPTS:
                time.sleep(PAUSE_SECONDS * attempt)
        logger.warning("Database locked %s times: %s %s", ATTEMPTS, request.method, request.path)
        # Rendered without a request: the page must not need the database that is busy.
        response = HttpResponse(render_to_string("database_busy.html"), status=503)
        response["Retry-After"] = "5"
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_locked(exception):
            return None
        request.database_locked = True
        return HttpResponse(status=503)  # replaced by the next attempt or the page above
