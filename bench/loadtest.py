"""Load test: officers saving figures and leaders reading dashboards through gunicorn.

`make loadtest` (LOADTEST_ARGS="--seconds 10" for a short run, "--prepare-only" to build the data).

Data: the national-scale data of bench_dashboards (country map, seed cascade, ~500.000 illustrative
figures 2020–2026), then, idempotently, a load-test plan ("TẢI-THỬ/KH") with one target per
officer. 50 officers, alternately on one of 25 provinces of the 2025 map and on a commune of one of
the other 9 provinces, alternately on the poverty rate (GN01, %) and created jobs (LD02); each may
enter figures for their own territory only, so no two of them write the same row, but they do
share the turn-taking lock of their indicator and year (see indicators.rollups.refresh_for). 10
national leaders, 5 national reviewers. Each officer enters the figure of the current year, the
entry form's default; the illustrative figure of that key is put aside before the run and back
after it, so that every officer starts from an empty form and every accepted save, submission and
return adds exactly one version and one audit entry.

Sessions are written straight into the session table before the clock starts: nobody pays a
password hash in the measured window. They are deleted after the run.

The server is gunicorn with gunicorn.conf.py and production settings (DEBUG=0), started by
bench.server; the clients play the TLS proxy too (X-Forwarded-Proto: https, Origin as a browser
sends it). Each simulated user has its own keep-alive connection, as a browser does, opened again
when it has been idle longer than the server keeps it; static files are not requested (browsers
cache them).

Each officer, in a loop: opens the entry form (GET), thinks 3–7 s (reading, typing the figure),
saves (multipart POST with the CSRF token and the version of the form, as the browser sends it),
follows the redirect to the saved figure's page, thinks 2–4 s: a save about every 8 s. Most saves
are drafts ("Lưu nháp", save_post), which since the figure was never counted skip the dashboards'
roll-up; a share of them (--submit-share, 1 in 3 by default, spread evenly over each officer's
saves from a random phase) are "Gửi duyệt" (submit_post): the figure becomes pending on the
dashboards' row of its unit, under the lock that saves of that indicator and year take turns on,
25 officers to an indicator. Approvals, which change an approved value and add up the province,
regions and nation again (about 20 ms at this scale), are not in the mix. A pending figure cannot
be edited, so the officer then waits until a reviewer has returned it. A reviewer takes the next submitted figure (as the review queue
would show it), opens its page (review_page), thinks 1–3 s and returns it with a comment (a POST
of the page's return form, review_return), which takes the same turn once more; the officer's next
save edits the returned figure as a draft. A save or return counts as accepted only when the
answer is the redirect to the figure's page; after the run every accepted one must be in the
database (its audit entry, one version each). Each leader,
in a loop: opens the next page of a rotation (overview, a target, the 34 provinces compared, the
communes of one of the 8 biggest provinces, the IPTT table), thinks 3–8 s. Users start at random
moments within their first think time. Latency is measured from sending the request to the last
byte of the answer.

Targets (on the 2 cores shared with this load generator): every officer and reviewer request
p95 < 200 ms, every dashboard page p95 < 500 ms; no errors (a status other than 2xx/3xx, or an exception).
"""

import argparse
import os
import queue
import random
import re
import secrets
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import django

from bench import report, server

OFFICERS = 50
LEADERS = 10
REVIEWERS = 5
SUBMIT_SHARE = 1 / 3  # of the officers' saves, "Gửi duyệt": pending on the dashboards, under the turn-taking lock
OFFICER_FILL_SECONDS = (3.0, 7.0)  # reading the form and typing the figure
OFFICER_PAUSE_SECONDS = (2.0, 4.0)  # reading the saved figure before the next one
LEADER_THINK_SECONDS = (3.0, 8.0)  # reading a dashboard page
REVIEWER_THINK_SECONDS = (1.0, 3.0)  # reading a submitted figure before returning it
RETURN_COMMENT = "Kiểm thử tải: đề nghị kiểm tra lại nguồn số liệu."
SAVE_TARGET_MS = 200
DASHBOARD_TARGET_MS = 500
DOCUMENT_NUMBER = "TẢI-THỬ/KH"
OFFICER_INDICATORS = ["GN01", "LD02"]
OFFICER_TYPES = ["save_form", "save_post", "submit_post", "save_result", "review_page", "review_return"]
DASHBOARD_TYPES = ["dash_overview", "dash_target", "dash_compare_provinces", "dash_compare_communes", "dash_iptt"]

