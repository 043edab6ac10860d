"""Faults around the application server, against gunicorn as in production (bench.server:
DEBUG=0, gunicorn.conf.py): PostgreSQL restarted while officers save figures, uploads cut off
halfway.

The server is another process, so its data is committed (committed_country) and it reads the test
database. Sessions are written here, signed with this process's SECRET_KEY, which the server gets.
"""

import getpass
import http.client
import itertools
import os
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections
from django.urls import reverse

from bench import server
from exchange.models import ImportRecord
from indicators.models import Actual, Indicator, Target, TargetKind
from plans.models import AdminMap, Document, Role
from review.models import AuditEntry, Evidence
from tests.conftest import make_user, unit
from tests.sample_files import pdf_bytes

pytestmark = pytest.mark.usefixtures("committed_country")

ERROR_PAGE_TEXT = "Hệ thống tạm thời gặp sự cố"
CLUSTER = ("15", "main")


def server_env(**extra: str) -> dict[str, str]:
    db = connection.settings_dict
    credentials = db["USER"] or "postgres"
    if db["PASSWORD"]:
        credentials += f":{db['PASSWORD']}"
    url = f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {"DATABASE_URL": url, "SECRET_KEY": settings.SECRET_KEY, **extra}


@pytest.fixture(autouse=True)
def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the server fault tests need PostgreSQL")


def officer_with_target(username: str, province_code: str) -> tuple[str, Target]:
    """An officer of a province of the 2025 map and a target of that province they enter figures for."""
    province = unit(province_code, AdminMap.CURRENT)
    user = make_user(username, Role.OFFICER, (province_code, AdminMap.CURRENT))
    target = Target.objects.create(
        document=Document.objects.get(number="18/KH-UBND"), code=f"LOI.{province_code}", indicator=Indicator.objects.get(code="LD02"),
        territory=province, kind=TargetKind.CUMULATIVE, min_value=Decimal(5000), unit="workers",
        start_year=2021, end_year=2030, source_quote="Chỉ tiêu thử cho kiểm thử lỗi máy chủ.",
    )
    return server.signed_in_session(user), target


# ---------------------------------------------------------------------------------------------
# PostgreSQL restarted while officers save


@dataclass
class Outcome:
    officer: int
    step: str  # "form" or "save"
    started: float
    status: int | None  # None: the request raised
    finished: float
    body: str = ""
    value: int | None = None
    accepted: bool = False


def keep_saving(officer: int, browser: server.Browser, form_url: str, values, outcomes: list, stop: threading.Event):
    """Open the form and save a new value, again and again, as fast as the server answers."""
    while not stop.is_set():
        started = time.monotonic()
        try:
            status, _, html = browser.request("GET", form_url)
        except (OSError, http.client.HTTPException) as error:
            outcomes.append(Outcome(officer, "form", started, None, time.monotonic(), repr(error)))
            continue
        if status != 200:
            outcomes.append(Outcome(officer, "form", started, status, time.monotonic(), html))
            time.sleep(0.05)
            continue
        fields = server.form_fields(html)
        value = next(values)
        started = time.monotonic()
        try:
            status, response, html = browser.post_form(form_url, [
                ("csrfmiddlewaretoken", fields["csrfmiddlewaretoken"]), ("version", fields.get("version", "")),
                ("year", fields["year"]), ("period", "nam"), ("value", str(value)), ("action", "save"),
            ])
        except (OSError, http.client.HTTPException) as error:
            outcomes.append(Outcome(officer, "save", started, None, time.monotonic(), repr(error), value))
            continue
        accepted = status == 302 and (response.getheader("Location") or "").startswith("/so-lieu/")
        outcomes.append(Outcome(officer, "save", started, status, time.monotonic(), "" if accepted else html, value, accepted))


def cluster(action: str, check: bool = True) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *CLUSTER, action],
                   check=check, capture_output=True, timeout=120)


def postgres_answers() -> bool:
    db = connection.settings_dict
    return subprocess.run(["pg_isready", "-q", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432)]).returncode == 0


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def restartable_cluster():
    if shutil.which("pg_ctlcluster") is None or shutil.which("pg_isready") is None:
        pytest.skip("pg_ctlcluster (postgresql-common) is not installed: cannot restart PostgreSQL here")
    db = connection.settings_dict
    if (db["HOST"] or "127.0.0.1") not in ("127.0.0.1", "localhost") or int(db["PORT"] or 5432) != 5432:
        pytest.skip("the test database is not on the local cluster 15/main (127.0.0.1:5432)")
    clusters = [line.split() for line in subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True).stdout.splitlines()]
    owner = next((fields[4] for fields in clusters if tuple(fields[:2]) == CLUSTER and fields[2] == "5432"), None)
    if owner is None:
        pytest.skip(f"no PostgreSQL cluster {'/'.join(CLUSTER)} on port 5432 here")
    if os.geteuid() != 0 and getpass.getuser() != owner:
        pytest.skip(f"only root or {owner} may restart the PostgreSQL cluster {'/'.join(CLUSTER)}")
    try:
        yield
    finally:
        if not postgres_answers():
            cluster("start", check=False)  # "already running" is fine too
        assert wait_for(postgres_answers, 30), "PostgreSQL did not come back: pg_ctlcluster 15 main start"
        connections.close_all()  # ours died with the restart: the teardown flush opens a new one


