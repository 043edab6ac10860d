"""`make backup` and `make restore`: a backup restored into a fresh database holds every record."""

import subprocess
import uuid

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

# The session-loaded map and cascade are committed, so pg_dump (another connection) sees them.
pytestmark = pytest.mark.django_db


def make(target: str, **env: str) -> None:
    import os

    subprocess.run(["make", "-s", target], cwd=settings.BASE_DIR, env={**os.environ, **env}, check=True,
                   capture_output=True, text=True)


def table_counts(dsn: str) -> dict[str, int]:
    with psycopg2.connect(dsn) as conn, conn.cursor() as cursor:
        cursor.execute("select tablename from pg_tables where schemaname = 'public' order by tablename")
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'select count(*) from "{table}"')
            counts[table] = cursor.fetchone()[0]
    conn.close()
    return counts


def dsn_for(name: str) -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="backups are pg_dump/pg_restore")
def test_a_backup_restores_into_a_fresh_database_with_every_record(tmp_path):
    source = dsn_for(connection.settings_dict["NAME"])
    target_name = f"restore_check_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(dsn_for("postgres"))
    admin.autocommit = True
    admin.cursor().execute(f'create database "{target_name}"')
    try:
        dump = tmp_path / "povertyplan.dump"
        make("backup", DATABASE_URL=source, BACKUP_FILE=str(dump))
        assert dump.stat().st_size > 0
        make("restore", DATABASE_URL=dsn_for(target_name), BACKUP_FILE=str(dump))
        before, after = table_counts(source), table_counts(dsn_for(target_name))
        assert after == before
        assert after["plans_administrativeunit"] > 14000 and after["indicators_target"] > 0
    finally:
        admin.cursor().execute(f'drop database if exists "{target_name}" with (force)')
        admin.close()


def test_backup_refuses_a_database_that_is_not_postgresql(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as error:
        make("backup", DATABASE_URL="sqlite:///db.sqlite3", BACKUP_FILE=str(tmp_path / "x.dump"))
    assert "postgres" in error.value.stdout + error.value.stderr
