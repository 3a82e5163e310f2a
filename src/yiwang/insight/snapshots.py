"""Writing and reading the monthly figure snapshots (insight.MetricSnapshot).

`snapshot_month(month=…)` computes every periodical scalar figure for the month — for the
whole county, and for each department and town where the metric has breakdowns — and replaces
that month's rows in one transaction, so re-running a month (the worker does it for the
current and the previous month) is idempotent. Point-in-time figures (the catalogue's) are
not snapshotted: a past month's value of "items in use now" would be today's. The rows are
derived data written by the system, not a user's change, so they are not audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from yiwang.insight import registry
from yiwang.insight.models import MetricSnapshot, SnapshotDimension
from yiwang.insight.periods import Period


def _scalar(value: registry.MetricValue) -> bool:
    return value is None or isinstance(value, int | Decimal)


@transaction.atomic
def snapshot_month(*, month: Period) -> int:
    """Replace the month's snapshot rows with freshly computed ones; the number written."""
    if month.start is None or month.months != [f"{month.start:%Y-%m}"]:
        raise ValueError(f"快照按月计算，“{month.code}”不是一个月份。")
    rows: list[MetricSnapshot] = []
    for metric in registry.all_metrics():
        if metric.point_in_time or metric.kind == "breakdown":
            continue
        value = registry.compute(metric.key, None, month)
        if not _scalar(value):
            continue
        rows.append(_row(month.start, metric.key, SnapshotDimension.COUNTY, "", "", value))
        if not metric.derivable:
            continue
        for dimension in (SnapshotDimension.DEPARTMENT, SnapshotDimension.TOWN):
            try:
                groups = registry.breakdown(metric.key, dimension.value, None, month)  # type: ignore[arg-type]
            except ValueError:  # no department path (the hall's): no such breakdown
                continue
            rows += [
                _row(month.start, metric.key, dimension, str(g.id), g.label, g.value)
                for g in groups
            ]
    MetricSnapshot.objects.filter(month=month.start).delete()
    MetricSnapshot.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _row(
    month: dt.date, key: str, dimension: str, id_: str, name: str, value: registry.MetricValue
) -> MetricSnapshot:
    return MetricSnapshot(
        month=month,
        metric=key,
        dimension=dimension,
        dimension_id=id_,
        dimension_name=name[:100],
        value=None if value is None else Decimal(value),  # type: ignore[arg-type]
    )


def history(
    key: str, period: Period, dimension: str = SnapshotDimension.COUNTY, dimension_id: str = ""
) -> list[tuple[str, Decimal | None]]:
    """The snapshotted value of each month of the period ("YYYY-MM", value); a month without a
    snapshot is absent."""
    query = MetricSnapshot.objects.filter(
        metric=key, dimension=dimension, dimension_id=dimension_id, month__lte=period.end
    )
    if period.start is not None:
        query = query.filter(month__gte=period.start)
    return [(f"{m:%Y-%m}", v) for m, v in query.order_by("month").values_list("month", "value")]


def ranking_history(
    key: str, month: dt.date, dimension: str = SnapshotDimension.DEPARTMENT
) -> list[MetricSnapshot]:
    """A month's snapshotted groups, high to low (no data last), ties by name."""
    rows = MetricSnapshot.objects.filter(metric=key, dimension=dimension, month=month)
    return sorted(
        rows.order_by("dimension_name"),
        key=lambda r: (r.value is None, -(r.value or 0)),
    )


def months_to_snapshot(today: dt.date) -> list[Period]:
    """What the worker refreshes: the previous month (complete now) and the current one."""
    first = today.replace(day=1)
    return [Period.month_of(first - dt.timedelta(days=1)), Period.month_of(first)]
