"""Background tasks of cases, run by `yiwang worker`."""

from __future__ import annotations

from django_tasks import task


@task()
def sweep_cases() -> None:
    """The periodic deadline sweep (services.cases_sweep): deemed acceptance, warnings,
    overdue marks, chasing deferred materials."""
    from yiwang.cases.services import cases_sweep

    cases_sweep()
