"""The report's consistency guard (一致性校验): before anything is printed, the figures are checked
against each other, and a contradiction stops the report with one sentence naming the metric.

Checked:
- parts and wholes: a count's months add up to its figure (every record has a date in the
  span); its departments add up to no more than it (a record may have no department yet, a
  ticket no lead department); a breakdown figure's groups add up to its whole (WHOLES);
- rates lie within 0–100%;
- a count for the period is no larger than the same count cumulated to the period's end.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yiwang.insight.registry import MetricValue
from yiwang.insight.report.figures import WHOLES, ReportFigures

_SPAN = {"period": "本期", "cumulative": "累计"}
_BY = {"month": "各月", "department": "各部门"}


@dataclass(frozen=True)
class Contradiction:
    """One contradiction: the metric at fault and the sentence the report stops with."""

    key: str
    message: str


class ReportInconsistent(Exception):
    """The figures contradict each other; str() is the first contradiction's sentence."""

    def __init__(self, contradictions: list[Contradiction]) -> None:
        self.contradictions = contradictions
        super().__init__(contradictions[0].message)


def _number(value: MetricValue) -> Decimal | None:
    if value is None or isinstance(value, dict):
        return None
    return Decimal(value)


def _label(figures: ReportFigures, key: str) -> str:
    metric = figures.used[key].metric if key in figures.used else None
    return f"“{metric.name}”（{key}）" if metric else key


def contradictions(figures: ReportFigures) -> list[Contradiction]:
    """Every contradiction among the report's figures (none: the report may be printed)."""
    found: list[Contradiction] = []
    used = figures.used

    def add(key: str, text: str) -> None:
        found.append(Contradiction(key, f"报告未生成：指标{_label(figures, key)}{text}"))

    for key, item in used.items():
        metric = item.metric
        for span, value in (("period", item.value), ("cumulative", item.cumulative)):
            number = _number(value)
            if metric.kind == "ratio" and number is not None and not 0 <= number <= 1:
                add(key, f"的{_SPAN[span]}值 {number * 100:.2f}% 超出 0–100% 的范围。")
        if metric.kind == "count" and not metric.point_in_time:
            now, total = _number(item.value), _number(item.cumulative)
            if now is not None and total is not None and now > total:
                add(key, f"的本期值 {now} 大于截至期末的累计值 {total}。")

    for key, whole_key in WHOLES.items():
        if key not in used or whole_key not in used:
            continue
        for span in ("period", "cumulative"):
            groups = getattr(used[key], "value" if span == "period" else "cumulative")
            whole = _number(getattr(used[whole_key], "value" if span == "period" else "cumulative"))
            if isinstance(groups, dict) and whole is not None:
                parts = sum(groups.values())
                if parts != whole:
                    add(
                        key,
                        f"的{_SPAN[span]}各组之和 {parts} 与{_label(figures, whole_key)} "
                        f"{whole} 不相等。",
                    )

    for key, series in figures.parts.items():
        if key not in used:
            continue
        for span, by, rows in series:
            whole = _number(used[key].value if span == "period" else used[key].cumulative)
            if whole is None:
                continue
            added = sum((_number(v) or Decimal(0) for _, v in rows), Decimal(0))
            if (by == "month" and added != whole) or (by == "department" and added > whole):
                relation = "不等于" if by == "month" else "大于"
                add(key, f"的{_SPAN[span]}{_BY[by]}之和 {added} {relation}总数 {whole}。")
    return found


def check(figures: ReportFigures) -> None:
    """Raise ReportInconsistent when the figures contradict each other."""
    found = contradictions(figures)
    if found:
        raise ReportInconsistent(found)
