"""Browser: a citizen applies for 开办餐饮店一件事 with one form and sees one timeline until the
result — from the bundle guide's 在线申请 button, through the sign-in, one form (the shared fields
once, personal values masked), one set of materials (the shared one once), submission; the
departments then handle the child cases stage by stage (through the services: the workbench
pages are tested on their own) and the citizen follows them on the bundle's one timeline until
the result notice."""

from __future__ import annotations

import re

import pytest

from tests.cases.bundle_world import PASSWORD, approve, bundle_world, open_children
from tests.common import files
from yiwang.cases.fields import BundleCaseStatus
from yiwang.cases.models import BundleCase

pytestmark = pytest.mark.browser
__all__ = ["bundle_world"]

PDF = files.pdf(pages=1)
PHONE = "13800138000"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf_file(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def test_one_form_one_timeline_until_the_result(page, bundle_world):
    world = bundle_world
    page.goto(f"{page.base_url}/guide/bundle/{world.bundle.code}/")
    page.get_by_test_id("apply").click()
    page.wait_for_url(re.compile(r".*/accounts/citizen/sign-in/\?next=.*"))
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(rf".*/my/cases/bundles/apply/{world.bundle.code}/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "开办餐饮店一件事"

    # one form: every field once, though three items ask for the applicant's name
    fields = page.get_by_test_id("bundle-field")
    keys = [fields.nth(i).get_attribute("data-key") for i in range(fields.count())]
    assert len(keys) == len(set(keys)) == 5
    assert page.get_by_label("申请人姓名").input_value() == "张三"
    assert "3 个事项共用" in fields.first.inner_text()
    assert PHONE not in page.content()  # the profile's phone shown masked only
    page.get_by_label("经营场所", exact=True).fill("示范县城关镇人民路 1 号")
    page.get_by_label("营业面积（平方米）").fill("120")

    # one set of materials: 经营场所使用证明 once for the three items, 营业执照 not asked
    materials = page.get_by_test_id("material")
    names = [
        materials.nth(i).locator(".material-name").inner_text() for i in range(materials.count())
    ]
    assert sum("经营场所使用证明" in n for n in names) == 1
    assert (
        page.locator("[data-testid=material]", has_text="营业执照").get_by_test_id("exempt").count()
        == 1
    )
    for label in (
        "个体工商户登记申请书",
        "经营场所使用证明",
        "食品经营许可申请书",
        "消防安全检查申请表",
    ):
        page.get_by_label(f"选择文件：{label}").set_input_files(pdf_file(f"{label}.pdf"))
    page.get_by_label("电子送达").check()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r".*/my/cases/bundles/\d+/$"))
    page.get_by_text("一件事申请已提交").wait_for()
    assert page.get_by_test_id("bundle-status").inner_text() == "办理中"
    stage_one = page.locator("[data-testid=stage][data-order='1']")
    assert "待受理" in stage_one.inner_text()
    assert "未开始" in page.locator("[data-testid=stage][data-order='2']").inner_text()
    bundle_case = BundleCase.objects.get(applicant=world.citizen)
    assert bundle_case.delivery == "electronic"

    # stage 1 approved: stage 2 starts in two departments at once
    approve(world, open_children(bundle_case)[0])
    page.reload()
    assert page.get_by_test_id("joint-deadline").is_visible()
    stage_two = page.locator("[data-testid=stage][data-order='2']")
    assert stage_two.get_by_test_id("child-status").all_inner_texts() == ["待受理", "待受理"]
    timeline = page.get_by_test_id("timeline-entry").all_inner_texts()
    assert any("联合办理开始计时" in line for line in timeline)
    assert any("作出决定" in line and "个体工商户设立登记" in line for line in timeline)

    # both approved: one result notice
    for child in open_children(bundle_case):
        approve(world, child)
    page.reload()
    assert page.get_by_test_id("bundle-status").inner_text() == "已办结"
    notice = page.get_by_test_id("result-notice")
    assert "一件事办理结果告知书" in notice.inner_text()
    assert len(notice.get_by_test_id("result-item").all()) == 3
    bundle_case.refresh_from_db()
    assert bundle_case.status == BundleCaseStatus.CONCLUDED
    lines = page.get_by_test_id("timeline-entry").all_inner_texts()
    assert "一件事办结" in lines[-1]
