"""`yiwang figures --period 2026H1 [--department NAME] [--json]`: every registered figure for
the period (JSON: a list of {"key", "name", "unit", "value"}, ratios 0–1 with unit "ratio";
otherwise a table).

`yiwang figures docs [--check]`: regenerate docs/metrics.md's 口径 tables from the registry
(--check: exit 1 when the file is stale, changing nothing).

`yiwang figures snapshot --month 2026-05`: write that month's figure snapshots (replacing the
month's rows; the worker does it for the previous and the current month)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from yiwang.common.commands import YiwangCommand
from yiwang.insight.periods import Period, PeriodError
from yiwang.org.scope import DataScope


class Command(YiwangCommand):
    help = "按统计期输出全部已注册指标；生成指标口径文档。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", help="统计期：2026、2026H1、2026Q1 或 2026-03")
        parser.add_argument("--department", help="只计该部门（部门全称）")
        parser.add_argument("--json", action="store_true", help="输出 JSON 列表")
        sub = parser.add_subparsers(dest="action", metavar="{docs,snapshot}")
        docs = sub.add_parser("docs", help="由指标库生成 docs/metrics.md 的口径表")
        docs.add_argument("--check", action="store_true", help="只检查文档是否过期")
        snapshot = sub.add_parser("snapshot", help="写入某月的指标快照（重跑则替换该月）")
        snapshot.add_argument("--month", required=True, help="月份，YYYY-MM")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("action") == "docs":
            self._docs(check=options.get("check", False))
            return
        if options.get("action") == "snapshot":
            self._snapshot(options["month"])
            return
        self._figures(options)

    def _figures(self, options: dict[str, Any]) -> None:
        from yiwang.insight.figures import POINT_IN_TIME_NOTE, figure_list, values
        from yiwang.org.models import Department

        if not options.get("period"):
            raise CommandError("请用 --period 指定统计期，例如 --period 2026H1。", returncode=2)
        try:
            period = Period.parse(options["period"])
        except PeriodError as exc:
            raise CommandError(str(exc), returncode=2) from None
        scope = None
        if options.get("department"):
            name = options["department"]
            department = Department.objects.filter(name=name).first()
            if department is None:
                raise CommandError(f"部门“{name}”不存在，请写部门全称。", returncode=2)
            scope = DataScope.department(department.pk, department.name)
        figures = values(period, scope)
        if options.get("json"):
            rows = figure_list(period, scope, figures)
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{period.label}（{period.start} 至 {period.end}）")
        if scope is not None:
            self.stdout.write(scope.label)
        width = max(len(figure.metric.key) for figure in figures)
        for figure in figures:
            metric = figure.metric
            text = "—" if figure.value is None else figure.text
            note = f"（{POINT_IN_TIME_NOTE}）" if metric.point_in_time else ""
            self.stdout.write(f"{metric.key:<{width}}  {metric.name}：{text}{note}")

    def _docs(self, *, check: bool) -> None:
        from yiwang.insight import docs

        if check:
            if docs.stale():
                raise CommandError(
                    "docs/metrics.md 的口径表已过期，请运行 yiwang figures docs 重新生成。",
                    returncode=1,
                )
            self.stdout.write("docs/metrics.md 的口径表与指标库一致。")
            return
        changed = docs.write()
        self.stdout.write("已重新生成 docs/metrics.md 的口径表。" if changed else "无需更新。")

    def _snapshot(self, text: str) -> None:
        from yiwang.insight.snapshots import snapshot_month

        try:
            month = Period.parse(text)
        except PeriodError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if len(month.months) != 1:
            raise CommandError(f"快照按月写入，请写作 YYYY-MM（收到“{text}”）。", returncode=2)
        written = snapshot_month(month=month)
        self.stdout.write(f"已写入 {month.label}的指标快照 {written} 条。")
