"""The half-year work report rendered as HTML, PDF (the HTML through WeasyPrint) or Word (the
bureau's docx template through docxtpl). The wording lives in the two templates
(insight/report/report.html and report/templates/report.docx), which the bureau may edit
without touching code; this module only gathers the figures, checks them (guard), derives the
存在问题 section and draws the charts.

Charts are PNG images drawn with matplotlib in a CJK font (settings.YIWANG_REPORT_CHART_FONT),
embedded as data: URIs in HTML/PDF and as inline images in Word."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from yiwang.insight.periods import Period
from yiwang.insight.report import guard
from yiwang.insight.report.figures import (
    DEPARTMENT_KEYS,
    ReportFigures,
    report_figures,
)
from yiwang.insight.report.problems import problems
from yiwang.org.scope import DataScope

Format = Literal["html", "docx", "pdf"]
FORMATS: tuple[Format, ...] = ("html", "docx", "pdf")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
HTML_TEMPLATE = "insight/report/report.html"
DOCX_TEMPLATE = Path(__file__).parent / "templates" / "report.docx"


class ReportError(ValueError):
    """A report that cannot be made as asked (unknown format); str() is one sentence."""


@dataclass(frozen=True)
class Chart:
    title: str
    png: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


# --- who writes the report ---------------------------------------------------------------------


def _issuer(scope: DataScope) -> tuple[str, str]:
    """(county name, the issuing body's full name) for the scope: a region's 数据资源管理局, or the
    department itself for a department's report; names from the org data."""
    from yiwang.org.models import Department, Region, RegionLevel

    department = None
    if scope.kind == "department" and scope.department_id:
        department = (
            Department.objects.select_related("region").filter(pk=scope.department_id).first()
        )
        prefix = department.region.code[:6] if department else ""
    else:
        prefix = scope.region_prefix[:6]
    counties = Region.objects.filter(level=RegionLevel.COUNTY)
    county = counties.filter(code__startswith=prefix).order_by("code").first() if prefix else None
    county = county or counties.order_by("code").first()
    county_name = county.name if county else ""
    if department is None:
        bureaus = Department.objects.filter(is_bureau=True)
        if county is not None:
            bureaus = bureaus.filter(region__code__startswith=county.code[:6])
        department = bureaus.order_by("region__code").first()
    if department is None:
        return county_name, f"{county_name}数据资源管理局"
    name = department.name
    if county_name and not name.startswith(county_name) and name.startswith("县"):
        name = county_name + name.removeprefix("县")
    return county_name, name


# --- charts -----------------------------------------------------------------------------------


def _axes(width: float = 7.0, height: float = 3.2) -> tuple[Any, Any, Any]:
    from matplotlib.figure import Figure  # no pyplot: no global state, safe in a web worker
    from matplotlib.font_manager import FontProperties

    figure = Figure(figsize=(width, height), dpi=120)
    axes = figure.subplots()
    font = FontProperties(fname=settings.YIWANG_REPORT_CHART_FONT)
    return figure, axes, font


def _png(figure: Any, axes: Any, font: Any) -> bytes:
    for label in axes.get_xticklabels() + axes.get_yticklabels():
        label.set_fontproperties(font)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _bar(title: str, labels: list[str], values: list[float], unit: str, horizontal: bool) -> Chart:
    figure, axes, font = _axes(7.0, max(3.2, 0.35 * len(labels)) if horizontal else 3.2)
    if horizontal:
        axes.barh(labels, values, color="#2f6db5")
        axes.invert_yaxis()
        axes.set_xlabel(unit, fontproperties=font)
    else:
        axes.bar(labels, values, color="#2f6db5")
        axes.set_ylabel(unit, fontproperties=font)
    axes.set_title(title, fontproperties=font)
    return Chart(title, _png(figure, axes, font))


def charts(figures: ReportFigures) -> dict[str, Chart | None]:
    """The report's charts (None when there is nothing to draw): cases by month, by channel,
    and the departments' on-time rates."""
    found: dict[str, Chart | None] = {"months": None, "channels": None, "on_time": None}
    if figures.empty:
        return found
    months = [(f"{int(r.label[5:])}月", float(r.value or 0)) for r in figures.months]  # type: ignore[arg-type]
    if months:
        found["months"] = _bar(
            "各月办件量", [m for m, _ in months], [v for _, v in months], "件", False
        )
    channels = figures.used["cases.by_channel"].value
    if isinstance(channels, dict) and any(channels.values()):
        shown = [(k, v) for k, v in channels.items() if v]
        found["channels"] = _bar(
            "各申请渠道办件量", [k for k, _ in shown], [float(v) for _, v in shown], "件", True
        )
    rates = [
        (row.name, float(Decimal(row.values["cases.on_time_rate"]) * 100))  # type: ignore[arg-type]
        for row in figures.departments
        if row.values.get("cases.on_time_rate") is not None
    ]
    if rates:
        found["on_time"] = _bar(
            "各部门按时办结率", [n for n, _ in rates], [v for _, v in rates], "%", True
        )
    return found


# --- context and formats ------------------------------------------------------------------------


def context(figures: ReportFigures) -> dict[str, Any]:
    """What both templates receive (docs/metrics.md lists the names for the bureau)."""
    county, issuer = _issuer(figures.scope)
    period: Period = figures.period
    return {
        "county": county,
        "issuer": issuer,
        "title": f"{issuer}{period.label}工作总结",
        "period": period,
        "as_of": f"截至{period.end.month}月底",
        "area": "本部门" if figures.scope.kind == "department" else "全县",
        "year": period.end.year,
        "f": figures.by_name,
        "empty": figures.empty,
        "department_headers": figures.department_headers,
        "departments": figures.departments,
        "department_keys": DEPARTMENT_KEYS,
        "problems": problems(figures),
        "appendix": list(figures.used.values()),
        "charts": charts(figures),
        "generated_on": timezone.localdate(),
    }


def build(period: Period, scope: DataScope) -> dict[str, Any]:
    """The figures for the period and scope, checked by the guard (raises
    guard.ReportInconsistent), as the templates' context."""
    figures = report_figures(period, scope)
    guard.check(figures)
    return context(figures)


def render(period: Period, scope: DataScope, fmt: str) -> bytes:
    """The report as bytes in the format asked for (html, docx or pdf)."""
    if fmt not in FORMATS:
        raise ReportError(f"报告格式“{fmt}”不支持，应为 html、docx 或 pdf。")
    # The report is a Chinese document whatever language its reader's pages are in.
    with translation.override(settings.LANGUAGE_CODE):
        data = build(period, scope)
        if fmt == "html":
            return render_to_string(HTML_TEMPLATE, data).encode("utf-8")
        if fmt == "pdf":
            from yiwang.common.pdf import render_pdf

            return render_pdf(HTML_TEMPLATE, data)
        return _docx(data)


def _docx(data: dict[str, Any]) -> bytes:
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    template = DocxTemplate(str(DOCX_TEMPLATE))
    images = {
        name: InlineImage(template, io.BytesIO(chart.png), width=Mm(150)) if chart else ""
        for name, chart in data["charts"].items()
    }
    template.render({**data, "charts": images}, autoescape=True)
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()


def filename(period: Period, scope: DataScope, fmt: str) -> str:
    _, issuer = _issuer(scope)
    return f"{issuer}{period.label}工作总结.{fmt}"
