"""`yiwang guide "QUERY" [--json] [--limit N]`: guided search (智能导办) from the command line.

With --json: a JSON array, best first, of {kind, code, name, department, visits, fully_online,
url, apply_url, score}. Without: a table. An empty query is one Chinese sentence and exit 2.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from django.core.management.base import CommandError, CommandParser

from yiwang.catalog.search.query import MAX_QUERY_LENGTH, search
from yiwang.catalog.search.text import normalise
from yiwang.common.commands import YiwangCommand

USAGE_ERROR = 2
MAX_LIMIT = 100


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


class Command(YiwangCommand):
    help = '智能导办：用日常说法查找事项和一件事，例如 yiwang guide "开饭店要办什么证"。'

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("query", nargs="?", default="", help="要办的事，用日常说法描述")
        parser.add_argument("--json", action="store_true", help="输出 JSON 数组（按相关度排序）")
        parser.add_argument("--limit", default="10", help="最多列出几项（1–100，默认 10）")

    def handle(self, *args: Any, **options: Any) -> None:
        query = str(options["query"] or "")
        if not normalise(query):
            raise CommandError(
                '请输入要办的事，例如：yiwang guide "开饭店要办什么证"。', returncode=USAGE_ERROR
            )
        if len(query) > MAX_QUERY_LENGTH:
            raise CommandError(
                f"查询内容不能超过 {MAX_QUERY_LENGTH} 个字。", returncode=USAGE_ERROR
            )
        limit_text = str(options["limit"]).strip()
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
            raise CommandError(
                f"--limit 应为 1 到 {MAX_LIMIT} 之间的整数，收到“{limit_text}”。",
                returncode=USAGE_ERROR,
            )
        results = search(query, limit=int(limit_text))
        if options["json"]:
            self.stdout.write(
                json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2)
            )
            return
        if not results:
            self.stdout.write(f"没有找到与“{query}”相关的事项，请换个说法试试，或拨打 12345 咨询。")
            return
        rows = [
            (
                str(n),
                r.kind_label,
                r.name,
                r.department,
                f"{r.visits} 次",
                "是" if r.fully_online else "否",
                r.url,
            )
            for n, r in enumerate(results, start=1)
        ]
        header = ("序号", "类型", "名称", "部门", "到现场", "全程网办", "办事指南")
        widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write(
                "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
