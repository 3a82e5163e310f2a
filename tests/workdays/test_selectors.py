"""Working-day reads against the seeded table: holidays, make-up days, rules, warnings, cache."""

from __future__ import annotations

import datetime as dt
import uuid

import chinese_calendar
import pytest

from yiwang.workdays import selectors, services
from yiwang.workdays.models import CalendarDay, CalendarRevision, CalendarYear, DayKind
from yiwang.workdays.selectors import (
    add_working_days,
    is_working_day,
    unconfirmed_years,
    working_days_between,
)

from .conftest import HOLIDAY_2027, MAKEUP_2027, enter_2027

pytestmark = pytest.mark.django_db

D = dt.date
WARNING_2027 = "2027 年节假日安排尚未确认，按周一至周五计算。"


def test_seeded_table_agrees_with_chinesecalendar_on_every_day_2004_2026():
    calendar = selectors.work_calendar()  # the table as loaded from the database
    day, last = D(2004, 1, 1), D(2026, 12, 31)
    while day <= last:
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


def test_every_seeded_year_is_confirmed():
    years = CalendarYear.objects.filter(confirmed=True, source="chinesecalendar")
    assert list(years.values_list("year", flat=True)) == list(range(2004, 2027))


def test_seed_uses_chinese_holiday_names():
    assert CalendarDay.objects.get(date=D(2026, 2, 17)).name == "春节"
    assert CalendarDay.objects.get(date=D(2026, 10, 10)).kind == DayKind.MAKEUP_WORKDAY


# --- Spring Festival 2026: holiday Sun Feb 15 – Mon Feb 23, make-up Sat Feb 14 and Sat Feb 28 --


def test_spring_festival_2026_matches_chinesecalendar():
    for day in (D(2026, 2, 14), D(2026, 2, 28)):
        assert day.weekday() == 5 and chinese_calendar.is_workday(day)
    for offset in range(9):
        assert chinese_calendar.is_holiday(D(2026, 2, 15) + dt.timedelta(days=offset))


def test_friday_before_spring_festival_plus_one_is_the_makeup_saturday():
    deadline = add_working_days(D(2026, 2, 13), 1)
    assert deadline.date == D(2026, 2, 14)
    assert deadline.warnings == ()


def test_spring_festival_deadline_skips_the_nine_day_holiday():
    # Day 1 Sat Feb 14 (make-up), then nothing until Tue Feb 24.
    assert add_working_days(D(2026, 2, 13), 2).date == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 13), 5).date == D(2026, 2, 27)
    # Day 6 is the second make-up Saturday, Feb 28.
    assert add_working_days(D(2026, 2, 13), 6).date == D(2026, 2, 28)
    assert add_working_days(D(2026, 2, 13), 7).date == D(2026, 3, 2)


def test_twenty_working_days_across_spring_festival():
    # Accepted Mon Feb 9: Feb 10–13 (4), Sat Feb 14 (5), Feb 24–27 (9), Sat Feb 28 (10),
    # Mar 2–6 (15), Mar 9–13 (20).
    deadline = add_working_days(D(2026, 2, 9), 20)
    assert deadline.date == D(2026, 3, 13)
    assert working_days_between(D(2026, 2, 9), deadline.date).days == 20


def test_event_during_the_holiday_counts_from_the_first_day_back():
    assert add_working_days(D(2026, 2, 17), 1).date == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 17), 1, start_rule="same").date == D(2026, 2, 24)


def test_between_counts_the_makeup_saturdays():
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 28)).days == 6


# --- National Day 2026: holiday Oct 1–7, make-up Sun Sep 20 and Sat Oct 10 ---------------------


def test_national_day_2026_matches_chinesecalendar():
    assert D(2026, 9, 20).weekday() == 6 and chinese_calendar.is_workday(D(2026, 9, 20))
    assert D(2026, 10, 10).weekday() == 5 and chinese_calendar.is_workday(D(2026, 10, 10))
    assert all(chinese_calendar.is_holiday(D(2026, 10, day)) for day in range(1, 8))


