"""Reads: working-day arithmetic, calendar years, clock deadlines.

The holiday table is read once per process and kept as an immutable `WorkCalendar`. Each public
call costs one primary-key read of `CalendarRevision.stamp`; the table itself is re-read only
when the stamp changed (any process's edit changes it) — never one query per day.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import (
    CalendarDay,
    CalendarRevision,
    CalendarYear,
    Clock,
    ClockPause,
    DayKind,
    StartRule,
)
from .table import PAUSED_WARNING, Deadline, WorkCalendar, WorkdayCount

__all__ = [
    "Deadline",
    "WorkdayCount",
    "add_working_days",
    "calendar_days_of_year",
    "calendar_year_list",
    "clock_deadline",
    "clock_list_for_subject",
    "clock_open_pause",
    "clock_overdue_list",
    "clock_paused_working_days",
    "is_working_day",
    "resolve_start_rule",
    "unconfirmed_years",
    "work_calendar",
    "working_days_between",
]


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _DayCounts(TypedDict):
        holiday_count: int
        makeup_workday_count: int

    CalendarYearWithCounts = WithAnnotations[CalendarYear, _DayCounts]
else:
    CalendarYearWithCounts = CalendarYear


@dataclass(frozen=True)
class _Cached:
    stamp: uuid.UUID | None
    calendar: WorkCalendar


_cache: _Cached | None = None
_cache_lock = threading.Lock()


def clear_work_calendar_cache() -> None:
    """Forget this process's copy of the table (called by the signal handlers)."""
    global _cache
    with _cache_lock:
        _cache = None


def _current_stamp() -> uuid.UUID | None:
    return CalendarRevision.objects.filter(pk=1).values_list("stamp", flat=True).first()


def _load(stamp: uuid.UUID | None) -> _Cached:
    confirmed = list(CalendarYear.objects.filter(confirmed=True).values_list("year", flat=True))
    days = CalendarDay.objects.filter(date__year__in=confirmed).values_list("date", "kind")
    holidays: list[dt.date] = []
    makeup: list[dt.date] = []
    for day, kind in days:
        (holidays if kind == DayKind.HOLIDAY else makeup).append(day)
    calendar = WorkCalendar(confirmed_years=confirmed, holidays=holidays, makeup_workdays=makeup)
    return _Cached(stamp=stamp, calendar=calendar)


_pinned: ContextVar[bool] = ContextVar("work_calendar_pinned", default=False)


@contextmanager
def work_calendar_pinned() -> Iterator[WorkCalendar]:
    """Within the block, `work_calendar()` keeps the table it holds instead of asking the
    database for the table's stamp on every call: for a bulk run in one process that does not
    edit the calendar (demo.simulation; a change made by this process still clears the copy)."""
    calendar = work_calendar()
    token = _pinned.set(True)
    try:
        yield calendar
    finally:
        _pinned.reset(token)


def work_calendar() -> WorkCalendar:
    """The current table as an immutable object; use it directly for bulk work (sweeps,
    reports) so that thousands of computations cost one query."""
    global _cache
    pinned = _cache
    if pinned is not None and _pinned.get():
        return pinned.calendar
    # Read the stamp before the data: a change committed in between is seen as a new stamp on
    # the next call rather than cached under the old one.
    stamp = _current_stamp()
    cached = _cache
    if cached is not None and cached.stamp == stamp:
        return cached.calendar
    with _cache_lock:
        loaded = _load(stamp)
        _cache = loaded
    return loaded.calendar


def resolve_start_rule(start_rule: str | None) -> str:
    """The given rule, or the YIWANG_WORKDAY_START_RULE setting; ValueError if unknown."""
    rule = start_rule if start_rule is not None else settings.YIWANG_WORKDAY_START_RULE
    if rule not in StartRule.values:
        raise ValueError(f"起算规则只能是 same（当日起算）或 next（次日起算），而不是 {rule!r}。")
    return str(rule)


def is_working_day(day: dt.date) -> bool:
    """Mon–Fri and not a holiday, or a make-up working day (years without a table: Mon–Fri)."""
    return work_calendar().is_working_day(day)


def add_working_days(start: dt.date, days: int, *, start_rule: str | None = None) -> Deadline:
    """The deadline `days` working days after the event on `start`.

    Rule "next": day 1 is the first working day after `start` (Friday + 1 = Monday).
    Rule "same": `start` is day 1 if it is a working day, else as "next".
    days == 0 returns `start` itself (instant items). Negative days raise ValueError.
    """
    if days < 0:
        raise ValueError("工作日天数不能为负数。")
    return work_calendar().deadline(start, days, resolve_start_rule(start_rule))


