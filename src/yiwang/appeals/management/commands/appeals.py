"""`yiwang appeals route "TEXT" [--json] [--limit N]`: the departments dispatch help suggests
for a ticket text, best first — as a JSON list (each with `department`, its full name, `score`,
its share of the evidence from 0 to 1, and `reason`) or one line each. Built from the
responsibility lists and the ticket history in the database (appeals.dispatch).

`yiwang appeals import FILE [--dry-run]`: the 12345 hotline's daily xlsx, all rows or none, a
line per refused row and a non-zero exit; `yiwang appeals sweep [--date YYYY-MM-DD]`: the
tickets' sweep (overdue, 催办, 督办) once (appeals.cli)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from yiwang.appeals import cli
from yiwang.common.commands import YiwangCommand


class Command(YiwangCommand):
    help = "诉求工单：派单建议、导入12345工单、时限巡检。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{route,import,sweep}")
        route = sub.add_parser("route", help="按诉求内容建议承办部门（最可能的在前）")
        route.add_argument("text", help="诉求内容")
        route.add_argument("--json", action="store_true", help="以 JSON 列表输出")
        route.add_argument("--limit", type=int, default=0, help="最多建议几个部门")
        cli.add_arguments(sub)  # import, sweep (appeals.cli)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "route":
            self._route(options)
        elif options["action"] == "import":
            cli.run_import(options, self.stdout.write)
        elif options["action"] == "sweep":
            cli.run_sweep(options, self.stdout.write)

    def _route(self, options: dict[str, Any]) -> None:
        from yiwang.appeals.dispatch.selectors import route

        text = (options["text"] or "").strip()
        if not text:
            raise CommandError("请给出诉求内容。", returncode=2)
        if options["limit"] < 0:
            raise CommandError("--limit 必须是正整数。", returncode=2)
        found = route(text, limit=options["limit"] or None)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    [
                        {"department": s.department, "score": s.score, "reason": s.reason}
                        for s in found
                    ],
                    ensure_ascii=False,
                )
            )
            return
        if not found:
            self.stdout.write("没有可建议的部门（职责清单和历史工单都未匹配），请人工派单。")
        for rank, s in enumerate(found, 1):
            self.stdout.write(f"{rank}. {s.department}（{s.score:.3f}）{s.reason}")
