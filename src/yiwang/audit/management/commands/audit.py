"""`yiwang audit verify`: check the audit trail's hash chain; `yiwang audit head`: print the
chain head to record outside the database (an anchor for `verify --anchor`)."""

from __future__ import annotations

import re
import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError
from tqdm import tqdm

from yiwang.common.commands import YiwangCommand

# Below this many events the check takes well under a second; a bar would only flicker.
PROGRESS_MIN_EVENTS = 2000
_ANCHOR_RE = re.compile(r"^(?P<sequence>[1-9][0-9]*):(?P<hash>[0-9a-f]{64})$")


class Command(YiwangCommand):
    help = "审计日志：verify 验证哈希链是否完整；head 显示链头（序号与哈希），供在库外留存。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,head}")
        verify = sub.add_parser("verify", help="验证审计哈希链：发现被修改、删除或插入的事件。")
        verify.add_argument(
            "--anchor",
            metavar="序号:哈希",
            help="另外核对某条事件的哈希是否与库外留存的一致（可发现整条链被重算）。",
        )
        verify.add_argument(
            "--progress",
            dest="progress",
            action="store_true",
            default=None,
            help="总是显示进度条（默认只在事件较多时显示）。",
        )
        verify.add_argument(
            "--no-progress", dest="progress", action="store_false", help="不显示进度条。"
        )
        sub.add_parser("head", help="显示审计链头：最后一条事件的序号与哈希。")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "head":
                self._head()
            else:
                self._verify(options)
        except DatabaseError as exc:
            raise CommandError(
                f"数据库不可用或尚未迁移，请先运行 yiwang migrate（{exc}）。", returncode=2
            ) from exc

    def _head(self) -> None:
        from yiwang.audit.models import AuditChainHead

        head = AuditChainHead.objects.filter(id=1).first()
        if head is None or head.last_sequence == 0:
            self.stdout.write("审计链为空。")
            return
        self.stdout.write(f"{head.last_sequence}:{head.last_hash}")

    def _verify(self, options: dict[str, Any]) -> None:
        from yiwang.audit.models import AuditChainHead, AuditEvent
        from yiwang.audit.services import audit_verify

        anchor = self._parse_anchor(options.get("anchor"))
        head = AuditChainHead.objects.filter(id=1).first()
        total = head.last_sequence if head else 0
        show = options["progress"]
        if show is None:
            show = total >= PROGRESS_MIN_EVENTS
        if options["verbosity"] == 0:
            show = False
        bar = tqdm(total=total, desc="验证审计链", unit="条", disable=not show, file=sys.stderr)
        try:
            result = audit_verify(progress=bar.update)
        finally:
            bar.close()
        if not result.ok:
            raise CommandError(f"审计链不完整：{result.problem}", returncode=1)
        if anchor is not None:
            sequence, expected = anchor
            found = (
                AuditEvent.objects.filter(sequence=sequence).values_list("hash", flat=True).first()
            )
            if found is None:
                raise CommandError(
                    f"审计链不完整：锚点第 {sequence} 条审计事件不存在"
                    f"（链中只有 {result.verified} 条）。",
                    returncode=1,
                )
            if found != expected:
                raise CommandError(
                    f"审计链不完整：第 {sequence} 条审计事件的哈希与库外留存的锚点不符"
                    f"（链在此处或之前被整体重算）。",
                    returncode=1,
                )
        self.stdout.write(f"已验证 {result.verified} 条审计事件，链完整。")

    @staticmethod
    def _parse_anchor(text: str | None) -> tuple[int, str] | None:
        if not text:
            return None
        match = _ANCHOR_RE.match(text.strip().lower())
        if match is None:
            raise CommandError(
                "锚点格式应为“序号:哈希”，哈希为 64 个十六进制字符"
                "（即 yiwang audit head 的输出）。",
                returncode=2,
            )
        return int(match["sequence"]), match["hash"]
