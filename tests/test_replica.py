"""The read replica (common/replica.py): the dashboards read from a `replica` alias when one is
configured, writes and an officer's own pages never do, and without the alias nothing changes.

The router's rules are checked everywhere. The class at the end runs against a real streaming
replica of the test cluster, made with pg_basebackup by scripts/pg_replica.sh (as `make replica`
does) on a free port and stopped after this module; where the machine cannot make one it is
skipped with the reason printed. Replay on the replica is paused to make it lag by exactly one
write: a page that shows that write read the primary, a page that does not read the replica.
"""

import os
import re
import runpy
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from common.replica import REPLICA_DB_ALIAS, ReplicaRouter, reads_from_replica, replica_reads_active
from indicators.models import Actual, Indicator, Target
from review.models import ReviewStatus
from tests.conftest import unit

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "pg_replica.sh"
router = ReplicaRouter()

DASHBOARD_PAGES = ["dashboard", "dashboard_target", "dashboard_compare_index", "dashboard_compare",
                   "dashboard_cascade_index", "dashboard_cascade", "dashboard_iptt", "dashboard_iptt_excel"]


@contextmanager
def replica_alias(config: dict | None):
    """Settings with this `replica` database (None: without one), put back afterwards, including
    a mirror connection the test runner may have made from REPLICA_DATABASE_URL."""
    had_config = REPLICA_DB_ALIAS in connections.settings
    before_config = connections.settings.get(REPLICA_DB_ALIAS)
    before_connection = getattr(connections._connections, REPLICA_DB_ALIAS, None)
    if before_connection is not None:
        delattr(connections._connections, REPLICA_DB_ALIAS)
    if had_config:
        del connections.settings[REPLICA_DB_ALIAS]
    if config is not None:
        connections.settings[REPLICA_DB_ALIAS] = config
    try:
        yield
    finally:
        if config is not None:
            if getattr(connections._connections, REPLICA_DB_ALIAS, None) is not None:
                connections[REPLICA_DB_ALIAS].close()
                del connections[REPLICA_DB_ALIAS]
            del connections.settings[REPLICA_DB_ALIAS]
        if had_config:
            connections.settings[REPLICA_DB_ALIAS] = before_config
            if before_connection is not None:
                setattr(connections._connections, REPLICA_DB_ALIAS, before_connection)


def replica_config(port: int) -> dict:
    """The primary's test database on another server; a test mirror, so no test flushes it."""
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    return {**primary, "HOST": "127.0.0.1", "PORT": port, "CONN_MAX_AGE": 0,
            "OPTIONS": dict(primary["OPTIONS"]), "TEST": {**primary["TEST"], "MIRROR": DEFAULT_DB_ALIAS}}


@reads_from_replica
def marked_reads() -> tuple[str, ...]:
    """Where a marked view reads an Actual at first, where it reads one after a write, and where it
    writes one."""
    first = router.db_for_read(Actual)
    router.db_for_write(Actual)
    return first, router.db_for_read(Actual), router.db_for_write(Actual)


# --- The router's rules, with or without a replica ----------------------------------------------

def test_without_a_replica_alias_a_marked_view_reads_and_writes_the_primary():
    with replica_alias(None):
        assert marked_reads() == (DEFAULT_DB_ALIAS, DEFAULT_DB_ALIAS, DEFAULT_DB_ALIAS)
        assert reads_from_replica(lambda: Actual.objects.all().db)() == DEFAULT_DB_ALIAS


def test_a_replica_alias_naming_the_primarys_own_database_is_read_through_the_primary():
    # What the test runner makes of REPLICA_DATABASE_URL (a mirror): the same data, and reading
    # "default" itself sees a test's open transaction.
    with replica_alias(dict(connections[DEFAULT_DB_ALIAS].settings_dict)):
        assert reads_from_replica(lambda: router.db_for_read(Actual))() == DEFAULT_DB_ALIAS


def test_a_marked_view_reads_the_replica_until_it_writes_and_nothing_else_reads_it():
    with replica_alias(replica_config(port=1)):
        assert router.db_for_read(Actual) == DEFAULT_DB_ALIAS
        assert marked_reads() == (REPLICA_DB_ALIAS, DEFAULT_DB_ALIAS, DEFAULT_DB_ALIAS)
        assert reads_from_replica(lambda: Actual.objects.all().db)() == REPLICA_DB_ALIAS
        assert reads_from_replica(lambda: Actual.objects.select_for_update().db)() == DEFAULT_DB_ALIAS
        assert router.db_for_read(Actual) == DEFAULT_DB_ALIAS and not replica_reads_active()