def working_days_between(first: dt.date, second: dt.date) -> WorkdayCount:
    """Working days after `first` up to and including `second`; 0 if second <= first."""
    return work_calendar().between(first, second)


def unconfirmed_years(around: dt.date) -> list[int]:
    """The year of `around` and the next one, where they have no confirmed table (for the
    workbench warning)."""
    calendar = work_calendar()
    return [year for year in (around.year, around.year + 1) if year not in calendar.confirmed_years]


def calendar_year_list() -> QuerySet[CalendarYearWithCounts]:
    """All calendar years with the number of holidays and make-up days entered for each."""

    # CalendarDay has no FK to the year (a day is filed under date.year), so count by subquery.
    def _count(kind: str) -> Coalesce:
        counted = (
            CalendarDay.objects.filter(date__year=OuterRef("year"), kind=kind)
            .order_by()
            .values("kind")
            .annotate(n=Count("id"))
            .values("n")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    return CalendarYear.objects.annotate(
        holiday_count=_count(DayKind.HOLIDAY),
        makeup_workday_count=_count(DayKind.MAKEUP_WORKDAY),
    ).order_by("year")


def calendar_days_of_year(year: int) -> QuerySet[CalendarDay]:
    return CalendarDay.objects.filter(date__year=year).order_by("date")


def clock_list_for_subject(*, subject_type: str, subject_id: str | int) -> QuerySet[Clock]:
    return Clock.objects.filter(subject_type=subject_type, subject_id=str(subject_id))


def clock_open_pause(clock: Clock) -> ClockPause | None:
    return clock.pauses.filter(ended_on__isnull=True).first()


def _pause_windows(
    clock: Clock, today: dt.date, pauses: Iterable[ClockPause] | None = None
) -> list[tuple[dt.date, dt.date, bool]]:
    # (start, end, open); an open pause is treated as ending today (never before it started).
    windows = []
    for pause in clock.pauses.all() if pauses is None else pauses:
        if pause.ended_on is None:
            windows.append((pause.started_on, max(today, pause.started_on), True))
        else:
            windows.append((pause.started_on, pause.ended_on, False))
    return windows


def clock_paused_working_days(
    clock: Clock, *, today: dt.date | None = None, pauses: Iterable[ClockPause] | None = None
) -> int:
    """Working days not counted because of pauses: the sum over pauses of
    working_days_between(pause.started_on, pause.ended_on); an open pause ends today.
    `pauses`: the clock's pauses when the caller has read them already."""
    calendar = work_calendar()
    today = today or timezone.localdate()
    windows = _pause_windows(clock, today, pauses)
    return sum(calendar.count(start, end) for start, end, _ in windows)


def clock_deadline(
    clock: Clock, *, today: dt.date | None = None, pauses: Iterable[ClockPause] | None = None
) -> Deadline:
    """The clock's deadline recomputed from its pauses (`pauses`: when the caller has them).

    Base deadline = add_working_days(started_on, limit_days, start_rule); it then moves by the
    working days paused (see clock_paused_working_days) counted with rule "next". While a pause
    is open the date is "as if resumed today" and the warnings include 计时已暂停.
    """
    calendar = work_calendar()
    today = today or timezone.localdate()
    base = calendar.deadline(clock.started_on, clock.limit_days, clock.start_rule)
    years: set[int] = set()
    if clock.limit_days:
        years.update(
            calendar.years_consulted(
                clock.started_on, base.date, include_start=clock.start_rule == StartRule.SAME
            )
        )
    paused = 0
    open_since: dt.date | None = None
    for start, end, is_open in _pause_windows(clock, today, pauses):
        paused += calendar.count(start, end)
        years.update(calendar.years_consulted(start, end, include_start=False))
        if is_open:
            open_since = start
    date = base.date
    if paused:
        date = calendar.add(base.date, paused, StartRule.NEXT)
        years.update(calendar.years_consulted(base.date, date, include_start=False))
    warnings = calendar.warnings(years)
    if open_since is not None:
        warnings += (PAUSED_WARNING.format(since=open_since.isoformat()),)
    return Deadline(
        date=date,
        start=clock.started_on,
        days=clock.limit_days,
        start_rule=clock.start_rule,
        warnings=warnings,
    )


def clock_overdue_list(*, today: dt.date | None = None) -> QuerySet[Clock]:
    """Running, unpaused clocks whose deadline has passed."""
    today = today or timezone.localdate()
    paused = ClockPause.objects.filter(ended_on__isnull=True).values("clock_id")
    return Clock.objects.filter(stopped_on__isnull=True, deadline__lt=today).exclude(id__in=paused)
