"""Import jobs on the Redis task queue (YIWANG_TASKS=redis, django-tasks-rq): the upload
enqueues the job in a real Redis, and `yiwang worker --batch` runs an RQ worker in burst mode
that imports it. Needs YIWANG_TEST_REDIS_URL (tests/scale_out.py; required in CI)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks import TaskResultStatus, default_task_backend

from tests.catalog.conftest import CatalogWorld
from tests.catalog.test_import_jobs import rows
from tests.catalog.test_import_views import PAGE, upload
from tests.catalog.test_importing import csv_bytes
from yiwang.catalog.models import ImportJob, ImportJobStatus, ServiceItem


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def rq_queue():  # type: ignore[no-untyped-def]
    import django_rq

    return django_rq.get_queue("default")


@pytest.mark.django_db(transaction=True)  # the worker commits
def test_an_upload_is_queued_in_redis_and_the_rq_worker_imports_it(
    client, world: CatalogWorld, redis_tasks
):
    client.force_login(world.clerk.user)
    response = client.post(PAGE, {"file": upload("items.csv", csv_bytes(rows(3)))})
    job = ImportJob.objects.get()
    assert response["Location"] == f"{PAGE}jobs/{job.pk}/"
    queue = rq_queue()
    assert queue.count == 1  # in Redis, not run by the web request
    [task_id] = queue.job_ids
    assert default_task_backend.get_result(task_id).status == TaskResultStatus.READY
    assert job.status == ImportJobStatus.QUEUED and not ServiceItem.objects.exists()

    call_command("worker", "--batch")  # returns once the queue is empty (burst mode)

    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE, job.failure
    assert job.report["counts"]["created"] == 3
    assert ServiceItem.objects.count() == 3
    assert queue.count == 0
    result = default_task_backend.get_result(task_id)
    assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
    status = client.get(f"{PAGE}jobs/{job.pk}/status/").content.decode()
    assert 'data-status="done"' in status and 'data-testid="count-created">3<' in status


def test_the_worker_names_an_unreachable_redis_in_one_sentence(settings, settings_from_env):
    built = settings_from_env(YIWANG_TASKS="redis", YIWANG_REDIS_URL="redis://127.0.0.1:1/0")
    settings.TASKS, settings.RQ_QUEUES = built["TASKS"], built["RQ_QUEUES"]
    with pytest.raises(CommandError, match=r"^无法连接 Redis（YIWANG_REDIS_URL）"):
        call_command("worker", "--batch")
    with pytest.raises(CommandError, match="队列“nope”未在 Redis 任务设置中配置"):
        call_command("worker", "--batch", "--queue-name", "nope")