def test_a_marked_view_reads_the_primary_inside_a_transaction(monkeypatch):
    with replica_alias(replica_config(port=1)):
        monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "in_atomic_block", True)
        assert reads_from_replica(lambda: router.db_for_read(Actual))() == DEFAULT_DB_ALIAS


def test_the_mark_ends_with_the_view_even_when_it_fails():
    @reads_from_replica
    def broken():
        assert replica_reads_active()
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        broken()
    assert not replica_reads_active()


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "indicators") is True
    assert router.allow_migrate(REPLICA_DB_ALIAS, "indicators") is False


def test_the_dashboards_are_marked_and_the_officers_pages_are_not():
    for name in DASHBOARD_PAGES:
        args = [] if name.endswith(("_index", "dashboard")) else [1]
        assert getattr(resolve(reverse(name, args=args)).func, "reads_from_replica", False), name
    for url in (reverse("home"), reverse("my_work"), reverse("review_queue"), reverse("actual_entry", args=[1]),
                reverse("actual_detail", args=[1])):
        assert not getattr(resolve(url).func, "reads_from_replica", False), url


def test_the_settings_add_the_replica_only_when_its_url_is_set(monkeypatch):
    path = str(Path(settings.BASE_DIR) / "povertyplan" / "settings.py")
    monkeypatch.setenv("DATABASE_URL", "postgres://app@10.0.0.1:5432/povertyplan")
    monkeypatch.delenv("REPLICA_DATABASE_URL", raising=False)
    without = runpy.run_path(path)
    assert "replica" not in without["DATABASES"]
    assert without["DATABASE_ROUTERS"] == ["common.replica.ReplicaRouter"]
    monkeypatch.setenv("REPLICA_DATABASE_URL", "postgres://app@10.0.0.2:5433/povertyplan")
    replica = runpy.run_path(path)["DATABASES"]["replica"]
    assert (replica["HOST"], replica["PORT"], replica["NAME"]) == ("10.0.0.2", 5433, "povertyplan")
    assert replica["TEST"] == {"MIRROR": "default"}


# --- Against a real streaming replica -----------------------------------------------------------

