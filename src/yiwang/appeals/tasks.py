"""Background tasks of tickets, run by `yiwang worker` (common.periodic schedules the sweep)."""

from __future__ import annotations

from django_tasks import task


@task()
def sweep_tickets() -> None:
    """The periodic sweep (services.appeals_sweep): overdue marks, reminders (催办) and
    supervision (督办) of tickets past their deadline."""
    from yiwang.appeals.services import appeals_sweep

    appeals_sweep()


@task()
def run_import(import_id: int) -> None:
    """Import a large 12345 upload kept as a TicketImport (importing.import_run)."""
    from yiwang.appeals.importing import import_run
    from yiwang.appeals.models import TicketImport

    job = TicketImport.objects.filter(pk=import_id).first()
    if job is not None:
        import_run(job=job)
