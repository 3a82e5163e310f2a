"""Browser: a clerk at the 综合窗口 takes a walk-in for another department's item, the back
office (the 市场监管局's approver) approves it from its 后台队列, and — the county running
综合窗口出件 — the front desk hands the result out: another clerk at the same 综合窗口 finds it
in his day view, checks the collector's ID and records the hand-out; the department's own desk
could not have."""

from __future__ import annotations

import re

import pytest

from tests.cases.conftest import ID_NUMBER
from tests.cases.test_workbench_browser import action, nav, shot, sign_in, sign_out
from tests.windows.conftest import COLLECTOR_ID
from yiwang.cases.fields import CaseStatus
from yiwang.cases.models import Case
from yiwang.windows.models import HandOut, Routing

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _calendar_confirmed(monkeypatch):
    monkeypatch.setattr("yiwang.workbench.views.calendar_unconfirmed_years", lambda today: [])


@pytest.mark.usefixtures("comprehensive_hand_out")
def test_front_desk_takes_a_walk_in_the_back_office_approves_the_front_desk_hands_out(page, desk):
    w = desk.world
    item_name = str(w.item)
    # 1. The counter clerk (县公安局, at the 综合窗口) takes the walk-in and accepts it.
    sign_in(page, "counter")
    nav(page, "窗口收件")
    page.get_by_label("居民身份证号码").fill(ID_NUMBER)
    page.get_by_role("button", name="查找").click()
    assert page.get_by_test_id("intake-applicant").inner_text() == "张三"
    page.get_by_label("按名称或编码筛选事项").fill("食品经营")
    page.locator("#id_item option", has_text=item_name).wait_for(state="attached")
    page.get_by_label("申请事项").select_option(label=f"{item_name}（{w.item.code}）")
    page.get_by_role("button", name="开始登记").click()
    page.wait_for_url(re.compile(r".*/workbench/cases/intake/\d+/$"))
    page.get_by_label("经营场所", exact=True).fill("示范县城关镇人民路 1 号")
    materials = page.get_by_test_id("intake-materials")
    materials.locator("tr[data-order='1']").get_by_label("纸质原件已收").check()
    materials.locator("tr[data-order='2']").get_by_label("纸质原件已收").check()
    page.get_by_role("button", name="提交并受理").click()
    page.wait_for_url(re.compile(r".*/workbench/cases/\d+/$"))
    case = Case.objects.get()
    assert Routing.objects.get(case=case).department == w.dept
    # his day: received and routed to the back office
    nav(page, "前台今日")
    page.wait_for_url(re.compile(r".*/workbench/windows/$"))
    assert page.get_by_test_id("count-received").inner_text() == "1"
    assert page.get_by_test_id("count-routed").inner_text() == "1"
    routed = page.get_by_test_id("routed-table").inner_text()
    assert case.number in routed and w.dept.name in routed
    shot(page, "windows-day-routed")
    sign_out(page)

    # 2. The back office: the department's approver finds it in 后台队列 and approves it.
    sign_in(page, "approver")
    nav(page, "后台队列")
    office = page.get_by_test_id("back-office")
    assert w.dept.name in office.inner_text()
    office.get_by_role("link", name=case.number).click()
    page.wait_for_url(re.compile(rf".*/workbench/cases/{case.pk}/$"))
    action(page, "advance").get_by_label("意见").fill("材料齐全，符合条件")
    action(page, "advance").get_by_role("button", name="完成本环节").click()
    decide = action(page, "decide")
    decide.get_by_label("准予").check()
    decide.get_by_role("button", name="作出决定").click()
    assert page.get_by_test_id("case-status").inner_text() == "已办结"
    sign_out(page)

    # 3. The department's own desk may not hand it out (综合窗口出件).
    sign_in(page, "clerk")
    page.goto(f"{page.base_url}/workbench/cases/{case.pk}/")
    hand_out = action(page, "hand_out")
    hand_out.get_by_label("领取人", exact=True).fill("张三")
    hand_out.get_by_label("领取人身份证号码").fill(COLLECTOR_ID)
    hand_out.get_by_label("已核验领取人身份证件").check()
    hand_out.get_by_role("button", name="窗口出件").click()
    assert "只能在综合窗口领取" in page.locator("main").inner_text()
    sign_out(page)

    # 4. Another clerk at the same 综合窗口 hands it out from his day view.
    sign_in(page, "front")
    nav(page, "前台今日")
    assert page.get_by_test_id("count-waiting").inner_text() == "1"
    waiting = page.get_by_test_id("waiting-table")
    waiting.locator(f"tr[data-case='{case.number}']").get_by_role("link", name="出件").click()
    page.wait_for_url(re.compile(rf".*/workbench/windows/hand-out/{case.pk}/$"))
    form = page.get_by_test_id("hand-out-form")
    assert form.get_by_label("领取人", exact=True).input_value() == "张三"
    form.get_by_label("领取人", exact=True).fill("王五")
    form.get_by_label("领取人身份证号码").fill(COLLECTOR_ID)
    # without the ID check ticked the hand-out is refused
    form.get_by_role("button", name="确认出件").click()
    assert "请核验领取人的身份证件后再出件" in page.locator("main").inner_text()
    form = page.get_by_test_id("hand-out-form")
    form.get_by_label("领取人身份证号码").fill(COLLECTOR_ID)
    form.get_by_label("已核验领取人身份证件").check()
    shot(page, "windows-hand-out")
    form.get_by_role("button", name="确认出件").click()
    page.wait_for_url(re.compile(r".*/workbench/windows/$"))
    assert "已出件" in page.locator(".messages").inner_text()
    handed = page.get_by_test_id("handed-table").inner_text()
    assert case.number in handed and "王五" in handed and "已核验" in handed
    assert COLLECTOR_ID not in page.content()
    assert page.get_by_test_id("count-waiting").inner_text() == "0"
    shot(page, "windows-day-handed-out")
    case.refresh_from_db()
    record = HandOut.objects.get(case=case)
    assert case.status == CaseStatus.DELIVERED and case.collected_by == "王五"
    assert record.clerk == desk.front.user and record.window == desk.front.window
    assert record.id_checked and record.collector_id_number.reveal() == COLLECTOR_ID
