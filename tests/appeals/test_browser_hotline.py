"""Browser: a hotline ticket is dispatched, sent back, re-dispatched, answered and closed — the
12345 clerk registers the call on the entry form, the bureau's dispatcher dispatches it from the
desk to 县市场监督管理局, whose handler finds it in his queue (with its SLA colour) and sends it
back with a reason; the dispatcher re-dispatches it from 已退单 to 县住房和城乡建设局, whose
handler signs for it and answers; the dispatcher records the follow-up call and closes it."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.appeals.conftest import PHONE, TicketWorld
from yiwang.appeals.fields import TicketStatus
from yiwang.appeals.models import Ticket

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _calendar_confirmed(monkeypatch):
    monkeypatch.setattr("yiwang.workbench.views.calendar_unconfirmed_years", lambda today: [])


def sign_in(page, username: str) -> None:
    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{page.base_url}/workbench/")


def sign_out(page) -> None:
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(re.compile(r".*/accounts/sign-in/$"))


def nav(page, name: str) -> None:
    page.get_by_role("navigation", name="工作台导航").get_by_role("link", name=name).click()


def action(page, name: str):
    return page.locator(f'[data-action="{name}"]')


def test_a_hotline_ticket_is_dispatched_sent_back_redispatched_answered_and_closed(
    page, tw: TicketWorld
):
    # The 12345 clerk registers the call.
    sign_in(page, "hotline")
    nav(page, "诉求登记")
    page.wait_for_url(re.compile(r".*/workbench/appeals/new/$"))
    page.get_by_label("来源", exact=True).select_option(label="12345热线")
    page.get_by_label("来源编号").fill("RX20261201001")
    page.get_by_label("诉求类别").select_option(label="投诉")
    page.get_by_label("诉求人姓名").fill("王五")
    page.get_by_label("联系电话").fill(PHONE)
    page.get_by_label("标题").fill("小区楼道堆放杂物")
    page.get_by_label("诉求内容").fill("幸福小区 3 栋楼道长期堆放杂物，存在消防隐患，物业不处理。")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url(re.compile(r".*/workbench/appeals/\d+/$"))
    assert "已登记工单" in page.locator(".messages").inner_text()
    ticket = Ticket.objects.get()
    assert page.get_by_test_id("ticket-status").inner_text() == "待派单"
    assert PHONE not in page.content()  # masked
    sign_out(page)

    # The dispatcher finds it on the desk and dispatches it to the 市场监管局.
    sign_in(page, "dispatcher")
    nav(page, "派单台")
    page.get_by_test_id("desk-table").get_by_role("link", name=ticket.number).click()
    page.wait_for_url(re.compile(rf".*/workbench/appeals/{ticket.pk}/$"))
    dispatch = action(page, "dispatch")
    dispatch.get_by_label("主办部门").select_option(label="县市场监督管理局")
    dispatch.get_by_label("交办意见").fill("请核实处理")
    dispatch.get_by_role("button", name="派单").click()
    assert "已派单" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("ticket-status").inner_text() == "待签收"
    assert page.get_by_test_id("lead-department").inner_text() == "县市场监督管理局"
    sign_out(page)

    # The 市场监管局's handler sees it in his queue, coloured, and sends it back.
    sign_in(page, "market")
    nav(page, "本部门工单")
    row = page.get_by_test_id("queue-table").locator(f"tr[data-ticket='{ticket.number}']")
    assert row.get_by_test_id("sla").get_attribute("data-colour") in ("green", "amber")
    row.get_by_role("link", name=ticket.number).click()
    send_back = action(page, "send_back")
    send_back.get_by_role("button", name="退单").click()  # no reason: refused
    assert "请填写退单理由。" in action(page, "send_back").inner_text()
    action(page, "send_back").get_by_label("退单理由").fill("楼道消防隐患属住建部门和物业管理职责")
    action(page, "send_back").get_by_role("button", name="退单").click()
    assert "已退单" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("ticket-status").inner_text() == "已退单"
    sign_out(page)

    # The dispatcher re-dispatches it from 已退单 to the 住建局.
    sign_in(page, "dispatcher")
    nav(page, "派单台")
    page.get_by_role("link", name=re.compile("已退单")).click()
    page.wait_for_url(re.compile(r".*/workbench/appeals/desk/sent_back/$"))
    page.get_by_test_id("desk-table").get_by_role("link", name=ticket.number).click()
    assert "楼道消防隐患属住建部门和物业管理职责" in page.get_by_test_id("parts").inner_text()
    dispatch = action(page, "dispatch")
    dispatch.get_by_label("主办部门").select_option(label="县住房和城乡建设局")
    dispatch.get_by_role("button", name="派单").click()
    assert page.get_by_test_id("lead-department").inner_text() == "县住房和城乡建设局"
    sign_out(page)

    # The 住建局's handler signs for it and answers.
    sign_in(page, "housing")
    nav(page, "本部门工单")
    page.get_by_test_id("queue-table").get_by_role("link", name=ticket.number).click()
    action(page, "sign_for").get_by_role("button", name="签收").click()
    assert page.get_by_test_id("ticket-status").inner_text() == "办理中"
    reply = action(page, "reply")
    reply.get_by_label("答复内容").fill("已约谈物业公司，楼道杂物已于当日清理完毕。")
    reply.get_by_role("button", name="答复诉求人").click()
    assert "已答复诉求人" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("ticket-status").inner_text() == "已答复"
    sign_out(page)

    # The dispatcher records the follow-up call from 待回访 and closes the ticket.
    sign_in(page, "dispatcher")
    nav(page, "派单台")
    page.get_by_role("link", name=re.compile("待回访")).click()
    page.get_by_test_id("desk-table").get_by_role("link", name=ticket.number).click()
    follow_up = action(page, "follow_up")
    follow_up.get_by_label("满意", exact=True).check()
    follow_up.get_by_label("回访情况").fill("来电人表示满意")
    follow_up.get_by_role("button", name="回访").click()
    assert page.get_by_test_id("ticket-status").inner_text() == "已回访"
    action(page, "close").get_by_role("button", name="办结").click()
    assert "工单已办结" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("ticket-status").inner_text() == "已办结"
    history = page.get_by_test_id("history").inner_text()
    for step in ("受理登记", "派单", "退单", "签收", "答复", "回访", "办结"):
        assert step in history
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.send_back_count == 1 and ticket.dispatch_count == 2
    assert ticket.lead_department == tw.housing and ticket.satisfaction == "satisfied"
