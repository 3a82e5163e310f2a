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
        # The simulated half year (demo.simulation): --simulate, or any of its options.
        parser.add_argument("--simulate", action="store_true", help="模拟 2026 年上半年的办理数据")
        parser.add_argument("--seed", help="模拟的随机种子（非负整数，默认 2026）")
        parser.add_argument("--scale", help="模拟的办件数（默认 20000）")
        parser.add_argument("--reset", action="store_true", help="删除已模拟的数据后重新模拟")

    def handle(self, *args: Any, **options: Any) -> None:
        from yiwang.demo.services import SEED_STEPS, seed_demo_county, sign_in_lines

        quiet = options["quiet"]
        wanted = options["simulate"] or options["reset"] or options["seed"] or options["scale"]
        simulation = self._arguments(options) if wanted else None
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
        if simulation is not None:
            self._simulate(options, *simulation)
        if not quiet:
            self.stdout.write("\n".join(sign_in_lines()))

    def _arguments(self, options: dict[str, Any]) -> tuple[int, int]:
        """The seed and scale, checked before anything is seeded."""
        from django.core.exceptions import ValidationError

        from yiwang.demo.simulation import engine

        try:
            seed = int(options["seed"] if options["seed"] is not None else engine.DEFAULT_SEED)
            scale = int(options["scale"] if options["scale"] is not None else engine.DEFAULT_SCALE)
        except ValueError:
            raise CommandError("--seed 和 --scale 应为整数。", returncode=2) from None
        try:
            engine.check_arguments(seed=seed, scale=scale)
        except ValidationError as exc:
            raise CommandError(exc.messages[0], returncode=2) from None
        return seed, scale

    def _simulate(self, options: dict[str, Any], seed: int, scale: int) -> None:
        from django.core.exceptions import ValidationError

        from yiwang.demo.simulation import engine

        if options["reset"]:
            removed = engine.reset()
            self.stdout.write(f"已删除模拟数据：办件 {removed} 件。")
        bar = tqdm(
            total=scale, desc="模拟上半年", unit="件", disable=options["quiet"], file=sys.stderr
        )
        try:
            report = engine.simulate(seed=seed, scale=scale, progress=bar.update)
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from None
        except DatabaseError as exc:  # e.g. the database locked too long by another writer
            raise CommandError(
                f"模拟中断（数据库错误：{exc}），已完成的批次保留，请加 --reset 重新模拟。"
            ) from exc
        finally:
            bar.close()
        if report.already:
            self.stdout.write("上半年模拟数据已生成，无需改动（加 --reset 重新模拟）。")
        else:
            self.stdout.write(
                f"已模拟 2026 年上半年：办件 {report.cases} 件，一件事 {report.bundle_cases} 件，"
                f"免提交办件 {report.licence_cases} 件；签发电子证照 {report.licences} 份，"
                f"用证 {report.licence_uses} 次（种子 {seed}）。"
            )
