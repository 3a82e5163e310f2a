"""Inserting many new rows at once for the apps' bulk paths (cases.bulk), as `save()` would have:
the same field values, the same signals, a few statements.

`reserve_ids` hands out primary keys before the rows exist, so that what refers to a new row
(a foreign key, an audit event's object id, a case number) can be made while it is still in
memory. `RowBuffer.add` does what `save()` does before its INSERT — the pre_save signal and every
field's `pre_save` (auto_now times, personal-data hashes) — at the moment of the change;
`RowBuffer.flush` writes the rows in the order their models were first added (parents first)
with one INSERT per model and chunk — and the later changes of rows it wrote before with one
UPDATE statement per model and set of fields, run for every row (`executemany`) — then sends
post_save for each row, so every receiver (snapshots, licences, ratings) runs exactly as after a
save."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, models
from django.db.models.signals import post_save, pre_save


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys of `model`, never handed out to anyone else. Inside a
    transaction: on PostgreSQL from the table's sequence; on SQLite (immediate transactions:
    this connection holds the write lock until the commit) past the largest id used so far, which
    the AUTOINCREMENT sequence then records when the rows are inserted."""
    if count <= 0:
        return []
    table = model._meta.db_table
    column = str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"reserve_ids: {connection.vendor} is not supported")
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids() must run inside transaction.atomic().")
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT MAX({connection.ops.quote_name(column)}) FROM {quoted}")  # noqa: S608
        used = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        first = max(used, found[0] if found else 0) + 1
    reserved: dict[str, int] = connection.__dict__.setdefault("_yiwang_reserved_ids", {})
    # Two reservations before the rows are inserted must not overlap.
    first = max(first, reserved.get(table, 0) + 1)
    reserved[table] = first + count - 1
    return list(range(first, first + count))


class RowBuffer:
    """New rows to insert together (see the module docstring)."""

    def __init__(self) -> None:
        self._rows: dict[type[models.Model], list[models.Model]] = {}
        self._written: dict[int, models.Model] = {}  # the rows inserted by an earlier flush
        self._dirty: dict[int, tuple[models.Model, set[str]]] = {}

    def add(self, row: models.Model) -> models.Model:
        model = type(row)
        pre_save.send(sender=model, instance=row, raw=False, using="default", update_fields=None)
        for field in model._meta.concrete_fields:
            if field.primary_key and row.pk is None:
                continue
            # What the INSERT would write, computed now (the time of an auto_now field is the
            # moment of the change, not of the flush).
            setattr(row, field.attname, field.pre_save(row, add=True))
        self._rows.setdefault(model, []).append(row)
        return row

    def changed(self, row: models.Model, fields: Iterable[str]) -> None:
        """A change to an added row, as `save(update_fields=fields)` would make it (its pre_save
        signal; auto_now times of the moment)."""
        names = list(fields)
        model = type(row)
        pre_save.send(sender=model, instance=row, raw=False, using="default", update_fields=names)
        for name in names:
            field = model._meta.get_field(name)
            setattr(row, field.attname, field.pre_save(row, add=False))  # type: ignore[union-attr]
        if id(row) in self._written:
            _, dirty = self._dirty.setdefault(id(row), (row, set()))
            dirty.update(names)

    def extend(self, rows: Iterable[models.Model]) -> None:
        for row in rows:
            self.add(row)

    def __len__(self) -> int:
        return sum(len(rows) for rows in self._rows.values())

    def flush(self) -> None:
        rows_by_model, self._rows = self._rows, {}
        dirty, self._dirty = self._dirty, {}
        for model, rows in rows_by_model.items():
            for with_pk in (True, False):
                chunk = [row for row in rows if (row.pk is not None) is with_pk]
                if chunk:
                    _insert(model, chunk, with_pk=with_pk)
        groups: dict[tuple[type[models.Model], frozenset[str]], list[models.Model]] = {}
        for row, changed in dirty.values():
            groups.setdefault((type(row), frozenset(changed)), []).append(row)
        for (model, fields), rows in groups.items():
            if not all(row.pk is not None for row in rows):
                raise RuntimeError(f"RowBuffer: a changed {model.__name__} row has no id")
            # The values were set by changed() (their pre_save has run), as save() would.
            _update(model, rows, sorted(fields))
        for model, rows in rows_by_model.items():
            for row in rows:
                row._state.adding = False
                row._state.db = "default"
                self._written[id(row)] = row
                post_save.send(
                    sender=model,
                    instance=row,
                    created=True,
                    update_fields=None,
                    raw=False,
                    using="default",
                )
        for (model, fields), rows in groups.items():
            for row in rows:
                post_save.send(
                    sender=model,
                    instance=row,
                    created=False,
                    update_fields=fields,
                    raw=False,
                    using="default",
                )


def _insert(model: type[models.Model], rows: list[models.Model], *, with_pk: bool) -> None:
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    size = connection.ops.bulk_batch_size(fields, rows) or len(rows)
    manager = model._base_manager
    plain = with_pk and not _special(fields, rows)
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        if plain:
            _insert_plain(model, chunk, fields)
            continue
        # raw: the values are those set in add() (their pre_save has run); only the conversion
        # to database values (encryption, JSON) remains.
        manager._insert(chunk, fields=fields, raw=True)  # type: ignore[attr-defined]


def _special(fields: list[Any], rows: list[models.Model]) -> bool:
    """Whether some value's SQL is not a plain parameter (a field's own placeholder, an
    expression): then Django's own statement is used."""
    return any(hasattr(field, "get_placeholder") for field in fields) or any(
        hasattr(getattr(row, field.attname), "resolve_expression")
        for row in rows
        for field in fields
    )


def _values(row: models.Model, fields: list[Any]) -> list[Any]:
    # As save() converts them: encryption, JSON, dates (get_db_prep_save).
    return [
        field.get_db_prep_save(getattr(row, field.attname), connection=connection)
        for field in fields
    ]


def _insert_plain(model: type[models.Model], rows: list[models.Model], fields: list[Any]) -> None:
    """`INSERT … VALUES (…), (…)` of rows with their reserved ids, written directly: Django's
    insert compiler cost more to run than the database (nothing is returned: the ids are set)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES {', '.join([one] * len(rows))}"
    )
    params = [value for row in rows for value in _values(row, fields)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _update(model: type[models.Model], rows: list[models.Model], names: list[str]) -> None:
    """`UPDATE … SET <names> WHERE pk = …` for each row, the values converted as `save()`
    converts them (`get_db_prep_save`: encryption, JSON, dates). One statement with a parameter
    set per row: `bulk_update`'s CASE WHEN per field and row cost Django more to build than the
    database to run (~15% of the simulated half year's CPU went there)."""
    fields: list[Any] = [model._meta.get_field(name) for name in names]
    if _special(fields, rows):
        model._base_manager.bulk_update(rows, names)
        return
    quote = connection.ops.quote_name
    pk: Any = model._meta.pk
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {assignments} "  # noqa: S608
        f"WHERE {quote(pk.column)} = %s"
    )
    params = [
        [*_values(row, fields), pk.get_db_prep_save(row.pk, connection=connection)] for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