def test_a_postgresql_restart_fails_requests_cleanly_and_loses_no_accepted_save(restartable_cluster):
    officers = [officer_with_target(f"canbo.loi.{code}", code) for code in ("01", "46", "92")]
    values = itertools.count(1001)
    outcomes: list[Outcome] = []
    stop = threading.Event()
    with server.running(server_env(), workers=1, threads=4) as web:
        browsers = [server.Browser(web, session, timeout=20) for session, _ in officers]
        threads = [
            threading.Thread(target=keep_saving, args=(i, browser, reverse("actual_entry", args=[target.pk]), values, outcomes, stop))
            for i, (browser, (_, target)) in enumerate(zip(browsers, officers))
        ]
        for thread in threads:
            thread.start()
        try:
            assert wait_for(lambda: sum(o.accepted for o in outcomes) >= 6, 15), server_failures(outcomes, web)
            # A restart, with a second of outage between the stop and the start so that requests
            # surely meet the stopped database (a bare restart may fall between two of them).
            down_at = time.monotonic()
            cluster("stop")
            time.sleep(1.0)
            cluster("start")
            up_at = time.monotonic()
            saved_again = lambda: all(any(o.accepted and o.officer == i and o.started > up_at for o in outcomes)  # noqa: E731
                                      for i in range(len(officers)))
            assert wait_for(saved_again, 15), server_failures(outcomes, web)
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
            for browser in browsers:
                browser.close()
        log = web.log_tail(300)
    connections.close_all()

    failed = [o for o in outcomes if o.status not in (200, 302)]
    assert failed, "no request met the stopped database: the test did not test anything"
    assert all(o.status is not None for o in failed), f"the server dropped connections: {failed[:3]}\n{log}"
    for outcome in failed:
        assert outcome.status in (500, 503), (outcome.status, outcome.body[:500])
        assert ERROR_PAGE_TEXT in outcome.body, outcome.body[:500]
        assert "Traceback" not in outcome.body and "OperationalError" not in outcome.body, outcome.body[:500]
    outside = [(o.step, o.status, round(o.started - down_at, 2)) for o in failed if o.finished < down_at or o.started > up_at]
    assert not outside, f"requests failed that did not meet the stopped database: {outside}\n{log}"

    content_type = ContentType.objects.get_for_model(Actual)
    for i, (_, target) in enumerate(officers):
        actual = Actual.objects.get(indicator=target.indicator, unit=target.territory)
        entries = AuditEntry.objects.filter(content_type=content_type, object_id=actual.pk, action__in=["create", "update"])
        stored = {Decimal(entry.after["value"]) for entry in entries}
        accepted = {Decimal(o.value) for o in outcomes if o.officer == i and o.accepted}
        assert accepted <= stored, f"accepted saves missing from the database: {sorted(accepted - stored)}"
        assert actual.version == entries.count()


def server_failures(outcomes: list[Outcome], web: server.Server) -> str:
    failed = [(o.step, o.status, o.body[:300]) for o in outcomes if not o.accepted and o.status != 200][:5]
    return f"{failed}\n{web.log_tail()}"


# ---------------------------------------------------------------------------------------------
# Uploads cut off halfway


@pytest.fixture
def isolated_server(tmp_path):
    """gunicorn with its own media folder and temporary folder, to see every file it leaves."""
    media, temporary = tmp_path / "media", tmp_path / "tmp"
    media.mkdir()
    temporary.mkdir()
    with server.running(server_env(MEDIA_ROOT=str(media), TMPDIR=str(temporary)), workers=1, threads=2) as web:
        web.media, web.temporary = media, temporary
        yield web


def files_in(*folders) -> list:
    return sorted(path for folder in folders for path in folder.rglob("*") if path.is_file())


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (ImportRecord, Actual, Evidence, AuditEntry, Target, Document)}


def send_cut_off(web: server.Server, browser: server.Browser, path: str, body: bytes, content_type: str, sent: int) -> None:
    """A POST announcing the whole body (Content-Length) that sends only its first `sent` bytes,
    then closes the connection, as a browser whose network dropped halfway."""
    head = "\r\n".join([
        f"POST {path} HTTP/1.1", f"Host: {web.host}:{web.port}", "X-Forwarded-Proto: https",
        f"Origin: {browser.origin}", f"Referer: {browser.origin}{path}",
        "Cookie: " + "; ".join(f"{name}={value}" for name, value in browser.cookies.items()),
        f"Content-Type: {content_type}", f"Content-Length: {len(body)}", "", "",
    ])
    logged = lambda: web.log_path.read_text(errors="replace").count(f'"POST {path} ')  # noqa: E731
    seen = logged()
    with socket.create_connection((web.host, web.port), timeout=10) as sock:
        sock.sendall(head.encode() + body[:sent])
        time.sleep(0.3)  # the server is reading the body when the connection drops
    # The server has dealt with the request when its access log shows it.
    assert wait_for(lambda: logged() > seen, 10), web.log_tail()


