"""The report's 存在问题 section, derived from the data rather than written by hand: the
departments with the lowest on-time rates, where bad ratings gather, guide-quality gaps (the
catalogue's quality checks), overdue tickets and items nobody applied for in the period.

Each problem is a heading and its sentences; a problem with nothing to report is left out.
Figures come from the registry (the rankings from the breakdowns the report's figures computed,
ReportFigures.ranking; counts and records), the guide gaps from
catalog.quality (the same checks as the 指南质量 page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from yiwang.insight import registry
from yiwang.insight.report.figures import ReportFigures, text_of


@dataclass
class Problem:
    """One 存在问题 paragraph: a heading and its lines."""

    title: str
    lines: list[str] = field(default_factory=list)


def _ranking(figures: ReportFigures, key: str, by: str) -> list[registry.Row]:
    """registry.ranking of the report's period and scope, from the breakdown the report's
    figures already computed (ReportFigures.problem_rows) when they did."""
    rows = getattr(figures, "problem_rows", {}).get((key, by))
    if rows is not None:
        return registry.ranked(rows)
    return registry.ranking(key, by, figures.scope, figures.period)  # type: ignore[arg-type]


def _listed(rows: list[tuple[str, str]]) -> str:
    return "、".join(f"{label}（{text}）" for label, text in rows)


def _lowest_on_time(figures: ReportFigures, top: int) -> Problem | None:
    metric = registry.get("cases.on_time_rate")
    rows = _ranking(figures, metric.key, "department")
    late = [r for r in rows if isinstance(r.value, int | Decimal) and r.value < 1]
    if not late:
        return None
    lowest = list(reversed(late))[:top]
    listed = _listed([(r.label, text_of(metric, r.value)) for r in lowest])
    return Problem(
        "部分部门按时办结率偏低",
        [f"{figures.period.label}，按时办结率最低的部门为：{listed}。"],
    )


def _bad_ratings(figures: ReportFigures, top: int) -> Problem | None:
    lines = []
    for by, what in (("department", "部门"), ("town", "乡镇（街道）")):
        rows = _ranking(figures, "evaluations.bad_count", by)
        hot = [r for r in rows if r.value][:top]
        if hot:
            lines.append(f"差评较多的{what}：{_listed([(r.label, f'{r.value}条') for r in hot])}。")
    if not lines:
        return None
    return Problem("差评相对集中", lines)


def _guide_gaps(figures: ReportFigures, top: int) -> Problem | None:
    from yiwang.catalog.quality.report import quality_report

    report = quality_report(figures.scope)
    bad = sorted(
        (d for d in report.departments if d.items_with_issues),
        key=lambda d: (-d.items_with_issues, d.department_name),
    )
    if not bad:
        return None
    total = sum(d.items_with_issues for d in bad)
    listed = _listed([(d.department_name, f"{d.items_with_issues}项") for d in bad[:top]])
    return Problem(
        "办事指南质量仍有短板",
        [
            f"经指南质量检查，{report.items_checked}个事项中有{total}个存在问题"
            f"（严重{sum(d.errors for d in bad)}处、一般{sum(d.warnings for d in bad)}处），"
            f"问题较多的部门：{listed}。"
        ],
    )


def _overdue_tickets(figures: ReportFigures, top: int) -> Problem | None:
    metric = registry.get("appeals.overdue_count")
    count = registry.compute(metric.key, figures.scope, figures.period)
    if not count:
        return None
    line = (
        f"{figures.period.label}受理的诉求工单中有{count}件超期（答复晚于办理期限或逾期未答复）。"
    )
    metric = registry.get("appeals.on_time_rate")
    rows = _ranking(figures, metric.key, "department")
    late = [r for r in rows if isinstance(r.value, int | Decimal) and r.value < 1]
    if late:
        listed = _listed([(r.label, text_of(metric, r.value)) for r in reversed(late)][:top])
        line += f"工单按时办结率较低的主办部门：{listed}。"
    return Problem("部分诉求工单办理超期", [line])


def _never_applied(figures: ReportFigures, top: int) -> Problem | None:
    from yiwang.insight.selectors import figure_records

    key = "cases.never_applied_items"
    count = registry.compute(key, figures.scope, figures.period)
    if not count:
        return None
    idle = figure_records(key, figures.scope, figures.period)
    total = registry.records(key, figures.scope, figures.period).count()
    names = list(
        idle.order_by("department__region__code", "department__name", "code").values_list(
            "published_version__name", flat=True
        )[:top]
    )
    return Problem(
        "部分事项长期无人申办",
        [
            f"{figures.period.label}，{total}个在用事项中有{count}个无一件办件，"
            f"如{'、'.join(names)}等，需核实事项是否仍需保留或加强宣传引导。"
        ],
    )


def problems(figures: ReportFigures) -> list[Problem]:
    """The 存在问题 paragraphs for the report's period and scope, in the order above."""
    top = settings.YIWANG_REPORT_PROBLEM_ROWS
    found = [
        _lowest_on_time(figures, top),
        _bad_ratings(figures, top),
        _guide_gaps(figures, top),
        _overdue_tickets(figures, top),
        _never_applied(figures, top),
    ]
    return [p for p in found if p is not None]
