"""Background tasks of insight, run by `yiwang worker`."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task


@task()
def snapshot_figures() -> None:
    """The monthly figure snapshots (insight.snapshots): the previous month and the current
    month so far, each replaced in one transaction (idempotent)."""
    from yiwang.insight.snapshots import months_to_snapshot, snapshot_month

    for month in months_to_snapshot(timezone.localdate()):
        snapshot_month(month=month)


@task()
def refresh_dashboards() -> None:
    """The county dashboard's figures (insight.dashboard) for the current half year, for each
    county and every department, so the data endpoint never computes them: each scope is
    recomputed unless someone is computing it or it is younger than half the interval; stored
    figures nobody asked for in a day are removed."""
    from django.conf import settings

    from yiwang.insight.dashboard import prune, refresh, refreshed_scopes
    from yiwang.insight.selectors import default_period

    period = default_period(timezone.localdate())
    younger_than = settings.YIWANG_DASHBOARD_REFRESH_JOB_SECONDS / 2
    for scope in refreshed_scopes():
        refresh(scope, period, younger_than=younger_than)
    prune()
