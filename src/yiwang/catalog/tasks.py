"""Background tasks of the catalogue, run by `yiwang worker` (django-tasks, database queue)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_job(job_id: int) -> None:
    """Run one queued catalogue import (transfer.jobs.import_job_run)."""
    from yiwang.catalog.transfer.jobs import import_job_run

    import_job_run(job_id=job_id)
