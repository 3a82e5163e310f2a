"""`yiwang pii rotate`: re-encrypt all personal data under the current key and recompute the
lookup hashes (after changing YIWANG_PII_KEY_ID or YIWANG_PII_HASH_KEY)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError
from tqdm import tqdm

from yiwang.common.commands import YiwangCommand


class Command(YiwangCommand):
    help = "个人信息：rotate 用当前密钥重新加密全部个人信息并重算查询哈希（可重复运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{rotate}")
        rotate = sub.add_parser(
            "rotate", help="用 YIWANG_PII_KEY_ID 重新加密，用 YIWANG_PII_HASH_KEY 重算哈希。"
        )
        rotate.add_argument(
            "--batch-size", type=int, default=500, help="每批处理的行数（每批一个事务），默认 500。"
        )
        rotate.add_argument("--no-progress", action="store_true", help="不显示进度条。")

    def handle(self, *args: Any, **options: Any) -> None:
        from yiwang.common.rotation import RotationError, pii_rotate, rows_to_rotate

        if options["batch_size"] < 1:
            raise CommandError("--batch-size 必须是正整数。", returncode=2)
        try:
            total = rows_to_rotate()
            disable = options["no_progress"] or options["verbosity"] == 0
            bar = tqdm(total=total, desc="密钥轮换", unit="行", disable=disable, file=sys.stderr)
            try:
                report = pii_rotate(batch_size=options["batch_size"], progress=bar.update)
            finally:
                bar.close()
        except (RotationError, ImproperlyConfigured) as exc:
            raise CommandError(f"密钥轮换中止：{exc}", returncode=1) from exc
        except DatabaseError as exc:
            raise CommandError(
                f"数据库不可用或尚未迁移，请先运行 yiwang migrate（{exc}）。", returncode=2
            ) from exc
        for label, stats in report.models.items():
            if options["verbosity"] >= 2 or stats.reencrypted or stats.rehashed:
                self.stdout.write(
                    f"{label}：检查 {stats.rows} 行，重新加密 {stats.reencrypted} 个值，"
                    f"重算 {stats.rehashed} 个哈希。"
                )
        if report.reencrypted or report.rehashed:
            self.stdout.write(
                f"密钥轮换完成：共检查 {report.rows} 行，重新加密 {report.reencrypted} 个值"
                f"（当前密钥 {report.key_id}），重算 {report.rehashed} 个哈希。"
            )
        else:
            self.stdout.write(
                f"个人信息已全部使用当前密钥 {report.key_id}，哈希均为最新"
                f"（共检查 {report.rows} 行）。"
            )