def test_national_day_deadlines():
    assert add_working_days(D(2026, 9, 18), 1).date == D(2026, 9, 20)  # make-up Sunday
    assert add_working_days(D(2026, 9, 30), 1).date == D(2026, 10, 8)
    assert add_working_days(D(2026, 10, 9), 1).date == D(2026, 10, 10)  # make-up Saturday
    # Mid-autumn Fri Sep 25 is a holiday too.
    assert add_working_days(D(2026, 9, 24), 1).date == D(2026, 9, 28)


def test_national_day_between():
    # Sep 20, 21–24, 28–30, Oct 8, 9, 10 (Sep 25 and Oct 1–7 are holidays).
    assert working_days_between(D(2026, 9, 18), D(2026, 10, 10)).days == 11


# --- Start rules -----------------------------------------------------------------------------


def test_next_rule_friday_plus_one_is_monday():
    assert add_working_days(D(2026, 3, 6), 1, start_rule="next").date == D(2026, 3, 9)


def test_same_rule_counts_a_working_start_day_as_day_one():
    assert add_working_days(D(2026, 3, 6), 1, start_rule="same").date == D(2026, 3, 6)
    assert add_working_days(D(2026, 3, 6), 2, start_rule="same").date == D(2026, 3, 9)
    # A make-up Saturday is a working day, so it counts too.
    assert add_working_days(D(2026, 2, 14), 1, start_rule="same").date == D(2026, 2, 14)


def test_same_rule_on_a_weekend_behaves_like_next():
    assert add_working_days(D(2026, 3, 7), 1, start_rule="same").date == D(2026, 3, 9)


def test_default_rule_comes_from_the_setting(settings):
    settings.YIWANG_WORKDAY_START_RULE = "same"
    deadline = add_working_days(D(2026, 3, 6), 1)
    assert deadline.date == D(2026, 3, 6)
    assert deadline.start_rule == "same"


def test_a_misconfigured_setting_is_reported(settings):
    settings.YIWANG_WORKDAY_START_RULE = "tomorrow"
    with pytest.raises(ValueError, match="起算规则"):
        add_working_days(D(2026, 3, 6), 1)


def test_zero_days_return_the_start_itself():
    deadline = add_working_days(D(2026, 2, 15), 0)  # even on a holiday: instant items
    assert deadline.date == D(2026, 2, 15)
    assert deadline.days == 0
    assert deadline.warnings == ()


def test_negative_days_raise_a_chinese_value_error():
    with pytest.raises(ValueError, match="工作日天数不能为负数"):
        add_working_days(D(2026, 3, 6), -1)


def test_between_is_zero_when_second_is_not_after_first():
    assert working_days_between(D(2026, 3, 6), D(2026, 3, 6)).days == 0
    assert working_days_between(D(2026, 3, 9), D(2026, 3, 6)).days == 0


def test_deadline_records_what_made_it():
    deadline = add_working_days(D(2026, 3, 6), 3, start_rule="same")
    assert (deadline.start, deadline.days, deadline.start_rule) == (D(2026, 3, 6), 3, "same")


# --- Years without a table -------------------------------------------------------------------


def test_a_2027_date_computes_monday_to_friday_with_a_warning():
    deadline = add_working_days(D(2027, 1, 1), 1)  # Friday → Monday
    assert deadline.date == D(2027, 1, 4)
    assert deadline.warnings == (WARNING_2027,)
    assert is_working_day(D(2027, 1, 1))  # no table: New Year's Day is just a Friday


def test_a_deadline_crossing_into_2027_carries_the_warning():
    deadline = add_working_days(D(2026, 12, 30), 5)
    assert deadline.date == D(2027, 1, 6)
    assert deadline.warnings == (WARNING_2027,)
    assert working_days_between(D(2026, 12, 1), D(2027, 1, 6)).warnings == (WARNING_2027,)


def test_a_2026_deadline_has_no_warning():
    assert add_working_days(D(2026, 11, 2), 10).warnings == ()
    assert working_days_between(D(2026, 1, 1), D(2026, 12, 31)).warnings == ()


