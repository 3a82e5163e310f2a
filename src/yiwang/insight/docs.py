"""docs/metrics.md's 口径 tables, generated from the registry.

The hand-written prose stays; each table sits between markers naming a group of metrics:
`<!-- metrics:cases -->` … `<!-- /metrics -->`. A group is the module that registers the
metrics, without `yiwang.` and `.metrics` ("cases", "cases.bundle_metrics",
"evaluations.rectification"). A group with no markers in the file is added at the end under a
heading of its own, so any app's new metrics are covered (move the block where it belongs)."""

from __future__ import annotations

import re
from pathlib import Path

from yiwang.insight.registry import Custom, Metric, all_metrics, registered_by

DOCS = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"
_BLOCK = re.compile(r"<!-- metrics:(?P<group>[\w.]+) -->\n.*?<!-- /metrics -->", re.S)
HEADER = "| key | 中文名 | unit | 统计期依据 | 口径 |\n|---|---|---|---|---|\n"


def group_of(metric: Metric) -> str:
    return registered_by(metric.key).removeprefix("yiwang.").removesuffix(".metrics")


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _period_basis(metric: Metric) -> str:
    if metric.point_in_time:
        return "时点（当前值，不随统计期）"
    if metric.date_field:
        extra = "" if metric.derivable else "；不可分解"
        return f"`{metric.date_field}`{extra}"
    if isinstance(metric.measure, Custom):
        return "所计记录的日期（见口径）；不可分解"
    return ""


def _unit(metric: Metric) -> str:
    unit = "ratio" if metric.kind == "ratio" else metric.unit
    return f"{unit} (breakdown)" if metric.kind == "breakdown" else unit


def table(group: str) -> str:
    rows = [
        f"| `{m.key}` | {_cell(m.name)} | {_cell(_unit(m))} | {_period_basis(m)} | "
        f"{_cell(m.definition)} |\n"
        for m in all_metrics()
        if group_of(m) == group
    ]
    return HEADER + "".join(rows)


def groups() -> list[str]:
    seen: dict[str, None] = {}
    for metric in all_metrics():
        seen.setdefault(group_of(metric), None)
    return list(seen)


def render(text: str) -> str:
    """The file's text with every marked table regenerated and unmarked groups appended."""
    present = set()

    def replace(match: re.Match[str]) -> str:
        group = match["group"]
        present.add(group)
        return f"<!-- metrics:{group} -->\n{table(group)}<!-- /metrics -->"

    result = _BLOCK.sub(replace, text)
    for group in groups():
        if group not in present:
            result = result.rstrip("\n") + (
                f"\n\n## `{group}` (generated; move this section where it belongs)\n\n"
                f"<!-- metrics:{group} -->\n{table(group)}<!-- /metrics -->\n"
            )
    return result


def stale(path: Path = DOCS) -> bool:
    text = path.read_text(encoding="utf-8")
    return render(text) != text


def write(path: Path = DOCS) -> bool:
    """Regenerate the file; True when it changed."""
    text = path.read_text(encoding="utf-8")
    new = render(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
