"""`yiwang serve`: collect static files and serve with gunicorn (production-grade WSGI)."""

from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError

from yiwang.common.commands import YiwangCommand


class Command(YiwangCommand):
    help = "以 gunicorn 提供网页与接口服务（静态文件由 whitenoise 提供）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("YIWANG_BIND", "127.0.0.1:8000"),
            help="监听地址，默认 127.0.0.1:8000（环境变量 YIWANG_BIND）",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("YIWANG_WEB_WORKERS", "2")),
            help="工作进程数（环境变量 YIWANG_WEB_WORKERS）",
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("YIWANG_WEB_THREADS", "4"))
        )
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        from yiwang.wsgi import application

        bind = options["bind"]
        if options["workers"] < 1:
            raise CommandError("工作进程数必须至少为 1。", returncode=2)
        gunicorn_options = {
            "bind": bind,
            "workers": options["workers"],
            "threads": options["threads"],
            "accesslog": "-",
            "errorlog": "-",
            "timeout": 60,
            "graceful_timeout": 20,
            # No control socket: it needs a writable home directory, which service users lack.
            "control_socket_disable": True,
            # Masks ID and mobile numbers in request lines, query strings and referrers.
            "logger_class": "yiwang.common.logging.MaskingGunicornLogger",
        }

        class YiwangApplication(BaseApplication):
            def load_config(self) -> None:
                for key, value in gunicorn_options.items():
                    self.cfg.set(key, value)  # type: ignore[union-attr]

            def load(self) -> Any:
                return application

        self.stdout.write(f"一网已启动：http://{bind}/ （按 Ctrl+C 停止）")
        YiwangApplication().run()
