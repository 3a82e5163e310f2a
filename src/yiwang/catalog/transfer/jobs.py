"""Import jobs: the workbench runs every import in the task worker and shows its progress."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from yiwang.audit.services import audit_change
from yiwang.catalog import workflow
from yiwang.catalog.models import (
    ImportJob,
    ImportJobStatus,
)
from yiwang.catalog.transfer.importing import catalog_import
from yiwang.catalog.transfer.reading import read_files
from yiwang.catalog.transfer.report import ImportFileError
from yiwang.org import selectors as org_selectors
from yiwang.org.models import User

# --- Import jobs (the workbench runs every import in the task worker) ------------------------

# Errors and changes kept in a job's report (the report says how many more there were).
REPORT_MAX_LINES = 1000
# Progress is written at most this often (seconds): each write is a short transaction.
PROGRESS_INTERVAL = 0.5
STORAGE_PREFIX = "imports"
# Stored with the job as it is (Chinese), marked so that a page can show it translated.
INTERNAL_FAILURE = gettext_noop("导入时发生内部错误，未导入任何数据，请联系管理员。")

logger = logging.getLogger(__name__)


def import_job_create(
    *, files: Sequence[tuple[str, bytes]], actor: User, publish: bool = False
) -> ImportJob:
    """Check that the files can be read and hold at most the row cap (ImportFileError
    otherwise, before anything is stored), keep them in the default storage and queue the
    import for the task worker (catalog.tasks.run_import_job)."""
    if not workflow.may_compile(actor):
        raise PermissionDenied(gettext("您的角色不能导入事项。"))
    if publish and not workflow.may_review(actor):
        raise PermissionDenied(gettext("只有数据资源局可以导入并直接发布。"))
    _, rows = read_files(files)
    staff = org_selectors.staff_for_user(actor)
    folder = f"{STORAGE_PREFIX}/{uuid.uuid4().hex}"
    stored = [
        {"name": name, "path": default_storage.save(f"{folder}/{index}.dat", ContentFile(data))}
        for index, (name, data) in enumerate(files, start=1)
    ]
    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=actor,
            department=staff.department if staff else None,
            publish=publish,
            files=stored,
            rows=rows,
        )
        audit_change(
            action="catalog.import_job_create",
            obj=job,
            after={"files": [f["name"] for f in stored], "rows": rows, "publish": publish},
            actor=actor,
        )
        # Queued once the job row is committed, so the worker always finds it.
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from yiwang.catalog.tasks import run_import_job

    run_import_job.enqueue(job_id)


def _job_update(job: ImportJob, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued job (in the worker): read the kept files, check every row outside any
    transaction (progress “N of M rows”), write a clean file in one transaction, keep the
    per-row report, delete the files. A job that cannot run ends as failed with its reason."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJobStatus.QUEUED:
        return job  # already run (a retried task must not import twice)
    _job_update(job, status=ImportJobStatus.RUNNING, phase="checking", started_at=timezone.now())
    last = 0.0

    def checking(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done == total or now - last >= PROGRESS_INTERVAL:
            last = now
            _job_update(job, done=done, total=total)

    def writing(total: int) -> None:
        _job_update(job, phase="writing", done=0, total=total)

    try:
        files = []
        for stored in job.files:
            with default_storage.open(stored["path"], "rb") as handle:
                files.append((stored["name"], handle.read()))
        result = catalog_import(
            files=files,
            actor=job.created_by,
            publish=job.publish,
            checking=checking,
            writing=writing,
        )
    except (ImportFileError, PermissionDenied) as exc:
        message = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        _finish(job, ImportJobStatus.FAILED, failure=message[:500])
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _finish(job, ImportJobStatus.FAILED, failure=INTERNAL_FAILURE)
    else:
        logger.info(
            "import job %s: %s rows, write transaction %.2f s",
            job.pk,
            result.rows,
            result.write_seconds,
        )
        _finish(
            job,
            ImportJobStatus.DONE,
            report={**result.to_report(max_lines=REPORT_MAX_LINES), "summary": result.summary},
        )
    return job


def _finish(job: ImportJob, status: str, **fields: Any) -> None:
    for stored in job.files:
        try:
            default_storage.delete(stored["path"])
        except OSError:  # a missing file must not keep the job running forever
            logger.warning("import job %s: could not delete %s", job.pk, stored["path"])
    _job_update(job, status=status, phase="", finished_at=timezone.now(), **fields)


def import_jobs_for(*, user: User) -> QuerySet[ImportJob]:
    """Import jobs in the user's data scope (by the importer's department), newest first."""
    jobs = ImportJob.objects.select_related("created_by", "department")
    if user.is_superuser:
        return jobs
    return jobs.filter(department__in=org_selectors.departments_in_scope(user=user))


def import_job_get_for(*, user: User, pk: int) -> ImportJob:
    """One job in the user's scope; out of scope is 404."""
    job: ImportJob = org_selectors.get_in_scope_or_404(import_jobs_for(user=user), pk=pk)
    return job
