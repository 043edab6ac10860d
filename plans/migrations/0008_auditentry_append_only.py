"""The audit trail is append-only in the database too, not only in AuditEntry.save()/delete().

On PostgreSQL a row trigger refuses every UPDATE and DELETE of plans_auditentry, whoever sends it:
a queryset's .update() or .delete(), raw SQL, psql. Inserting is untouched. The refusal is SQLSTATE
23001 (restrict_violation), which Django raises as django.db.utils.IntegrityError. No page of the
app reaches it (the admin refuses changes and deletions of entries before any SQL; deleting a user
or a content type with entries is refused by their PROTECT foreign keys), so the message is for
developers and stays in English.

TRUNCATE is deliberately not refused: row triggers do not fire on it and no BEFORE TRUNCATE trigger
is added. Django's flush (`manage.py flush`, pytest-django's transactional tests) empties every
table with one TRUNCATE, and refusing it would break them; TRUNCATE needs the TRUNCATE privilege,
which only the table's owner has unless granted, the same owner who could drop this trigger anyway.
Against the owner the guard is the database role: run the app as a role that does not own the
tables and has no TRUNCATE grant on them.

Written against the table name, not the model: the model may move to another app with its table
pinned to plans_auditentry, and the trigger goes with the table. A no-op on SQLite (the demo).
"""

from django.db import migrations

TABLE = "plans_auditentry"
FUNCTION = "plans_auditentry_refuse_change"
TRIGGER = "plans_auditentry_append_only"

CREATE = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail (%) is append-only: % refused.', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'Audit entries are never edited or deleted; record a new entry instead.';
END
$$;
DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE};
CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE};
DROP FUNCTION IF EXISTS {FUNCTION}();
"""


def refuse_changes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # params=None: the % of RAISE are not placeholders


def allow_changes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("plans", "0007_document_key_unique"),
    ]

    operations = [
        migrations.RunPython(refuse_changes, allow_changes),
    ]
