"""Browser: a bureau administrator opens the coming week's slots of 综合业务 for his county's
hall on the workbench page 开放预约时段 — a mistyped period is refused in one Chinese sentence on
the form and nothing is made; corrected, the working days' slots are opened, listed below the
form, and the portal offers them to citizens."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests import factories as f
from yiwang.hall.models import Slot
from yiwang.workdays.selectors import work_calendar

pytestmark = pytest.mark.browser


def test_a_bureau_admin_opens_a_weeks_slots_for_his_hall(page, world):
    f.staff(f.department("县数据资源局", is_bureau=True), ["bureau_admin"], username="bureau")
    first, last = world.workday, world.workday + dt.timedelta(days=6)
    working = [first + dt.timedelta(days=n) for n in range(7)]
    working = [d for d in working if work_calendar().is_working_day(d)]

    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.locator("input[name=username]").fill("bureau")
    page.locator("input[name=password]").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{page.base_url}/workbench/")
    page.get_by_role("link", name="开放预约时段").click()
    page.wait_for_url(re.compile(r".*/workbench/hall/slots/$"))

    page.get_by_label("大厅", exact=True).select_option(label=world.hall.name)
    page.get_by_label("事项分组", exact=True).select_option(label="综合业务")
    page.get_by_label("开始日期").fill(first.isoformat())
    page.get_by_label("结束日期").fill(last.isoformat())
    page.get_by_label("时段", exact=True).fill("9点-10点")
    page.get_by_label("每个时段可预约人数").fill("4")
    page.get_by_role("button", name="开放", exact=True).click()
    page.get_by_text("时段“9点-10点”格式不正确").wait_for()
    assert not Slot.objects.exists()

    page.get_by_label("时段", exact=True).fill("09:00-09:30,14:00-14:30")
    page.get_by_role("button", name="开放", exact=True).click()
    page.get_by_text(f"已开放预约时段 {2 * len(working)} 个，已存在 0 个。").wait_for()
    table = page.get_by_test_id("coming-slots").inner_text()
    assert f"{first:%Y-%m-%d}" in table and "14:00-14:30" in table and "0/4" in table
    assert Slot.objects.filter(hall=world.hall, group=world.weekday).count() == 2 * len(working)

    page.goto(f"{page.base_url}/hall/book/?group=general")
    assert page.locator(f"[data-testid=slot-day][data-day='{first:%Y-%m-%d}']").count() == 1
