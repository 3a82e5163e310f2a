"""开放预约时段 (/workbench/hall/slots/): a bureau administrator opens slots for a hall of his
region over a period — working days, non-working days only for a 周末预约办 group — through
services.slots_open_period; existing slots are kept; errors are Chinese sentences on the form;
a hall outside his scope cannot be chosen; roles without hall.open_slots are refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests import factories as f
from tests.hall.conftest import next_day
from yiwang.audit.models import AuditEvent
from yiwang.hall.models import Slot
from yiwang.org.models import RegionLevel
from yiwang.workdays.selectors import work_calendar

pytestmark = pytest.mark.django_db
URL = "/workbench/hall/slots/"


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def bureau(world):
    return f.staff(f.department("县数据资源局", is_bureau=True), ["bureau_admin"])


def _form(world, first: dt.date, last: dt.date, **kw) -> dict[str, object]:
    return {
        "hall": world.hall.pk,
        "group": kw.pop("group", "general"),
        "first": first.isoformat(),
        "last": last.isoformat(),
        "times": kw.pop("times", "09:00-09:30, 09:30-10:00"),
        "capacity": kw.pop("capacity", "3"),
        **kw,
    }


def _week(world) -> tuple[dt.date, dt.date]:
    """Seven days from the next working day: working and non-working days both."""
    return world.workday, world.workday + dt.timedelta(days=6)


def test_a_bureau_admin_opens_slots_on_the_working_days_of_a_period(world, bureau):
    first, last = _week(world)
    calendar = work_calendar()
    working = [first + dt.timedelta(days=n) for n in range(7)]
    working = [d for d in working if calendar.is_working_day(d)]
    client = signed_in(bureau.user)
    page = client.get(URL)
    assert page.status_code == 200 and world.hall.name in page.content.decode()
    done = client.post(URL, _form(world, first, last), follow=True)
    assert f"已开放预约时段 {2 * len(working)} 个，已存在 0 个。" in done.content.decode()
    slots = Slot.objects.filter(hall=world.hall, group=world.weekday)
    assert sorted({s.day for s in slots}) == working  # no non-working day for this group
    assert {(s.starts_at, s.ends_at, s.capacity) for s in slots} == {
        (dt.time(9), dt.time(9, 30), 3),
        (dt.time(9, 30), dt.time(10), 3),
    }
    assert AuditEvent.objects.filter(action="hall.slot_create", actor=bureau.user).count() == (
        2 * len(working)
    )
    again = client.post(URL, _form(world, first, last), follow=True)  # kept, not doubled
    assert f"已开放预约时段 0 个，已存在 {2 * len(working)} 个。" in again.content.decode()


def test_a_weekend_group_gets_the_non_working_days_too(world, bureau):
    first, last = _week(world)
    client = signed_in(bureau.user)
    client.post(URL, _form(world, first, last, group="weekend", non_working_only="on"))
    days = {s.day for s in Slot.objects.filter(group=world.weekend)}
    assert days and all(not work_calendar().is_working_day(d) for d in days)
    assert world.saturday in days or world.saturday > last


def test_form_errors_are_chinese_sentences_and_nothing_is_made(world, bureau):
    client = signed_in(bureau.user)
    first, last = _week(world)
    bad_times = client.post(URL, _form(world, first, last, times="9点-10点")).content.decode()
    assert "时段“9点-10点”格式不正确，应为 HH:MM-HH:MM（多个用逗号分隔）。" in bad_times
    reversed_ = client.post(URL, _form(world, last, first)).content.decode()
    assert "结束日期不能早于开始日期。" in reversed_
    backwards = client.post(URL, _form(world, first, last, times="10:00-09:30")).content.decode()
    assert f"{first:%Y-%m-%d}：结束时间必须晚于开始时间。" in backwards
    past = next_day(working=True, after=first - dt.timedelta(days=30))
    in_past = client.post(URL, _form(world, past, past)).content.decode()
    assert "不能为已经过去的日期设置预约时段。" in in_past
    zero = client.post(URL, _form(world, first, last, capacity="0")).content.decode()
    assert "可预约人数至少为 1。" in zero
    missing = client.post(URL, {}).content.decode()
    assert "请选择大厅。" in missing and "请填写开始日期。" in missing
    # all or nothing: the first period of the first day would do, the second is refused
    half = client.post(URL, _form(world, first, last, times="09:00-09:30,10:00-09:30"))
    assert f"{first:%Y-%m-%d}：结束时间必须晚于开始时间。" in half.content.decode()
    assert not Slot.objects.exists()


def test_a_hall_outside_the_scope_cannot_be_chosen(world, bureau):
    elsewhere = f.region("341188000000", "别的县", RegionLevel.COUNTY)
    far = f.hall(at=elsewhere, name="别县政务服务中心")
    client = signed_in(bureau.user)
    assert far.name not in client.get(URL).content.decode()
    first, last = _week(world)
    refused = client.post(URL, {**_form(world, first, last), "hall": far.pk})
    assert "所选大厅不在您的数据范围内。" in refused.content.decode()
    assert not Slot.objects.filter(hall=far).exists()


def test_roles_without_the_permission_are_refused(world):
    for role in ("window_clerk", "approver", "department_admin", "leader"):
        staff = f.staff(world.police, [role])
        assert signed_in(staff.user).get(URL).status_code == 403, role
        assert signed_in(staff.user).post(URL, {}).status_code == 403, role
    assert signed_in(world.citizen.user).get(URL).status_code in (302, 403)
    assert Client().get(URL).status_code == 302
