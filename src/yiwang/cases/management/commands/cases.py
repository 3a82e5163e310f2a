"""`yiwang cases sweep [--date YYYY-MM-DD]`: the deadline sweep the worker runs periodically —
deemed acceptance after the pre-review period, warnings, overdue marks, chasing deferred
materials — run once now (or as of a date); prints what it did.

`yiwang cases snapshots`: render every missing or outdated stored case detail (after an upgrade
or a bulk load; the worker does it daily), with a progress bar; prints how many."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError
from tqdm import tqdm

from yiwang.common.commands import YiwangCommand


class Command(YiwangCommand):
    help = "办件时限巡检：视为受理、预警、超期标记、容缺材料催交。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{sweep,snapshots}")
        sweep = sub.add_parser("sweep", help="立即运行一次时限巡检")
        sweep.add_argument("--date", help="按该日期巡检（YYYY-MM-DD，默认今天）")
        snapshots = sub.add_parser("snapshots", help="生成缺失或过期的办件详情快照")
        snapshots.add_argument("--quiet", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "snapshots":
            self._snapshots(quiet=options.get("quiet", False))
            return
        from yiwang.cases.services import cases_sweep

        today = None
        if options.get("date"):
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"日期“{options['date']}”格式不正确，应为 YYYY-MM-DD。", returncode=2
                ) from None
        try:
            report = cases_sweep(today=today)
        except DatabaseError as exc:
            raise CommandError(
                f"数据库不可用或尚未迁移，请先运行 yiwang migrate（{exc}）。", returncode=1
            ) from None
        self.stdout.write(
            f"视为受理 {report.deemed_accepted} 件，预警 {report.warned} 件，"
            f"超期 {report.overdue} 件，催交容缺材料 {report.chased} 件。"
        )

    def _snapshots(self, *, quiet: bool) -> None:
        from yiwang.cases.api.snapshots import refresh_stale

        bar = tqdm(desc="办件详情快照", unit="件", disable=quiet, file=sys.stderr, leave=False)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            written = refresh_stale(progress=progress)
        except DatabaseError as exc:
            raise CommandError(
                f"数据库不可用或尚未迁移，请先运行 yiwang migrate（{exc}）。", returncode=1
            ) from None
        finally:
            bar.close()
        self.stdout.write(f"已生成办件详情快照 {written} 件。")
