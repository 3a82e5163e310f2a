"""Keep every process's cached holiday table current when the table changes."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from .models import CalendarDay, CalendarRevision, CalendarYear
from .selectors import clear_work_calendar_cache


def calendar_changed(**kwargs: Any) -> None:
    # A new random stamp (not a counter) so that a rolled-back change can never be mistaken for
    # a later committed one. Other processes compare stamps; this one forgets its copy now and
    # again after commit (in case it re-read the table inside the transaction).
    CalendarRevision.objects.update_or_create(pk=1, defaults={"stamp": uuid.uuid4()})
    clear_work_calendar_cache()
    transaction.on_commit(clear_work_calendar_cache)


def connect() -> None:
    for model in (CalendarDay, CalendarYear):
        for signal in (post_save, post_delete):
            signal.connect(
                calendar_changed, sender=model, dispatch_uid=f"workdays-{model.__name__}"
            )
