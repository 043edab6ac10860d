"""The WSGI application (gunicorn, runserver), with a guard on request bodies.

A client whose connection drops halfway through a POST sends fewer bytes than its Content-Length
announced, and the server hands over what arrived as if it were the whole body. Django would
parse it: the fields before the cut, the last of them cut short (a figure of 1234567 arriving as
123), and the files that ended before it. The guard turns the missing bytes into an OSError,
which Django raises as UnreadablePostError: the CSRF check refuses the request (403) before any
view runs, nothing is written, and the part of a file already spooled to disk is deleted.
"""

import logging
import os

import django
from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertyplan.settings")
logger = logging.getLogger(__name__)


class CompleteBody:
    """wsgi.input that raises OSError when the body ends before `length` bytes, or when the server
    cannot read it (a malformed chunked body)."""

    def __init__(self, stream, length: int):
        self._stream = stream
        self._remaining = length
        self.cut_short = False

    def _checked(self, read, size) -> bytes:
        try:
            data = read() if size is None or size < 0 else read(size)
        except Exception as error:
            self.cut_short = True
            if isinstance(error, OSError):
                raise
            raise OSError(f"request body unreadable: {error}") from error  # the server's parse errors
        self._remaining -= len(data)
        if not data and size != 0 and self._remaining > 0:
            self.cut_short = True
            raise OSError(f"request body ended {self._remaining} bytes before its Content-Length")
        return data

    def read(self, size: int | None = -1) -> bytes:
        return self._checked(self._stream.read, size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._checked(self._stream.readline, size)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class GuardedWSGIHandler(WSGIHandler):
    def __call__(self, environ, start_response):
        length = environ.get("CONTENT_LENGTH", "")
        if length.isdigit() and int(length) > 0 and "wsgi.input" in environ:
            environ["wsgi.input"] = CompleteBody(environ["wsgi.input"], int(length))
        return super().__call__(environ, start_response)

    def get_response(self, request):
        try:
            return super().get_response(request)
        finally:
            body = request.environ.get("wsgi.input")
            if getattr(body, "cut_short", False):
                logger.warning("%s %s: the request body was cut short; refused", request.method, request.path)
                # Django leaves the upload handlers of a body it could not parse as they were:
                # a file spooled to a temporary file would stay on disk until garbage collection.
                for handler in getattr(request, "_upload_handlers", ()):
                    handler.upload_interrupted()


django.setup(set_prefix=False)
application = GuardedWSGIHandler()
