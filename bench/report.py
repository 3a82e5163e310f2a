"""The half-year work report's figures (insight.report.figures.report_figures: every report
figure for the period and its cumulative span with its record count, the per-department table,
the monthly series, the parts the consistency guard adds up, and the department / town
rankings of the 存在问题 section) from the metric registry, against the same aggregations in
DuckDB over a Parquet export of the same rows made in the same run (issue 12 §5: target ≤ 3×).

    .venv/bin/python bench/report.py                                 # SQLite in var/bench-report
    .venv/bin/python bench/report.py --cases 100000 --ratings 100000 --tickets 10000
    .venv/bin/python bench/report.py --database-url postgres://postgres@127.0.0.1:5434/bench_h4

The database is the demo county (`yiwang demo`) plus bulk-created cases, ratings and tickets
(bench/benchdata.py; kept between runs, only what is missing is added). The rows the figures
read are exported to Parquet by DuckDB (the export time is printed, not counted); the DuckDB
side then computes every figure with the registry's 口径 (the same filters, date fields, period
bounds — local days of a date-time column —, departments and orderings), the two sides are
compared value by value (a mismatch stops the run with exit 1 and is no figure), and the
ratio registry ÷ DuckDB (best of --repeat runs each) is printed, with the slowest metrics.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 3.0
TOWN_LEVEL = 4  # org.models.RegionLevel.TOWN
TABLES = (
    "cases",
    "ratings",
    "tickets",
    "items",
    "versions",
    "adjustments",
    "bookings",
    "departments",
    "regions",
)

# --- the registry side --------------------------------------------------------------------


def registry_figures(period_code: str) -> dict[str, Any]:
    """Every figure the report prints, from the registry, as plain comparable values (the
    存在问题 rankings are the breakdowns report_figures computed with the other figures)."""
    from yiwang.insight.periods import Period
    from yiwang.insight.report.figures import PROBLEM_BREAKDOWNS, report_figures
    from yiwang.org.scope import ALL_SCOPE

    period = Period.parse(period_code)
    figures = report_figures(period, ALL_SCOPE)
    out: dict[str, Any] = {}
    for key, used in figures.used.items():
        out[key] = (used.value, used.cumulative, used.records, used.cumulative_records)
    out["departments"] = [(d.department_id, d.name, dict(d.values)) for d in figures.departments]
    out["months"] = [(r.id, r.value) for r in figures.months]
    out["parts"] = {key: parts for key, parts in figures.parts.items()}
    for key, by in PROBLEM_BREAKDOWNS:
        rows = figures.problem_rows[(key, by)]
        out[f"{key} by {by}"] = [(str(r.id), r.label, r.value) for r in rows]
    return out


def time_each_query(period_code: str) -> list[tuple[float, str]]:
    """Seconds per query of report_figures (slowest first): each group of figures computed
    together for the period and its cumulative span (registry.compute_spans_many), and each
    group of breakdowns by one dimension for both spans (registry.breakdown_spans)."""
    from yiwang.insight import registry
    from yiwang.insight.periods import Period
    from yiwang.insight.report import figures
    from yiwang.org.scope import ALL_SCOPE

    period = Period.parse(period_code)
    cumulative = period.cumulative()
    groups: dict[Any, list[str]] = {}
    for key in figures.REPORT_KEYS:
        shared = registry._shared_by(registry.get(key))
        groups.setdefault(shared if shared is not None else key, []).append(key)
    found = []
    for keys in groups.values():
        started = time.perf_counter()
        registry.compute_spans_many(keys, ALL_SCOPE, (period, cumulative))
        found.append((time.perf_counter() - started, f"{', '.join(keys)} (values, records)"))
    for by, keys in figures.wanted_breakdowns().items():
        by_records: dict[Any, list[str]] = {}
        for key in keys:
            by_records.setdefault(registry.get(key).records, []).append(key)
        for same in by_records.values():
            started = time.perf_counter()
            registry.breakdown_spans(same, by, ALL_SCOPE, (period, cumulative))  # type: ignore[arg-type]
            label = f"{', '.join(same)} by {by} (period, cumulative)"
            found.append((time.perf_counter() - started, label))
    return sorted(found, reverse=True)


# --- the Parquet export -------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict[str, str]  # column -> DuckDB type
    rows: Callable[[], Any]  # an iterator of tuples in column order


def _tables() -> list[Table]:
    from yiwang.appeals.models import Ticket
    from yiwang.cases.models import Case
    from yiwang.catalog.models import AdjustmentLog, ServiceItem, ServiceItemVersion
    from yiwang.evaluations.models import Rating
    from yiwang.hall.models import Booking
    from yiwang.org.models import Department, Region

    def q(queryset, *fields: str):  # type: ignore[no-untyped-def]
        return lambda: queryset.order_by().values_list(*fields).iterator(chunk_size=20_000)

    return [
        Table(
            "cases",
            {
                "id": "BIGINT",
                "department_id": "BIGINT",
                "item_id": "BIGINT",
                "channel": "VARCHAR",
                "accepted_on": "DATE",
                "concluded_on": "DATE",
                "ever_overdue": "BOOLEAN",
                "handling_days": "BIGINT",
            },
            q(
                Case.objects,
                "id",
                "department_id",
                "item_id",
                "channel",
                "accepted_on",
                "concluded_on",
                "ever_overdue",
                "handling_days",
            ),
        ),
        Table(
            "ratings",
            {
                "id": "BIGINT",
                "case_id": "BIGINT",
                "department_id": "BIGINT",
                "follows_up_id": "BIGINT",
                "level": "BIGINT",
                "mistaken": "BOOLEAN",
                "rated_at": "TIMESTAMP",
            },  # UTC
            q(
                Rating.objects,
                "id",
                "case_id",
                "department_id",
                "follows_up_id",
                "level",
                "mistaken",
                "rated_at",
            ),
        ),
        Table(
            "tickets",
            {
                "id": "BIGINT",
                "status": "VARCHAR",
                "registered_on": "DATE",
                "lead_department_id": "BIGINT",
                "replied_on_time": "BOOLEAN",
                "ever_overdue": "BOOLEAN",
                "satisfaction": "VARCHAR",
            },
            q(
                Ticket.objects,
                "id",
                "status",
                "registered_on",
                "lead_department_id",
                "replied_on_time",
                "ever_overdue",
                "satisfaction",
            ),
        ),
        Table(
            "items",
            {
                "id": "BIGINT",
                "department_id": "BIGINT",
                "status": "VARCHAR",
                "published_version_id": "BIGINT",
                "fully_online": "BOOLEAN",
            },
            q(
                ServiceItem.objects,
                "id",
                "department_id",
                "status",
                "published_version_id",
                "published_version__fully_online",
            ),
        ),
        Table(
            "versions",
            {
                "id": "BIGINT",
                "item_id": "BIGINT",
                "status": "VARCHAR",
                "published_at": "TIMESTAMP",
                "number": "BIGINT",
                "fully_online": "BOOLEAN",
                "item_status": "VARCHAR",
            },
            q(
                ServiceItemVersion.objects,
                "id",
                "item_id",
                "status",
                "published_at",
                "number",
                "fully_online",
                "item__status",
            ),
        ),
        Table(
            "adjustments",
            {"id": "BIGINT", "item_id": "BIGINT", "action": "VARCHAR", "created_at": "TIMESTAMP"},
            q(AdjustmentLog.objects, "id", "item_id", "action", "created_at"),
        ),
        Table("bookings", {"id": "BIGINT", "day": "DATE"}, q(Booking.objects, "id", "slot__day")),
        Table(
            "departments",
            {"id": "BIGINT", "name": "VARCHAR", "region_id": "BIGINT"},
            q(Department.objects, "id", "name", "region_id"),
        ),
        Table(
            "regions",
            {"id": "BIGINT", "code": "VARCHAR", "name": "VARCHAR", "level": "BIGINT"},
            q(Region.objects, "id", "code", "name", "level"),
        ),
    ]


NULL = "\\N"


def _cell(value: Any) -> Any:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):  # aware: written as the UTC instant, naive
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value


def export(directory: Path) -> float:
    """Write every table the figures read to directory/<name>.parquet (the rows read through
    the ORM into a CSV file, DuckDB writes the Parquet); returns the seconds it took."""
    import csv

    import duckdb

    started = time.perf_counter()
    con = duckdb.connect()
    for table in _tables():
        staged = directory / f"{table.name}.csv"
        with staged.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerows([_cell(v) for v in row] for row in table.rows())
        if staged.stat().st_size:
            columns = ", ".join(f"'{c}': '{t}'" for c, t in table.columns.items())
            source = (
                f"SELECT * FROM read_csv('{staged}', header = false, nullstr = '{NULL}', "
                f"columns = {{{columns}}})"
            )
        else:  # no rows (the CSV reader cannot sniff an empty file): an empty typed table
            casts = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in table.columns.items())
            source = f"SELECT {casts} WHERE FALSE"
        con.execute(f"COPY ({source}) TO '{directory / table.name}.parquet' (FORMAT parquet)")
        staged.unlink()
    con.close()
    return time.perf_counter() - started


# --- the DuckDB side ----------------------------------------------------------------------


def _ratio(hit: Any, total: Any) -> Decimal | None:
    if not total:
        return None
    return (Decimal(hit or 0) / Decimal(total)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Spec:
    """A report metric in SQL: its records (table and 计入范围), date column (a date, or a UTC
    timestamp placed on its local day), department column and measure."""

    table: str
    where: str
    date: str | None
    department: str | None
    measure: str  # "count" | "share" | "mean"
    hit: str = "TRUE"  # count: the condition; share: the numerator; mean: the field
    among: str = "TRUE"  # share: the denominator; mean: the records averaged
    timestamp: bool = False

    def aggregates(self) -> str:
        if self.measure == "count":
            return f"count(*) FILTER (WHERE {self.hit}) AS a, NULL AS b"
        if self.measure == "share":
            return (
                f"count(*) FILTER (WHERE ({self.among}) AND ({self.hit})) AS a, "
                f"count(*) FILTER (WHERE {self.among}) AS b"
            )
        return (
            f"sum({self.hit}) FILTER (WHERE {self.among}) AS a, "
            f"count({self.hit}) FILTER (WHERE {self.among}) AS b"
        )

    def finish(self, a: Any, b: Any) -> Any:
        if self.measure == "count":
            return int(a or 0)
        if self.measure == "share":
            return _ratio(a, b)
        if not b:
            return None
        return (Decimal(a) / Decimal(b)).quantize(Decimal("0.01"), ROUND_HALF_UP)

    def records_condition(self) -> str:
        return self.hit if self.measure == "count" else self.among

    @property
    def empty(self) -> Any:
        return 0 if self.measure == "count" else None


CASES = "accepted_on IS NOT NULL"
RATINGS = "follows_up_id IS NULL"
TICKETS = "status <> 'merged'"
ITEMS = "status = 'active' AND published_version_id IS NOT NULL"
SATISFIED = "satisfaction IN ('satisfied', 'basic')"
RATED = "satisfaction IN ('satisfied', 'basic', 'dissatisfied')"
SPECS: dict[str, Spec] = {
    "cases.total": Spec("cases", CASES, "accepted_on", "department_id", "count"),
    "cases.online_share": Spec(
        "cases", CASES, "accepted_on", "department_id", "share", "channel IN ('online', 'mobile')"
    ),
    "cases.on_time_rate": Spec(
        "cases",
        CASES,
        "accepted_on",
        "department_id",
        "share",
        "NOT ever_overdue",
        "concluded_on IS NOT NULL",
    ),
    "cases.overdue_count": Spec(
        "cases", CASES, "accepted_on", "department_id", "count", "ever_overdue"
    ),
    "cases.average_handling_days": Spec(
        "cases",
        CASES,
        "accepted_on",
        "department_id",
        "mean",
        "handling_days",
        "concluded_on IS NOT NULL",
    ),
    "cases.assisted_count": Spec(
        "cases", CASES, "accepted_on", "department_id", "count", "channel = 'assisted'"
    ),
    "evaluations.good_rate": Spec(
        "ratings",
        RATINGS,
        "rated_at",
        "department_id",
        "share",
        "level >= 3",
        "NOT mistaken",
        timestamp=True,
    ),
    "evaluations.bad_count": Spec(
        "ratings",
        RATINGS,
        "rated_at",
        "department_id",
        "count",
        "level <= 2 AND NOT mistaken",
        timestamp=True,
    ),
    "evaluations.active_rate": Spec(
        "cases",
        "concluded_on IS NOT NULL",
        "concluded_on",
        "department_id",
        "share",
        "id IN (SELECT case_id FROM ratings WHERE follows_up_id IS NULL)",
    ),
    "appeals.total": Spec("tickets", TICKETS, "registered_on", "lead_department_id", "count"),
    "appeals.conclusion_rate": Spec(
        "tickets", TICKETS, "registered_on", "lead_department_id", "share", "status = 'closed'"
    ),
    "appeals.on_time_rate": Spec(
        "tickets",
        TICKETS,
        "registered_on",
        "lead_department_id",
        "share",
        "replied_on_time IS TRUE AND NOT ever_overdue",
        "status = 'closed'",
    ),
    "appeals.satisfaction_rate": Spec(
        "tickets", TICKETS, "registered_on", "lead_department_id", "share", SATISFIED, RATED
    ),
    "hall.bookings_total": Spec("bookings", "TRUE", "day", None, "count"),
}


class Duck:
    """The report's figures computed by DuckDB over the Parquet files."""

    def __init__(self, directory: Path, period_code: str) -> None:
        import duckdb

        from yiwang.insight.periods import Period

        self.con = duckdb.connect()
        for name in TABLES:
            self.con.execute(
                f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{directory / name}.parquet')"
            )
        self.period = Period.parse(period_code)
        self.cumulative = self.period.cumulative()

    def one(self, sql: str) -> tuple[Any, ...]:
        return self.con.execute(sql).fetchone()  # type: ignore[return-value]

    def all(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()

    def _span(self, spec: Spec, span: Any) -> str:
        if spec.date is None or span is None:
            return "TRUE"

        def bound(day: dt.date) -> str:
            if not spec.timestamp:
                return f"DATE '{day}'"
            from django.utils import timezone

            aware = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
            return f"TIMESTAMP '{aware.astimezone(dt.UTC).replace(tzinfo=None)}'"

        sql = f"{spec.date} < {bound(span.end + dt.timedelta(days=1))}"
        if span.start is not None:
            sql += f" AND {spec.date} >= {bound(span.start)}"
        return sql

    def _from(self, spec: Spec, span: Any) -> str:
        return f"FROM {spec.table} WHERE ({spec.where}) AND {self._span(spec, span)}"

    def value(self, key: str, span: Any) -> Any:
        spec = SPECS[key]
        return spec.finish(*self.one(f"SELECT {spec.aggregates()} {self._from(spec, span)}"))

    def records(self, key: str, span: Any) -> int:
        spec = SPECS[key]
        sql = f"SELECT count(*) {self._from(spec, span)} AND ({spec.records_condition()})"
        return int(self.one(sql)[0])

    def breakdown(self, key: str, by: str, span: Any) -> list[tuple[str, str, Any]]:
        spec = SPECS[key]
        if by == "department":
            rows = self.all(
                f"SELECT d.id, d.name, g.a, g.b FROM (SELECT {spec.department} AS dep, "
                f"{spec.aggregates()} {self._from(spec, span)} GROUP BY 1) g "
                "JOIN departments d ON d.id = g.dep JOIN regions r ON r.id = d.region_id "
                "ORDER BY r.code, d.name"
            )
            return [(str(i), name, spec.finish(a, b)) for i, name, a, b in rows]
        if by == "town":
            rows = self.all(
                "SELECT g.town, t.name, g.a, g.b FROM (SELECT substr(r_code, 1, 9) AS town, "
                f"{spec.aggregates()} FROM (SELECT * {self._from(spec, span)}) x "
                "JOIN (SELECT id AS d_id, region_id AS d_region FROM departments) d "
                f"ON d_id = x.{spec.department} "
                "JOIN (SELECT id AS r_id, code AS r_code FROM regions) r ON r_id = d_region "
                "GROUP BY 1) g "
                f"LEFT JOIN regions t ON t.level = {TOWN_LEVEL} AND t.code = g.town || '000' "
                "WHERE g.town <> '' ORDER BY g.town"
            )
            return [(town, name or "县本级", spec.finish(a, b)) for town, name, a, b in rows]
        assert spec.date is not None
        from django.conf import settings

        local = (
            f"timezone('{settings.TIME_ZONE}', {spec.date} AT TIME ZONE 'UTC')"
            if spec.timestamp
            else spec.date
        )
        rows = self.all(
            f"SELECT strftime({local}, '%Y-%m') AS m, {spec.aggregates()} "
            f"{self._from(spec, span)} GROUP BY 1 ORDER BY 1"
        )
        found = {m: spec.finish(a, b) for m, a, b in rows}
        for month in span.months if span.start is not None else []:
            found.setdefault(month, spec.empty)
        return [(m, m, found[m]) for m in sorted(found)]

    # the report's figures that are not a Spec
    def by_channel(self, span: Any) -> dict[str, int]:
        from yiwang.cases.fields import Channel

        spec = SPECS["cases.total"]
        counts = dict(self.all(f"SELECT channel, count(*) {self._from(spec, span)} GROUP BY 1"))
        return {str(label): counts.get(value, 0) for value, label in Channel.choices}

    def coverage(self, span: Any) -> tuple[Decimal | None, int]:
        cases = SPECS["cases.total"]
        hit, total = self.one(
            "SELECT count(*) FILTER (WHERE id IN (SELECT item_id FROM cases WHERE "
            f"accepted_on IS NOT NULL AND {self._span(cases, span)})), count(*) "
            f"FROM items WHERE {ITEMS}"
        )
        return _ratio(hit, total), int(total)

    def catalogue(self, span: Any) -> tuple[int, Decimal | None]:
        """(items in use, fully-online share) at the span's end (catalog.metrics.versions_at:
        today's catalogue for a span not yet ended; else each item's newest public version
        published by the end, of an item whose last 暂停/恢复/撤销 by then was none or 恢复)."""
        from django.utils import timezone

        if span.end >= timezone.localdate():
            picked = "SELECT * FROM versions WHERE status = 'published' AND item_status = 'active'"
        else:
            end = timezone.make_aware(
                dt.datetime.combine(span.end + dt.timedelta(days=1), dt.time.min)
            )
            bound = f"TIMESTAMP '{end.astimezone(dt.UTC).replace(tzinfo=None)}'"
            picked = (
                "SELECT v.* FROM (SELECT *, row_number() OVER (PARTITION BY item_id ORDER BY "
                "published_at DESC, number DESC) AS newest FROM versions WHERE status IN "
                f"('published', 'superseded') AND published_at < {bound}) v "
                "LEFT JOIN (SELECT item_id, arg_max(action, (created_at, id)) AS state FROM "
                f"adjustments WHERE action IN ('暂停', '恢复', '撤销') AND created_at < {bound} "
                "GROUP BY 1) a ON a.item_id = v.item_id "
                "WHERE v.newest = 1 AND (a.state IS NULL OR a.state = '恢复')"
            )
        hit, total = self.one(
            f"SELECT count(*) FILTER (WHERE fully_online), count(*) FROM ({picked})"
        )
        return int(total), _ratio(hit, total)

    def figures(self) -> dict[str, Any]:
        """The same structure as registry_figures."""
        from yiwang.insight.report.figures import (
            ADDITIVE_KEYS,
            DEPARTMENT_KEYS,
            PROBLEM_BREAKDOWNS,
            REPORT_KEYS,
        )

        period, cumulative = self.period, self.cumulative
        out: dict[str, Any] = {}
        (items_total, fully_online), (items_cum, fully_online_cum) = (
            self.catalogue(period),
            self.catalogue(cumulative),
        )
        for key in REPORT_KEYS:
            if key in SPECS:
                value, total = self.value(key, period), self.value(key, cumulative)
                out[key] = (value, total, self.records(key, period), self.records(key, cumulative))
            elif key == "cases.by_channel":
                spec_period, spec_cum = (
                    self.records("cases.total", period),
                    self.records("cases.total", cumulative),
                )
                out[key] = (
                    self.by_channel(period),
                    self.by_channel(cumulative),
                    spec_period,
                    spec_cum,
                )
            elif key == "cases.coverage":
                (value, n), (total, m) = self.coverage(period), self.coverage(cumulative)
                out[key] = (value, total, n, m)
            elif key == "catalog.items_total":
                out[key] = (items_total, items_cum, items_total, items_cum)
            elif key == "catalog.fully_online_rate":
                out[key] = (fully_online, fully_online_cum, items_total, items_cum)
            else:
                raise SystemExit(f"bench/report.py has no DuckDB form of {key}: add it to SPECS")
        departments: dict[int, tuple[int, str, dict[str, Any]]] = {}
        for key in DEPARTMENT_KEYS:
            for i, name, value in self.breakdown(key, "department", period):
                departments.setdefault(int(i), (int(i), name, {}))[2][key] = value
        out["departments"] = list(departments.values())
        out["months"] = [(m, v) for m, _, v in self.breakdown("cases.total", "month", period)]
        parts: dict[str, list[Any]] = {}
        for key in ADDITIVE_KEYS:
            found = []
            for span, which in ((period, "period"), (cumulative, "cumulative")):
                for by in ("month", "department"):
                    rows = self.breakdown(key, by, span)
                    found.append((which, by, [(label, v) for _, label, v in rows]))
            parts[key] = found
        out["parts"] = parts
        for key, by in PROBLEM_BREAKDOWNS:
            out[f"{key} by {by}"] = self.breakdown(key, by, period)
        return out


def differences(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """The figures on which the two sides differ (empty: they agree)."""
    found = []
    for key in sorted(set(ours) | set(theirs)):
        if ours.get(key) != theirs.get(key):
            found.append(f"{key}: registry {ours.get(key)!r} ≠ DuckDB {theirs.get(key)!r}"[:600])
    return found


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def compare(period: str, repeat: int, directory: Path) -> tuple[float, float, float]:
    """(registry s, DuckDB s, export s) after checking both give the same figures; raises
    SystemExit naming the differing figures."""
    export_s = export(directory)
    registry_s, ours = best_of(repeat, lambda: registry_figures(period))
    duck_s, theirs = best_of(repeat, lambda: Duck(directory, period).figures())
    wrong = differences(ours, theirs)
    if wrong:
        raise SystemExit("the registry and DuckDB disagree:\n  " + "\n  ".join(wrong))
    return registry_s, duck_s, export_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench-report"))
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="PostgreSQL (default: SQLite in --data-dir)",
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs of each side")
    parser.add_argument("--period", default="2026H1")
    args = parser.parse_args()
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    os.environ["YIWANG_DATA_DIR"] = args.data_dir
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    yiwang = str(Path(sys.executable).with_name("yiwang"))
    subprocess.run([yiwang, "migrate", "--noinput", "-v0"], check=True)
    subprocess.run([yiwang, "demo", "--quiet"], check=True, stdout=subprocess.DEVNULL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from django.db import connection

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from benchdata import generate_cases, generate_ratings, generate_tickets

    started = time.monotonic()
    sizes = (
        generate_cases(args.cases),
        generate_ratings(args.ratings),
        generate_tickets(args.tickets),
    )
    with connection.cursor() as cursor:  # fresh planner statistics after the bulk inserts
        # PostgreSQL: VACUUM too, as autovacuum would soon, so that the visibility map lets
        # the covering indexes answer without reading the table.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(
        f"database ({connection.vendor}): {sizes[0]:,} cases, {sizes[1]:,} ratings, "
        f"{sizes[2]:,} tickets ({time.monotonic() - started:.0f} s)"
    )
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    with tempfile.TemporaryDirectory(dir=args.data_dir) as tmp:
        registry_s, duck_s, export_s = compare(args.period, args.repeat, Path(tmp))
    print(f"Parquet export (not counted): {export_s:.2f} s")
    print("slowest registry queries (s):")
    for seconds, label in time_each_query(args.period)[:12]:
        print(f"  {seconds:7.3f}  {label}")
    ratio = registry_s / duck_s
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print("figures: the registry and DuckDB agree on every value")
    print(
        f"registry {registry_s:.3f} s, DuckDB {duck_s:.3f} s (best of {args.repeat}): "
        f"ratio {ratio:.2f}× — target ≤ {TARGET_RATIO:.0f}× {verdict}"
    )
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
