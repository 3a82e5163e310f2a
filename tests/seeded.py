"""The demo county for tests: seeded once per test session, then put back from a copy.

Seeding 示范县 through the services takes 7–30 s on SQLite and up to 85 s on PostgreSQL, and
some thirty test modules need it; that was most of CI's time. `demo_county()` seeds for real
the first time and keeps the rows of every table the seed changed (and the files it stored);
a later call, made on a database in the same state as before that first seed, deletes and
re-inserts those tables' rows, a handful of statements a table. Anything else — another day,
another database, a database flushed by a transactional test, a table changed before the
call — seeds for real again and keeps the new copy. The copy is checked after every restore.

Tests of the seed itself (idempotence, what a second run creates) still call
`seed_demo_county()` for the second run; that real run on the restored rows also checks the
copy. The catalogue generation table is left to its triggers: the restore's writes change
the token as any write does, so no cache keyed by an old token is reused.
"""

from __future__ import annotations

import copy
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

# Tables whose content the restore does not copy: the migration record, and the catalogue
# generation token kept by triggers on the watched tables (random on every change).
_LEFT_ALONE = {"django_migrations", "yiwang_catalogue_generation"}

# What happened this session, printed at its end (see pytest_terminal_summary).
_counts: Counter[str] = Counter()


@dataclass
class _Table:
    name: str
    rows: Any  # SQLite: a list of raw row tuples; PostgreSQL: the table in COPY text format


@dataclass
class _Copy:
    before: dict[str, tuple[Any, ...]]
    after: dict[str, tuple[Any, ...]]
    tables: list[_Table]
    sequence_sql: list[str]
    files: list[tuple[Storage, str, bytes]]
    report: Any


_copies: dict[tuple[Any, ...], _Copy] = {}


def demo_county() -> Any:
    """The demo county in the current transaction, as `seed_demo_county()` leaves it; returns
    (a copy of) the report of the real seed."""
    key = _key()
    kept = _copies.get(key)
    now = _fingerprint()
    if kept is not None and now == kept.before:
        _restore(kept)
        _counts["restored"] += 1
        return copy.deepcopy(kept.report)
    _counts["seeded"] += 1
    kept = _copies[key] = _seed_and_keep(now)
    return copy.deepcopy(kept.report)


def _key() -> tuple[Any, ...]:
    """What the seed's rows depend on besides the code: the database, the day (deadlines,
    case numbers) and the password hashers."""
    db = connection.settings_dict["NAME"]
    hashers = tuple(settings.PASSWORD_HASHERS)
    return (connection.alias, connection.vendor, db, timezone.localdate(), hashers)


# --- the state of the database ---------------------------------------------------------------


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    return sorted(n for n in names if n not in _LEFT_ALONE)


def _models_by_table() -> dict[str, type[models.Model]]:
    return {
        m._meta.db_table: m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    }


def _integer_pk(model: type[models.Model] | None) -> str | None:
    if model is None:
        return None
    pk = model._meta.pk
    assert pk is not None
    db_type = (pk.rel_db_type(connection) or "").lower()
    return pk.column if ("int" in db_type or "serial" in db_type) else None


def _fingerprint() -> dict[str, tuple[Any, ...]]:
    """Per table: row count, and the sum and maximum of an integer primary key. Cheap (one
    statement per 100 tables) and enough to tell a flushed or differently seeded database."""
    by_table = _models_by_table()
    parts = []
    for name in _tables():
        qname = connection.ops.quote_name(name)
        pk = _integer_pk(by_table.get(name))
        if pk:
            qpk = connection.ops.quote_name(pk)
            sums = f"COALESCE(SUM({qpk}), 0), COALESCE(MAX({qpk}), 0)"
        else:
            sums = "0, 0"
        parts.append(f"SELECT '{name}', COUNT(*), {sums} FROM {qname}")  # noqa: S608
    result: dict[str, tuple[Any, ...]] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(parts), 100):
            cursor.execute(" UNION ALL ".join(parts[start : start + 100]))
            for name, count, total, top in cursor.fetchall():
                result[name] = (int(count), int(total), int(top))
    return result


def _dump(name: str) -> Any:
    """The table's rows exactly as stored (no type conversion on the way out or back)."""
    qname = connection.ops.quote_name(name)
    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY (SELECT * FROM {qname} ORDER BY 1) TO STDOUT") as out:  # noqa: S608
                for chunk in out:
                    buffer.write(chunk)
        return buffer.getvalue()
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, name)]
        # Unary + is a no-op on any value and hides the declared type, so Django's converters
        # (dates, decimals, booleans) leave the stored text as it is.
        selected = ", ".join("+" + connection.ops.quote_name(c) for c in columns)
        cursor.execute(f"SELECT {selected} FROM {qname}")  # noqa: S608
        return cursor.fetchall()


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, bytes):
        return before == after
    return Counter(before) == Counter(after)


def _file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    return [
        (m, f)
        for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy
        for f in m._meta.concrete_fields
        if isinstance(f, models.FileField)
    ]


def _file_names() -> set[tuple[type[models.Model], models.FileField, str]]:
    names = set()
    for model, f in _file_fields():
        for name in model._base_manager.exclude(**{f.name: ""}).values_list(f.name, flat=True):
            if name:
                names.add((model, f, name))
    return names


# --- seeding and restoring --------------------------------------------------------------------


def _seed_and_keep(before: dict[str, tuple[Any, ...]]) -> _Copy:
    """Seed for real on a database whose fingerprint is `before`, and keep what changed."""
    from yiwang.demo.services import seed_demo_county

    tables = _tables()
    before_rows = {name: _dump(name) for name in tables}
    files_before = _file_names()
    report = seed_demo_county()
    changed = [
        _Table(name, rows) for name in tables if not _same(before_rows[name], rows := _dump(name))
    ]
    by_table = _models_by_table()
    with_sequences = [by_table[t.name] for t in changed if _integer_pk(by_table.get(t.name))]
    files = []
    for _model, f, name in sorted(_file_names() - files_before, key=lambda x: x[2]):
        with f.storage.open(name, "rb") as handle:
            files.append((f.storage, name, handle.read()))
    return _Copy(
        before=before,
        after=_fingerprint(),
        tables=changed,
        sequence_sql=connection.ops.sequence_reset_sql(no_style(), with_sequences),
        files=files,
        report=copy.deepcopy(report),
    )


def _restore(kept: _Copy) -> None:
    # One savepoint: foreign keys are deferred on both databases, so the order of the tables
    # does not matter within it.
    with transaction.atomic(), connection.cursor() as cursor:
        for table in kept.tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table.name)}")  # noqa: S608
        for table in kept.tables:
            qname = connection.ops.quote_name(table.name)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {qname} FROM STDIN") as into:
                    into.write(table.rows)
            elif table.rows:
                marks = ", ".join(["%s"] * len(table.rows[0]))
                cursor.executemany(f"INSERT INTO {qname} VALUES ({marks})", table.rows)  # noqa: S608
        for sql in kept.sequence_sql:
            cursor.execute(sql)
    for storage, name, data in kept.files:
        if not storage.exists(name):
            saved = storage.save(name, ContentFile(data))
            assert saved == name, (saved, name)
    after = _fingerprint()
    assert after == kept.after, {
        t: (after.get(t), kept.after.get(t))
        for t in after.keys() | kept.after.keys()
        if after.get(t) != kept.after.get(t)
    }


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _counts:
        terminalreporter.write_line(
            f"demo county: seeded {_counts['seeded']} times, restored from the copy "
            f"{_counts['restored']} times"
        )
