"""The services' clock during a simulation: freezegun, started once and moved to each simulated
moment (moving is cheap; starting scans the loaded modules). The services read the time only
through timezone.now()/localdate() and the models' auto_now fields, all of which it covers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from freezegun import freeze_time


class SimulatedClock:
    """Moves the frozen time to a local date and minute of the simulated half year."""

    def __init__(self, frozen: Any) -> None:
        self._frozen = frozen
        self._zone = ZoneInfo(settings.TIME_ZONE)

    def at(self, day: dt.date, minute: int = 9 * 60) -> None:
        """`minute`: minutes after local midnight (the office day starts 8:30)."""
        moment = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=self._zone)
        self._frozen.move_to(moment)


@contextmanager
def simulated_clock(start: dt.date) -> Iterator[SimulatedClock]:
    # tqdm keeps its own (real) time for the progress bar's rate.
    with freeze_time(dt.datetime.combine(start, dt.time(1)), ignore=["tqdm"]) as frozen:
        yield SimulatedClock(frozen)
