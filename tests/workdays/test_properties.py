"""Properties of working-day arithmetic (hypothesis), on the seeded table and on clocks."""

from __future__ import annotations

import datetime as dt
import itertools

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yiwang.workdays import selectors, services
from yiwang.workdays.table import WorkCalendar

from .conftest import seed_calendar

CALENDAR: WorkCalendar = seed_calendar()
# Both sides of the table's edges: before 2004, the seeded years, and 2027+ (Mon–Fri).
dates = st.dates(min_value=dt.date(2002, 1, 1), max_value=dt.date(2029, 12, 31))
seeded_dates = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2026, 12, 31))
day_counts = st.integers(min_value=0, max_value=600)
rules = st.sampled_from(["next", "same"])


def brute_count(first: dt.date, second: dt.date) -> int:
    days = (second - first).days
    return sum(CALENDAR.is_working_day(first + dt.timedelta(days=i)) for i in range(1, days + 1))


@given(seeded_dates)
def test_is_working_day_agrees_with_chinesecalendar(day):
    assert CALENDAR.is_working_day(day) == chinese_calendar.is_workday(day)


@given(dates, day_counts)
def test_between_start_and_its_deadline_is_the_limit(start, days):
    assert CALENDAR.count(start, CALENDAR.add(start, days, "next")) == days


@given(dates, st.integers(min_value=1, max_value=600), rules)
def test_a_deadline_is_always_a_working_day(start, days, rule):
    assert CALENDAR.is_working_day(CALENDAR.add(start, days, rule))


@given(dates, day_counts)
def test_more_days_never_give_an_earlier_deadline(start, days):
    assert CALENDAR.add(start, days, "next") < CALENDAR.add(start, days + 1, "next")
    assert CALENDAR.add(start, days, "same") <= CALENDAR.add(start, days + 1, "same")


@given(dates, dates, day_counts, rules)
def test_a_later_start_never_gives_an_earlier_deadline(a, b, days, rule):
    early, late = sorted((a, b))
    assert CALENDAR.add(early, days, rule) <= CALENDAR.add(late, days, rule)


@given(dates, day_counts, day_counts)
def test_adding_in_two_steps_equals_adding_at_once(start, m, n):
    step = CALENDAR.add(CALENDAR.add(start, m, "next"), n, "next")
    assert step == CALENDAR.add(start, m + n, "next")


@given(dates, st.integers(min_value=1, max_value=600))
def test_same_day_rule_counts_a_working_start_as_day_one(start, days):
    result = CALENDAR.add(start, days, "same")
    if CALENDAR.is_working_day(start):
        assert CALENDAR.count(start - dt.timedelta(days=1), result) == days
    else:
        assert result == CALENDAR.add(start, days, "next")


@given(dates, dates)
def test_count_matches_counting_day_by_day(a, b):
    first, second = sorted((a, b))
    if (second - first).days > 800:
        second = first + dt.timedelta(days=800)
    assert CALENDAR.count(first, second) == brute_count(first, second)
    assert CALENDAR.count(second, first) == 0


@given(dates, dates, dates)
def test_counts_add_up_over_consecutive_spans(a, b, c):
    first, middle, last = sorted((a, b, c))
    assert CALENDAR.count(first, middle) + CALENDAR.count(middle, last) == CALENDAR.count(
        first, last
    )


@given(dates, day_counts)
def test_warning_exactly_when_an_unconfirmed_year_is_counted(start, days):
    deadline = CALENDAR.deadline(start, days, "next")
    first_counted = start + dt.timedelta(days=1)
    touches_unconfirmed = days > 0 and (first_counted.year < 2004 or deadline.date.year > 2026)
    assert bool(deadline.warnings) == touches_unconfirmed


# --- Through the database: the selectors and clocks -------------------------------------------

DB_SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.django_db
@DB_SETTINGS
@given(dates, day_counts, rules)
def test_selectors_agree_with_the_seed(db, start, days, rule):
    deadline = selectors.add_working_days(start, days, start_rule=rule)
    assert deadline.date == CALENDAR.add(start, days, rule)


_subjects = itertools.count()


@pytest.mark.django_db
@DB_SETTINGS
@given(
    st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2026, 6, 30)),
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=0, max_value=40),
)
def test_a_pause_moves_the_deadline_by_exactly_the_paused_working_days(
    db, start, limit, pause_after, pause_length
):
    clock = services.clock_start(
        subject_type="test", subject_id=next(_subjects), started_on=start, limit_days=limit
    )
    before = clock.deadline
    paused_on = start + dt.timedelta(days=pause_after)
    resumed_on = paused_on + dt.timedelta(days=pause_length)
    services.clock_pause(clock=clock, on=paused_on, reason="补正", kind="correction")
    services.clock_resume(clock=clock, on=resumed_on)
    paused = selectors.working_days_between(paused_on, resumed_on).days
    assert selectors.working_days_between(before, clock.deadline).days == paused
    assert clock.deadline == selectors.add_working_days(before, paused).date
