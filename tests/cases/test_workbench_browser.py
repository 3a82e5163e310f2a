"""Browser: a walk-in at the hall's 综合窗口 — a clerk of another department registers and
accepts an application for the 市场监管局's item (无差别受理), and the department's approver
completes the review step and approves it; a clerk asks for a correction from the case page
(一次性告知), reaching the case from the workbench home's to-do list."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests import factories
from tests.cases.conftest import ID_NUMBER
from tests.common import files
from yiwang.cases import services as s
from yiwang.cases.fields import CaseStatus
from yiwang.cases.models import Case

pytestmark = pytest.mark.browser

# Set YIWANG_CASES_SHOTS to a folder to keep screenshots of the pages for a visual check.
SHOTS = os.environ.get("YIWANG_CASES_SHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


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


def test_a_walk_in_at_the_comprehensive_window_for_another_departments_item(page, world):
    item_name = str(world.item)
    # The counter clerk (县公安局, at the 综合窗口) registers the walk-in.
    sign_in(page, "counter")
    nav(page, "窗口收件")
    page.wait_for_url(re.compile(r".*/workbench/cases/intake/$"))
    assert "综合窗口" in page.locator("main").inner_text()
    page.get_by_label("居民身份证号码").fill(ID_NUMBER)
    page.get_by_role("button", name="查找").click()
    assert page.get_by_test_id("intake-applicant").inner_text() == "张三"
    assert ID_NUMBER not in page.content()
    # narrow the item list by typing (htmx swaps the choice), then pick the item
    page.get_by_label("按名称或编码筛选事项").fill("不存在的事项")
    page.get_by_test_id("no-items").wait_for()
    page.get_by_label("按名称或编码筛选事项").fill("食品经营")
    page.locator("#id_item option", has_text=item_name).wait_for(state="attached")
    page.get_by_label("申请事项").select_option(label=f"{item_name}（{world.item.code}）")
    page.get_by_role("button", name="开始登记").click()
    page.wait_for_url(re.compile(r".*/workbench/cases/intake/\d+/$"))
    # the personal fields came from the applicant's record, masked
    assert ID_NUMBER not in page.content()
    page.get_by_label("经营场所", exact=True).fill("示范县城关镇人民路 1 号")
    materials = page.get_by_test_id("intake-materials")
    materials.locator("tr[data-order='1']").get_by_label("纸质原件已收").check()
    materials.locator("tr[data-order='2']").get_by_label("纸质原件已收").check()
    assert "免提交" in materials.locator("tr[data-order='3']").inner_text()
    shot(page, "intake-case")
    page.get_by_role("button", name="提交并受理").click()
    page.wait_for_url(re.compile(r".*/workbench/cases/\d+/$"))
    assert "已受理" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("case-status").inner_text() == "审查中"
    case = Case.objects.get()
    assert case.department == world.dept and case.window == world.counter.window
    assert (
        page.get_by_test_id("promised-deadline")
        .inner_text()
        .startswith(case.promised_deadline.isoformat())
    )
    assert "受理通知书" in page.get_by_test_id("notices").inner_text()
    sign_out(page)

    # The department's approver finds it in 待审批, completes the step and approves.
    sign_in(page, "approver")
    nav(page, "待审批")
    page.get_by_test_id("queue-table").get_by_role("link", name=case.number).click()
    page.wait_for_url(re.compile(rf".*/workbench/cases/{case.pk}/$"))
    action(page, "advance").get_by_label("意见").fill("材料齐全，符合条件")
    action(page, "advance").get_by_role("button", name="完成本环节").click()
    assert "本环节已完成" in page.locator(".messages").inner_text()
    shot(page, "detail-review")
    decide = action(page, "decide")
    decide.get_by_label("准予").check()
    decide.get_by_role("button", name="作出决定").click()
    assert "已办结" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("case-status").inner_text() == "已办结"
    assert "准予许可决定书" in page.get_by_test_id("notices").inner_text()
    history = page.get_by_test_id("history").inner_text()
    assert "受理" in history and "完成本环节" in history and "作出决定" in history
    case.refresh_from_db()
    assert case.status == CaseStatus.CONCLUDED and case.decided_by == world.approver.user


def test_a_clerk_requests_a_correction_from_the_case_page(page, world):
    citizen = world.citizen.user
    case = s.case_create(item=world.item, applicant=world.citizen, actor=citizen, form=world.form())
    pdf = files.pdf(pages=1)
    s.case_material_upload(case=case, actor=citizen, order=1, file=pdf, file_name="申请书.pdf")
    s.case_material_upload(
        case=case, actor=citizen, order=2, file=files.png(), file_name="场所证明.png"
    )
    case = s.case_submit(case=case, actor=citizen)

    sign_in(page, "clerk")
    # the home page's to-do list leads to the case
    todo = page.get_by_test_id("todo-group").filter(has_text="办件待受理")
    assert "1 件待处理" in todo.inner_text()
    todo.get_by_role("link", name=re.compile(case.number)).click()
    page.wait_for_url(re.compile(rf".*/workbench/cases/{case.pk}/$"))
    # masked personal data, the image previewed inline, the PDF as a link
    assert ID_NUMBER not in page.content() and "13800138000" not in page.content()
    # the image is served by the download view and decodes (naturalWidth > 0)
    page.wait_for_function(
        "() => { const img = document.querySelector('[data-testid=material-preview]');"
        " return img !== null && img.complete && img.naturalWidth > 0; }"
    )
    assert page.get_by_test_id("material-pdf").count() == 1

    shot(page, "detail-submitted")
    correction = action(page, "request_correction")
    correction.get_by_label("食品经营许可申请书").check()
    correction.locator("input[name='request_correction-n_1']").fill("缺少申请人签字")
    correction.locator("input[name='request_correction-x_name_1']").fill("经营场所照片")
    correction.locator("input[name='request_correction-x_note_1']").fill("请补充门头照片")
    correction.get_by_role("button", name="一次性告知补正").click()
    assert "已一次性告知补正" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("case-status").inner_text() == "待补正"
    listed = page.get_by_test_id("correction").inner_text()
    assert "缺少申请人签字" in listed and "请补充门头照片" in listed
    assert "补正告知书" in page.get_by_test_id("notices").inner_text()
    # no intake action is offered while the applicant corrects
    assert action(page, "accept").count() == 0
    case.refresh_from_db()
    assert case.status == CaseStatus.CORRECTION
