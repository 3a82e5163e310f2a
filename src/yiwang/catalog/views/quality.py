"""Workbench pages of the catalogue's quality reports (全省一单, 指南质量) and figures.

Staff only; everything is limited to the user's data scope by the report and the registry."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext

from yiwang.catalog.metrics import CATALOG_METRIC_KEYS, definition_text
from yiwang.catalog.quality.checks import ALL_CHECKS
from yiwang.catalog.quality.report import QualityReport, quality_report_for
from yiwang.catalog.quality.workbook import report_workbook
from yiwang.catalog.views.workbench import staff_page
from yiwang.common.http import attach
from yiwang.insight.registry import Figure, Metric, MetricValue, compute_many
from yiwang.org import selectors as org_selectors
from yiwang.org.models import User

PAGE_SIZE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _staff(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # staff_page let only staff in


def _filters(request: HttpRequest, user: User) -> tuple[int | None, str, list]:
    """The department and check chosen in the query string; unknown values are ignored."""
    departments = list(org_selectors.departments_in_scope(user=user))
    raw = request.GET.get("department", "")
    department_id = int(raw) if raw.isdigit() else None
    if department_id not in {d.pk for d in departments}:
        department_id = None
    check = request.GET.get("check", "")
    return department_id, (check if check in ALL_CHECKS else ""), departments


def _rows(report: QualityReport, department_id: int | None, check: str) -> list:
    deviations, findings = report.filtered(department_id=department_id, check=check or None)
    return [*deviations, *findings]


@staff_page
def report(request: HttpRequest) -> HttpResponse:
    """Counts per department and the findings table, filterable by department and check."""
    user = _staff(request)
    department_id, check, departments = _filters(request, user)
    result = quality_report_for(user=user)
    page = Paginator(_rows(result, department_id, check), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = {k: v for k, v in (("department", department_id or ""), ("check", check)) if v}
    return render(
        request,
        "catalog/quality_report.html",
        {
            "report": result,
            "page": page,
            "departments": departments,
            "department_id": department_id,
            "check": check,
            "checks": list(ALL_CHECKS.values()),
            "counts_by_check": [(ALL_CHECKS[c], n) for c, n in result.counts_by_check.items()],
            "query": urlencode(query),
        },
    )


@staff_page
def export(request: HttpRequest) -> HttpResponse:
    """The report (with the page's filters) as xlsx: sheets 全省一单 and 指南质量问题."""
    user = _staff(request)
    department_id, check, _ = _filters(request, user)
    # The workbook is a document: Chinese whatever language the page was read in.
    with translation.override(settings.LANGUAGE_CODE):
        result = quality_report_for(user=user, department_id=department_id)
        deviations, findings = result.filtered(check=check or None)
        content = report_workbook(deviations, findings, absolute=request.build_absolute_uri)
    filename = f"事项质量报告-{timezone.localdate():%Y%m%d}.xlsx"
    return attach(HttpResponse(content, content_type=XLSX), filename)


@dataclass(frozen=True)
class ShownFigure:
    """A figure as the page shows it: name, unit and 口径 in the reader's language."""

    figure: Figure

    @property
    def metric(self) -> Metric:
        return self.figure.metric

    @property
    def value(self) -> MetricValue:
        return self.figure.value

    @property
    def text(self) -> str:
        return self.figure.text

    @property
    def rows(self) -> list[tuple[str, int]]:
        return self.figure.rows

    @property
    def name(self) -> str:
        return gettext(self.metric.name)

    @property
    def unit(self) -> str:
        return gettext(self.metric.unit) if self.metric.unit else ""

    @property
    def definition(self) -> str:
        return definition_text(self.metric)


@staff_page
def figures(request: HttpRequest) -> HttpResponse:
    """The catalogue's registered figures for the user's scope, each with its 口径."""
    user = _staff(request)
    scope = org_selectors.data_scope_for(user)
    figures = [ShownFigure(f) for f in compute_many(CATALOG_METRIC_KEYS, scope)]
    return render(
        request,
        "catalog/quality_figures.html",
        {
            "scope": scope,
            "figures": [f for f in figures if f.metric.kind != "breakdown"],
            "breakdowns": [f for f in figures if f.metric.kind == "breakdown"],
        },
    )
