"""Reading the holiday table out of the `chinesecalendar` package (used by the data migration and
by `calendar_year_import`). Pure functions: no models, so the migration may import them."""

from __future__ import annotations

import datetime as dt

# The package's own coverage when this app was written; the data migration seeds exactly these.
SEED_FIRST_YEAR = 2004
SEED_LAST_YEAR = 2026

HOLIDAY = "holiday"
MAKEUP_WORKDAY = "makeup_workday"


def chinesecalendar_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chinesecalendar")
    except PackageNotFoundError:  # pragma: no cover - it is a hard dependency
        return "?"


def _chinese_name(english: str) -> str:
    from chinese_calendar.constants import Holiday

    try:
        return str(Holiday(english).chinese)
    except ValueError:
        return english


def chinesecalendar_years() -> list[int]:
    """Years the installed package has a table for."""
    import chinese_calendar

    return sorted({day.year for day in chinese_calendar.holidays})


def chinesecalendar_days(year: int) -> list[tuple[dt.date, str, str]]:
    """(date, kind, Chinese holiday name) for every holiday and make-up workday of `year`."""
    import chinese_calendar

    rows = [
        (day, HOLIDAY, _chinese_name(name))
        for day, name in chinese_calendar.holidays.items()
        if day.year == year
    ]
    rows += [
        (day, MAKEUP_WORKDAY, _chinese_name(name))
        for day, name in chinese_calendar.workdays.items()
        if day.year == year
    ]
    return sorted(rows)
