"""Browser: a citizen applies online with uploads from the guide's 在线申请 button, a clerk asks
for a correction, the citizen sees it and resubmits, the clerk accepts and an approver approves
(through the services: the workbench pages are tested on their own), and the citizen finds the
case concluded on 我的办件 and downloads the decision. Also: the apply page at phone width."""

from __future__ import annotations

import re

import pytest

from tests.cases.conftest import PASSWORD, CaseWorld
from tests.common import files
from yiwang.cases import services as s
from yiwang.cases.fields import CaseStatus
from yiwang.cases.models import Case

pytestmark = pytest.mark.browser

PDF = files.pdf(pages=1)
PHONE = "13800138000"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf_file(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def sign_in_from_the_guide(page, world: CaseWorld) -> None:
    page.goto(f"{page.base_url}/guide/item/{world.item.code}/")
    page.get_by_test_id("apply").click()
    page.wait_for_url(re.compile(r".*/accounts/citizen/sign-in/\?next=.*"))
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(rf".*/my/cases/apply/{world.item.code}/$"))


def test_apply_correct_resubmit_and_download_the_result(page, world):
    sign_in_from_the_guide(page, world)
    assert page.get_by_role("heading", level=1).inner_text() == "食品经营许可（新办）"
    # prefilled from the profile; the ID number only masked
    assert page.get_by_label("申请人姓名").input_value() == "张三"
    assert "3411" in page.get_by_test_id("known-value").first.inner_text()
    assert PHONE not in page.content()
    exempt = page.locator("[data-testid=material][data-order='3']")
    assert "无需提交，由部门共享获取" in exempt.inner_text()
    assert exempt.locator("input[type=file]").count() == 0
    page.get_by_label("经营场所", exact=True).fill("示范县城关镇人民路 1 号")
    page.locator("input[name=material_1]").set_input_files(pdf_file("申请书.pdf"))
    page.locator("input[name=material_2]").set_input_files(pdf_file("场所证明.pdf"))
    page.get_by_label("电子送达").check()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r".*/my/cases/\d+/$"))
    assert page.get_by_test_id("case-status").inner_text() == "待受理"
    case = Case.objects.get(applicant=world.citizen)
    assert case.status == CaseStatus.SUBMITTED and case.materials.count() == 2

    # a clerk asks for everything at once
    s.case_request_correction(
        case=case,
        actor=world.clerk.user,
        entries=[{"order": 2, "note": "证明已过期，请提供有效期内的证明"}],
    )
    page.reload()
    correction = page.get_by_test_id("correction")
    assert "证明已过期，请提供有效期内的证明" in correction.inner_text()
    assert page.get_by_test_id("case-status").inner_text() == "待补正"
    page.get_by_label("重新上传：经营场所使用证明").set_input_files(pdf_file("新证明.pdf"))
    page.get_by_role("button", name="提交补正").click()
    page.get_by_text("补正材料已提交").wait_for()
    assert page.get_by_test_id("case-status").inner_text() == "待受理"

    # accepted and approved
    case.refresh_from_db()
    case = s.case_accept(case=case, actor=world.clerk.user)
    case = s.case_advance(case=case, actor=world.approver.user)
    s.case_decide(case=case, actor=world.approver.user, decision="approve")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的办件").click()
    page.wait_for_url(re.compile(r".*/my/cases/$"))
    row = page.locator(f"[data-testid=case-row][data-number='{case.number}']")
    assert row.get_by_test_id("case-status").inner_text() == "已办结"
    row.get_by_role("link", name="食品经营许可（新办）").click()
    steps = page.locator("[data-testid=timeline] li")
    assert steps.all_inner_texts()[3].startswith("已办结")
    assert steps.nth(3).get_attribute("data-state") == "current"
    with page.expect_download() as download:
        page.get_by_test_id("notice-approval").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert download.value.suggested_filename.startswith("准予许可决定书")


def test_the_apply_page_at_phone_width_without_javascript(
    browser, live_server, transactional_db, django_db_serialized_rollback, world
):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    page.base_url = live_server.url
    try:
        sign_in_from_the_guide(page, world)
        page.wait_for_load_state()
        width = page.locator("html").bounding_box()
        assert width is not None and width["width"] <= 375
        assert page.locator("body").evaluate("b => b.scrollWidth") <= 375
        # the address fields show only while 免费邮寄 is chosen (CSS, no script)
        page.get_by_label("窗口领取").check()
        assert not page.get_by_test_id("ems-fields").is_visible()
        page.get_by_label("免费邮寄（EMS）").check()
        assert page.get_by_test_id("ems-fields").is_visible()
        page.get_by_label("邮寄地址").fill("示范县城关镇人民路 1 号")
        page.get_by_role("button", name="保存草稿").click()
        page.get_by_text("草稿已保存").wait_for()
        case = Case.objects.get(applicant=world.citizen)
        assert case.status == CaseStatus.DRAFT and case.delivery == "ems"
        assert case.delivery_address["phone"] == PHONE  # the profile's mobile, kept
    finally:
        context.close()
