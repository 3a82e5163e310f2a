"""`yiwang rectification sweep [--date YYYY-MM-DD]`: the escalation sweep of bad-rating
rectification once (the worker runs it every YIWANG_RECTIFICATION_SWEEP_MINUTES; this is for
cron or a check): overdue tasks go to the department's administrators, then to the bureau.
Prints how many were escalated to each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser

from yiwang.common.commands import YiwangCommand


class Command(YiwangCommand):
    help = "差评整改：超期升级（提醒部门管理员、报数据资源局）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{sweep}")
        sweep = sub.add_parser("sweep", help="把超过整改期限的差评整改任务升级")
        sweep.add_argument("--date", help="按这一天计算（YYYY-MM-DD，默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        from yiwang.evaluations.rectification.services import rectifications_sweep

        today = None
        if options.get("date"):
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"日期“{options['date']}”格式不正确，应为 YYYY-MM-DD。", returncode=2
                ) from None
        report = rectifications_sweep(today=today)
        self.stdout.write(
            f"超期升级：提醒部门管理员 {report.department} 件，报数据资源局 {report.bureau} 件。"
        )
