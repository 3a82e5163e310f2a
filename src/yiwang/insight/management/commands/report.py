"""`yiwang report --period 2026H1 --format html|docx|pdf --out FILE [--department NAME]`: the
half-year work report (工作总结) of the county's 数据资源管理局 (or of one department) for the
period, written to FILE.

Exit codes: 0 written; 1 the consistency guard refused the figures (the sentence names the
metric at fault); 2 a bad period, format, department or an unwritable --out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from yiwang.common.commands import YiwangCommand
from yiwang.insight.periods import Period, PeriodError
from yiwang.org.scope import ALL_SCOPE, DataScope


class Command(YiwangCommand):
    help = "生成统计期的工作总结（html、docx 或 pdf）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--period", required=True, help="统计期：2026、2026H1、2026Q1 或 2026-03"
        )
        parser.add_argument("--format", default="pdf", help="html、docx 或 pdf（默认 pdf）")
        parser.add_argument("--out", required=True, help="写入的文件")
        parser.add_argument("--department", help="只计该部门（部门全称）")

    def handle(self, *args: Any, **options: Any) -> None:
        from yiwang.insight.report import guard, render
        from yiwang.org.models import Department

        try:
            period = Period.parse(options["period"])
        except PeriodError as exc:
            raise CommandError(str(exc), returncode=2) from None
        fmt = options["format"]
        if fmt not in render.FORMATS:
            raise CommandError(f"报告格式“{fmt}”不支持，应为 html、docx 或 pdf。", returncode=2)
        out = Path(options["out"])
        if out.is_dir() or not out.parent.is_dir():
            raise CommandError(f"无法写入“{out}”：目录不存在或它是一个目录。", returncode=2)
        scope: DataScope = ALL_SCOPE
        if options.get("department"):
            name = options["department"]
            department = Department.objects.filter(name=name).first()
            if department is None:
                raise CommandError(f"部门“{name}”不存在，请写部门全称。", returncode=2)
            scope = DataScope.department(department.pk, department.name)
        try:
            content = render.render(period, scope, fmt)
        except guard.ReportInconsistent as exc:
            raise CommandError(str(exc), returncode=1) from None
        try:
            out.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"无法写入“{out}”：{exc.strerror}。", returncode=2) from None
        self.stdout.write(f"已写入 {out}（{len(content)} 字节）。")