def _say(request, text: str) -> None:
    """Printed even when pytest captures output: the reason a replica test did not run."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n{text}", file=sys.stderr)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def streaming_replica(request, django_db_setup):
    """A streaming replica of the test cluster, made after the test database (it streams every
    database of the cluster): its port. Stopped, and its slot dropped, after this module."""
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    reason = None
    if primary["ENGINE"] != "django.db.backends.postgresql":
        reason = "the tests run on SQLite"
    elif primary["HOST"] not in ("127.0.0.1", "localhost"):
        reason = f"the test database is on {primary['HOST']}, not this machine"
    if reason:
        _say(request, f"test_replica: no streaming replica ({reason}); the replica tests are skipped")
        pytest.skip(f"no streaming replica: {reason}")
    name = re.sub(r"[^a-z0-9_]", "_", primary["NAME"].lower())
    folder, slot, port = Path(tempfile.gettempdir()) / f"povertyplan-replica-{name}", f"pp_{name}"[:63], _free_port()
    env = {**os.environ, "PRIMARY_HOST": "127.0.0.1", "PRIMARY_PORT": str(primary["PORT"] or 5432),
           "START_TIMEOUT": "180"}
    try:
        made = subprocess.run(["sh", str(SCRIPT), "start", str(folder), str(port), slot], env=env,
                              capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as error:
        made = subprocess.CompletedProcess([], 1, "", str(error))
    if made.returncode != 0:
        reason = (made.stderr.strip().splitlines() or ["scripts/pg_replica.sh failed"])[-1]
        subprocess.run(["sh", str(SCRIPT), "stop", str(folder), slot], env=env, capture_output=True, timeout=300)
        _say(request, f"test_replica: no streaming replica ({reason}); the replica tests are skipped")
        pytest.skip(f"no streaming replica: {reason}")
    try:
        yield port
    finally:
        stopped = subprocess.run(["sh", str(SCRIPT), "stop", str(folder), slot], env=env, capture_output=True,
                                 text=True, timeout=300)
        assert stopped.returncode == 0, stopped.stderr


@pytest.fixture(scope="class")
def replica_db(streaming_replica):
    """The `replica` alias on the replica's copy of the test database, for one class of tests
    (class scope: it exists before pytest-django checks the tests' databases)."""
    with replica_alias(replica_config(streaming_replica)):
        yield


def _lsn(alias: str, sql: str) -> str:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def wait_for_replica() -> None:
    """Until the replica has replayed everything the primary has written so far (bounded)."""
    written = _lsn(DEFAULT_DB_ALIAS, "SELECT pg_current_wal_lsn()::text")
    for _ in range(1200):
        with connections[REPLICA_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [written])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    pytest.fail(f"the replica did not replay up to {written} within a minute")


@contextmanager
def replay_paused():
    """The replica up to date, then frozen: what the primary commits meanwhile is not on it."""
    wait_for_replica()
    with connections[REPLICA_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
        for _ in range(1200):
            cursor.execute("SELECT pg_get_wal_replay_pause_state()")
            if cursor.fetchone()[0] == "paused":
                break
            time.sleep(0.05)
        else:
            pytest.fail("replay on the replica did not pause within a minute")
    try:
        yield
    finally:
        with connections[REPLICA_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
        wait_for_replica()


def hg_target() -> Target:
    return Target.objects.get(document__issuer__code="hg-ubnd", code="II.2.a.1")  # GN01, 2021–2025


def figures_table(response) -> str:
    assert response.status_code == 200
    return response.content.decode().split('class="data figures"', 1)[1]


HG_2021 = re.compile(r"<td>2021</td>\s*<td>Tỉnh Hậu Giang</td>\s*<td class=\"num\">4,1")


@pytest.mark.usefixtures("replica_db")
@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA_DB_ALIAS])
class TestAgainstAStreamingReplica:
    def test_a_dashboard_page_reads_the_replica(self, client, committed_country, personas):
        client.force_login(personas.leader)
        url = reverse("dashboard_target", args=[hg_target().pk])
        with replay_paused():
            Actual.objects.create(indicator=Indicator.objects.get(code="GN01"), unit=unit("93"), year=2021,
                                  status=ReviewStatus.APPROVED, value=Decimal("4.1"))
            with (CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
                  CaptureQueriesContext(connections[REPLICA_DB_ALIAS]) as on_replica):
                lagging = figures_table(client.get(url))
            assert not HG_2021.search(lagging)  # committed on the primary, not replayed yet
            assert any('"indicators_target"' in query["sql"] for query in on_replica)
            assert not [query["sql"] for query in on_primary if '"indicators_' in query["sql"]]
        assert HG_2021.search(figures_table(client.get(url)))  # replayed: the replica has it now

    def test_an_officers_pages_show_a_figure_just_saved_at_once(self, client, committed_country, personas):
        client.force_login(personas.officer_hg)
        entry = f"{reverse('actual_entry', args=[hg_target().pk])}?nam=2024"
        form = {"year": 2024, "period": "nam", "value": "2,5", "numerator": "", "denominator": "", "version": "",
                "action": "save", "correction_reason": ""}
        with replay_paused():
            saved = client.post(entry, form)
            assert saved.status_code == 302
            actual = Actual.objects.get(year=2024, value=Decimal("2.5"))
            assert not Actual.objects.using(REPLICA_DB_ALIAS).filter(pk=actual.pk).exists()
            with CaptureQueriesContext(connections[REPLICA_DB_ALIAS]) as on_replica:
                detail = client.get(saved.url)
                again = client.get(entry)
            assert saved.url == reverse("actual_detail", args=[actual.pk])
            assert detail.status_code == 200 and "2,5" in detail.content.decode().split("<main>", 1)[1]
            assert again.status_code == 200 and 'value="2,5"' in again.content.decode()
            assert on_replica.captured_queries == []

    def test_a_write_in_a_marked_request_goes_to_the_primary_and_is_read_back_from_it(self, committed_country):
        users = get_user_model().objects

        @reads_from_replica
        def view(request):
            before = users.filter(username="moi").exists()  # the replica
            users.create_user("moi", password="mat-khau-thu-nghiem")  # the primary
            return before, users.filter(username="moi").exists()  # the primary: after a write

        @reads_from_replica
        def view_in_a_transaction(request):
            with transaction.atomic():
                return users.filter(username="moi").exists()

        with replay_paused():
            with CaptureQueriesContext(connections[REPLICA_DB_ALIAS]) as on_replica:
                assert view(RequestFactory().get("/")) == (False, True)
            assert len(on_replica) == 1 and '"auth_user"' in on_replica[0]["sql"]
            assert not users.using(REPLICA_DB_ALIAS).filter(username="moi").exists()
            assert users.using(DEFAULT_DB_ALIAS).filter(username="moi").exists()
            assert view_in_a_transaction(RequestFactory().get("/")) is True
            assert reads_from_replica(lambda: users.filter(username="moi").exists())() is False
