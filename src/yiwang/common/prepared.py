"""Prepared reads: a queryset compiled to SQL once per process and database, then run with new
parameters on every call.

Building a queryset and compiling it costs Django a few hundred microseconds, many times what
SQLite or a local PostgreSQL take to answer a lookup by key; a hot read of a dozen such lookups
(a case's status with its history, materials and notices) spends nearly all its time there.
A `Prepared` read is declared once with placeholders for its parameters:

    EVENTS = Prepared(lambda case: CaseEvent.objects.filter(case_id=case).order_by("at", "id"),
                      case=int)
    EVENTS.objects(case=12)

The queryset is built and compiled on first use with a sentinel value per parameter; the SQL,
the positions of the sentinels among the statement's parameters and the compiler (which knows
the columns, their converters and the select_related tree) are kept per database alias. A call
substitutes its values, runs the statement and turns the rows into model instances exactly as
Django's own ModelIterable does (select_related objects attached), or into tuples for a
values_list queryset — so the results are the same objects a plain queryset gives.

Only plain equality parameters are supported: a sentinel must reach the statement unchanged
(no LIKE patterns, no lists); compiling fails loudly otherwise. The results are not cached —
every call reads the database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import ValuesListIterable, get_related_populators
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M")  # a model for .objects(), a row tuple for .tuples()


def _qmark(sql: str) -> str:
    # As django.db.backends.sqlite3.base.SQLiteCursorWrapper.convert_query does for "format".
    from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

    return FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")


# Sentinels: values no real parameter takes, one per parameter (ints for keys, strings for codes
# and digests), recognised among the compiled statement's parameters.
_INT_SENTINEL = -7_300_000_000_000_000_000
_STR_SENTINEL = "\x00yiwang-prepared-%d\x00"


@dataclass
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: dict[str, list[int]]  # parameter name → positions in params
    compiler: SQLCompiler
    values_list: bool
    converters: dict[int, Any]  # column position → (converters, expression), as Django's
    qmark_sql: str | None  # SQLite: the statement in sqlite3's own placeholder style

    _builders: tuple[Any, ...] | None = None

    def builders(self, alias: str) -> tuple[Any, ...]:
        """What turns a row into instances: the model, its columns' slice and names, and the
        select_related populators (stateless between rows, so made once)."""
        if self._builders is None:
            select, klass_info = self.compiler.select, self.compiler.klass_info
            assert klass_info is not None
            select_fields = klass_info["select_fields"]
            start, end = select_fields[0], select_fields[-1] + 1
            # Model.from_db asks `attname in field_names` of every concrete field when some
            # are deferred (.only()): a set answers that at once, a list by scanning it.
            init_names = frozenset(column[0].target.attname for column in select[start:end])
            # Django 5.2's signature (the type stubs follow a later release).
            populators = get_related_populators(klass_info, select, alias)  # type: ignore[call-arg]
            for populator in _all_populators(populators):
                # Read only by populate(), as from_db's field_names (its pk_idx is computed).
                populator.init_list = frozenset(populator.init_list)
            annotations = tuple(self.compiler.annotation_col_map.items())
            self._builders = (klass_info["model"], start, end, init_names, populators, annotations)
        return self._builders

    def convert(self, rows: list[Any]) -> list[Any]:
        if not self.converters:
            return rows
        return list(self.compiler.apply_converters(rows, self.converters))


def _all_populators(populators: list[Any]) -> list[Any]:
    """The select_related populators with those nested in them (a join of a join)."""
    found = []
    for populator in populators:
        found.append(populator)
        found.extend(_all_populators(populator.related_populators))
    return found


class Prepared(Generic[M]):
    """A read compiled once per database alias; see the module docstring."""

    def __init__(self, build: Callable[..., QuerySet[Any, Any]], **params: type) -> None:
        for name, kind in params.items():
            if kind not in (int, str):
                raise TypeError(f"Prepared: parameter {name} must be int or str, not {kind}")
        self._build = build
        self._params = params
        self._compiled: dict[str, _Compiled] = {}
        self._alias: str | None = None  # the router's choice, learnt on the first compilation
        self._lock = threading.Lock()

    def _sentinels(self) -> dict[str, Any]:
        return {
            name: (_INT_SENTINEL - index if kind is int else _STR_SENTINEL % index)
            for index, (name, kind) in enumerate(self._params.items())
        }

    def _compile(self, alias: str | None) -> tuple[str, _Compiled]:
        alias = alias or self._alias
        found = self._compiled.get(alias) if alias else None
        if alias is not None and found is not None:
            return alias, found
        with self._lock:
            sentinels = self._sentinels()
            queryset = self._build(**sentinels)
            alias = alias or router.db_for_read(queryset.model)
            # The compiler keeps this connection's operations for converting values; they do
            # not depend on the thread, so one compilation per alias serves every thread.
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            slots: dict[str, list[int]] = {name: [] for name in sentinels}
            for position, value in enumerate(params):
                for name, sentinel in sentinels.items():
                    if type(value) is type(sentinel) and value == sentinel:
                        slots[name].append(position)
            missing = [name for name, positions in slots.items() if not positions]
            if missing:
                raise ValueError(
                    f"Prepared: parameter(s) {', '.join(missing)} do not reach the statement "
                    "unchanged (only plain equality lookups can be prepared)"
                )
            columns = [selected[0] for selected in compiler.select[0 : compiler.col_count]]
            found = _Compiled(
                sql=sql,
                params=tuple(params),
                slots=slots,
                compiler=compiler,
                values_list=issubclass(queryset._iterable_class, ValuesListIterable),
                converters=compiler.get_converters(columns),
                qmark_sql=_qmark(sql) if connections[alias].vendor == "sqlite" else None,
            )
            self._compiled[alias] = found
            self._alias = self._alias or alias
        return alias, found

    def _rows(self, alias: str | None, values: dict[str, Any]) -> tuple[str, _Compiled, list]:
        if values.keys() != self._params.keys():
            raise TypeError(f"Prepared: expected parameters {sorted(self._params)}")
        alias, compiled = self._compile(alias)
        params = list(compiled.params)
        for name, positions in compiled.slots.items():
            value = self._params[name](values[name])
            for position in positions:
                params[position] = value
        connection = connections[alias]
        if (
            compiled.qmark_sql is not None
            and not connection.queries_logged
            and not connection.execute_wrappers
        ):
            # Django's SQLite cursor rewrites "%s" to "?" with a regular expression on every
            # call — for a long join, a large share of the read — and wraps a new cursor each
            # time. Rewritten once at compilation instead and run on the open connection (its
            # errors still become Django's); when queries are logged or wrapped (DEBUG, the
            # tests' query counts) the ordinary path runs so that they see the statement.
            connection.ensure_connection()
            with connection.wrap_database_errors:
                rows = connection.connection.execute(compiled.qmark_sql, params).fetchall()
        else:
            with connection.cursor() as cursor:
                cursor.execute(compiled.sql, params)
                rows = cursor.fetchall()
        if compiled.compiler.has_extra_select:  # ordering columns added for DISTINCT
            rows = [row[: compiled.compiler.col_count] for row in rows]
        return alias, compiled, rows

    def objects(self, *, using: str | None = None, **values: Any) -> list[M]:
        """The model instances the queryset would give for these parameter values."""
        alias, compiled, rows = self._rows(using, values)
        if compiled.values_list:
            raise TypeError("Prepared: a values_list read gives tuples; use .tuples()")
        if not rows:
            return []
        model_cls, start, end, init_names, populators, annotations = compiled.builders(alias)
        out = []
        # As Django's ModelIterable builds them (django.db.models.query, 5.2).
        for row in compiled.convert(rows):
            obj = model_cls.from_db(alias, init_names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations:
                setattr(obj, name, row[position])
            out.append(obj)
        return out

    def first(self, *, using: str | None = None, **values: Any) -> M | None:
        found = self.objects(using=using, **values)
        return found[0] if found else None

    def tuples(self, *, using: str | None = None, **values: Any) -> list[tuple[Any, ...]]:
        """The rows of a values_list queryset, converted as Django converts them."""
        _, compiled, rows = self._rows(using, values)
        if not compiled.values_list:
            raise TypeError("Prepared: .tuples() needs a values_list queryset")
        return [tuple(row) for row in compiled.convert(rows)]
