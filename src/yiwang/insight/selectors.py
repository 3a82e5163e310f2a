"""Reads for the figures pages: the reader's scope, a department or town within it, and the
drill-down records (always within the reader's data scope; out of scope is 404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Model, QuerySet
from django.http import Http404
from django.urls import reverse

from yiwang.insight import registry
from yiwang.insight.periods import Period
from yiwang.org.models import Department, User
from yiwang.org.scope import DataScope
from yiwang.org.selectors import data_scope_for

# The page each kind of record is shown on (label.model → URL name taking the pk).
RECORD_PAGES = {
    "cases.case": "cases:detail",
    "cases.bundlecase": "cases:bundle-detail",
    "appeals.ticket": "appeals:detail",
    "evaluations.rectification": "rectification:detail",
    "catalog.serviceitem": "catalog:item-detail",
    "catalog.serviceitemversion": "catalog:version-detail",
}


def default_period(today: dt.date) -> Period:
    """The half year that contains today."""
    return Period.parse(f"{today.year}H{1 if today.month <= 6 else 2}")


def department_in_scope(user: User, department_id: int) -> Department:
    department = Department.objects.select_related("region").filter(pk=department_id).first()
    if department is None or not data_scope_for(user).contains(department):
        raise Http404("部门不存在或不在您的数据范围内。")
    return department


def town_in_scope(user: User, prefix: str) -> str:
    """A town's 9-digit prefix the reader may filter by: inside his region (a department
    scope's records are his department's whatever the town)."""
    scope = data_scope_for(user)
    valid = prefix.isdigit() and len(prefix) == registry.TOWN_PREFIX
    if scope.kind == "region":
        inside = prefix.startswith(scope.region_prefix) or scope.region_prefix.startswith(prefix)
    else:
        inside = scope.kind == "department"
    if not (valid and inside):
        raise Http404("乡镇（街道）不存在或不在您的数据范围内。")
    return prefix


def metric_or_404(key: str) -> registry.Metric:
    try:
        return registry.get(key)
    except KeyError:
        raise Http404("未注册的指标。") from None


def drill_down(
    user: User,
    key: str,
    period: Period | None,
    *,
    department: int | None = None,
    town: str | None = None,
) -> QuerySet:
    """The records behind a figure for the reader's scope (and one department or town of it)."""
    metric = metric_or_404(key)
    if not metric.declarative:
        raise Http404("该指标为时点指标，没有可列出的记录。")
    scope: DataScope = data_scope_for(user)
    if department is not None:
        department_in_scope(user, department)
    if town is not None:
        town_in_scope(user, town)
    return figure_records(key, scope, period, department=department, town=town).order_by("-pk")


def figure_records(
    key: str,
    scope: DataScope,
    period: Period | None,
    *,
    department: int | None = None,
    town: str | None = None,
) -> QuerySet:
    """The records a figure counts: registry.records (a ratio's denominator), narrowed for a
    custom measure that says which of them the period's figure counts (`records_in_period`,
    e.g. the items nobody applied for in the period: cases.metrics.NeverApplied)."""
    queryset = registry.records(key, scope, period, department=department, town=town)
    narrow = getattr(registry.get(key).measure, "records_in_period", None)
    return narrow(queryset, period) if narrow is not None else queryset


@dataclass(frozen=True)
class RecordRow:
    label: str
    url: str
    day: object
    department: str


def record_rows(metric: registry.Metric, records: list[Model]) -> list[RecordRow]:
    rows = []
    for record in records:
        page = RECORD_PAGES.get(record._meta.label_lower)
        url = reverse(page, args=[record.pk]) if page else ""
        day = _follow(record, metric.date_field) if metric.date_field else None
        department = _follow(record, metric.department_field) if metric.department_field else ""
        rows.append(RecordRow(str(record), url, day, str(department or "")))
    return rows


def _follow(record: Model, path: str) -> object:
    value: object = record
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value