def test_long_spans_group_the_warning():
    count = working_days_between(D(2026, 6, 1), D(2030, 6, 1))
    assert count.warnings == ("2027–2030 年节假日安排尚未确认，按周一至周五计算。",)


def test_an_admin_entered_2027_table_removes_the_warning(table_2027):
    deadline = add_working_days(D(2026, 12, 31), 1)
    assert deadline.date == D(2027, 1, 4)  # Jan 1 is now a holiday
    assert deadline.warnings == ()
    assert not is_working_day(HOLIDAY_2027)
    assert is_working_day(MAKEUP_2027)


def test_an_unconfirmed_draft_changes_nothing(db):
    enter_2027(confirm=False)
    deadline = add_working_days(D(2026, 12, 31), 1)
    assert deadline.date == D(2027, 1, 1)
    assert deadline.warnings == (WARNING_2027,)


def test_unconfirmed_years_for_the_workbench():
    assert unconfirmed_years(D(2026, 11, 21)) == [2027]
    assert unconfirmed_years(D(2027, 6, 1)) == [2027, 2028]
    assert unconfirmed_years(D(2025, 6, 1)) == []


def test_unconfirmed_years_after_the_2027_table(table_2027):
    assert unconfirmed_years(D(2026, 11, 21)) == []


def test_calendar_year_list_counts_days():
    row = selectors.calendar_year_list().get(year=2026)
    assert (row.holiday_count, row.makeup_workday_count) == (33, 6)


# --- The cached table --------------------------------------------------------------------------


def test_one_query_per_computation_however_long(django_assert_num_queries):
    add_working_days(D(2026, 1, 5), 1)  # warm the cache
    with django_assert_num_queries(1):
        add_working_days(D(2016, 1, 4), 3650)
    with django_assert_num_queries(1):
        working_days_between(D(2004, 1, 1), D(2026, 12, 31))


def test_bulk_work_on_one_calendar_costs_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        calendar = selectors.work_calendar()
    with django_assert_num_queries(0):
        for offset in range(365):
            calendar.is_working_day(D(2026, 1, 1) + dt.timedelta(days=offset))


def test_a_pinned_calendar_asks_nothing_and_still_sees_this_process_changes(
    django_assert_num_queries,
):
    with selectors.work_calendar_pinned():
        with django_assert_num_queries(0):  # not even the stamp
            for offset in range(30):
                is_working_day(D(2026, 1, 1) + dt.timedelta(days=offset))
        day = CalendarDay.objects.create(date=D(2026, 3, 6), kind=DayKind.HOLIDAY, name="测试")
        assert not is_working_day(D(2026, 3, 6))  # the signal cleared the copy: loaded again
        day.delete()
    assert is_working_day(D(2026, 3, 6))
    with django_assert_num_queries(1):  # unpinned: the stamp is read on every call again
        assert is_working_day(D(2026, 3, 6))


def test_a_change_through_the_models_is_seen_at_once():
    assert is_working_day(D(2026, 3, 6))
    day = CalendarDay.objects.create(date=D(2026, 3, 6), kind=DayKind.HOLIDAY, name="测试")
    assert not is_working_day(D(2026, 3, 6))
    day.delete()
    assert is_working_day(D(2026, 3, 6))


def test_a_change_made_by_another_process_is_seen_through_the_stamp():
    assert is_working_day(D(2026, 3, 6))
    # bulk_create sends no signal: as if another process had made the change and its stamp.
    CalendarDay.objects.bulk_create([CalendarDay(date=D(2026, 3, 6), kind=DayKind.HOLIDAY)])
    CalendarRevision.objects.filter(pk=1).update(stamp=uuid.uuid4())
    assert not is_working_day(D(2026, 3, 6))


def test_a_service_change_is_seen_at_once():
    services.calendar_day_set(date=D(2026, 3, 6), kind=DayKind.HOLIDAY, name="测试")
    assert add_working_days(D(2026, 3, 5), 1).date == D(2026, 3, 9)
