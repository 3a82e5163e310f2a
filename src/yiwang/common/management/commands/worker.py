"""`yiwang worker`: run the background-task worker (database queue by default)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command

from yiwang.common.commands import YiwangCommand


class Command(YiwangCommand):
    help = "运行后台任务处理进程（默认使用数据库队列；--batch 处理完现有任务后退出）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", action="store_true", help="处理完队列中的任务后退出")
        parser.add_argument("--queue-name", default="*", help="处理的队列，默认全部")

    def handle(self, *args: Any, **options: Any) -> None:
        extra: dict[str, Any] = {"queue_name": options["queue_name"]}
        if options["batch"]:
            extra["batch"] = True
        call_command("db_worker", **extra)
