"""The hall's one source of the current time. Every service and selector of the hall reads the
time here, so a test (and a browser test through its live server) can stand on an appointment's
Saturday by replacing this one function."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def local(moment: dt.datetime) -> dt.datetime:
    """The moment in the county's time zone (TIME_ZONE): slots and ticket hours are local."""
    return timezone.localtime(moment)
