"""A small hall for appointment and queue tests: one county hall with a 综合窗口 and a 公安 专窗,
a weekday group and a 周末预约办 group, a clerk at each window, two citizens; and `at`, which
stands the hall's clock (hall.clock.now) on a chosen local moment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tests import factories as f
from yiwang.hall import clock
from yiwang.hall import services as s
from yiwang.hall.models import ItemGroup, Slot
from yiwang.org import services as org
from yiwang.org.models import Applicant, Department, ServiceHall, Staff, Window, WindowKind
from yiwang.workdays.selectors import work_calendar


def next_day(*, working: bool, after: dt.date | None = None) -> dt.date:
    """The first day after `after` (default today) that is (or is not) a working day; a
    non-working one is also a Saturday or Sunday or a holiday, as the calendar says."""
    day = (after or timezone.localdate()) + dt.timedelta(days=1)
    calendar = work_calendar()
    while calendar.is_working_day(day) != working:
        day += dt.timedelta(days=1)
    return day


def next_saturday_off(after: dt.date | None = None) -> dt.date:
    day = (after or timezone.localdate()) + dt.timedelta(days=1)
    while day.weekday() != 5 or work_calendar().is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def moment(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


@dataclass
class HallWorld:
    hall: ServiceHall
    police: Department
    comprehensive: Window
    dedicated: Window
    weekday: ItemGroup  # 综合窗口, working days only
    weekend: ItemGroup  # 周末预约办
    police_group: ItemGroup  # 公安 专窗
    clerk: Staff  # at the 综合窗口
    police_clerk: Staff  # at the 专窗
    citizen: Applicant
    other: Applicant
    workday: dt.date
    saturday: dt.date

    def slot(self, group: ItemGroup | None = None, day: dt.date | None = None, **kw) -> Slot:
        return s.slot_create(
            hall=self.hall,
            group=group or self.weekday,
            day=day or self.workday,
            starts_at=kw.pop("starts_at", dt.time(9, 0)),
            ends_at=kw.pop("ends_at", dt.time(9, 30)),
            capacity=kw.pop("capacity", 2),
        )


@pytest.fixture
def at(monkeypatch) -> Callable[[dt.datetime], None]:
    def stand(when: dt.datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: when)

    return stand


@pytest.fixture
def world(db) -> HallWorld:
    police = f.department("县公安局")
    hall = f.hall(name="示范县政务服务中心")
    comprehensive = f.window(hall, None, kind=WindowKind.COMPREHENSIVE)
    dedicated = f.window(hall, police)
    weekday = s.item_group_create(
        code="general", name="综合业务", window_kind=WindowKind.COMPREHENSIVE
    )
    weekend = s.item_group_create(
        code="weekend", name="周末户籍业务", window_kind=WindowKind.COMPREHENSIVE, weekend=True
    )
    police_group = s.item_group_create(
        code="police",
        name="户政业务",
        window_kind=WindowKind.DEDICATED,
        department=police,
    )
    citizen = org.applicant_register(
        kind="person",
        name="张三",
        phone="13800138000",
        id_number=f.id_number("19900101"),
        password=f.PASSWORD,
    )
    other = org.applicant_register(
        kind="person",
        name="李四",
        phone="13900139000",
        id_number=f.id_number("19850505"),
        password=f.PASSWORD,
    )
    workday = next_day(working=True)
    return HallWorld(
        hall=hall,
        police=police,
        comprehensive=comprehensive,
        dedicated=dedicated,
        weekday=weekday,
        weekend=weekend,
        police_group=police_group,
        clerk=f.staff(
            f.department("县数据资源管理局", is_bureau=True),
            ["window_clerk"],
            username="clerk",
            window=comprehensive,
        ),
        police_clerk=f.staff(police, ["window_clerk"], username="police", window=dedicated),
        citizen=citizen,
        other=other,
        workday=workday,
        # After the working day: on a Friday the next Saturday comes first, and a week from the
        # working day (tests' periods) would miss it.
        saturday=next_saturday_off(after=workday),
    )
