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
