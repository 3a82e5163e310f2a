"""Fixtures of the working-day tests: a fictional admin-entered 2027 table and the seed as a
pure in-memory calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from yiwang.workdays import seed, services
from yiwang.workdays.models import CalendarSource, DayKind
from yiwang.workdays.table import WorkCalendar

# Test data, not the real 2027 arrangement: one holiday on a Friday, one make-up Saturday.
HOLIDAY_2027 = dt.date(2027, 1, 1)  # Friday
MAKEUP_2027 = dt.date(2027, 2, 20)  # Saturday


def enter_2027(*, confirm: bool = True) -> None:
    services.calendar_day_set(date=HOLIDAY_2027, kind=DayKind.HOLIDAY, name="元旦")
    services.calendar_day_set(date=MAKEUP_2027, kind=DayKind.MAKEUP_WORKDAY, name="春节")
    services.calendar_year_set(
        year=2027, confirmed=confirm, source=CalendarSource.ADMIN, note="测试数据"
    )


@pytest.fixture
def table_2027(db) -> None:
    enter_2027()


def seed_calendar() -> WorkCalendar:
    """The seeded table (2004–2026) built straight from chinesecalendar, without the database."""
    years = range(seed.SEED_FIRST_YEAR, seed.SEED_LAST_YEAR + 1)
    rows = [row for year in years for row in seed.chinesecalendar_days(year)]
    return WorkCalendar(
        confirmed_years=years,
        holidays=[d for d, kind, _ in rows if kind == seed.HOLIDAY],
        makeup_workdays=[d for d, kind, _ in rows if kind == seed.MAKEUP_WORKDAY],
    )


@pytest.fixture(scope="session")
def calendar() -> WorkCalendar:
    return seed_calendar()
