"""The catalogue generation: one token that changes, in the same transaction, with every change
the public reads can see — a published version, a suspension, withdrawal or resumption, a new
claim, a bundle, a synonym, a department or region renamed. The per-process caches of the
public reads (catalog.caching) and the guided-search index are valid for one token.

The token is kept up to date by database triggers, not by the code that writes: they see every
write — services, the admin, bulk imports, `QuerySet.update()`, raw SQL — so no writer can
forget to invalidate. Draft work does not change it: versions are watched only while they are
published or superseded, and their materials, steps and special procedures only when their
version is. A rolled-back transaction rolls its token change back too; since every token is
random, a value once seen never comes back with other data behind it.

The triggers are dropped before every `migrate` and the table and triggers (re)installed
after it (catalog.apps): SQLite rebuilds a table to alter it, its own triggers go with the
old table, and a trigger naming it elsewhere makes the rebuild fail. Without the table (a
database not migrated since) `current()` answers None and the callers do not cache at all.
"""

# All SQL here is DDL and constants built from the WATCHED table list; no value comes from outside.
# ruff: noqa: S608

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

TABLE = "yiwang_catalogue_generation"
PUBLIC_STATUSES = ("published", "superseded")
_STATUSES_SQL = ", ".join(f"'{s}'" for s in PUBLIC_STATUSES)


@dataclass(frozen=True)
class Watch:
    """A table whose rows the public reads show, and when a changed row matters."""

    table: str
    # "all": every row; "version": only rows of a public version (the row itself when the
    # table is the versions table, else the version its version_id points to).
    rows: str = "all"


WATCHED: tuple[Watch, ...] = (
    Watch("catalog_serviceitem"),
    Watch("catalog_serviceitemversion", rows="version"),
    Watch("catalog_material", rows="version"),
    Watch("catalog_processstep", rows="version"),
    Watch("catalog_specialprocedure", rows="version"),
    Watch("catalog_baseitem"),
    Watch("catalog_bundle"),
    Watch("catalog_bundlestage"),
    Watch("catalog_bundlestageitem"),
    Watch("catalog_searchsynonym"),
    Watch("org_department"),
    Watch("org_region"),
)


_available = False


def current() -> str | None:
    """The current token (one primary-key read), or None when there is no generation table."""
    global _available
    if not _available:
        # Looked up until found (a server may start before `yiwang migrate` has run).
        _available = TABLE in connection.introspection.table_names()
        if not _available:
            logger.warning("没有事项库版本表（请运行 yiwang migrate），公开页面不使用缓存。")
            return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
        if row is None:
            # A flush emptied the table: start a new generation.
            cursor.execute(_insert_sql(connection))
            cursor.execute(f"SELECT token FROM {TABLE} WHERE id = 1")
            row = cursor.fetchone()
    return str(row[0])


