"""gunicorn settings for production; `gunicorn` started in the project root reads this file.

The app runs behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto (Django's
SECURE_PROXY_SSL_HEADER). gthread workers: a request spends part of its time waiting for
PostgreSQL, which the threads of a worker overlap; the worker processes use the cores.

Environment (all optional):
  GUNICORN_BIND      address to listen on (default 127.0.0.1:8000, the proxy's upstream)
  WEB_CONCURRENCY    worker processes (default: the number of cores this process may use)
  GUNICORN_THREADS   threads per worker (default 4)
  GUNICORN_TIMEOUT   seconds a worker may be silent before it is restarted (default 60)
  GUNICORN_ACCESS_LOG  file for the access log, "-" for standard output (default), "" for none
"""

import os

wsgi_app = "povertyplan.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One worker per core, four threads each: on 2 cores under `make loadtest` this did as well as
# 3 × 2 or 3 × 4 and better than 2 × 8 (threads waiting for the GIL) or 4 × 1 (no overlap of the
# waits for PostgreSQL).
worker_class = "gthread"
_cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
workers = int(os.environ.get("WEB_CONCURRENCY", str(_cores)))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5  # longer than nothing, shorter than the proxy's upstream keep-alive

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# Client address as the proxy saw it, request line, status, bytes, time in milliseconds, user agent.
access_log_format = '%({x-forwarded-for}i)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"

# gunicorn names itself in a `Server:` header on every HTTP/1 response and has no setting to stop it
# (gunicorn 27: gunicorn.http.wsgi.Response.default_headers); the app cannot remove a header the
# server adds after it. Drop that line here, in the master, before the workers are forked.
# (Behind nginx the header never reaches clients anyway: proxy_pass hides the upstream's Server;
# `server_tokens off;` hides nginx's version.)
from gunicorn.http import wsgi as _gunicorn_wsgi  # noqa: E402

_default_headers = _gunicorn_wsgi.Response.default_headers


def _default_headers_without_server(response):
    return [line for line in _default_headers(response) if not line.startswith("Server:")]


_gunicorn_wsgi.Response.default_headers = _default_headers_without_server
