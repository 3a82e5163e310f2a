"""Background tasks of the licences app, run by `yiwang worker` (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_gather_job(job_id: int) -> None:
    """Run one queued 证照归集 file (licenses.gathering.gather_job_run)."""
    from yiwang.licenses.gathering import gather_job_run

    gather_job_run(job_id=job_id)