def bump() -> None:
    """Start a new generation by hand (the triggers do this for every watched change)."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET token = {_new_token(connection)}")


def _new_token(db: BaseDatabaseWrapper) -> str:
    """SQL for a new random token."""
    if db.vendor == "postgresql":
        return "md5(random()::text || clock_timestamp()::text)"
    return "lower(hex(randomblob(16)))"


def _insert_sql(db: BaseDatabaseWrapper) -> str:
    return (
        f"INSERT INTO {TABLE} (id, token) VALUES (1, {_new_token(db)}) ON CONFLICT (id) DO NOTHING"
    )


def _sqlite_statements(watch: Watch) -> list[str]:
    bump_sql = f"UPDATE {TABLE} SET token = lower(hex(randomblob(16)))"
    statements = []
    for op, refs in (("INSERT", ["NEW"]), ("UPDATE", ["NEW", "OLD"]), ("DELETE", ["OLD"])):
        name = f"yiwang_gen_{watch.table}_{op.lower()}"
        when = ""
        if watch.rows == "version" and watch.table == "catalog_serviceitemversion":
            when = " WHEN " + " OR ".join(f"{r}.status IN ({_STATUSES_SQL})" for r in refs)
        elif watch.rows == "version":
            when = " WHEN " + " OR ".join(
                "EXISTS (SELECT 1 FROM catalog_serviceitemversion v"
                f" WHERE v.id = {r}.version_id AND v.status IN ({_STATUSES_SQL}))"
                for r in refs
            )
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER {op} ON {watch.table} FOR EACH ROW{when}"
            f" BEGIN {bump_sql}; END",
        ]
    return statements


def _postgresql_statements(watch: Watch) -> list[str]:
    row_function = "yiwang_gen_bump" if watch.rows == "all" else "yiwang_gen_bump_if_public"
    return [
        f"DROP TRIGGER IF EXISTS yiwang_gen_row ON {watch.table}",
        f"CREATE TRIGGER yiwang_gen_row AFTER INSERT OR UPDATE OR DELETE ON {watch.table}"
        f" FOR EACH ROW EXECUTE FUNCTION {row_function}()",
        # TRUNCATE (what a flush does on PostgreSQL) fires no row triggers.
        f"DROP TRIGGER IF EXISTS yiwang_gen_truncate ON {watch.table}",
        f"CREATE TRIGGER yiwang_gen_truncate AFTER TRUNCATE ON {watch.table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION yiwang_gen_bump()",
    ]


def _postgresql_functions() -> list[str]:
    bump_sql = f"UPDATE {TABLE} SET token = md5(random()::text || clock_timestamp()::text);"
    # Fields are read through to_jsonb(NEW): one function serves tables with and without a
    # `status` column, and NEW is NULL in a DELETE (OLD in an INSERT).
    new_status = "(to_jsonb(NEW) ->> 'status')"
    old_status = "(to_jsonb(OLD) ->> 'status')"
    new_version = "(to_jsonb(NEW) ->> 'version_id')::bigint"
    old_version = "(to_jsonb(OLD) ->> 'version_id')::bigint"
    public = f"IN ({_STATUSES_SQL})"
    return [
        "CREATE OR REPLACE FUNCTION yiwang_gen_bump() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN {bump_sql} RETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION yiwang_gen_bump_if_public() RETURNS trigger"
        " LANGUAGE plpgsql AS $$ BEGIN"
        " IF TG_TABLE_NAME = 'catalog_serviceitemversion' THEN"
        f" IF (TG_OP <> 'DELETE' AND {new_status} {public})"
        f" OR (TG_OP <> 'INSERT' AND {old_status} {public}) THEN {bump_sql} END IF;"
        " ELSIF EXISTS (SELECT 1 FROM catalog_serviceitemversion v"
        f" WHERE v.status {public} AND ("
        f"(TG_OP <> 'DELETE' AND v.id = {new_version})"
        f" OR (TG_OP <> 'INSERT' AND v.id = {old_version}))) THEN {bump_sql}"
        " END IF; RETURN NULL; END $$",
    ]


def uninstall(db: BaseDatabaseWrapper | None = None) -> None:
    """Drop the triggers (before migrations: while SQLite rebuilds a table, a trigger that
    names it in its body makes the rename fail; `install` puts them back afterwards)."""
    db = db or connection
    with db.cursor() as cursor:
        if db.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'yiwang_gen_%'"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        elif db.vendor == "postgresql":
            existing = set(db.introspection.table_names(cursor))
            for watch in WATCHED:
                if watch.table in existing:
                    for name in ("yiwang_gen_row", "yiwang_gen_truncate"):
                        cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {watch.table}")


def install(db: BaseDatabaseWrapper | None = None) -> int:
    """Create the generation table if needed, (re)create the triggers on every watched table
    that exists, and start a new generation. Idempotent; returns the number of tables
    watched."""
    db = db or connection
    if db.vendor not in {"sqlite", "postgresql"}:  # pragma: no cover - the two supported
        logger.warning("数据库 %s 不支持事项库版本触发器，公开页面不使用缓存。", db.vendor)
        return 0
    existing = set(db.introspection.table_names())
    watched = [w for w in WATCHED if w.table in existing]
    with db.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE}"
            " (id integer PRIMARY KEY, token varchar(32) NOT NULL)"
        )
        if db.vendor == "postgresql":
            for statement in _postgresql_functions():
                cursor.execute(statement)
        for watch in watched:
            statements = (
                _postgresql_statements(watch)
                if db.vendor == "postgresql"
                else _sqlite_statements(watch)
            )
            for statement in statements:
                cursor.execute(statement)
        cursor.execute(_insert_sql(db))
        cursor.execute(f"UPDATE {TABLE} SET token = {_new_token(db)}")
    global _available
    _available = True
    return len(watched)
