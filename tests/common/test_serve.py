"""`yiwang serve`: static files are collected only when missing or stale; the real server says
where it listens, and gunicorn's timeout ends a request that runs too long."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.client import RemoteDisconnected
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from yiwang.common.management.commands import serve

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.fixture
def static_dirs(settings, tmp_path: Path) -> dict[str, Path]:
    source = tmp_path / "src"
    (source / "yiwang").mkdir(parents=True)
    (source / "yiwang" / "site.css").write_text("body { color: #222; }")
    root = tmp_path / "static"
    root.mkdir()
    settings.STATICFILES_DIRS = [source]
    settings.STATIC_ROOT = root
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    return {"source": source, "root": root}


@pytest.fixture
def collects(monkeypatch) -> list[tuple[Any, ...]]:
    """Records collectstatic runs instead of compressing every asset; leaves a manifest as the
    real command does."""
    from django.conf import settings

    calls: list[tuple[Any, ...]] = []

    def fake_call_command(name: str, *args: Any, **kwargs: Any) -> None:
        assert name == "collectstatic"
        calls.append((name, kwargs))
        (Path(settings.STATIC_ROOT) / serve.MANIFEST_NAME).write_text("{}")

    monkeypatch.setattr(serve, "call_command", fake_call_command)
    return calls


def test_first_start_collects_and_a_second_does_not(static_dirs, collects):
    assert serve.collect_static_if_stale() is True
    assert serve.collect_static_if_stale() is False
    assert len(collects) == 1
    assert json.loads(serve.stamp_path().read_text())["signature"] == serve.static_signature()
    # The stamp lives beside STATIC_ROOT, where whitenoise does not serve it.
    assert serve.stamp_path().parent == static_dirs["root"].parent


def test_a_changed_source_file_makes_the_collection_stale(static_dirs, collects):
    serve.collect_static_if_stale()
    css = static_dirs["source"] / "yiwang" / "site.css"
    css.write_text("body { color: #000; }  /* longer */")
    assert serve.collect_static_if_stale() is True
    (static_dirs["source"] / "yiwang" / "new.js").write_text("1;")
    assert serve.collect_static_if_stale() is True
    assert len(collects) == 3


def test_a_touched_source_file_makes_the_collection_stale(static_dirs, collects):
    serve.collect_static_if_stale()
    css = static_dirs["source"] / "yiwang" / "site.css"
    stat = css.stat()
    os.utime(css, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert serve.collect_static_if_stale() is True


def test_a_missing_manifest_makes_the_collection_stale(static_dirs, collects):
    serve.collect_static_if_stale()
    (static_dirs["root"] / serve.MANIFEST_NAME).unlink()
    assert serve.collect_static_if_stale() is True


def test_another_installed_version_makes_the_collection_stale(static_dirs, collects, monkeypatch):
    serve.collect_static_if_stale()
    real_version = serve.metadata.version
    monkeypatch.setattr(
        serve.metadata,
        "version",
        lambda name: "99.0" if name == "yiwang" else real_version(name),
    )
    assert serve.collect_static_if_stale() is True


def test_a_damaged_stamp_is_stale(static_dirs, collects):
    serve.collect_static_if_stale()
    serve.stamp_path().write_text("not json")
    assert serve.collect_static_if_stale() is True


def test_force_collects_even_when_fresh(static_dirs, collects):
    serve.collect_static_if_stale()
    assert serve.collect_static_if_stale(force=True) is True


class _NoServer:
    """Stands in for gunicorn: records the configuration instead of serving."""

    configs: list[dict[str, Any]] = []

    def run(self_app: Any) -> None:
        self_app.load_config()
        _NoServer.configs.append({k: v.get() for k, v in self_app.cfg.settings.items()})


@pytest.fixture
def no_gunicorn(monkeypatch) -> list[dict[str, Any]]:
    from gunicorn.app.base import BaseApplication

    _NoServer.configs = []
    monkeypatch.setattr(BaseApplication, "run", _NoServer.run)
    monkeypatch.setattr(BaseApplication, "__init__", lambda self: setattr(self, "cfg", _cfg()))
    return _NoServer.configs


def _cfg() -> Any:
    from gunicorn.config import Config

    return Config()


def test_serve_collects_only_when_stale(static_dirs, collects, no_gunicorn, capsys):
    call_command("serve", "--bind", "127.0.0.1:0")
    call_command("serve", "--bind", "127.0.0.1:0")
    assert len(collects) == 1
    call_command("serve", "--bind", "127.0.0.1:0", "--collectstatic")
    assert len(collects) == 2
    (static_dirs["root"] / serve.MANIFEST_NAME).unlink()
    call_command("serve", "--bind", "127.0.0.1:0", "--no-collectstatic")
    assert len(collects) == 2
    config = no_gunicorn[-1]
    # Sync workers with one thread each: gunicorn's timeout can end a request.
    assert config["worker_class"] == "sync"
    assert config["threads"] == 1
    assert config["timeout"] == 30


def test_serve_takes_the_timeout_from_the_environment(
    static_dirs, collects, no_gunicorn, monkeypatch
):
    monkeypatch.setenv("YIWANG_WEB_TIMEOUT", "7")
    call_command("serve", "--no-collectstatic")
    assert no_gunicorn[-1]["timeout"] == 7


def test_listen_urls_name_address_and_url():
    import socket

    from gunicorn.sock import TCPSocket

    class _Listener(TCPSocket):
        def __init__(self, sock: socket.socket) -> None:
            self.sock = sock

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        assert serve.listen_urls([_Listener(s)]) == [
            (f"127.0.0.1:{port}", f"http://127.0.0.1:{port}/")
        ]
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))  # noqa: S104 - what a wildcard bind shows
        port = s.getsockname()[1]
        assert serve.listen_urls([_Listener(s)]) == [
            (f"0.0.0.0:{port}", f"http://127.0.0.1:{port}/")
        ]


# --- the real server in a subprocess ---------------------------------------------------------


def _start_server(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], str, list[str]]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.common.serve_site",
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
        YIWANG_DATA_DIR=str(tmp_path),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "yiwang", "serve", "--bind", "127.0.0.1:0", *extra],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("一网已启动"):
            url = line.split("：", 1)[1].split()[0]
            return process, url.rstrip("/"), seen
    raise AssertionError(f"the server stopped before it listened: {''.join(seen)}")


def _stop_server(process: subprocess.Popen[str]) -> str:
    os.killpg(process.pid, signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    return output


def _get(url: str, timeout: float) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - local server
        return response.status, response.read().decode()


def test_the_real_server_ends_a_request_that_outlives_its_timeout(tmp_path):
    process, base, started = _start_server(
        tmp_path, "--workers", "1", "--timeout", "1", "--no-collectstatic"
    )
    try:
        assert _get(base + "/healthz", timeout=30) == (200, "ok")
        # The view would sleep 60 s; the client would wait 30 s. A worker that is not ended
        # by the 1 s timeout makes this a socket timeout, which fails the test.
        with pytest.raises((RemoteDisconnected, ConnectionError, urllib.error.HTTPError)) as exc:
            _get(base + "/test-sleep?seconds=60", timeout=30)
        if isinstance(exc.value, urllib.error.HTTPError):
            assert exc.value.code >= 500
        # A new worker takes over.
        deadline = time.monotonic() + 30
        while True:
            try:
                assert _get(base + "/healthz", timeout=30) == (200, "ok")
                break
            except (ConnectionError, RemoteDisconnected):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        output = "".join(started) + _stop_server(process)
    assert "Using worker: sync" in output
    assert "WORKER TIMEOUT" in output


def test_warm_up_builds_the_search_index_before_the_workers_are_forked(db):
    from yiwang.catalog.search import query as search

    search.forget_index()
    assert serve.warm_up() == ""
    assert search._cached is not None


def test_a_failed_warm_up_is_one_line_and_the_server_still_starts(monkeypatch):
    from yiwang.catalog.search import query as search

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("数据库不可用")

    monkeypatch.setattr(search, "search", broken)
    assert "预热未完成" in serve.warm_up()
