"""Background tasks of the hall, run by `yiwang worker` (common.periodic schedules them)."""

from __future__ import annotations

from django_tasks import task


@task()
def sweep_no_shows() -> None:
    """The periodic no-show sweep (services.bookings_mark_no_show): bookings whose slot has
    ended without a check-in become 未到场, so 我的预约 and the slot lists say so."""
    from yiwang.hall.services import bookings_mark_no_show

    bookings_mark_no_show()