def actuals_csv(rows: int) -> bytes:
    lines = ["Mã chỉ số,Mã địa bàn,Bản đồ,Năm,Kỳ,Số kỳ,Giá trị,Tử số,Mẫu số,Trạng thái"]
    lines += [f'GN01,{code:02d},63,{2000 + n // 96},Năm,0,"2,{n % 100:02d}",,,Đã duyệt' for n, code in
              zip(range(rows), itertools.cycle(range(1, 97)))]
    return ("\n".join(lines) + "\n").encode()


def admin_browser(web: server.Server) -> tuple[server.Browser, str]:
    browser = server.Browser(web, server.signed_in_session(make_user("quantri.loi", Role.ADMIN)))
    status, _, html = browser.request("GET", reverse("import_home"))
    assert status == 200, html[:300]
    return browser, server.form_fields(html)["csrfmiddlewaretoken"]


def documents_csv() -> bytes:
    return ("Số hiệu,Mã cơ quan ban hành,Loại văn bản,Trích yếu,Mã địa bàn,Bản đồ,Có văn bản\n"
            "99/KH-UBND,hg-ubnd,Kế hoạch,Kế hoạch thử,93,63,Có\n").encode()


UPLOADS = {
    # name: (files, index of the file cut at a line end in its middle)
    "small-csv-in-memory": ([("actuals.csv", actuals_csv(60))], 0),
    "large-csv-on-disk": ([("actuals.csv", actuals_csv(150_000))], 0),  # past 2,5 MB: a temporary file
    "second-of-two-csv": ([("documents.csv", documents_csv()), ("actuals.csv", actuals_csv(60))], 1),
}


def test_uploads_cut_off_halfway_write_nothing(isolated_server):
    """One test for both forms: each test of this file costs a reload of the country map."""
    workbook_uploads_cut_off_write_nothing(isolated_server)
    figure_forms_cut_off_save_neither_figure_nor_file(isolated_server)


def workbook_uploads_cut_off_write_nothing(web: server.Server) -> None:
    browser, token = admin_browser(web)
    for upload, (files, cut_in) in UPLOADS.items():
        parts = [("files", name, content) for name, content in files]
        body, content_type = server.multipart([("csrfmiddlewaretoken", token)], parts)
        # Cut at the end of a line in the middle of a file: what arrived is a well-formed, shorter CSV.
        content = files[cut_in][1]
        cut = body.index(content) + content.index(b"\n", len(content) // 2) + 1
        before, files_before = row_counts(), files_in(web.media, web.temporary)

        send_cut_off(web, browser, reverse("import_upload"), body, content_type, cut)

        assert wait_for(lambda: files_in(web.media, web.temporary) == files_before, 5), (upload, files_in(web.media, web.temporary))
        assert row_counts() == before, upload
        status, _, _ = browser.request("GET", reverse("import_home"))
        assert status == 200, web.log_tail()
    # The same upload, whole, is taken: only the cut made the difference.
    status, _, _ = browser.post_form(reverse("import_upload"), [("csrfmiddlewaretoken", token)], parts)
    assert status == 302 and ImportRecord.objects.count() == 1, web.log_tail()
    browser.close()


def figure_forms_cut_off_save_neither_figure_nor_file(web: server.Server) -> None:
    session, target = officer_with_target("canbo.loi.tep", "46")
    browser = server.Browser(web, session)
    form_url = reverse("actual_entry", args=[target.pk])
    status, _, html = browser.request("GET", form_url)
    assert status == 200
    fields = server.form_fields(html)
    pdf = pdf_bytes("0123456789abcdef" * 20_000)  # a real PDF (evidence is read as one) of 320 KB
    # As the browser orders them: the figure, then the file (the buttons come last).
    form = [("csrfmiddlewaretoken", fields["csrfmiddlewaretoken"]), ("version", ""), ("year", fields["year"]),
            ("period", "nam"), ("value", "1234567")]
    body, content_type = server.multipart(form, [("evidence", "bien-ban.pdf", pdf)])
    before, files_before = row_counts(), files_in(web.media, web.temporary)
    for cut in (body.index(pdf) + len(pdf) // 2, body.index(b"\r\n\r\n1234567") + 7):  # in the file, in the figure
        send_cut_off(web, browser, form_url, body, content_type, cut)

        assert wait_for(lambda: files_in(web.media, web.temporary) == files_before, 5), files_in(web.media, web.temporary)
        assert row_counts() == before, body[cut - 40:cut]
    status, _, _ = browser.post_form(form_url, form + [("action", "save")], [("evidence", "bien-ban.pdf", pdf)])
    assert status == 302, web.log_tail()
    assert Actual.objects.get().value == Decimal(1234567)
    assert [path.stat().st_size for path in set(files_in(web.media)) - set(files_before)] == [len(pdf)]
    browser.close()
