"""Browser: 我的诉求 — a citizen signs in, submits an appeal with a photo from the portal's
navigation, follows it on its timeline while the bureau dispatches it and the department answers,
and rates the reply; 不满意 sends it back for redo, a later 满意 is recorded."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.appeals.conftest import TicketWorld
from tests.common import files
from yiwang.appeals import services as s
from yiwang.appeals.fields import TicketSource, TicketStatus
from yiwang.appeals.models import Ticket

pytestmark = pytest.mark.browser


def test_a_citizen_submits_follows_and_rates_his_appeal(page, tw: TicketWorld, tmp_path):
    page.goto(f"{page.base_url}/accounts/citizen/sign-in/")
    page.get_by_label("手机号码").fill("13900139000")
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的诉求").click()
    page.wait_for_url(re.compile(r".*/my/appeals/$"))
    assert "您还没有提交过诉求" in page.locator("main").inner_text()
    page.get_by_role("link", name="我要反映").click()
    page.get_by_label("诉求类别").select_option(label="投诉")
    page.get_by_label("标题").fill("路灯损坏")
    # submitted without content: the sentence names the field
    page.get_by_role("button", name="提交诉求").click()
    assert "请填写诉求内容。" in page.get_by_test_id("submit-form").inner_text()
    page.get_by_label("诉求内容").fill("城关镇人民路北段路灯已损坏一周，夜间行人不便。")
    photo = tmp_path / "路灯.png"
    photo.write_bytes(files.png())
    page.get_by_label("附件").set_input_files(str(photo))
    page.get_by_role("button", name="提交诉求").click()
    page.wait_for_url(re.compile(r".*/my/appeals/\d+/$"))
    assert "诉求已提交" in page.locator(".messages").inner_text()
    ticket = Ticket.objects.get()
    assert ticket.source == TicketSource.PORTAL and ticket.applicant == tw.citizen
    assert page.get_by_test_id("ticket-number").inner_text() == ticket.number
    assert "路灯.png" in page.get_by_test_id("attachments").inner_text()

    # The bureau dispatches it, the department answers (their pages are tested elsewhere).
    s.ticket_dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.market)
    s.ticket_sign_for(ticket=ticket, actor=tw.market_handler.user)
    s.ticket_reply(ticket=ticket, actor=tw.market_handler.user, reply="已安排维修，明日修复。")
    page.reload()
    assert page.get_by_test_id("ticket-status").inner_text() == "已答复"
    assert "已安排维修" in page.get_by_test_id("reply").inner_text()
    timeline = page.get_by_test_id("timeline").inner_text()
    assert "受理登记" in timeline and "签收" in timeline and "答复" in timeline
    # 不满意: back to the department for redo
    rate = page.get_by_test_id("rate")
    rate.get_by_label("不满意").check()
    rate.get_by_label("意见").fill("至今未修")
    rate.get_by_role("button", name="提交评价").click()
    assert "重新办理" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("ticket-status").inner_text() == "办理中"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.HANDLING and ticket.redo_count == 1

    # Answered again; this time he is satisfied.
    s.ticket_reply(ticket=ticket, actor=tw.market_handler.user, reply="路灯已修复。")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的诉求").click()
    row = page.get_by_test_id("ticket-row").filter(has_text=ticket.number)
    row.get_by_role("link", name="评价答复").click()
    page.get_by_test_id("rate").get_by_label("满意", exact=True).check()
    page.get_by_test_id("rate").get_by_role("button", name="提交评价").click()
    assert page.get_by_test_id("satisfaction").inner_text() == "满意"
    assert page.get_by_test_id("rate").count() == 0
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.FOLLOWED_UP and ticket.satisfaction == "satisfied"
