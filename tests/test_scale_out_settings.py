"""Scale-out settings (docs/operations.md, "Scaling out"): YIWANG_STORAGE picks the local disk or
an S3-compatible store, YIWANG_TASKS the database or a Redis queue; a wrong or incomplete value
stops the start with one sentence naming the variable. The services themselves are exercised in
tests/catalog/test_files_s3.py and tests/catalog/test_import_jobs_redis.py."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured


def test_by_default_files_are_on_disk_and_tasks_in_the_database(settings_from_env):
    built = settings_from_env()
    assert built["STORAGES"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }
    assert built["TASKS"] == {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert "django_rq" not in built["INSTALLED_APPS"]


def test_s3_storage_takes_every_documented_option(settings_from_env):
    built = settings_from_env(
        YIWANG_STORAGE="s3",
        YIWANG_S3_BUCKET="yiwang-files",
        YIWANG_S3_ENDPOINT_URL="https://oss-cn-hangzhou.aliyuncs.com",
        YIWANG_S3_REGION="cn-hangzhou",
        YIWANG_S3_ACCESS_KEY_ID="AKID",
        YIWANG_S3_SECRET_ACCESS_KEY="SECRET",
        YIWANG_S3_ADDRESSING_STYLE="virtual",
        YIWANG_S3_PREFIX="/county-341122/",
    )
    assert built["STORAGES"]["default"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "yiwang-files",
            "endpoint_url": "https://oss-cn-hangzhou.aliyuncs.com",
            "region_name": "cn-hangzhou",
            "access_key": "AKID",
            "secret_key": "SECRET",
            "addressing_style": "virtual",
            "location": "county-341122",
            "file_overwrite": False,
            "default_acl": None,
        },
    }
    # Static files stay with whitenoise whatever the media storage.
    assert "whitenoise" in built["STORAGES"]["staticfiles"]["BACKEND"]
    minimal = settings_from_env(YIWANG_STORAGE="s3", YIWANG_S3_BUCKET="b")["STORAGES"]["default"]
    options = minimal["OPTIONS"]
    assert options["bucket_name"] == "b" and options["location"] == ""
    # No keys: boto3's own chain (AWS_* variables, instance role) supplies them.
    assert options["access_key"] is None and options["secret_key"] is None
    assert options["endpoint_url"] is None and options["addressing_style"] is None


def test_redis_tasks_use_django_tasks_rq_on_the_given_server(settings_from_env):
    built = settings_from_env(YIWANG_TASKS="redis", YIWANG_REDIS_URL="redis://:pw@10.0.0.5:6379/2")
    assert built["TASKS"] == {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
    }
    assert built["RQ_QUEUES"] == {
        "default": {"URL": "redis://:pw@10.0.0.5:6379/2", "DEFAULT_TIMEOUT": 3600}
    }
    assert {"django_rq", "django_tasks_rq"} <= set(built["INSTALLED_APPS"])
    assert built["YIWANG_RQ_WORKER_CLASS"] == "rq.worker.Worker"
    tuned = settings_from_env(
        YIWANG_TASKS="redis",
        YIWANG_REDIS_URL="redis://127.0.0.1:6379/0",
        YIWANG_RQ_JOB_TIMEOUT="600",
        YIWANG_RQ_WORKER_CLASS="rq.worker.SimpleWorker",
    )
    assert tuned["RQ_QUEUES"]["default"]["DEFAULT_TIMEOUT"] == 600
    assert tuned["YIWANG_RQ_WORKER_CLASS"] == "rq.worker.SimpleWorker"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"YIWANG_STORAGE": "s3"}, "YIWANG_STORAGE=s3 时必须设置 YIWANG_S3_BUCKET。"),
        (
            {"YIWANG_STORAGE": "S3 "},
            "环境变量 YIWANG_STORAGE 必须是 filesystem 或 s3，当前为 'S3 '。",
        ),
        (
            {"YIWANG_STORAGE": "s3", "YIWANG_S3_BUCKET": "b", "YIWANG_S3_ADDRESSING_STYLE": "dns"},
            "环境变量 YIWANG_S3_ADDRESSING_STYLE 必须是 path、virtual 或 auto，当前为 'dns'。",
        ),
        ({"YIWANG_TASKS": "redis"}, "YIWANG_TASKS=redis 时必须设置 YIWANG_REDIS_URL。"),
        (
            {"YIWANG_TASKS": "celery"},
            "环境变量 YIWANG_TASKS 必须是 database 或 redis，当前为 'celery'。",
        ),
    ],
    ids=["no-bucket", "unknown-storage", "addressing-style", "no-redis-url", "unknown-tasks"],
)
def test_a_wrong_value_stops_the_start_naming_the_variable(settings_from_env, variables, message):
    with pytest.raises(ImproperlyConfigured) as refused:
        settings_from_env(**variables)
    assert str(refused.value) == message


def test_yiwang_check_passes_with_s3_storage_and_redis_tasks(tmp_path):
    """django-tasks-rq's own checks: django_rq installed, the queue configured in RQ_QUEUES.
    Neither the bucket nor Redis is contacted at start."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("YIWANG_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update(
        YIWANG_DATA_DIR=str(tmp_path),
        YIWANG_STORAGE="s3",
        YIWANG_S3_BUCKET="yiwang-files",
        YIWANG_S3_ENDPOINT_URL="http://127.0.0.1:1",
        YIWANG_TASKS="redis",
        YIWANG_REDIS_URL="redis://127.0.0.1:1/0",
    )
    result = subprocess.run(
        [sys.executable, "-m", "yiwang", "check", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
