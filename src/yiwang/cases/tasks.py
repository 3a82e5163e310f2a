"""Background tasks of cases, run by `yiwang worker`."""

from __future__ import annotations

from django_tasks import task


@task()
def sweep_cases() -> None:
    """The periodic deadline sweep (services.cases_sweep): deemed acceptance, warnings,
    overdue marks, chasing deferred materials; then the stored case details that are missing
    or outdated (those counting days up to a day now past) are rendered again, and the
    licences an approval should have issued but could not (licenses.issuing) are retried."""
    from yiwang.cases.api.snapshots import refresh_stale
    from yiwang.cases.services import cases_sweep
    from yiwang.licenses.issuing import issue_pending

    cases_sweep()
    refresh_stale()
    issue_pending()
