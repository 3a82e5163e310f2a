"""The figures pages of the workbench (指标): every figure for a period within the reader's data
scope, with department and town rankings of one figure; and the drill-down list of the
records behind a figure. Staff only; everything is limited to the reader's scope by the
registry and insight.selectors (out of scope is 404)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.insight import registry, selectors
from yiwang.insight.periods import Period, PeriodError
from yiwang.org.decorators import staff_page
from yiwang.org.scope import DataScope
from yiwang.org.selectors import data_scope_for

PAGE_SIZE = 50
DEFAULT_RANKED = "cases.total"


@dataclass(frozen=True)
class Shown:
    figure: registry.Figure

    @property
    def metric(self) -> registry.Metric:
        return self.figure.metric

    @property
    def text(self) -> str:
        return "—" if self.figure.value is None else self.figure.text


def _period(request: HttpRequest) -> tuple[Period, str]:
    text = request.GET.get("period", "").strip()
    if not text:
        return selectors.default_period(timezone.localdate()), ""
    try:
        return Period.parse(text), ""
    except PeriodError as exc:
        return selectors.default_period(timezone.localdate()), str(exc)


def _shown(row: registry.Row, metric: registry.Metric) -> str:
    return "—" if row.value is None else registry.format_value(metric, row.value)


@staff_page()
def figures(request: HttpRequest) -> HttpResponse:
    """Every registered figure for the period (?period=2026H1), links to the drill-downs, and
    the ranking of one figure (?rank=key) among departments and towns."""
    user = request.user
    period, error = _period(request)
    scope = data_scope_for(user)  # type: ignore[arg-type]
    shown = [
        Shown(f)
        for f in registry.compute_many([m.key for m in registry.all_metrics()], scope, period)
    ]
    derivable = [m for m in registry.all_metrics() if m.derivable and m.department_field]
    ranked = request.GET.get("rank", DEFAULT_RANKED)
    ranked_metric = next((m for m in derivable if m.key == ranked), None)
    rankings = []
    if ranked_metric is not None:
        for by, title in (("department", _("部门排名")), ("town", _("乡镇（街道）排名"))):
            rows = registry.ranking(ranked_metric.key, by, scope, period)  # type: ignore[arg-type]
            rankings.append(
                {"by": by, "title": title, "rows": [(r, _shown(r, ranked_metric)) for r in rows]}
            )
    return render(
        request,
        "insight/figures.html",
        {
            "period": period,
            "error": error,
            "scope": scope,
            "figures": shown,
            "derivable": derivable,
            "ranked": ranked_metric,
            "rankings": rankings,
        },
        status=400 if error else 200,
    )


@staff_page()
def drill_down(request: HttpRequest, key: str) -> HttpResponse:
    """The records behind a figure (?period=, ?department=pk, ?town=prefix), within the reader's
    scope; each row links to the record's page where there is one."""
    user = request.user
    metric = selectors.metric_or_404(key)
    period, error = _period(request)
    department = _int(request.GET.get("department"))
    town = request.GET.get("town") or None
    records = selectors.drill_down(
        user,  # type: ignore[arg-type]
        key,
        period,
        department=department,
        town=town,
    )
    scope = data_scope_for(user)  # type: ignore[arg-type]
    filtered_scope = scope
    heading = scope.label
    if department is not None:
        chosen = selectors.department_in_scope(user, department)  # type: ignore[arg-type]
        filtered_scope = DataScope.department(chosen.pk, chosen.name)
        heading = chosen.name
    value = registry.compute(key, filtered_scope, period) if town is None else None
    breakdown = []
    if metric.derivable and metric.department_field and department is None and town is None:
        breakdown = [
            (r, _shown(r, metric)) for r in registry.breakdown(key, "department", scope, period)
        ]
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "insight/drill_down.html",
        {
            "metric": metric,
            "period": period,
            "error": error,
            "heading": heading,
            "town": town,
            "value": "—" if value is None else registry.format_value(metric, value),
            "breakdown": breakdown,
            "page": page,
            "rows": selectors.record_rows(metric, list(page.object_list)),
            "department": department,
        },
        status=400 if error else 200,
    )


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None
