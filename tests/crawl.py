"""A bounded crawler for the test client: every same-site link a user can follow, by URL shape.

A URL's shape is its Django route plus the names of its query parameters, so
`/so-lieu/12/` and `/so-lieu/907/` share the shape `so-lieu/<int:actual_id>/`. Each shape is
visited with at most `per_shape` distinct URLs and each crawl with at most `limit` URLs.
Links are `<a href>`, htmx `hx-get` and GET forms (submitted with their default values);
redirects are followed as links. Every visit records its status, its query count and, for
HTML, whether the invalid-variable marker appeared.
"""

import re
import time
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

INVALID_MARKER = "@@INVALID[%s]@@"
ADMIN = "/quan-tri/"
# The Django admin's own templates use missing variables on purpose; only its status is checked.
MARKER_EXEMPT_PREFIXES = (ADMIN,)
SKIPPED_PREFIXES = ("/dang-xuat/", "/quan-tri/logout/", "/static/", "/i18n/")
# The Django admin: each of its pages once, without its list filters and sort orders (hundreds of
# shapes of Django's own code) and without delete confirmations (they walk every related row).
ADMIN_PER_SHAPE = 1


@dataclass
class Visit:
    url: str
    shape: str
    status: int
    queries: int
    seconds: float = 0.0
    sql: list[str] = field(default_factory=list, repr=False)

    @property
    def page_queries(self) -> int:
        """Queries without the session's: a session is saved once a minute (the idle timeout),
        whichever page that falls on."""
        return sum('"django_session"' not in sql for sql in self.sql)
    invalid: list[str] = field(default_factory=list)
    error: str = ""


def shape_of(url: str) -> str:
    """The route with its object parameters as placeholders; a `str` parameter names a kind of
    page (the export's list and format), so its value stays in the shape."""
    parts = urlsplit(url)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    try:
        match = resolve(parts.path)
        route = re.sub(r"<str:(\w+)>", lambda m: str(match.kwargs.get(m.group(1), m.group(0))), match.route)
    except Resolver404:
        route = parts.path
    return route + ("?" + "&".join(keys) if keys else "")


class _Links(HTMLParser):
    """Same-page link targets: anchors, htmx GETs and GET forms with their default values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._select_value: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if attrs.get("hx-get"):
            self.links.append(attrs["hx-get"])
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self._form = {"action": attrs.get("action") or "", "fields": []} if method == "get" else None
        elif self._form is not None:
            name = attrs.get("name")
            if tag == "input" and name:
                kind = (attrs.get("type") or "text").lower()
                if kind in ("checkbox", "radio") and "checked" not in attrs:
                    return
                if kind not in ("submit", "button", "file", "image", "reset"):
                    self._form["fields"].append((name, attrs.get("value") or ""))
            elif tag == "select" and name:
                self._select, self._select_value = name, None
            elif tag == "option" and self._select is not None:
                if self._select_value is None or "selected" in attrs:
                    self._select_value = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select" and self._form is not None and self._select is not None:
            self._form["fields"].append((self._select, self._select_value or ""))
            self._select = None
        elif tag == "form" and self._form is not None:
            action = self._form["action"]
            query = urlencode(self._form["fields"])
            self.links.append(f"{action}?{query}" if query else action or "?")
            self._form = None


def links_in(html: str, base: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found = []
    for link in parser.links:
        absolute = urljoin(base, link.strip())
        parts = urlsplit(absolute)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
            continue
        if parts.path.startswith(SKIPPED_PREFIXES):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def wanted(url: str) -> bool:
    return not url.startswith(ADMIN) or ("?" not in url and not url.endswith("/delete/"))


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        # The client closes the response once its content is read (without closing connections).
        return b"".join(response.streaming_content)
    return response.content


def visit(client, url: str, *, shape: str | None = None) -> tuple[Visit, list[str]]:
    """One GET; a view's exception is recorded as a 500 (in a savepoint, so the crawl goes on)."""
    shape = shape or shape_of(url)
    started = time.perf_counter()
    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            body = _body(response)
    except Exception as error:  # the crawl reports every failure, not the first
        return Visit(url, shape, 500, 0, error=f"{type(error).__name__}: {error}"[:500]), []
    result = Visit(url, shape, response.status_code, len(queries), time.perf_counter() - started,
                   sql=[query["sql"] for query in queries.captured_queries])
    links: list[str] = []
    if 300 <= response.status_code < 400 and response.has_header("Location"):
        links = links_in(f'<a href="{response["Location"]}">', url)
    elif "text/html" in response.get("Content-Type", ""):
        html = body.decode(response.charset or "utf-8", errors="replace")
        if not url.startswith(MARKER_EXEMPT_PREFIXES):
            marker_head = INVALID_MARKER.split("%s")[0]
            start = 0
            while (start := html.find(marker_head, start)) != -1:
                end = html.find("]@@", start)
                result.invalid.append(html[start + len(marker_head):end])
                start = end if end != -1 else len(html)
        links = links_in(html, url)
    return result, links


def crawl(client, start: list[str], *, per_shape: int = 3, limit: int = 400, extra: list[str] = ()) -> list[Visit]:
    """Breadth first from `start`; `extra` URLs are visited too, outside the per-shape bound."""
    seen: set[str] = set()
    per: dict[str, int] = {}
    queue: deque[tuple[str, bool]] = deque((url, False) for url in start)
    queue.extend((url, True) for url in extra)
    visits: list[Visit] = []
    while queue and len(visits) < limit:
        url, forced = queue.popleft()
        if url in seen:
            continue
        if not forced and not wanted(url):
            continue
        shape = shape_of(url)
        if not forced and per.get(shape, 0) >= (ADMIN_PER_SHAPE if url.startswith(ADMIN) else per_shape):
            continue
        seen.add(url)
        per[shape] = per.get(shape, 0) + 1
        result, links = visit(client, url, shape=shape)
        visits.append(result)
        queue.extend((link, False) for link in links if link not in seen)
    return visits