SAVED_RE = re.compile(r"^(?:https?://[^/]+)?/so-lieu/(\d+)/$")


# ---------------------------------------------------------------------------------------------
# Data and users (in this process, before the clock starts)


@dataclass
class Officer:
    username: str
    session_key: str
    target_id: int
    measure_unit: str


@dataclass
class Prepared:
    officers: list[Officer]
    leader_sessions: list[str]
    dashboard_urls: dict[str, list[str]]
    actual_keys: list[dict]
    officer_ids: list[int]
    put_aside: list[dict]
    reviewer_sessions: list[str] = field(default_factory=list)
    reviewer_ids: list[int] = field(default_factory=list)


def _user(username: str, role: str, unit):
    from django.contrib.auth import get_user_model

    from plans.models import Membership

    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save()
    Membership.objects.filter(user=user).exclude(unit=unit, agency=None, role=role).delete()
    Membership.objects.get_or_create(user=user, unit=unit, agency=None, role=role)
    return user


def _officer_units(count: int) -> list:
    """Alternately a province of the 2025 map (the first 25 by code) and a commune of one of the
    other provinces (in turn, a further commune on each round): the first `count` of a fixed list,
    so that officer n always has the same territory and target."""
    from plans.models import AdministrativeUnit, AdminMap, UnitLevel

    provinces = list(AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, admin_map=AdminMap.CURRENT).order_by("code"))
    on_provinces, others = provinces[:25], provinces[25:]
    units = []
    for n in range(count):
        if n % 2 == 0 and n // 2 < len(on_provinces):
            units.append(on_provinces[n // 2])
        else:
            k = sum(1 for taken in units if taken.level == UnitLevel.COMMUNE)
            units.append(others[k % len(others)].children.order_by("code")[k // len(others)])
    return units


def _plan(nation):
    from plans.models import Agency, Document, DocumentKind

    issuer = Agency.objects.get(code="tw-bo-nnmt")
    document, _ = Document.objects.get_or_create(
        issuer=issuer, number=DOCUMENT_NUMBER,
        defaults={"kind": DocumentKind.PLAN, "territory": nation, "start_year": 2021, "end_year": 2030,
                  "title": "Kế hoạch dùng cho kiểm thử tải (minh họa, không phải văn bản thật)"},
    )
    return document


def _target(document, position: int, indicator, unit):
    from indicators.models import Target, TargetKind

    bound = {"max_value": Decimal("1.5")} if indicator.measure_unit == "percent" else {"min_value": Decimal(5000)}
    target, _ = Target.objects.update_or_create(
        document=document, code=f"TT.{position:02d}",
        defaults={"position": position, "indicator": indicator, "territory": unit, "kind": TargetKind.LEVEL,
                  "unit": indicator.measure_unit, "start_year": 2021, "end_year": 2030,
                  "source_quote": "Chỉ tiêu minh họa cho kiểm thử tải.", **bound},
    )
    return target


def _dashboard_urls() -> dict[str, list[str]]:
    from django.db.models import Count
    from django.urls import reverse

    from indicators.models import Indicator, Target
    from plans.models import AdministrativeUnit, AdminMap, Document, UnitLevel

    targets = [
        Target.objects.get(document__number="05-CT/TW", code="MT.1"),
        Target.objects.get(document__issuer__code="hg-ubnd", code="II.2.a.1"),
    ]
    gn01 = Indicator.objects.get(code="GN01")
    provinces = (
        AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, admin_map=AdminMap.CURRENT)
        .annotate(n=Count("children")).order_by("-n")
    )
    compare = reverse("dashboard_compare", args=[gn01.pk])
    plan = Document.objects.get(number="18/KH-UBND")
    return {
        "dash_overview": [reverse("dashboard")],
        "dash_target": [reverse("dashboard_target", args=[t.pk]) for t in targets],
        "dash_compare_provinces": [compare],
        "dash_compare_communes": [f"{compare}?dia_ban={p.pk}" for p in provinces[:8]],  # the biggest ones
        "dash_iptt": [reverse("dashboard_iptt", args=[plan.pk])],
    }


def prepare(officers: int, leaders: int, reviewers: int) -> Prepared:
    from django.utils import timezone

    from bench.bench_dashboards import _ensure_data
    from indicators.models import Actual, ActualSource, Indicator, PeriodKind
    from plans.models import AdministrativeUnit, Role, UnitLevel

    _ensure_data()
    nation = AdministrativeUnit.objects.get(level=UnitLevel.NATION)
    document = _plan(nation)
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=OFFICER_INDICATORS)}
    year = timezone.localdate().year
    prepared = Prepared([], [], _dashboard_urls(), [], [], [])
    for n, unit in enumerate(_officer_units(officers), start=1):
        indicator = indicators[OFFICER_INDICATORS[n % len(OFFICER_INDICATORS)]]
        user = _user(f"taithu.canbo.{n:02d}", Role.OFFICER, unit)
        target = _target(document, n, indicator, unit)
        key = {"indicator_id": target.indicator_id, "unit_id": target.territory_id, "year": year,
               "period_kind": PeriodKind.YEAR, "period_number": 0}
        # Every officer starts from an empty form: the benchmark's illustrative figure is put
        # aside (and back after the run), a previous run's draft deleted. One by one, so that each
        # deletion updates the dashboards' table (post_delete).
        for actual in Actual.objects.filter(**key):
            if actual.source == ActualSource.ILLUSTRATIVE:
                prepared.put_aside.append(
                    {f.attname: getattr(actual, f.attname) for f in Actual._meta.concrete_fields if not f.primary_key})
            actual.delete()
        prepared.officers.append(Officer(user.username, server.signed_in_session(user), target.pk, target.unit))
        prepared.actual_keys.append(key)
        prepared.officer_ids.append(user.pk)
    for n in range(1, leaders + 1):
        prepared.leader_sessions.append(server.signed_in_session(_user(f"taithu.lanhdao.{n:02d}", Role.LEADER, nation)))
    for n in range(1, reviewers + 1):  # national: every officer's figure is in their scope, none is their own
        reviewer = _user(f"taithu.duyet.{n:02d}", Role.REVIEWER, nation)
        prepared.reviewer_sessions.append(server.signed_in_session(reviewer))
        prepared.reviewer_ids.append(reviewer.pk)
    return prepared


def put_back(prepared: Prepared) -> None:
    """After the run: the officers' drafts go, the illustrative figures put aside come back, and
    the sessions written for the run are deleted."""
    from django.contrib.sessions.models import Session
    from django.db.models import Q

    from indicators.models import Actual

    keys = Q(pk__in=[])
    for key in prepared.actual_keys:
        keys |= Q(**key)
    for actual in Actual.objects.filter(keys):
        actual.delete()
    for values in prepared.put_aside:
        Actual(**values).save()  # post_save puts its row back into the dashboards' table
    sessions = [officer.session_key for officer in prepared.officers] + prepared.leader_sessions + prepared.reviewer_sessions
    Session.objects.filter(session_key__in=sessions).delete()


# ---------------------------------------------------------------------------------------------
# Clients (threads of this process)


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    exceptions: int = 0
    accepted_saves: int = 0  # drafts and submissions
    accepted_submits: int = 0
    refused_saves: int = 0
    accepted_returns: int = 0
    refused_returns: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, milliseconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(milliseconds)

    def error(self, kind: str, detail: str) -> None:
        with self.lock:
            self.errors[kind] += 1
            if len(self.error_samples) < 10:
                self.error_samples.append(f"{kind}: {detail}")


def timed(stats: Stats, kind: str, call):
    """Run one request; record its latency, or an error for an exception or a 4xx/5xx status."""
    started = time.perf_counter()
    try:
        status, response, text = call()
    except Exception as error:  # noqa: BLE001 — every failure of a request is counted and shown
        stats.error(kind, f"{type(error).__name__}: {error}")
        with stats.lock:
            stats.exceptions += 1
        return None
    stats.record(kind, (time.perf_counter() - started) * 1000)
    if not 200 <= status < 400:
        stats.error(kind, f"HTTP {status}")
        return None
    return status, response, text


def _figure(measure_unit: str, rng: random.Random) -> str:
    if measure_unit == "percent":
        return f"{rng.uniform(0.5, 9.5):.2f}".replace(".", ",")
    return f"{rng.randrange(1000, 90000):,}".replace(",", ".")


def officer_loop(officer: Officer, web, stats: Stats, stop: threading.Event, rng: random.Random,
                 submit_share: float, submitted: queue.Queue) -> None:
    from django.urls import reverse

    browser = server.Browser(web, officer.session_key)
    form_url = reverse("actual_entry", args=[officer.target_id])
    credit = rng.random()  # submit_share of the saves are submissions, evenly spread from a random phase
    if stop.wait(rng.uniform(0, OFFICER_FILL_SECONDS[1])):
        return
    while not stop.is_set():
        got = timed(stats, "save_form", lambda: browser.request("GET", form_url))
        fields = server.form_fields(got[2]) if got else {}
        if got and "csrfmiddlewaretoken" not in fields:
            stats.error("save_form", "no CSRF token on the form")
            got = None
        if got is None:
            if stop.wait(rng.uniform(*OFFICER_PAUSE_SECONDS)):
                break
            continue
        if stop.wait(rng.uniform(*OFFICER_FILL_SECONDS)):
            break
        credit += submit_share
        submit = credit >= 1
        credit -= 1 if submit else 0
        form = [("csrfmiddlewaretoken", fields["csrfmiddlewaretoken"]), ("version", fields.get("version", "")),
                ("year", fields.get("year", "")), ("period", "nam"), ("value", _figure(officer.measure_unit, rng)),
                ("numerator", ""), ("denominator", ""), ("action", "submit" if submit else "save")]
        kind = "submit_post" if submit else "save_post"
        got = timed(stats, kind, lambda: browser.post_form(form_url, form, [("evidence", "", b"")]))
        returned = None
        if got is not None:
            status, response, _ = got
            saved = SAVED_RE.match(response.getheader("Location") or "")
            if status == 302 and saved:
                with stats.lock:
                    stats.accepted_saves += 1
                    stats.accepted_submits += submit
                path = f"/so-lieu/{saved.group(1)}/"
                timed(stats, "save_result", lambda: browser.request("GET", path, headers={"Referer": browser.origin + form_url}))
                if submit:  # pending now: no edit before a reviewer returns it
                    returned = threading.Event()
                    submitted.put((int(saved.group(1)), returned, 1))
            else:
                with stats.lock:
                    stats.refused_saves += 1
                    if len(stats.error_samples) < 10:
                        stats.error_samples.append(f"{kind} refused: HTTP {status} {response.getheader('Location')}")
        while returned is not None and not returned.wait(0.2):
            if stop.is_set():
                break
        if stop.wait(rng.uniform(*OFFICER_PAUSE_SECONDS)):
            break
    browser.close()


def reviewer_loop(session_key: str, web, stats: Stats, stop: threading.Event, rng: random.Random,
                  submitted: queue.Queue) -> None:
    """Take the next submitted figure, open its page, think, return it with a comment; then tell
    its officer, who may edit it again. A failed return is tried again (3 attempts in all)."""
    browser = server.Browser(web, session_key)
    while not stop.is_set():
        try:
            actual_id, returned, attempt = submitted.get(timeout=0.2)
        except queue.Empty:
            continue
        accepted = False
        try:
            path, return_url = f"/so-lieu/{actual_id}/", f"/so-lieu/{actual_id}/tra-lai/"
            got = timed(stats, "review_page", lambda: browser.request("GET", path))
            fields = server.form_fields(got[2]) if got else {}
            if got and (f'action="{return_url}"' not in got[2] or "csrfmiddlewaretoken" not in fields):
                stats.error("review_page", f"no return form on {path}")
                got = None
            if got is None or stop.wait(rng.uniform(*REVIEWER_THINK_SECONDS)):
                continue
            body = urlencode({"csrfmiddlewaretoken": fields["csrfmiddlewaretoken"], "review_comment": RETURN_COMMENT})
            got = timed(stats, "review_return", lambda: browser.request(
                "POST", return_url, body.encode(),
                {"Content-Type": "application/x-www-form-urlencoded", "Referer": browser.origin + path}))
            if got is not None:
                status, response, _ = got
                with stats.lock:
                    if status == 302 and SAVED_RE.match(response.getheader("Location") or ""):
                        stats.accepted_returns += 1
                        accepted = True
                    else:
                        stats.refused_returns += 1
                        if len(stats.error_samples) < 10:
                            stats.error_samples.append(f"return refused: HTTP {status} {response.getheader('Location')}")
        finally:
            if accepted or stop.is_set() or attempt >= 3:
                returned.set()  # the officer goes on (after a last failure its save of the pending figure is refused)
            else:
                submitted.put((actual_id, returned, attempt + 1))
    browser.close()


def leader_loop(session_key: str, urls: dict[str, list[str]], web, stats: Stats, stop: threading.Event,
                rng: random.Random) -> None:
    browser = server.Browser(web, session_key)
    rotation = rng.randrange(len(DASHBOARD_TYPES))
    if stop.wait(rng.uniform(0, LEADER_THINK_SECONDS[1])):
        return
    while not stop.is_set():
        kind = DASHBOARD_TYPES[rotation % len(DASHBOARD_TYPES)]
        rotation += 1
        url = rng.choice(urls[kind])
        timed(stats, kind, lambda: browser.request("GET", url))
        if stop.wait(rng.uniform(*LEADER_THINK_SECONDS)):
            break
    browser.close()


def warm_up(web, prepared: Prepared, workers: int) -> None:
    """A few requests of every kind, so that each worker has loaded its templates and connections."""
    from django.urls import reverse

    officer = server.Browser(web, prepared.officers[0].session_key)
    leader = server.Browser(web, prepared.leader_sessions[0])
    for _ in range(workers * 2):
        officer.close()  # a new connection: the next request may reach another worker
        leader.close()
        status, _, _ = officer.request("GET", reverse("actual_entry", args=[prepared.officers[0].target_id]))
        assert status == 200, f"entry form: HTTP {status}"
        for kind in DASHBOARD_TYPES:
            for url in prepared.dashboard_urls[kind][:2]:
                status, _, _ = leader.request("GET", url)
                assert status == 200, f"{kind} {url}: HTTP {status}"
    officer.close()
    leader.close()


# ---------------------------------------------------------------------------------------------
# Report


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * (len(ordered) - 1)))))] if ordered else 0.0


