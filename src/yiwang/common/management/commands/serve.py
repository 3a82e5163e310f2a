"""`yiwang serve`: serve pages and API with gunicorn (sync workers), static files by whitenoise.

Static files are collected only when the collected set is missing or stale (docs/operations.md),
so a normal start answers within a few seconds. Workers are gunicorn's sync workers: one request
at a time per process, so `--timeout` really ends a request that runs too long (the worker is
killed and replaced); see docs/adr/0009-sync-workers.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from yiwang.common.commands import YiwangCommand

# What collectstatic leaves out by default; the signature must look at the same files.
IGNORE_PATTERNS = ["CVS", ".*", "*~"]
MANIFEST_NAME = "staticfiles.json"


def stamp_path() -> Path:
    """Where the signature of the last collection is kept: next to STATIC_ROOT, not inside it,
    so that whitenoise never serves it."""
    root = Path(settings.STATIC_ROOT)
    return root.with_name(root.name + ".collected")


def static_signature() -> str:
    """A hash of what collectstatic would produce: every source static file (finder order, path,
    size, modification time), the installed versions of the packages that ship static files or
    process them, and the storage backend. Listing and stat-ing the files takes milliseconds."""
    from django.contrib.staticfiles import finders

    digest = hashlib.sha256()
    for package in ("yiwang", "django", "whitenoise", "djangorestframework", "drf-spectacular"):
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{package}={version}\n".encode())
    digest.update(f"storage={settings.STORAGES['staticfiles']['BACKEND']}\n".encode())
    for n, finder in enumerate(finders.get_finders()):
        entries = []
        for path, storage in finder.list(IGNORE_PATTERNS):
            stat = os.stat(storage.path(path))
            prefix = getattr(storage, "prefix", None) or ""
            entries.append(f"{n}\t{prefix}\t{path}\t{stat.st_size}\t{stat.st_mtime_ns}")
        digest.update("\n".join(sorted(entries)).encode())
    return digest.hexdigest()


def collected_is_fresh(signature: str) -> bool:
    """True when the last collection had this signature and its manifest is still there."""
    try:
        recorded = json.loads(stamp_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    manifest = Path(settings.STATIC_ROOT) / MANIFEST_NAME
    needs_manifest = "Manifest" in settings.STORAGES["staticfiles"]["BACKEND"]
    return (
        isinstance(recorded, dict)
        and recorded.get("signature") == signature
        and (manifest.is_file() or not needs_manifest)
    )


def collect_static_if_stale(*, force: bool = False) -> bool:
    """Run collectstatic when the collected files are missing or stale; True if it ran."""
    signature = static_signature()
    if not force and collected_is_fresh(signature):
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    path = stamp_path()
    path.write_text(json.dumps({"signature": signature}), encoding="utf-8")
    return True


def listen_urls(listeners: list[Any]) -> list[tuple[str, str]]:
    """(address, URL) of each gunicorn listener; a wildcard address is shown as loopback."""
    out = []
    for listener in listeners:
        sock = getattr(listener, "sock", None)
        if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
            out.append((str(listener), str(listener)))
            continue
        host, port = sock.getsockname()[:2]
        if sock.family == socket.AF_INET6:
            address = f"[{host}]:{port}"
            shown = "[::1]" if host == "::" else f"[{host}]"
        else:
            address = f"{host}:{port}"
            shown = "127.0.0.1" if host == "0.0.0.0" else host  # noqa: S104 - a wildcard bind
        out.append((address, f"http://{shown}:{port}/"))
    return out


WARM_TEMPLATES = ("catalog/guide_item.html", "catalog/search.html", "portal/home.html")


def warm_up() -> str:
    """Load once, before the workers are forked from this process, what each would otherwise
    load on its first requests — jieba's dictionary, the guided-search index, pypinyin, the
    guide templates — so that no visitor waits for it and the workers share the memory. A
    failure (say, a database not migrated yet) only leaves the work to the first requests."""
    from django.template.loader import get_template

    from yiwang.catalog.search import query as search

    try:
        for name in WARM_TEMPLATES:
            get_template(name)
        search.search("开饭店")  # jieba and the index
        search.search("shebaoka")  # pypinyin keys
    except Exception as exc:  # the server starts anyway
        return f"预热未完成（{exc}），首批请求会稍慢。"
    finally:
        connections.close_all()
    return ""


class Command(YiwangCommand):
    help = "以 gunicorn 提供网页与接口服务（静态文件由 whitenoise 提供）。"

    def add_arguments(self, parser: Any) -> None:
        # String defaults from the environment pass through `type`, so a bad value is a usage
        # error (one line, exit 2), not a traceback.
        parser.add_argument(
            "--bind",
            default=os.environ.get("YIWANG_BIND", "127.0.0.1:8000"),
            help="监听地址，默认 127.0.0.1:8000（环境变量 YIWANG_BIND）",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=os.environ.get("YIWANG_WEB_WORKERS", "2"),
            help="工作进程数，默认 2（环境变量 YIWANG_WEB_WORKERS）",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=os.environ.get("YIWANG_WEB_TIMEOUT", "30"),
            help="单个请求最长秒数，超时即终止并替换该工作进程，默认 30（YIWANG_WEB_TIMEOUT）",
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--no-collectstatic", action="store_true", help="不检查、不收集静态文件")
        group.add_argument(
            "--collectstatic", action="store_true", help="无论是否过期都重新收集静态文件"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        if options["workers"] < 1:
            raise CommandError("工作进程数必须至少为 1。", returncode=2)
        if options["timeout"] < 1:
            raise CommandError("请求超时必须至少为 1 秒。", returncode=2)
        collect = not options["no_collectstatic"]
        if collect and collect_static_if_stale(force=options["collectstatic"]):
            self.stdout.write("静态文件已收集。")
        from yiwang.wsgi import application

        gunicorn_options = {
            "bind": options["bind"],
            "workers": options["workers"],
            # Sync workers: a request that outlives `timeout` is ended (the gthread worker's
            # heartbeat runs on its own thread and never lets the timeout fire). ADR 0009.
            "worker_class": "sync",
            "threads": 1,
            "timeout": options["timeout"],
            "graceful_timeout": 20,
            "accesslog": "-",
            "errorlog": "-",
            # No control socket: it needs a writable home directory, which service users lack.
            "control_socket_disable": True,
            # Masks ID and mobile numbers in request lines, query strings and referrers.
            "logger_class": "yiwang.common.logging.MaskingGunicornLogger",
            "when_ready": self._announce,
        }

        class YiwangApplication(BaseApplication):
            def load_config(self) -> None:
                for key, value in gunicorn_options.items():
                    self.cfg.set(key, value)  # type: ignore[union-attr]

            def load(self) -> Any:
                return application

        problem = warm_up()
        if problem:
            self.stderr.write(problem)
        # The workers are forked from this process: none may inherit its database connections.
        connections.close_all()
        YiwangApplication().run()

    def _announce(self, arbiter: Any) -> None:
        """Called by gunicorn once it listens: say where."""
        for address, url in listen_urls(list(arbiter.LISTENERS)):
            self.stdout.write(f"一网已启动，监听 {address}：{url} （按 Ctrl+C 停止）")
        self.stdout.flush()
