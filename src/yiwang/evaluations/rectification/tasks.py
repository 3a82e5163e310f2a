"""Background task of rectification, run by `yiwang worker` (common.periodic schedules it)."""

from __future__ import annotations

from django_tasks import task


@task()
def sweep_rectifications() -> None:
    """The periodic escalation sweep (services.rectifications_sweep): overdue tasks go to the
    department's administrators, then to the bureau."""
    from yiwang.evaluations.rectification.services import rectifications_sweep

    rectifications_sweep()