def verify(prepared: Prepared, since) -> tuple[int, int, int, int]:
    """Since the start: the audit entries of the officers' saves and of their submissions, those of
    the reviewers' returns; the sum of the figures' versions (each save, submission and return adds one)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q, Sum

    from indicators.models import Actual
    from review.models import AuditEntry

    entries = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Actual), at__gte=since)
    officers = entries.filter(user_id__in=prepared.officer_ids)
    saves = officers.filter(action__in=["create", "update"]).count()
    submits = officers.filter(action="submit").count()
    returns = entries.filter(user_id__in=prepared.reviewer_ids, action="return").count()
    keys = Q(pk__in=[])
    for key in prepared.actual_keys:
        keys |= Q(**key)
    versions = Actual.objects.filter(keys).aggregate(total=Sum("version"))["total"] or 0
    return saves, submits, returns, versions


def run(args, prepared: Prepared, secret_key: str) -> tuple[Stats, float, object]:
    """gunicorn up, the warm-up, the clients for args.seconds, gunicorn down (also on Ctrl-C)."""
    from django.db import connections
    from django.utils import timezone

    connections.close_all()  # this process's connection would idle through the run
    stats = Stats()
    stop = threading.Event()
    web = server.start({"DATABASE_URL": os.environ["DATABASE_URL"], "SECRET_KEY": secret_key},
                       workers=args.workers, threads=args.threads, log_path=args.server_log)
    try:
        warm_up(web, prepared, args.workers)
        print(f"gunicorn at {web.url}: {args.workers} gthread workers x {args.threads} threads. Load for {args.seconds:.0f} s: "
              f"{len(prepared.officers)} officers (form, {OFFICER_FILL_SECONDS[0]:.0f}–{OFFICER_FILL_SECONDS[1]:.0f} s, "
              f"save, saved figure, {OFFICER_PAUSE_SECONDS[0]:.0f}–{OFFICER_PAUSE_SECONDS[1]:.0f} s; "
              f"{args.submit_share:.0%} of saves submitted for review: pending on the dashboards), "
              f"{len(prepared.reviewer_sessions)} reviewers (return each submitted figure after "
              f"{REVIEWER_THINK_SECONDS[0]:.0f}–{REVIEWER_THINK_SECONDS[1]:.0f} s), "
              f"{len(prepared.leader_sessions)} leaders (a dashboard page every "
              f"{LEADER_THINK_SECONDS[0]:.0f}–{LEADER_THINK_SECONDS[1]:.0f} s)", flush=True)
        since = timezone.now()
        rng = random.Random(args.seed)
        submitted: queue.Queue = queue.Queue()
        threads = [
            threading.Thread(target=officer_loop, args=(officer, web, stats, stop, random.Random(rng.random()),
                                                        args.submit_share, submitted), daemon=True)
            for officer in prepared.officers
        ] + [
            threading.Thread(target=reviewer_loop, args=(session, web, stats, stop, random.Random(rng.random()), submitted),
                             daemon=True)
            for session in prepared.reviewer_sessions
        ] + [
            threading.Thread(target=leader_loop, args=(session, prepared.dashboard_urls, web, stats, stop,
                                                       random.Random(rng.random())), daemon=True)
            for session in prepared.leader_sessions
        ]
        clock = time.perf_counter()
        for thread in threads:
            thread.start()
        stop.wait(args.seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=35)
        return stats, time.perf_counter() - clock, since
    finally:
        stop.set()
        web.stop()


def summary(stats: Stats, elapsed: float, prepared: Prepared, since) -> int:
    """Print the figures and the verdicts; the exit status."""
    responses = sum(len(samples) for samples in stats.latencies.values())
    total = responses + stats.exceptions
    errors = sum(stats.errors.values())
    print(f"Requests: {total}  errors: {errors} ({stats.exceptions} exceptions)  "
          f"{total / elapsed:.1f} requests/s over {elapsed:.1f} s", flush=True)
    report("loadtest_requests", total, "requests")
    report("loadtest_errors", errors, "errors")
    report("loadtest_requests_per_s", total / elapsed, "req/s")
    met = True
    for kind in OFFICER_TYPES + DASHBOARD_TYPES:
        samples = stats.latencies.get(kind, [])
        limit = SAVE_TARGET_MS if kind in OFFICER_TYPES else DASHBOARD_TARGET_MS
        p50, p95 = percentile(samples, 0.5), percentile(samples, 0.95)
        ok = bool(samples) and p95 < limit
        met &= ok
        print(f"{kind:<24} {len(samples):5d} responses  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
              f"errors {stats.errors.get(kind, 0):3d}  {'met' if ok else 'NOT MET'} (target p95 < {limit} ms)", flush=True)
        report(f"loadtest_{kind}_p50", p50, "ms")
        report(f"loadtest_{kind}_p95", p95, "ms")
    for sample in stats.error_samples:
        print(f"  {sample}", flush=True)

    saves, submits, returns, versions = verify(prepared, since)
    expected_versions = stats.accepted_saves + stats.accepted_submits + stats.accepted_returns
    saved_ok = (saves, submits, returns, versions) == (
        stats.accepted_saves, stats.accepted_submits, stats.accepted_returns, expected_versions)
    counted = stats.accepted_submits / stats.accepted_saves if stats.accepted_saves else 0.0
    print(f"Saves accepted: {stats.accepted_saves} ({stats.accepted_saves - stats.accepted_submits} drafts, "
          f"{stats.accepted_submits} submitted: {counted:.0%}), refused: {stats.refused_saves}; "
          f"returns accepted: {stats.accepted_returns}, refused: {stats.refused_returns}; in the database: "
          f"{saves} save, {submits} submit and {returns} return audit entries, versions adding up to {versions} "
          f"(expected {expected_versions}): {'all there' if saved_ok else 'MISMATCH'}", flush=True)
    report("loadtest_saves_accepted", stats.accepted_saves, "saves")
    report("loadtest_saves_in_database", saves, "saves")
    report("loadtest_submits_accepted", stats.accepted_submits, "saves")
    report("loadtest_returns_accepted", stats.accepted_returns, "returns")
    print(f"Targets (saving and reviewing p95 < {SAVE_TARGET_MS} ms, dashboards p95 < {DASHBOARD_TARGET_MS} ms, no errors): "
          f"{'MET' if met and not errors else 'NOT MET'}", flush=True)
    return 0 if errors == 0 and saved_ok and stats.refused_saves == 0 and stats.refused_returns == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="measured duration (default 60)")
    parser.add_argument("--officers", type=int, default=OFFICERS)
    parser.add_argument("--leaders", type=int, default=LEADERS)
    parser.add_argument("--reviewers", type=int, default=REVIEWERS)
    parser.add_argument("--submit-share", type=float, default=SUBMIT_SHARE,
                        help="share of the officers' saves submitted for review (default 1/3); the rest are drafts")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.add_argument("--seed", type=int, default=2026, help="think times and figures are drawn from it")
    parser.add_argument("--server-log", type=Path, help="keep gunicorn's access and error log in this file")
    parser.add_argument("--prepare-only", action="store_true", help="build the data and the users, then stop")
    args = parser.parse_args(argv)

    # The sessions written here are signed with the key the server will use.
    secret_key = os.environ["SECRET_KEY"] = f"loadtest-{secrets.token_urlsafe(40)}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertyplan.settings")
    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("The load test needs PostgreSQL (make loadtest).")
        return 2
    started = time.perf_counter()
    if not 0 <= args.submit_share <= 1:
        parser.error("--submit-share must be between 0 and 1")
    if args.submit_share and not args.reviewers:
        parser.error("submitted figures need --reviewers to return them")
    prepared = prepare(args.officers, args.leaders, args.reviewers)
    print(f"Data, {args.officers} officers, {args.reviewers} reviewers and {args.leaders} leaders ready in {time.perf_counter() - started:.1f} s", flush=True)
    try:
        if args.prepare_only:
            return 0
        stats, elapsed, since = run(args, prepared, secret_key)
        return summary(stats, elapsed, prepared, since)
    except KeyboardInterrupt:
        print("Interrupted (Ctrl-C): gunicorn stopped.", flush=True)
        return 130
    finally:
        put_back(prepared)


if __name__ == "__main__":
    sys.exit(main())
