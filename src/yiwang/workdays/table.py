"""Working-day arithmetic on an in-memory copy of the holiday table (no database here).

Everything is O(log n) in the number of special days: weekdays are counted with a closed formula
and the table's holidays / make-up days are counted with bisect, so a ten-year limit costs the
same as a one-day limit.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from .models import StartRule

PAUSED_WARNING = "计时已暂停（自 {since} 起），截止日期按今天恢复推算。"


@dataclass(frozen=True)
class Deadline:
    """The result of counting `days` working days from `start` under `start_rule`.

    `warnings` is non-empty when a year without a confirmed table was used (Mon–Fri assumed) or
    when the clock behind it is paused."""

    date: dt.date
    start: dt.date
    days: int
    start_rule: str
    warnings: tuple[str, ...] = ()

    def describe(self) -> str:
        rule = StartRule(self.start_rule).label
        return f"自 {self.start.isoformat()} 起 {self.days} 个工作日（{rule}）"


@dataclass(frozen=True)
class WorkdayCount:
    """A number of working days and the warnings that apply to it."""

    days: int
    warnings: tuple[str, ...] = ()


def year_warning(first: int, last: int) -> str:
    years = str(first) if first == last else f"{first}–{last}"
    return f"{years} 年节假日安排尚未确认，按周一至周五计算。"


def _weekdays_through(day: dt.date) -> int:
    # Mon–Fri days from 0001-01-01 (a Monday, ordinal 1) through `day` inclusive.
    n = day.toordinal()
    return 5 * (n // 7) + min(n % 7, 5)


class WorkCalendar:
    """An immutable copy of the confirmed part of the table."""

    __slots__ = ("_holidays", "_makeup", "confirmed_years", "holidays", "makeup_workdays")

    def __init__(
        self,
        *,
        confirmed_years: Iterable[int] = (),
        holidays: Iterable[dt.date] = (),
        makeup_workdays: Iterable[dt.date] = (),
    ) -> None:
        self.confirmed_years = frozenset(confirmed_years)
        # Only days of confirmed years count; drafts of a future year change nothing.
        self.holidays = frozenset(d for d in holidays if d.year in self.confirmed_years)
        self.makeup_workdays = frozenset(
            d for d in makeup_workdays if d.year in self.confirmed_years
        )
        # Only the exceptions that change the Mon–Fri count matter for counting.
        self._holidays = sorted(d for d in self.holidays if d.weekday() < 5)
        self._makeup = sorted(d for d in self.makeup_workdays if d.weekday() >= 5)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def count(self, first: dt.date, second: dt.date) -> int:
        """Working days after `first` up to and including `second` (0 if second <= first)."""
        if second <= first:
            return 0
        days = _weekdays_through(second) - _weekdays_through(first)
        days -= bisect_right(self._holidays, second) - bisect_right(self._holidays, first)
        days += bisect_right(self._makeup, second) - bisect_right(self._makeup, first)
        return days

    def add(self, start: dt.date, days: int, start_rule: str) -> dt.date:
        """The `days`-th working day counted from `start`; `start` itself when days == 0."""
        if days < 0:
            raise ValueError("工作日天数不能为负数。")
        if days == 0:
            return start
        rule = StartRule(start_rule)
        if rule == StartRule.SAME and self.is_working_day(start):
            days -= 1
            if days == 0:
                return start
        return self._nth_after(start, days)

    def _nth_after(self, start: dt.date, days: int) -> dt.date:
        # count(start, d) is non-decreasing in d and first reaches `days` on a working day:
        # widen an upper bound by doubling, then bisect.
        overflow = ValueError("计算结果超出可表示的日期范围。")
        span = days
        while True:
            try:
                high = start + dt.timedelta(days=span)
            except OverflowError:
                high = dt.date.max
            if self.count(start, high) >= days:
                break
            if high == dt.date.max:
                raise overflow
            span *= 2
        low = start  # count(start, low) < days
        while (high - low).days > 1:
            middle = low + dt.timedelta(days=(high - low).days // 2)
            if self.count(start, middle) >= days:
                high = middle
            else:
                low = middle
        return high

    def warnings(self, years: Iterable[int]) -> tuple[str, ...]:
        """One warning per run of consecutive years that have no confirmed table."""
        missing = sorted(set(years) - self.confirmed_years)
        runs: list[tuple[int, int]] = []
        for year in missing:
            if runs and runs[-1][1] == year - 1:
                runs[-1] = (runs[-1][0], year)
            else:
                runs.append((year, year))
        return tuple(year_warning(first, last) for first, last in runs)

    def years_consulted(self, start: dt.date, end: dt.date, *, include_start: bool) -> range:
        """Years of the days looked at when counting from `start` to `end`."""
        if end < start or (end == start and not include_start):
            return range(0)
        first = start if include_start else start + dt.timedelta(days=1)
        return range(first.year, end.year + 1)

    def deadline(self, start: dt.date, days: int, start_rule: str) -> Deadline:
        result = self.add(start, days, start_rule)
        include_start = StartRule(start_rule) == StartRule.SAME
        consulted = self.years_consulted(start, result, include_start=include_start)
        if days == 0:
            consulted = range(0)  # nothing was counted
        return Deadline(
            date=result,
            start=start,
            days=days,
            start_rule=str(StartRule(start_rule).value),
            warnings=self.warnings(consulted),
        )

    def between(self, first: dt.date, second: dt.date) -> WorkdayCount:
        consulted = self.years_consulted(first, second, include_start=False)
        return WorkdayCount(days=self.count(first, second), warnings=self.warnings(consulted))
