"""The `yiwang appeals import|sweep` subcommands' work (the command module only parses and
delegates): one sentence per outcome, CommandError (non-zero exit) on failure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError


def add_arguments(sub: Any) -> None:
    """Add the `import` and `sweep` subparsers to the command's subparsers."""
    imp: CommandParser = sub.add_parser("import", help="导入12345热线每日工单（xlsx），全部或全不")
    imp.add_argument("file", help="12345 导出的 xlsx 文件")
    imp.add_argument("--dry-run", action="store_true", help="只检查，不导入")
    sweep: CommandParser = sub.add_parser(
        "sweep", help="立即运行一次诉求时限巡检（超期、催办、督办）"
    )
    sweep.add_argument("--date", help="按该日期巡检（YYYY-MM-DD，默认今天）")


def run_import(options: dict[str, Any], write: Any) -> None:
    from yiwang.appeals.importing import ImportFileError, import_rows, read_rows

    path = Path(options["file"])
    try:
        data = path.read_bytes()
    except OSError:
        raise CommandError(f"无法读取文件“{path}”。", returncode=2) from None
    try:
        rows = read_rows(data, path.name)
        report = import_rows(rows, actor=None, dry_run=options.get("dry_run", False))
    except ImportFileError as exc:
        raise CommandError(str(exc), returncode=1) from None
    except DatabaseError as exc:
        raise CommandError(
            f"数据库不可用或尚未迁移，请先运行 yiwang migrate（{exc}）。", returncode=1
        ) from None
    if not report.ok:
        for row in report.errors:
            write(row.message)
        raise CommandError(report.summary(), returncode=1)
    prefix = "检查通过（未导入）：" if options.get("dry_run") else ""
    write(prefix + report.summary())


def run_sweep(options: dict[str, Any], write: Any) -> None:
    from yiwang.appeals.services import appeals_sweep

    today = None
    if options.get("date"):
        try:
            today = dt.date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(
                f"日期“{options['date']}”格式不正确，应为 YYYY-MM-DD。", returncode=2
            ) from None
    try:
        report = appeals_sweep(today=today)
    except DatabaseError as exc:
        raise CommandError(
            f"数据库不可用或尚未迁移，请先运行 yiwang migrate（{exc}）。", returncode=1
        ) from None
    write(
        f"超期 {len(report.overdue)} 件，催办 {len(report.reminded)} 件，"
        f"督办 {len(report.supervised)} 件。"
    )
