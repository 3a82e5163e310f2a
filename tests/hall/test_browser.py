"""Browser: a citizen books a Saturday slot (周末预约办) on the portal and gets his 预约号; on
that Saturday a walk-in takes a number first, the clerk checks the citizen in, the hall screen
is open on the hall's display, the clerk calls the next number at the slot's time and the screen
— without being reloaded — calls the citizen's number to the clerk's window before the walk-in.

The hall's clock (hall.clock.now, the one source of "now" of the hall) is stood on the Saturday
for the second half: the live server runs in this process, so it sees the same clock."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from tests import factories as f
from tests.hall.conftest import moment
from yiwang.hall import clock
from yiwang.hall import services as s
from yiwang.hall.models import Booking

pytestmark = pytest.mark.browser
PHONE = "13800138000"


def test_a_citizen_books_a_saturday_slot_and_the_hall_screen_calls_him(
    page, browser, world, monkeypatch, settings
):
    settings.YIWANG_HALL_SCREEN_REFRESH_SECONDS = 1
    saturday = world.saturday
    slot = world.slot(world.weekend, saturday, starts_at=dt.time(9), ends_at=dt.time(9, 30))
    # the weekday group offers nothing on that day: the weekend rule
    with pytest.raises(ValidationError):
        world.slot(world.weekday, saturday)

    # the citizen signs in, finds the Saturday slot of 周末户籍业务 and books it
    page.goto(f"{page.base_url}/hall/book/")
    page.get_by_label("事项分组").select_option(label="周末户籍业务（周末预约办）")
    page.get_by_role("button", name="查看时段").click()
    day = page.locator(f"[data-testid=slot-day][data-day='{saturday:%Y-%m-%d}']")
    assert "周末/节假日" in day.inner_text()
    page.locator(f"[data-slot='{slot.pk}']").get_by_role("link", name="登录后预约").click()
    page.wait_for_url(re.compile(r".*/accounts/citizen/sign-in/\?next=.*"))
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_label("密码").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/hall/book/\?group=weekend.*"))
    page.locator(f"[data-slot='{slot.pk}']").get_by_role("button", name="预约").click()
    page.wait_for_url(re.compile(r".*/hall/my/$"))
    booking = Booking.objects.get(user=world.citizen.user)
    assert "确认短信已发送" in page.content()
    assert page.get_by_test_id("booking-code").inner_text() == booking.code
    assert page.get_by_test_id("booking-status").inner_text() == "已预约"

    # Saturday, 08:50: a walk-in takes a number before him
    monkeypatch.setattr(clock, "now", lambda: moment(saturday, 8, 50))
    walk_in = s.ticket_take(hall=world.hall, group=world.weekend)
    assert walk_in.code == "A001"

    staff = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        desk = staff.new_page()
        desk.set_default_timeout(10_000)
        desk.goto(f"{page.base_url}/accounts/sign-in/")
        desk.locator("input[name=username]").fill("clerk")
        desk.locator("input[name=password]").fill(f.PASSWORD)
        desk.get_by_role("button", name="登录").click()
        desk.wait_for_url(f"{page.base_url}/workbench/")
        desk.get_by_role("link", name="叫号台").click()
        desk.wait_for_url(re.compile(r".*/workbench/hall/$"))
        # 08:55: the citizen arrives and is checked in with his 预约号
        monkeypatch.setattr(clock, "now", lambda: moment(saturday, 8, 55))
        desk.get_by_label("预约号").fill(booking.code)
        desk.get_by_role("button", name="签到取号").click()
        desk.get_by_text("签到成功，排队号 YA001").wait_for()
        queue = desk.get_by_test_id("queue").inner_text()
        assert "A001" in queue and "YA001" in queue

        # the hall's display shows the screen
        screen = staff.new_page()
        screen.set_default_timeout(10_000)
        screen.goto(f"{page.base_url}/hall/screen/{world.hall.pk}/")
        assert screen.get_by_test_id("call-now").inner_text().strip() == "暂无叫号"

        # 09:00, his time: the clerk calls the next number — him, before the walk-in
        monkeypatch.setattr(clock, "now", lambda: moment(saturday, 9, 0))
        desk.get_by_test_id("call-next").click()
        desk.get_by_text(f"请 YA001 号到 {world.comprehensive.number} 号窗口").wait_for()
        assert desk.get_by_test_id("serving").inner_text().startswith("YA001")

        # the screen refreshes itself and calls him to the clerk's window
        call = screen.get_by_test_id("call-now")
        call.filter(has_text="YA001").wait_for(timeout=8_000)
        assert re.sub(r"\s+", "", call.inner_text()) == (
            f"请YA001号到{world.comprehensive.number}号窗口"
        )
        assert "综合窗口等候 1" in screen.get_by_test_id("waiting").inner_text()
    finally:
        staff.close()

    # his booking reads 已到场 on 我的预约
    page.goto(f"{page.base_url}/hall/my/")
    assert page.get_by_test_id("booking-status").inner_text() == "已到场"
