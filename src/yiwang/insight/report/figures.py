"""The figures the half-year work report (工作总结) prints, all from the metric registry: each for
the period and for its cumulative span (截至期末累计), with the count of records behind it
(the appendix), the per-department table, the monthly series and the breakdowns the
consistency guard checks against their wholes.

Nothing here counts records itself: each figure's value and record count for the period and
its cumulative span come from `registry.compute_spans_many` (one aggregate query for the
figures of the same records; the count is a ratio's denominator, or what a custom measure says
its figure counts), the breakdowns from `registry.breakdown_many` (one grouped query for the
figures of the same records by the same dimension and span), each computed once: the
per-department table, the guard's parts and the 存在问题 rankings read the same rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from yiwang.insight import registry
from yiwang.insight.periods import Period
from yiwang.insight.registry import Metric, MetricValue
from yiwang.org.scope import DataScope

# The report's figures, in the order the appendix lists them.
REPORT_KEYS: tuple[str, ...] = (
    "cases.total",
    "cases.online_share",
    "cases.coverage",
    "cases.on_time_rate",
    "cases.overdue_count",
    "cases.average_handling_days",
    "cases.assisted_count",
    "cases.by_channel",
    "evaluations.good_rate",
    "evaluations.bad_count",
    "evaluations.active_rate",
    "appeals.total",
    "appeals.conclusion_rate",
    "appeals.on_time_rate",
    "appeals.satisfaction_rate",
    "catalog.items_total",
    "catalog.fully_online_rate",
    "hall.bookings_total",
)

# The per-department table's columns (each a department breakdown).
DEPARTMENT_KEYS: tuple[str, ...] = (
    "cases.total",
    "cases.on_time_rate",
    "cases.overdue_count",
    "evaluations.good_rate",
    "evaluations.bad_count",
)

# Breakdown figures (a dict of groups) and the figure their groups add up to.
WHOLES: dict[str, str] = {"cases.by_channel": "cases.total"}

# Count figures whose monthly and departmental breakdowns the guard adds up.
ADDITIVE_KEYS: tuple[str, ...] = (
    "cases.total",
    "cases.overdue_count",
    "evaluations.bad_count",
    "appeals.total",
)

# The rankings of the 存在问题 section (insight.report.problems), as (key, dimension).
PROBLEM_BREAKDOWNS: tuple[tuple[str, str], ...] = (
    ("cases.on_time_rate", "department"),
    ("evaluations.bad_count", "department"),
    ("evaluations.bad_count", "town"),
    ("appeals.on_time_rate", "department"),
)

NONE_TEXT = "—"


def text_of(metric: Metric, value: MetricValue) -> str:
    """A value as the report prints it: ratios as percentages with 2 decimals, means with their
    decimals, counts as integers; no data as —."""
    if value is None:
        return NONE_TEXT
    if isinstance(value, dict):
        return str(sum(value.values()))
    if metric.kind == "ratio":
        return f"{Decimal(value) * 100:.2f}%"
    return str(value)


def wan_of(value: MetricValue) -> str:
    """A count the way the seed reports write it: from 10,000 up in 万 with 2 decimals
    ("3.46万"), below as it is."""
    if value is None or isinstance(value, dict):
        return NONE_TEXT
    if Decimal(value) < 10000:
        return str(value)
    return f"{Decimal(value) / 10000:.2f}万"


@dataclass
class Used:
    """One figure of the report: its value for the period and the cumulative span, and how many
    records it is computed over (None: a point-in-time figure without a record list)."""

    metric: Metric
    value: MetricValue
    cumulative: MetricValue
    records: int | None
    cumulative_records: int | None

    @property
    def key(self) -> str:
        return self.metric.key

    @property
    def text(self) -> str:
        return text_of(self.metric, self.value)

    @property
    def cumulative_text(self) -> str:
        return text_of(self.metric, self.cumulative)

    @property
    def wan(self) -> str:
        return wan_of(self.value)

    @property
    def cumulative_wan(self) -> str:
        return wan_of(self.cumulative)

    @property
    def records_text(self) -> str:
        return NONE_TEXT if self.records is None else str(self.records)

    @property
    def cumulative_records_text(self) -> str:
        return NONE_TEXT if self.cumulative_records is None else str(self.cumulative_records)


@dataclass
class DepartmentRow:
    """A row of the per-department table: the DEPARTMENT_KEYS figures of one department."""

    department_id: int
    name: str
    values: dict[str, MetricValue] = field(default_factory=dict)

    def text(self, key: str) -> str:
        metric = registry.get(key)
        # A department absent from a count's breakdown has none of its records: 0, not —.
        empty = 0 if metric.kind == "count" else None
        return text_of(metric, self.values.get(key, empty))

    @property
    def cells(self) -> list[str]:
        return [self.text(key) for key in DEPARTMENT_KEYS]


@dataclass
class ReportFigures:
    """Everything the report prints, computed once; the guard, the problems section, the
    charts and the templates read only this."""

    period: Period
    cumulative_period: Period
    scope: DataScope
    used: dict[str, Used]
    departments: list[DepartmentRow]
    months: list[registry.Row]  # cases.total by month of the period
    # key -> [(dimension, [(label, value)])] for ADDITIVE_KEYS, period and cumulative
    parts: dict[str, list[tuple[str, str, list[tuple[str, MetricValue]]]]]
    # (key, dimension) -> the period's breakdown, for PROBLEM_BREAKDOWNS
    problem_rows: dict[tuple[str, str], list[registry.Row]] = field(default_factory=dict)

    def ranking(self, key: str, by: str) -> list[registry.Row]:
        """registry.ranking(key, by, scope, period) of a PROBLEM_BREAKDOWNS pair, from the
        breakdown computed with the other figures."""
        return registry.ranked(self.problem_rows[(key, by)])

    @property
    def by_name(self) -> dict[str, Used]:
        """The figures by key with "_" for "." (cases_total), as templates name them."""
        return {key.replace(".", "_"): used for key, used in self.used.items()}

    @property
    def department_headers(self) -> list[str]:
        return [registry.get(key).name for key in DEPARTMENT_KEYS]

    @property
    def empty(self) -> bool:
        return not self.used["cases.total"].value


def _use(key: str, spans: list[tuple[MetricValue, int | None]]) -> Used:
    metric = registry.get(key)
    (value, count), (total, total_count) = spans
    if metric.point_in_time:
        total, total_count = value, count
    return Used(
        metric=metric,
        value=value,
        cumulative=total,
        records=count,
        cumulative_records=total_count,
    )


def wanted_breakdowns() -> dict[str, list[str]]:
    """dimension -> the keys of every breakdown the report prints by it (for the period, some
    also for the cumulative span): the per-department table, the monthly series, the guard's
    parts, the 存在问题 rankings."""
    wanted: dict[str, list[str]] = {
        "department": [*DEPARTMENT_KEYS, *ADDITIVE_KEYS],
        "month": ["cases.total", *ADDITIVE_KEYS],
    }
    for key, by in PROBLEM_BREAKDOWNS:
        wanted.setdefault(by, []).append(key)
    return {by: list(dict.fromkeys(keys)) for by, keys in wanted.items()}


def _breakdowns(
    scope: DataScope, period: Period, cumulative: Period
) -> dict[tuple[str, str], dict[str, list[registry.Row]]]:
    """(dimension, "period" | "cumulative") -> {key: rows}: every breakdown the report prints,
    the period's and the cumulative span's asked together per dimension
    (registry.breakdown_spans: one query per dimension and group of figures of the same
    records)."""
    found: dict[tuple[str, str], dict[str, list[registry.Row]]] = {}
    for by, keys in wanted_breakdowns().items():
        spans = registry.breakdown_spans(keys, by, scope, (period, cumulative))  # type: ignore[arg-type]
        found[(by, "period")] = {key: rows[0] for key, rows in spans.items()}
        found[(by, "cumulative")] = {key: rows[1] for key, rows in spans.items()}
    return found


def _departments(rows_of: dict[str, list[registry.Row]]) -> list[DepartmentRow]:
    rows: dict[int, DepartmentRow] = {}
    for key in DEPARTMENT_KEYS:
        for row in rows_of[key]:
            target = rows.setdefault(int(row.id), DepartmentRow(int(row.id), row.label))
            target.values[key] = row.value
    # Departments in the breakdowns' order (region code, name), as the first column saw them.
    return list(rows.values())


def _parts(
    breakdowns: dict[tuple[str, str], dict[str, list[registry.Row]]],
) -> dict[str, list[tuple[str, str, list[tuple[str, MetricValue]]]]]:
    parts: dict[str, list[tuple[str, str, list[tuple[str, MetricValue]]]]] = {}
    for key in ADDITIVE_KEYS:
        found = []
        for which in ("period", "cumulative"):
            for by in ("month", "department"):
                rows = breakdowns[(by, which)][key]
                found.append((which, by, [(r.label, r.value) for r in rows]))
        parts[key] = found
    return parts


def report_figures(period: Period, scope: DataScope) -> ReportFigures:
    """Compute every figure of the report for the period and scope (a few dozen aggregate
    queries whatever the number of records: one per group of figures over the same records,
    and per dimension and span of their breakdowns)."""
    cumulative = period.cumulative()
    spans = registry.compute_spans_many(REPORT_KEYS, scope, (period, cumulative))
    breakdowns = _breakdowns(scope, period, cumulative)
    return ReportFigures(
        period=period,
        cumulative_period=cumulative,
        scope=scope,
        used={key: _use(key, spans[key]) for key in REPORT_KEYS},
        departments=_departments(breakdowns[("department", "period")]),
        months=breakdowns[("month", "period")]["cases.total"],
        parts=_parts(breakdowns),
        problem_rows={(key, by): breakdowns[(by, "period")][key] for key, by in PROBLEM_BREAKDOWNS},
    )


def plain(figures: ReportFigures) -> dict[str, Any]:
    """The figures as plain values (tests compare them with registry.compute)."""
    return {key: used.value for key, used in figures.used.items()}
