"""The metric registry (指标库): every figure the platform prints is a registered `Metric` with a
key, a Chinese name, a unit, its written definition (口径) and how it is computed.

Rules every metric keeps (docs/metrics.md, ADR 0016):
- the computation aggregates in the database: one query per metric, scope and period (and one
  per breakdown, its groups named after aggregating), never a Python loop over rows;
- ratios are `Decimal` rounded half-up to 4 places (0.5000 = 50.00%); a zero denominator gives
  `None` ("无数据"), never 0;
- the same records give the same figure on every page, export and report, because they all call
  `compute` / `breakdown`;
- a figure counts the records of a data scope (org.scope.DataScope, the type every scoped read
  uses; a user's is org.selectors.data_scope_for).

Two forms of metric:
- **declarative** (most): `records(scope)` gives the records counted, `date_field` places a record
  in a period, `department_field` leads to its Department, and a `measure` (Count, Share, Total,
  Mean, or Custom) says what is computed over them. The registry derives the value for any
  period, the breakdowns by department, town and month, the rankings and the drill-down list.
- **custom** (`query(scope)`): a point-in-time figure with no period (the catalogue's: items in
  use now). Asked for a period it gives the current value, and says so (`Metric.point_in_time`).

Apps register their figures in their own `metrics.py`, imported from their AppConfig.ready().
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connections, models
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Substr, TruncMonth
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from yiwang.insight.periods import Period
from yiwang.org.scope import ALL_SCOPE, DataScope

MetricValue = Decimal | int | dict[str, int] | None
MetricKind = Literal["count", "ratio", "breakdown"]
Dimension = Literal["department", "town", "month"]
DIMENSIONS: tuple[Dimension, ...] = ("department", "town", "month")

RATIO_PLACES = Decimal("0.0001")
NO_DATA = gettext_noop("无数据")
# A county-level department's region has no town part (digits 7–9 are 000): its records are
# grouped under this label in the by-town breakdown.
COUNTY_LEVEL = gettext_noop("县本级")
TOWN_PREFIX = 9

Condition = Q | Callable[[], Q]  # a callable when the condition depends on today's date


def _q(condition: Condition | None) -> Q | None:
    return condition() if callable(condition) else condition


def _where(queryset: QuerySet, condition: Condition | None) -> QuerySet:
    where = _q(condition)
    return queryset.filter(where) if where is not None else queryset


def _and(*conditions: Q | None) -> Q | None:
    """The conjunction of the conditions given (None: no condition at all)."""
    found = [c for c in conditions if c is not None and c != Q()]
    if not found:
        return None
    result = found[0]
    for condition in found[1:]:
        result &= condition
    return result


# --- measures: what a declarative metric computes over its records ---------------------------
# (`Count` here is the measure; the aggregate is `models.Count`.)


@dataclass(frozen=True)
class Count:
    """The number of records (matching `where`)."""

    where: Condition | None = None

    def aggregates(self, within: Q | None = None) -> dict[str, Any]:
        return {"n": models.Count("pk", filter=_and(_q(self.where), within))}

    def counted(self) -> Q | None:
        return _q(self.where)

    def finish(self, row: dict[str, Any]) -> MetricValue:
        return int(row["n"] or 0)

    def records(self, queryset: QuerySet) -> QuerySet:
        return _where(queryset, self.where)

    empty: MetricValue = 0


@dataclass(frozen=True)
class Share:
    """numerator ÷ denominator, two filtered counts of the same records: the denominator is the
    records matching `among` (all of them when None), the numerator those also matching
    `numerator`. One query."""

    numerator: Condition
    among: Condition | None = None

    def aggregates(self, within: Q | None = None) -> dict[str, Any]:
        among = _q(self.among)
        hit = _q(self.numerator)
        assert hit is not None
        return {
            "hit": models.Count("pk", filter=_and(among, hit, within)),
            "total": models.Count("pk", filter=_and(among, within)),
        }

    def counted(self) -> Q | None:
        return _q(self.among)

    def finish(self, row: dict[str, Any]) -> MetricValue:
        return ratio(row["hit"], row["total"])

    def records(self, queryset: QuerySet) -> QuerySet:
        among = _q(self.among)
        return queryset.filter(among) if among is not None else queryset

    empty: MetricValue = None


@dataclass(frozen=True)
class Total:
    """Σ of a field (or expression) over the records matching `where`."""

    field: Any
    where: Condition | None = None

    def aggregates(self, within: Q | None = None) -> dict[str, Any]:
        return {"v": Sum(self.field, filter=_and(_q(self.where), within))}

    def counted(self) -> Q | None:
        return _q(self.where)

    def finish(self, row: dict[str, Any]) -> MetricValue:
        return int(row["v"] or 0)

    def records(self, queryset: QuerySet) -> QuerySet:
        return _where(queryset, self.where)

    empty: MetricValue = 0


@dataclass(frozen=True)
class Mean:
    """The arithmetic mean of a field over the records matching `where`, rounded half-up to
    `places`; None when there is no record."""

    field: str
    where: Condition | None = None
    places: Decimal = Decimal("0.01")

    def aggregates(self, within: Q | None = None) -> dict[str, Any]:
        return {"v": Avg(self.field, filter=_and(_q(self.where), within))}

    def counted(self) -> Q | None:
        return _q(self.where)

    def finish(self, row: dict[str, Any]) -> MetricValue:
        value = row["v"]
        if value is None:
            return None
        return Decimal(str(value)).quantize(self.places, rounding=ROUND_HALF_UP)

    def records(self, queryset: QuerySet) -> QuerySet:
        return _where(queryset, self.where)

    empty: MetricValue = None


@dataclass(frozen=True)
class CountBy:
    """The number of records for each of a field's choices, as {label: n} with every choice
    listed in the choices' order (a value outside the choices is not counted): a filtered
    count per choice, so one aggregate query that shares the scan of the other figures of the
    same records (compute_spans_many). Its value is already a breakdown: it has no derived
    breakdowns, rankings or snapshots of its own."""

    field: str
    choices: tuple[tuple[Any, Any], ...]  # (value, label), e.g. a TextChoices' .choices

    def aggregates(self, within: Q | None = None) -> dict[str, Any]:
        return {
            f"g{i}": models.Count("pk", filter=_and(Q(**{self.field: value}), within))
            for i, (value, _) in enumerate(self.choices)
        }

    def counted(self) -> Q | None:
        return None

    def finish(self, row: dict[str, Any]) -> MetricValue:
        return {str(label): int(row[f"g{i}"] or 0) for i, (_, label) in enumerate(self.choices)}

    def records(self, queryset: QuerySet) -> QuerySet:
        return queryset

    @property
    def empty(self) -> MetricValue:
        return {str(label): 0 for _, label in self.choices}


@dataclass(frozen=True)
class Custom:
    """A computation of its own over the period's records (`fn(records, period)`), for figures
    no aggregate above expresses (a breakdown by a field's choices, a percentile). It still
    gets the period filtering and the drill-down, but no derived breakdowns."""

    fn: Callable[[QuerySet, Period | None], MetricValue] = field(compare=False)

    def records(self, queryset: QuerySet) -> QuerySet:
        return queryset


Measure = Count | Share | Total | Mean | CountBy | Custom


@dataclass(frozen=True)
class Metric:
    """A named figure and exactly how it is counted (指标 / 口径)."""

    key: str  # "<app>.<name>", e.g. "catalog.fully_online_rate"
    name: str  # 中文名
    unit: str  # "项", "%" (ratios: the value is 0–1 and is shown × 100)
    definition: str  # 口径: formula, numerator, denominator, what counts
    query: Callable[[DataScope], MetricValue] | None = field(default=None, compare=False)
    kind: MetricKind = "count"
    # The declarative form (see the module docstring).
    records: Callable[[DataScope], QuerySet] | None = field(default=None, compare=False)
    measure: Measure | None = None
    date_field: str | None = None  # places a record in a period; None: the period is the fn's
    department_field: str | None = "department"  # path to the Department (None: no breakdown)
    region_field: str | None = None  # path to the Region for the town breakdown (default: the
    # department's region)

    def __post_init__(self) -> None:
        if isinstance(self.measure, Share) and self.kind == "count":
            object.__setattr__(self, "kind", "ratio")
        if self.query is None and self.declarative:
            # The old API, metric.query(scope), stays: the all-time value.
            object.__setattr__(self, "query", _AllTime(self.key))

    @property
    def app(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def declarative(self) -> bool:
        return self.records is not None and self.measure is not None

    @property
    def point_in_time(self) -> bool:
        """A figure of the records as they are now (no period): a custom query, or records with
        no date field and a measure that does not look at the period."""
        if not self.declarative:
            return True
        return self.date_field is None and not isinstance(self.measure, Custom)

    @property
    def aggregated(self) -> bool:
        """Whether the value is aggregates over the records (not a custom measure's own
        computation): what compute_spans_many can share with other figures."""
        return self.declarative and not isinstance(self.measure, Custom)

    @property
    def derivable(self) -> bool:
        """Whether breakdowns, rankings and snapshots can be derived (an aggregate measure whose
        value is a single number)."""
        return self.declarative and not isinstance(self.measure, Custom | CountBy)

    @property
    def town_path(self) -> str | None:
        if self.region_field:
            return self.region_field
        return f"{self.department_field}__region" if self.department_field else None

    def _signature(self) -> tuple[str, ...]:
        parts = [self.query, self.records, getattr(self.measure, "fn", None)]
        return tuple(getattr(p, "__qualname__", type(p).__name__) for p in parts)


@dataclass(frozen=True)
class _AllTime:
    """A declarative metric's `query`: its all-time value for a scope."""

    key: str

    def __call__(self, scope: DataScope) -> MetricValue:
        return _compute(get(self.key), scope, None)


_REGISTRY: dict[str, Metric] = {}
_MODULES: dict[str, str] = {}  # key -> the module that registered it (docs/metrics.md's groups)


def register(metric: Metric) -> Metric:
    """Add a metric. A key is registered once; registering the very same metric again is a no-op
    (an app's ready() may run twice in tests), a different one under a taken key is an error."""
    if "." not in metric.key:
        raise ImproperlyConfigured(f"指标编码 {metric.key!r} 应为“应用.名称”形式。")
    if not metric.definition.strip():
        raise ImproperlyConfigured(f"指标 {metric.key} 缺少口径说明。")
    if metric.query is None and not metric.declarative:
        raise ImproperlyConfigured(f"指标 {metric.key} 既无查询也无计数记录与度量。")
    existing = _REGISTRY.get(metric.key)
    if existing is not None:
        if existing == metric and existing._signature() == metric._signature():
            return existing
        raise ImproperlyConfigured(f"指标编码 {metric.key} 已被注册。")
    _REGISTRY[metric.key] = metric
    _MODULES[metric.key] = sys._getframe(1).f_globals.get("__name__", metric.app)
    return metric


def registered_by(key: str) -> str:
    """The module that registered the metric ("yiwang.cases.bundle_metrics")."""
    return _MODULES.get(key, get(key).app)


def unregister(key: str) -> None:
    """Remove a metric (tests only: figures are never removed at run time)."""
    _REGISTRY.pop(key, None)


def get(key: str) -> Metric:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise KeyError(f"未注册的指标：{key}") from None


def all_metrics(app: str | None = None) -> list[Metric]:
    """Registered metrics in registration order, optionally only one app's."""
    return [m for m in _REGISTRY.values() if app is None or m.app == app]


# --- periods on records -----------------------------------------------------------------------


def _resolve(model: type[models.Model], path: str) -> models.Field:
    """The model field at the end of a `__` path (relations followed)."""
    current: Any = model
    found: Any = None
    for part in path.split("__"):
        try:
            found = current._meta.get_field(part)
        except (FieldDoesNotExist, AttributeError):
            raise ImproperlyConfigured(f"字段路径 {path} 在 {model.__name__} 上不存在。") from None
        if found.is_relation:
            current = found.related_model
    return found


def period_q(
    model: type[models.Model], date_field: str, period: Period | None, *, via: str = ""
) -> Q:
    """Q keeping records whose `date_field` falls in the period (inclusive; a cumulative period
    has no lower bound). A date-time field is compared as the local day it falls on, by aware
    bounds so that the column's index is used. `via` prefixes the lookups (a relation from
    another model to `model`, e.g. "cases__")."""
    if period is None:
        return Q()
    return _days_q(model, date_field, period.start, period.end, via=via)


class _AsStored(Func):
    """A column's value as stored, for comparisons in filtered aggregates and CASE branches.
    On SQLite a date or date-time column has NUMERIC affinity, so every comparison with a
    bound parameter first tries to convert the parameter's text to a number, row after row
    (2–3× the time of the comparison with a literal); `+column` has no affinity and is the
    same value (the unary + changes no value: Django stores dates and date-times as ISO
    text), so the text is compared directly. Elsewhere the column itself. Not for a WHERE
    that should use an index (an index serves the bare column only)."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra_context)


def _days_q(
    model: type[models.Model],
    date_field: str,
    start: dt.date | None,
    end: dt.date | None,
    *,
    via: str = "",
    as_stored: bool = False,
) -> Q:
    """Q keeping records whose `date_field` falls on a day from `start` to `end` (inclusive;
    None: no bound on that side), compared as period_q does; `as_stored`: the column as
    stored (_AsStored: the condition of a filtered aggregate, not of the WHERE)."""
    field = _resolve(model, date_field)
    is_datetime = isinstance(field, models.DateTimeField)

    def bound(day: dt.date) -> dt.date | dt.datetime:
        if not is_datetime:
            return day
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    def compared(lookup: type[LessThan | GreaterThanOrEqual], day: dt.date) -> Q:
        if as_stored:
            column = _AsStored(F(f"{via}{date_field}"), output_field=field)
            return Q(lookup(column, bound(day)))
        name = "lt" if lookup is LessThan else "gte"
        return Q(**{f"{via}{date_field}__{name}": bound(day)})

    q = Q()
    if end is not None:
        q &= compared(LessThan, end + dt.timedelta(days=1))
    if start is not None:
        q &= compared(GreaterThanOrEqual, start)
    return q


def _base(metric: Metric, scope: DataScope | None, period: Period | None) -> QuerySet:
    assert metric.records is not None
    queryset = metric.records(scope if scope is not None else ALL_SCOPE)
    if metric.date_field and period is not None:
        queryset = queryset.filter(period_q(queryset.model, metric.date_field, period))
    return queryset


# --- the API ----------------------------------------------------------------------------------


def compute(key: str, scope: DataScope | None = None, period: Period | None = None) -> MetricValue:
    """The metric's value for the scope (None = the whole catalogue) and period (None = all
    time). A point-in-time figure ignores the period (it is the records as they are now)."""
    metric = get(key)
    if not metric.declarative:
        assert metric.query is not None
        return metric.query(scope if scope is not None else ALL_SCOPE)
    return _compute(metric, scope, period)


def _compute(metric: Metric, scope: DataScope | None, period: Period | None) -> MetricValue:
    assert metric.measure is not None
    queryset = _base(metric, scope, period)
    if isinstance(metric.measure, Custom):
        return metric.measure.fn(queryset, period)
    row = queryset.aggregate(**metric.measure.aggregates())
    return metric.measure.finish(row)


def compute_spans(
    key: str, scope: DataScope | None, periods: Sequence[Period | None]
) -> list[tuple[MetricValue, int | None]]:
    """(value, count of the records behind it) of the metric for each period — what
    `compute(key, scope, period)` and `records(key, scope, period).count()` give — in ONE
    aggregate query for an aggregate measure: every span's aggregates are filtered aggregates
    over the records of the widest span (a report's period and its cumulative span read the
    table once, not four times). A custom query counts no records (None); a custom measure
    falls back to one query per value and per count (narrowed by its `records_in_period`, if
    it has one)."""
    return compute_spans_many([key], scope, periods)[key]


def _shared_by(metric: Metric) -> tuple[Any, ...] | None:
    """What the metrics computed in one query have in common: the same records (the same
    `records` function, so the same rows for a scope) placed in a period by the same date
    field. None: the metric is computed in a query of its own (a custom measure or query; a
    share whose numerator is a subquery, grouped by it)."""
    if not metric.aggregated:
        return None
    measure = metric.measure
    if isinstance(measure, Share) and _has_subquery(_q(measure.numerator)):
        return None
    return (metric.records, metric.date_field)


def compute_spans_many(
    keys: Iterable[str], scope: DataScope | None, periods: Sequence[Period | None]
) -> dict[str, list[tuple[MetricValue, int | None]]]:
    """compute_spans of several metrics, {key: [(value, records) per period]}: the aggregate
    metrics over the same records and date field (`_shared_by`: the case figures, the rating
    figures, ...) share ONE aggregate query — each metric's aggregates for each span are
    filtered aggregates over the widest span's records, so the table is read once for all of
    them, not once per figure. Each value is the one compute() gives, each count the one
    records().count() gives."""
    keys = list(dict.fromkeys(keys))
    found: dict[str, list[tuple[MetricValue, int | None]]] = {}
    together: dict[tuple[Any, ...], list[Metric]] = {}
    for key in keys:
        metric = get(key)
        shared = _shared_by(metric)
        if shared is None:
            found[key] = _spans_alone(metric, scope, periods)
        else:
            together.setdefault(shared, []).append(metric)
    for metrics in together.values():
        found.update(_spans_together(metrics, scope, periods))
    return {key: found[key] for key in keys}


def _spans_alone(
    metric: Metric, scope: DataScope | None, periods: Sequence[Period | None]
) -> list[tuple[MetricValue, int | None]]:
    if not metric.declarative:
        value = compute(metric.key, scope)  # a point-in-time figure: the same for every period
        return [(value, None) for _ in periods]
    assert metric.measure is not None
    measure = metric.measure
    if isinstance(measure, Custom):
        # A custom measure may say which of the records its period's figure counts.
        narrow = getattr(measure, "records_in_period", None)
        found_custom: list[tuple[MetricValue, int | None]] = []
        for p in periods:
            behind = records(metric.key, scope, p)
            if narrow is not None:
                behind = narrow(behind, p)
            found_custom.append((_compute(metric, scope, p), int(behind.count())))
        return found_custom
    assert isinstance(measure, Share)  # with a subquery numerator (_shared_by)
    spans = list(periods) if metric.date_field else [None]
    queryset, within = _widest(metric, scope, spans)
    shares = _share_spans_by_numerator(queryset, measure, within)
    return shares if metric.date_field else [shares[0] for _ in periods]


def _widest(
    metric: Metric, scope: DataScope | None, spans: Sequence[Period | None]
) -> tuple[QuerySet, list[Q | None]]:
    """The metric's records of the union of the spans, and each span's condition on them (None:
    every one of them is in the span). When the spans' union is one run of days (a period
    and its cumulative span), the records are those of that run, and a span's condition only
    the bound it does not share with the run — the cumulative span needs none, the period
    only its start: the same records as its full bounds, with fewer comparisons per row in
    every filtered aggregate (SQLite compares a bound parameter with each row's value anew)."""
    queryset = _base(metric, scope, None)
    if not metric.date_field:
        return queryset, [None for _ in spans]
    model, date_field = queryset.model, metric.date_field
    run = _one_run(spans)
    if run is not None:
        start, end = run
        queryset = queryset.filter(_days_q(model, date_field, start, end))
        within: list[Q | None] = []
        for p in spans:
            assert p is not None
            q = _days_q(
                model,
                date_field,
                p.start if p.start != start else None,
                p.end if p.end != end else None,
                as_stored=True,
            )
            within.append(q if q != Q() else None)
        return queryset, within
    bounded = [period_q(model, date_field, p) for p in spans]
    if spans and all(q != Q() for q in bounded):
        widest = bounded[0]
        for q in bounded[1:]:
            widest |= q
        queryset = queryset.filter(widest)
    return queryset, list(bounded)


def _one_run(spans: Sequence[Period | None]) -> tuple[dt.date | None, dt.date] | None:
    """(first day or None, last day) of the union of the spans when it is one run of days
    without a gap; None when a span is all time (None) or the union has a gap."""
    if not spans or any(p is None for p in spans):
        return None
    periods = sorted(
        (p for p in spans if p is not None), key=lambda p: (p.start is not None, p.start)
    )
    start, end = periods[0].start, periods[0].end
    for p in periods[1:]:
        assert p.start is not None  # only the first may have no start (sorted first)
        if p.start > end + dt.timedelta(days=1):
            return None
        end = max(end, p.end)
    return start, end


def _spans_together(
    metrics: list[Metric], scope: DataScope | None, periods: Sequence[Period | None]
) -> dict[str, list[tuple[MetricValue, int | None]]]:
    """compute_spans of aggregate metrics sharing their records and date field, in one query:
    metric j's aggregate `name` for span i is `m{j}_s{i}_{name}`."""
    first = metrics[0]
    spans = list(periods) if first.date_field else [None]
    queryset, within = _widest(first, scope, spans)
    aggregates: dict[str, Any] = {}
    for j, metric in enumerate(metrics):
        measure = metric.measure
        assert measure is not None and not isinstance(measure, Custom)
        for i, q in enumerate(within):
            for name, aggregate in measure.aggregates(q).items():
                aggregates[f"m{j}_s{i}_{name}"] = aggregate
            aggregates[f"m{j}_s{i}_records"] = models.Count("pk", filter=_and(measure.counted(), q))
    unique, names = _once(aggregates)
    row = _spread(queryset.aggregate(**unique), names)
    found: dict[str, list[tuple[MetricValue, int | None]]] = {}
    for j, metric in enumerate(metrics):
        assert metric.measure is not None and not isinstance(metric.measure, Custom)
        values: list[tuple[MetricValue, int | None]] = []
        for i in range(len(spans)):
            mine = _prefixed(row, f"m{j}_s{i}_")
            values.append((metric.measure.finish(mine), int(mine["records"] or 0)))
        found[metric.key] = values if metric.date_field else [values[0] for _ in periods]
    return found


def _once(aggregates: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The distinct aggregates of `aggregates` (the first name of each) and, for every name,
    the name its value is computed under: figures side by side often ask the very same
    filtered count (a share's denominator is also its record count; a span's count of
    records is a count figure's value), which the database would otherwise compute again for
    every row."""
    first: dict[Any, str] = {}
    names: dict[str, str] = {}
    for name, aggregate in aggregates.items():
        try:
            names[name] = first.setdefault(aggregate, name)
        except TypeError:  # an expression that cannot be compared (not hashable): its own
            names[name] = name
    return {name: aggregates[name] for name in dict.fromkeys(names.values())}, names


def _spread(row: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """A row of `_once`'s distinct aggregates with every name of `names` filled in."""
    return {**row, **{name: row[computed] for name, computed in names.items()}}


def _prefixed(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}


def _has_subquery(condition: Q | None) -> bool:
    return condition is not None and any(
        isinstance(part, Subquery | Exists) for part in condition.flatten()
    )


def _share_spans_by_numerator(
    queryset: QuerySet, measure: Share, within: list[Q | None]
) -> list[tuple[MetricValue, int | None]]:
    """compute_spans for a share whose numerator is a subquery (an EXISTS per record): the
    records are grouped by the numerator, so that it is evaluated once per record, not once
    per span's filtered count (the database does not share it between them: 2 × 0.8 s at
    863,126 concluded cases on PostgreSQL). Each span's denominator is the sum over the
    groups, its numerator the group where the numerator holds. Still one query."""
    hit = _q(measure.numerator)
    among = _q(measure.among)
    aggregates = {f"s{i}": models.Count("pk", filter=_and(among, q)) for i, q in enumerate(within)}
    groups = list(
        queryset.values(hit=ExpressionWrapper(hit, output_field=BooleanField()))
        .annotate(**aggregates)
        .order_by()
    )
    found: list[tuple[MetricValue, int | None]] = []
    for i in range(len(within)):
        total = sum(int(g[f"s{i}"] or 0) for g in groups)
        hits = sum(int(g[f"s{i}"] or 0) for g in groups if g["hit"] is True)
        found.append((ratio(hits, total), total))
    return found


@dataclass(frozen=True)
class Row:
    """One group of a breakdown: its id (department pk, 9-digit town prefix, "YYYY-MM"), its
    label and the metric's value over the group's records."""

    id: int | str
    label: str
    value: MetricValue


def _unsupported(metric: Metric, by: str) -> ValueError:
    return ValueError(f"指标“{metric.name}”（{metric.key}）不支持按{_BY_LABEL.get(by, by)}分解。")


_BY_LABEL = {"department": "部门", "town": "乡镇（街道）", "month": "月份"}


# A cumulative span's month breakdown places the records of its last MONTHS_BY_BOUNDS months by
# comparisons with each month's bounds; older records (if any) by truncating their date.
MONTHS_BY_BOUNDS = 36


def _months_up_to(end: dt.date, count: int) -> list[str]:
    """The `count` months ending with the month of `end`, as "YYYY-MM", oldest first."""
    year, month = end.year, end.month
    found = []
    for _ in range(count):
        found.append(f"{year}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found[::-1]


def _month_of(model: type[models.Model], date_field: str, period: Period | None) -> Any:
    """The expression grouping records by month ("YYYY-MM"). Within a period the local month is
    found by comparing the column with each month's first day (a date-time field: its aware
    start) — the same months as truncating the date, by comparisons instead of a conversion
    of every row (on SQLite TruncMonth is a Python function call per row, also for a date
    field). A cumulative span has no first month: its last MONTHS_BY_BOUNDS months are
    compared, an older record's month is its truncated date. All time (no period): TruncMonth.
    The records are already within the period."""
    return _months_of(model, date_field, [period])


def _months_of(model: type[models.Model], date_field: str, spans: Sequence[Period | None]) -> Any:
    """_month_of for the records of several spans (their union)."""
    if any(span is None for span in spans):
        return TruncMonth(date_field)
    periods = [span for span in spans if span is not None]
    is_datetime = isinstance(_resolve(model, date_field), models.DateTimeField)
    bounded = all(p.start is not None for p in periods)
    if bounded:
        months = sorted({m for p in periods for m in p.months})
    else:
        months = _months_up_to(max(p.end for p in periods), MONTHS_BY_BOUNDS)
    whens = []
    for month in reversed(months):  # newest first: most records need few comparisons
        first: dt.date | dt.datetime = dt.date(int(month[:4]), int(month[5:]), 1)
        if is_datetime:
            first = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
        column = _AsStored(F(date_field), output_field=_resolve(model, date_field))
        whens.append(When(GreaterThanOrEqual(column, first), then=Value(month)))
    # Within bounded spans every record is in one of their months (the spans' records only are
    # grouped); the records of a cumulative span may be older than its bounded months.
    older: Any = Value(None)
    if not bounded:
        older = Substr(Cast(TruncMonth(date_field), CharField()), 1, 7)
    return Case(*whens, default=older, output_field=CharField())


def _labelled(
    grouped: QuerySet, label: str, rest: str, label_params: list[Any], **names: str
) -> list[dict[str, Any]]:
    """The rows of an aggregate grouped by a key (a values().annotate() queryset), each with a
    "label", in ONE query: the aggregate is a derived table `t` that `label` (a select
    expression) and `rest` (joins and ORDER BY) name and order — so the label is looked up once
    per group. Joining the label into the aggregate itself would make Django group by it too
    (a subquery in the GROUP BY runs once per record: 6 of 7 s of the town breakdown at
    1,000,000 ratings on PostgreSQL; a department's name and region code tripled the time of a
    department breakdown). `names` are quoted into `label` and `rest` ({name}, {id}, {code},
    {level} are the columns of those names)."""
    quote = connections[grouped.db].ops.quote_name
    quoted = {
        k: quote(v)
        for k, v in {"name": "name", "id": "id", "code": "code", "level": "level", **names}.items()
    }
    compiler = grouped.query.get_compiler(using=grouped.db)
    sql, params = compiler.as_sql()
    columns = [
        *grouped.query.extra_select,
        *grouped.query.values_select,
        *grouped.query.annotation_select,
    ]
    converters = compiler.get_converters([column for column, _, _ in compiler.select])
    # Only quoted identifiers are formatted in; every value is a parameter.
    outer = f"SELECT t.*, {label.format(**quoted)} FROM ({sql}) t {rest.format(**quoted)}"  # noqa: S608
    with connections[grouped.db].cursor() as cursor:
        cursor.execute(outer, [*label_params, *params])
        fetched = cursor.fetchall()
    found = []
    for row in fetched:
        values = list(row[: len(columns)])
        if converters:
            values = list(next(iter(compiler.apply_converters([values], converters))))
        found.append({**dict(zip(columns, values, strict=True)), "label": row[len(columns)]})
    return found


def breakdown(
    key: str, by: Dimension, scope: DataScope | None = None, period: Period | None = None
) -> list[Row]:
    """The metric over each department / town / month of the scope and period, in one aggregate
    query (the groups named after aggregating). Departments are ordered by region code
    and name, towns by code (county-level departments under 县本级), months in order — every
    month of the period is listed, a month without records with the measure's empty value (0
    for counts, None for ratios)."""
    return breakdown_spans([key], by, scope, [period])[key][0]


def breakdown_many(
    keys: Iterable[str], by: Dimension, scope: DataScope | None = None, period: Period | None = None
) -> dict[str, list[Row]]:
    """breakdown() of several metrics by the same dimension and period, {key: rows}, by
    breakdown_spans."""
    return {key: rows[0] for key, rows in breakdown_spans(keys, by, scope, [period]).items()}


def breakdown_spans(
    keys: Iterable[str],
    by: Dimension,
    scope: DataScope | None,
    periods: Sequence[Period | None],
) -> dict[str, list[list[Row]]]:
    """breakdown() of several metrics by the same dimension for each of several periods,
    {key: [rows per period]}: the metrics over the same records, date field and department
    (or town, or month) path share ONE grouped query over the records of the widest span, each
    metric's aggregates for each span a filtered aggregate side by side in every group — the
    table is read once for all of them (a report's period and its cumulative span too). The
    rows are those breakdown() gives for each span: a group without a record in a span is left
    out of that span's rows (as its own query would not find it), whichever metric is asked,
    since every measure filters in its aggregates."""
    keys = list(dict.fromkeys(keys))
    together: dict[tuple[Any, ...], list[Metric]] = {}
    for key in keys:
        metric = get(key)
        if not metric.derivable:
            raise _unsupported(metric, by)
        if by == "department":
            path = metric.department_field
        elif by == "town":
            path = metric.town_path
        elif by == "month":
            path = metric.date_field
        else:
            raise ValueError(f"未知的分解维度：{by}。")
        if path is None:
            raise _unsupported(metric, by)
        together.setdefault((metric.records, metric.date_field, path), []).append(metric)
    found: dict[str, list[list[Row]]] = {}
    for metrics in together.values():
        found.update(_breakdown_together(metrics, by, scope, list(periods)))
    return {key: found[key] for key in keys}


def _breakdown_together(
    metrics: list[Metric], by: Dimension, scope: DataScope | None, periods: list[Period | None]
) -> dict[str, list[list[Row]]]:
    """The breakdowns of metrics sharing records, date field and the dimension's path, for each
    span: metric j's aggregate `name` for span i is `m{j}_s{i}_{name}` in each group, and
    `s{i}_present` counts the group's records in span i (when the spans differ)."""
    first = metrics[0]
    spans = periods if first.date_field else [None]
    within: list[Q | None]
    if len(spans) == 1:
        queryset, within = _base(first, scope, spans[0]), [None]
    else:
        queryset, within = _widest(first, scope, spans)
    aggregates: dict[str, Any] = {}
    measures = []
    for j, metric in enumerate(metrics):
        measure = metric.measure
        assert measure is not None and not isinstance(measure, Custom | CountBy)
        measures.append(measure)
        for i, q in enumerate(within):
            for name, aggregate in measure.aggregates(q).items():
                aggregates[f"m{j}_s{i}_{name}"] = aggregate
    for i, q in enumerate(within):
        if q is not None and q != Q():
            aggregates[f"s{i}_present"] = models.Count("pk", filter=q)
    unique, names = _once(aggregates)

    def present(group: dict[str, Any], i: int) -> bool:
        return group.get(f"s{i}_present", 1) > 0

    def value(group: dict[str, Any], j: int, i: int) -> MetricValue:
        return measures[j].finish(_prefixed(group, f"m{j}_s{i}_"))

    if by in ("department", "town"):
        if by == "department":
            path = first.department_field
            from yiwang.org.models import Department, Region

            column = f"{path}__id"
            groups = _labelled(
                queryset.values(column).annotate(**unique).order_by(),
                "d.{name}",
                "INNER JOIN {department} d ON d.{id} = t.{key} "
                "INNER JOIN {region} g ON g.{id} = d.{region_id} ORDER BY g.{code}, d.{name}",
                [],
                key=column,
                department=Department._meta.db_table,
                region=Region._meta.db_table,
                region_id=Department._meta.get_field("region").column,
            )
        else:
            path = first.town_path
            from yiwang.org.models import Region, RegionLevel

            column = "town"
            groups = _labelled(
                queryset.annotate(town=Substr(f"{path}__code", 1, TOWN_PREFIX))
                .values("town")
                .annotate(**unique)
                .order_by(),
                "(SELECT u.{name} FROM {region} u"
                " WHERE u.{level} = %s AND u.{code} = t.{key} || '000')",
                "ORDER BY t.{key}",
                [RegionLevel.TOWN.value],
                key="town",
                region=Region._meta.db_table,
            )
            for group in groups:
                group["label"] = group["label"] or gettext(COUNTY_LEVEL)
        groups = [_spread(g, names) for g in groups]
        found_groups: dict[str, list[list[Row]]] = {}
        for j, metric in enumerate(metrics):
            per_span = [
                [
                    Row(g[column], g["label"], value(g, j, i))
                    for g in groups
                    if g[column] is not None and g[column] != "" and present(g, i)
                ]
                for i in range(len(within))
            ]
            found_groups[metric.key] = (
                per_span if first.date_field else [per_span[0] for _ in periods]
            )
        return found_groups
    assert first.date_field is not None
    grouped = list(
        queryset.annotate(month=_months_of(queryset.model, first.date_field, spans))
        .values("month")
        .annotate(**unique)
        .order_by("month")
    )
    grouped = [_spread(g, names) for g in grouped]
    for g in grouped:
        if g["month"] and not isinstance(g["month"], str):
            g["month"] = f"{g['month']:%Y-%m}"
    found: dict[str, list[list[Row]]] = {}
    for j, metric in enumerate(metrics):
        per_span = []
        for i, span in enumerate(spans):
            values = {g["month"]: value(g, j, i) for g in grouped if g["month"] and present(g, i)}
            for month in span.months if span is not None and not span.is_cumulative else []:
                values.setdefault(month, measures[j].empty)
            per_span.append([Row(m, m, values[m]) for m in sorted(values)])
        found[metric.key] = per_span if first.date_field else [per_span[0] for _ in periods]
    return found


def _rank_key(row: Row) -> tuple[int, Decimal]:
    value = row.value
    if value is None or isinstance(value, dict):
        return (1, Decimal(0))
    return (0, -Decimal(value))


def ranking(
    key: str, by: Dimension, scope: DataScope | None = None, period: Period | None = None
) -> list[Row]:
    """The breakdown sorted high to low (no data last); ties keep the breakdown's order (region
    code and name, town code), the sort being stable."""
    return ranked(breakdown(key, by, scope, period))


def ranked(rows: Iterable[Row]) -> list[Row]:
    """A breakdown's rows as ranking() orders them (high to low, no data last, stable)."""
    return sorted(rows, key=_rank_key)


def records(
    key: str,
    scope: DataScope | None = None,
    period: Period | None = None,
    *,
    department: int | None = None,
    town: str | None = None,
) -> QuerySet:
    """The records behind a figure (a ratio's denominator), optionally of one department or town
    of its breakdown: the drill-down list. Raises ValueError for a custom-query metric."""
    metric = get(key)
    if not metric.declarative:
        raise ValueError(f"指标“{metric.name}”（{metric.key}）没有可列出的记录。")
    assert metric.measure is not None
    queryset = metric.measure.records(_base(metric, scope, period))
    if department is not None and metric.department_field:
        queryset = queryset.filter(**{f"{metric.department_field}__id": department})
    if town is not None and metric.town_path:
        queryset = queryset.filter(**{f"{metric.town_path}__code__startswith": town})
    return queryset


@dataclass(frozen=True)
class Figure:
    """A computed metric, ready for a page or a report."""

    metric: Metric
    value: MetricValue

    @property
    def text(self) -> str:
        return format_value(self.metric, self.value)

    @property
    def rows(self) -> list[tuple[str, int]]:
        return list(self.value.items()) if isinstance(self.value, dict) else []


def compute_many(
    keys: Iterable[str], scope: DataScope | None = None, period: Period | None = None
) -> list[Figure]:
    return [Figure(get(key), compute(key, scope, period)) for key in keys]


def ratio(numerator: int | Decimal | None, denominator: int | Decimal | None) -> Decimal | None:
    """numerator ÷ denominator rounded half-up to 4 places; None when the denominator is 0."""
    if not denominator:
        return None
    value = Decimal(numerator or 0) / Decimal(denominator)
    return value.quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def format_value(metric: Metric, value: MetricValue) -> str:
    """How a value is printed: ratios as a percentage with 2 decimals (the 4-place ratio × 100,
    so no second rounding), counts as integers, None as "无数据"."""
    # In the reader's language (units are marked where the metric is registered).
    if value is None:
        return gettext(NO_DATA)
    unit = gettext(metric.unit) if metric.unit else ""
    if isinstance(value, dict):
        return gettext("%(total)s %(unit)s（%(groups)s 类）") % {
            "total": sum(value.values()),
            "unit": unit,
            "groups": len(value),
        }
    if metric.kind == "ratio":
        return f"{Decimal(value) * 100:.2f}%"
    return f"{value} {unit}".strip()
