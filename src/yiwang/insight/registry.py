"""The metric registry (指标库): every figure the platform prints is a registered `Metric` with a
key, a Chinese name, a unit, its written definition (口径) and the query that computes it.

Rules every metric keeps (docs/metrics.md):
- the query aggregates in the database: one query per metric and scope, never a Python loop
  over rows;
- ratios are `Decimal` rounded half-up to 4 places (0.5000 = 50.00%); a zero denominator gives
  `None` ("无数据"), never 0;
- the same records give the same figure on every page, export and report, because they all call
  `compute`.

Apps register their figures in their own `metrics.py`, imported from their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet

from yiwang.org.selectors import DataScope, data_scope_for

MetricValue = Decimal | int | dict[str, int] | None
MetricKind = Literal["count", "ratio", "breakdown"]

RATIO_PLACES = Decimal("0.0001")
NO_DATA = "无数据"


@dataclass(frozen=True)
class Scope:
    """The records a figure counts: the whole catalogue (default), a region and everything under
    it (12-digit code prefix), one department, or nothing (a user with no data scope)."""

    region_prefix: str = ""
    department_id: int | None = None
    nothing: bool = False
    label: str = "全部"

    @classmethod
    def whole(cls) -> Scope:
        return cls()

    @classmethod
    def region(cls, prefix: str, label: str = "") -> Scope:
        return cls(region_prefix=prefix, label=label or f"区划 {prefix}")

    @classmethod
    def department(cls, department_id: int, label: str = "") -> Scope:
        return cls(department_id=department_id, label=label or f"部门 {department_id}")

    @classmethod
    def from_data_scope(cls, data_scope: DataScope) -> Scope:
        """The same records as a user's data scope (org.selectors.DataScope)."""
        if data_scope.kind == "region":
            return cls(region_prefix=data_scope.region_prefix, label=data_scope.label)
        if data_scope.kind == "department":
            return cls(department_id=data_scope.department_id, label=data_scope.label)
        return cls(nothing=True, label=data_scope.label)

    @classmethod
    def for_user(cls, user: object) -> Scope:
        return cls.from_data_scope(data_scope_for(user))  # type: ignore[arg-type]

    def department_q(self, path: str = "department") -> Q:
        """Q restricting a queryset whose `path` leads to a Department."""
        if self.nothing:
            return Q(pk__in=[])
        q = Q()
        if self.region_prefix:
            q &= Q(**{f"{path}__region__code__startswith": self.region_prefix})
        if self.department_id is not None:
            q &= Q(**{f"{path}__id": self.department_id})
        return q

    def filter(self, queryset: QuerySet, path: str = "department") -> QuerySet:
        return queryset.filter(self.department_q(path))


@dataclass(frozen=True)
class Metric:
    """A named figure and exactly how it is counted (指标 / 口径)."""

    key: str  # "<app>.<name>", e.g. "catalog.fully_online_rate"
    name: str  # 中文名
    unit: str  # "项", "%" (ratios: the value is 0–1 and is shown × 100)
    definition: str  # 口径: formula, numerator, denominator, what counts
    query: Callable[[Scope], MetricValue] = field(compare=False)
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


def compute(key: str, scope: Scope | None = None) -> MetricValue:
    """The metric's value for the scope (None = the whole catalogue)."""
    return get(key).query(scope if scope is not None else Scope.whole())


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


def compute_many(keys: Iterable[str], scope: Scope | None = None) -> list[Figure]:
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
    if value is None:
        return NO_DATA
    if isinstance(value, dict):
        return f"{sum(value.values())} {metric.unit}（{len(value)} 类）"
    if metric.kind == "ratio":
        return f"{Decimal(value) * 100:.2f}%"
    return f"{value} {metric.unit}".strip()
