"""The pure arithmetic on an in-memory table (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from yiwang.workdays.table import Deadline, WorkCalendar, year_warning

D = dt.date


def test_empty_table_is_monday_to_friday():
    calendar = WorkCalendar()
    assert calendar.is_working_day(D(2030, 1, 4))  # Friday
    assert not calendar.is_working_day(D(2030, 1, 5))  # Saturday
    assert calendar.add(D(2030, 1, 4), 1, "next") == D(2030, 1, 7)
    assert calendar.count(D(2030, 1, 4), D(2030, 1, 11)) == 5


def test_days_of_unconfirmed_years_are_ignored():
    calendar = WorkCalendar(
        confirmed_years=[2031], holidays=[D(2030, 1, 7), D(2031, 1, 6)], makeup_workdays=[]
    )
    assert calendar.is_working_day(D(2030, 1, 7))
    assert not calendar.is_working_day(D(2031, 1, 6))


def test_count_is_zero_when_second_is_not_after_first():
    calendar = WorkCalendar()
    assert calendar.count(D(2030, 1, 7), D(2030, 1, 7)) == 0
    assert calendar.count(D(2030, 1, 8), D(2030, 1, 7)) == 0


def test_negative_days_are_refused_in_chinese():
    with pytest.raises(ValueError, match="不能为负数"):
        WorkCalendar().add(D(2030, 1, 7), -1, "next")


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError):
        WorkCalendar().add(D(2030, 1, 7), 1, "later")


def test_result_past_the_last_date_is_refused():
    with pytest.raises(ValueError, match="超出"):
        WorkCalendar().add(D(9999, 12, 30), 10, "next")


def test_the_last_representable_working_day_is_reachable():
    # 9999-12-31 is a Friday.
    assert WorkCalendar().add(D(9999, 12, 30), 1, "next") == D(9999, 12, 31)


def test_warnings_group_consecutive_years():
    calendar = WorkCalendar(confirmed_years=[2026, 2029])
    assert calendar.warnings([2026, 2027, 2028, 2029, 2030]) == (
        "2027–2028 年节假日安排尚未确认，按周一至周五计算。",
        "2030 年节假日安排尚未确认，按周一至周五计算。",
    )
    assert calendar.warnings([2026]) == ()


def test_year_warning_text():
    assert year_warning(2027, 2027) == "2027 年节假日安排尚未确认，按周一至周五计算。"


def test_zero_days_consult_nothing_and_warn_nothing():
    deadline = WorkCalendar().deadline(D(2030, 1, 5), 0, "next")
    assert deadline == Deadline(date=D(2030, 1, 5), start=D(2030, 1, 5), days=0, start_rule="next")


def test_next_rule_warns_only_for_years_after_the_start_day():
    calendar = WorkCalendar(confirmed_years=[2027])
    # Counting from 2026-12-31 looks only at days in 2027.
    assert calendar.deadline(D(2026, 12, 31), 1, "next").warnings == ()
    assert calendar.deadline(D(2026, 12, 31), 1, "same").warnings == (year_warning(2026, 2026),)


def test_describe_names_the_rule():
    deadline = Deadline(date=D(2026, 2, 24), start=D(2026, 2, 13), days=2, start_rule="next")
    assert deadline.describe() == "自 2026-02-13 起 2 个工作日（次日起算）"
