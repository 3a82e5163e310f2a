"""Every registered figure for a period and scope, as plain data (the `yiwang figures` output,
the 指标 page): `{"key", "name", "unit", "value"}` per metric.

Ratios are 0–1 with unit "ratio" (4 decimals, as the registry rounds them; pages print them as
percentages); None is no data (JSON null, "—" on pages); a breakdown is an object of its
groups. A point-in-time figure (the catalogue's) is the current value whatever the period, and
carries `"note"` saying so."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from yiwang.insight.periods import Period
from yiwang.insight.registry import Figure, Metric, MetricValue, all_metrics, compute
from yiwang.org.scope import DataScope

POINT_IN_TIME_NOTE = "时点指标：当前值，不随统计期变化"


def plain(value: MetricValue) -> Any:
    """A value as JSON: Decimal → number, dict → object, None → null."""
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def unit_of(metric: Metric) -> str:
    return "ratio" if metric.kind == "ratio" else metric.unit


def values(period: Period | None, scope: DataScope | None = None) -> list[Figure]:
    """Every registered metric's value (one query or so each), in registration order."""
    return [Figure(m, compute(m.key, scope, period)) for m in all_metrics()]


def figure_list(
    period: Period | None, scope: DataScope | None = None, figures: list[Figure] | None = None
) -> list[dict[str, Any]]:
    rows = []
    for figure in figures if figures is not None else values(period, scope):
        metric = figure.metric
        row: dict[str, Any] = {
            "key": metric.key,
            "name": metric.name,
            "unit": unit_of(metric),
            "value": plain(figure.value),
        }
        if metric.point_in_time and period is not None:
            row["note"] = POINT_IN_TIME_NOTE
        rows.append(row)
    return rows
