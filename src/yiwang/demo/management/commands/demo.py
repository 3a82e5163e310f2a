"""`yiwang demo`: seed the demo county (示范县) and print the sign-ins. Idempotent."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandError
from django.db import DatabaseError
from tqdm import tqdm

from yiwang.common.commands import YiwangCommand


class Command(YiwangCommand):
    help = "生成示范县演示数据（可重复运行，不会重复创建）并列出演示账号。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="不显示进度条和账号列表")

    def handle(self, *args: Any, **options: Any) -> None:
        from yiwang.demo.services import SEED_STEPS, seed_demo_county, sign_in_lines

        quiet = options["quiet"]
        bar = tqdm(total=SEED_STEPS, desc="示范县", unit="步", disable=quiet, file=sys.stderr)
        try:
            report = seed_demo_county(progress=bar.update)
        except DatabaseError as exc:
            raise CommandError(
                f"数据库不可用或尚未迁移，请先运行 yiwang migrate（{exc}）。"
            ) from exc
        finally:
            bar.close()
        if report.total:
            made = "，".join(f"{k} {v} 个" for k, v in report.created.items())
            self.stdout.write(f"示范县数据已生成：{made}。")
        else:
            self.stdout.write("示范县数据已是最新，无需改动。")
        if not quiet:
            self.stdout.write("\n".join(sign_in_lines()))
