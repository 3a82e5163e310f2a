"""`yiwang worker`: run the background-task worker of the configured queue (YIWANG_TASKS): the
database queue's `db_worker`, or an RQ worker on Redis."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

from yiwang.common import periodic
from yiwang.common.commands import YiwangCommand


class Command(YiwangCommand):
    help = (
        "运行后台任务处理进程（YIWANG_TASKS：数据库队列或 Redis 队列；"
        "--batch 处理完现有任务后退出）。"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", action="store_true", help="处理完队列中的任务后退出")
        parser.add_argument("--queue-name", default="*", help="处理的队列，默认全部")

    def handle(self, *args: Any, **options: Any) -> None:
        # Periodic jobs (the case sweep, message resends) run on a ticker thread for as long as
        # the worker runs (common.periodic); a --batch run only drains what is queued.
        if not options["batch"]:
            periodic.start_ticker(threading.Event())
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if type(backend).__module__.startswith("django_tasks_rq"):
            self._rq_worker(backend, batch=options["batch"], queue_name=options["queue_name"])
            return
        extra: dict[str, Any] = {"queue_name": options["queue_name"]}
        if options["batch"]:
            extra["batch"] = True
        call_command("db_worker", **extra)

    def _rq_worker(self, backend: Any, *, batch: bool, queue_name: str) -> None:
        """What django-rq's `rqworker --job-class django_tasks_rq.Job [--burst]` does, without
        needing django_rq among the installed apps of the process that calls it."""
        import django_rq.workers
        from django_rq.utils import reset_db_connections
        from redis.exceptions import ConnectionError as RedisConnectionError

        queues = sorted(backend.queues) if queue_name == "*" else [queue_name]
        try:
            worker = django_rq.workers.get_worker(
                *queues,
                job_class="django_tasks_rq.Job",
                worker_class=settings.YIWANG_RQ_WORKER_CLASS,
            )
            # A forking worker's children must open their own database connections.
            reset_db_connections()
            worker.work(burst=batch)
        except KeyError:
            raise CommandError(f"队列“{queue_name}”未在 Redis 任务设置中配置。") from None
        except RedisConnectionError as exc:
            raise CommandError(f"无法连接 Redis（YIWANG_REDIS_URL）：{exc}") from None
