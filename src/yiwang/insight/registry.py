"""The metric registry (指标库): every figure the platform prints is a registered `Metric` with a
key, a Chinese name, a unit, its written definition (口径) and the query that computes it.

Rules every metric keeps (docs/metrics.md):
- the query aggregates in the database: one query per metric and scope, never a Python loop
  over rows;
- ratios are `Decimal` rounded half-up to 4 places (0.5000 = 50.00%); a zero denominator gives
  `None` ("无数据"), never 0;
- the same records give the same figure on every page, export and report, because they all call
  `compute`;
- a figure counts the records of a data scope (org.scope.DataScope, the type every scoped read
  uses; a user's is org.selectors.data_scope_for).

Apps register their figures in their own `metrics.py`, imported from their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext, gettext_noop

from yiwang.org.scope import ALL_SCOPE, DataScope

MetricValue = Decimal | int | dict[str, int] | None
MetricKind = Literal["count", "ratio", "breakdown"]

RATIO_PLACES = Decimal("0.0001")
NO_DATA = gettext_noop("无数据")


@dataclass(frozen=True)
class Metric:
    """A named figure and exactly how it is counted (指标 / 口径)."""

    key: str  # "<app>.<name>", e.g. "catalog.fully_online_rate"
    name: str  # 中文名
    unit: str  # "项", "%" (ratios: the value is 0–1 and is shown × 100)
    definition: str  # 口径: formula, numerator, denominator, what counts
    query: Callable[[DataScope], MetricValue] = field(compare=False)
    kind: MetricKind = "count"

    @property
    def app(self) -> str:
        return self.key.split(".", 1)[0]


_REGISTRY: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    """Add a metric. A key is registered once; registering the very same metric again is a no-op
    (an app's ready() may run twice in tests), a different one under a taken key is an error."""
    if "." not in metric.key:
        raise ImproperlyConfigured(f"指标编码 {metric.key!r} 应为“应用.名称”形式。")
    if not metric.definition.strip():
        raise ImproperlyConfigured(f"指标 {metric.key} 缺少口径说明。")
    existing = _REGISTRY.get(metric.key)
    if existing is not None:
        if existing == metric and existing.query.__qualname__ == metric.query.__qualname__:
            return existing
        raise ImproperlyConfigured(f"指标编码 {metric.key} 已被注册。")
    _REGISTRY[metric.key] = metric
    return metric


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


def compute(key: str, scope: DataScope | None = None) -> MetricValue:
    """The metric's value for the scope (None = the whole catalogue)."""
    return get(key).query(scope if scope is not None else ALL_SCOPE)


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


def compute_many(keys: Iterable[str], scope: DataScope | None = None) -> list[Figure]:
    return [Figure(get(key), compute(key, scope)) for key in keys]


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
