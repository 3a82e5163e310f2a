"""`yiwang workdays add|between|years|import`: working-day arithmetic from the command line.

The answer is the last line on stdout; warnings go to stderr. Bad input is one Chinese sentence
on stderr and exit code 2 (arguments are parsed here, not by argparse, so the words are ours).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError

from yiwang.common.commands import YiwangCommand
from yiwang.workdays import selectors
from yiwang.workdays.models import StartRule

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[+-]?\d+")
USAGE_ERROR = 2


def parse_date(text: str, what: str) -> dt.date:
    if not _DATE.fullmatch(text):
        raise CommandError(f"{what}“{text}”格式不正确，应为 YYYY-MM-DD。", returncode=USAGE_ERROR)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{what}“{text}”不是有效的日期。", returncode=USAGE_ERROR) from None


def parse_days(text: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise CommandError(f"天数“{text}”不是整数。", returncode=USAGE_ERROR)
    days = int(text)
    if days < 0:
        raise CommandError(f"天数“{text}”不能为负数。", returncode=USAGE_ERROR)
    return days


class Command(YiwangCommand):
    help = "工作日计算：add 求截止日期，between 求工作日数，years 列出节假日安排，import 导入年份。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{add,between,years,import}"
        )
        add = sub.add_parser("add", help="从某日起数 N 个工作日，输出截止日期")
        add.add_argument("start", help="起算事件日期 YYYY-MM-DD")
        add.add_argument("days", help="工作日天数（0 表示当日）")
        add.add_argument(
            "--rule", default=None, help="起算规则 next（次日起算）或 same（当日起算）；缺省取设置"
        )
        between = sub.add_parser("between", help="输出第一个日期之后到第二个日期（含）的工作日数")
        between.add_argument("first", help="YYYY-MM-DD（不计入）")
        between.add_argument("second", help="YYYY-MM-DD（计入）")
        sub.add_parser("years", help="列出已录入的年份及确认状态")
        imp = sub.add_parser("import", help="从已安装的 chinesecalendar 导入某年的节假日安排")
        imp.add_argument("year", help="年份，如 2027")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._dispatch(options)
        except DatabaseError as exc:
            raise CommandError(
                f"无法读取节假日表（{exc}），请先运行 yiwang migrate。", returncode=1
            ) from None

    def _dispatch(self, options: dict[str, Any]) -> None:
        action = options["action"]
        if action == "add":
            self._add(options["start"], options["days"], options["rule"])
        elif action == "between":
            self._between(options["first"], options["second"])
        elif action == "years":
            self._years()
        elif action == "import":
            self._import(options["year"])

    def _warn(self, warnings: tuple[str, ...]) -> None:
        for warning in warnings:
            self.stderr.write(f"提示：{warning}")

    def _add(self, start_text: str, days_text: str, rule: str | None) -> None:
        start = parse_date(start_text, "起算日期")
        days = parse_days(days_text)
        if rule is not None and rule not in StartRule.values:
            raise CommandError(
                f"起算规则“{rule}”不正确，只能是 same 或 next。", returncode=USAGE_ERROR
            )
        try:
            deadline = selectors.add_working_days(start, days, start_rule=rule)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=USAGE_ERROR) from None
        self._warn(deadline.warnings)
        self.stdout.write(deadline.date.isoformat())

    def _between(self, first_text: str, second_text: str) -> None:
        first = parse_date(first_text, "起始日期")
        second = parse_date(second_text, "结束日期")
        count = selectors.working_days_between(first, second)
        self._warn(count.warnings)
        self.stdout.write(str(count.days))

    def _years(self) -> None:
        for row in selectors.calendar_year_list():
            state = "已确认" if row.confirmed else "未确认"
            self.stdout.write(
                f"{row.year}\t{state}\t{row.get_source_display()}\t"
                f"节假日 {row.holiday_count} 天\t调休上班 {row.makeup_workday_count} 天"
            )

    def _import(self, year_text: str) -> None:
        from yiwang.workdays.services import calendar_year_import

        if not re.fullmatch(r"\d{4}", year_text):
            raise CommandError(f"年份“{year_text}”不正确，应为四位数字。", returncode=USAGE_ERROR)
        try:
            row = calendar_year_import(year=int(year_text))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=1) from None
        self.stdout.write(f"已导入 {row.year} 年节假日安排。")
