"""Fixtures (a pytest plugin, registered in tests/conftest.py) for the tests that need real
scale-out services: a Redis server for the RQ task queue (YIWANG_TEST_REDIS_URL) and an
S3-compatible endpoint for uploaded files (YIWANG_TEST_S3_ENDPOINT, e.g. moto's server mode).
`.ci/run` starts both and sets the variables. Without a variable those tests skip on a
developer's machine; in CI (CI=true) a missing or unreachable service fails them instead.

The settings under test are the real ones: `settings_from_env` runs src/yiwang/settings.py with
the given YIWANG_* variables and the tests install what it built (STORAGES, TASKS, RQ_QUEUES)."""

from __future__ import annotations

import os
import runpy
import socket
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

import yiwang.settings
from tests.ci_skips import in_ci

# Any credentials do for moto; a real endpoint gets its own through the same settings.
TEST_S3_KEY_ID = "testing"
TEST_S3_SECRET = "testing"


def required_service(variable: str, what: str) -> str:
    """The service address in `variable`, reachable; skip without it outside CI, fail in CI or
    when it is set but nothing answers."""
    url = os.environ.get(variable, "").strip()
    if not url:
        message = f"{variable} is not set: no {what} to test against"
        if in_ci():
            pytest.fail(f"{message} (CI must provide it, see .ci/run)")
        pytest.skip(message)
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), 5).close()
    except OSError as exc:
        pytest.fail(f"{variable}={url}: {what} does not answer ({exc})")
    return url


@pytest.fixture
def settings_from_env(monkeypatch, tmp_path) -> Callable[..., dict[str, Any]]:
    """Evaluate the settings module with these environment variables (and a data directory of
    the test's own); returns its names."""

    def build(**variables: str) -> dict[str, Any]:
        with monkeypatch.context() as env:
            for name in list(os.environ):
                if name.startswith(("YIWANG_STORAGE", "YIWANG_S3_", "YIWANG_TASKS", "YIWANG_RQ")):
                    env.delenv(name)
            env.setenv("YIWANG_DATA_DIR", str(tmp_path / "settings-data"))
            for name, value in variables.items():
                env.setenv(name, value)
            return runpy.run_path(yiwang.settings.__file__)

    return build


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A throwaway Redis (its database emptied before and after the test)."""
    import redis

    url = required_service("YIWANG_TEST_REDIS_URL", "Redis server")
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def redis_tasks(settings, settings_from_env, redis_url) -> str:
    """The task queue on Redis, configured as YIWANG_TASKS=redis would. On SQLite rq's forking
    worker cannot be used in a test: the in-memory test database does not cross a fork."""
    from django.db import connection

    built = settings_from_env(YIWANG_TASKS="redis", YIWANG_REDIS_URL=redis_url)
    settings.TASKS = built["TASKS"]
    settings.RQ_QUEUES = built["RQ_QUEUES"]
    settings.YIWANG_RQ_WORKER_CLASS = (
        "rq.worker.SimpleWorker"
        if connection.vendor == "sqlite"
        else built["YIWANG_RQ_WORKER_CLASS"]
    )
    return redis_url


@pytest.fixture
def s3_storage(settings, settings_from_env) -> Iterator[Any]:
    """The default storage on a bucket of the test's own at the S3 endpoint, configured as
    YIWANG_STORAGE=s3 would; returns a boto3 client of that bucket's endpoint."""
    import boto3

    endpoint = required_service("YIWANG_TEST_S3_ENDPOINT", "S3-compatible endpoint")
    bucket = f"yiwang-test-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=TEST_S3_KEY_ID,
        aws_secret_access_key=TEST_S3_SECRET,
    )
    client.create_bucket(Bucket=bucket)
    built = settings_from_env(
        YIWANG_STORAGE="s3",
        YIWANG_S3_BUCKET=bucket,
        YIWANG_S3_ENDPOINT_URL=endpoint,
        YIWANG_S3_REGION="us-east-1",
        YIWANG_S3_ACCESS_KEY_ID=TEST_S3_KEY_ID,
        YIWANG_S3_SECRET_ACCESS_KEY=TEST_S3_SECRET,
        YIWANG_S3_ADDRESSING_STYLE="path",
        YIWANG_S3_PREFIX="county/",
    )
    settings.STORAGES = {**settings.STORAGES, "default": built["STORAGES"]["default"]}
    # Nothing may land on the local disk instead.
    settings.MEDIA_ROOT = "/nonexistent/yiwang-media"
    client.bucket = bucket  # type: ignore[attr-defined]
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=entry["Key"])
    client.delete_bucket(Bucket=bucket)


def bucket_keys(client: Any) -> list[str]:
    """Every key in the test's bucket."""
    listing = client.list_objects_v2(Bucket=client.bucket)
    return sorted(entry["Key"] for entry in listing.get("Contents", []))
