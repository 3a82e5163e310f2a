"""综合窗口受理量 by window and 周末办件量: what they count, one query each."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tests.cases.test_services import accepted
from yiwang.cases.models import Case
from yiwang.insight.registry import compute
from yiwang.org.models import WindowKind
from yiwang.org.scope import DataScope
from yiwang.workdays.models import CalendarDay, DayKind

SATURDAY = dt.date(2026, 3, 7)
MAKEUP_SUNDAY = dt.date(2026, 3, 8)
HOLIDAY_MONDAY = dt.date(2026, 3, 9)
TUESDAY = dt.date(2026, 3, 10)


def test_intake_by_window_counts_accepted_walk_ins_per_comprehensive_window(desk):
    w = desk.world
    desk.walk_in()
    desk.walk_in()
    accepted(w)  # online: not counted
    second = f.window(w.counter.window.hall, None, kind=WindowKind.COMPREHENSIVE)
    w.counter.window = second
    w.counter.save()
    desk.walk_in()
    with CaptureQueriesContext(connection) as queries:
        value = compute("windows.intake_by_window")
    assert len(queries) == 1
    hall = second.hall.name
    assert value == {
        f"{hall} {desk.front.window.number} 号窗口（测试窗口）": 2,
        f"{hall} {second.number} 号窗口（测试窗口）": 1,
    }
    # another department's scope does not count the 市场监管局's cases
    assert (
        compute("windows.intake_by_window", DataScope(kind="department", department_id=w.other.pk))
        == {}
    )


def test_weekend_cases_follow_the_working_day_calendar(desk):
    w = desk.world
    CalendarDay.objects.update_or_create(
        date=MAKEUP_SUNDAY, defaults={"kind": DayKind.MAKEUP_WORKDAY}
    )
    CalendarDay.objects.update_or_create(date=HOLIDAY_MONDAY, defaults={"kind": DayKind.HOLIDAY})
    days = [SATURDAY, MAKEUP_SUNDAY, HOLIDAY_MONDAY, TUESDAY]
    cases = [accepted(w) for _ in days]
    deemed = accepted(w)
    for case, day in zip(cases, days, strict=True):
        Case.objects.filter(pk=case.pk).update(accepted_on=day)
    Case.objects.filter(pk=deemed.pk).update(accepted_on=SATURDAY, deemed_accepted=True)
    with CaptureQueriesContext(connection) as queries:
        value = compute("windows.weekend_cases")
    assert len(queries) == 1
    assert value == 2  # the Saturday and the holiday; not the make-up Sunday, nor a deemed one
