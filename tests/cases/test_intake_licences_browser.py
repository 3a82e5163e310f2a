"""Browser: a window clerk registers a walk-in who holds a valid 不动产权证书; the intake page
shows the 经营场所使用证明 as 免提交 with the licence and no paper checkbox for it, and the
registered case's page lists the licence attached."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests import factories
from tests.cases.conftest import ID_NUMBER, world  # noqa: F401 (fixture)
from tests.cases.test_workbench_browser import _calendar_confirmed, nav, sign_in  # noqa: F401
from tests.licenses.conftest import issue, issuer  # noqa: F401 (fixture)
from yiwang.cases.models import Case
from yiwang.licenses import services
from yiwang.licenses.models import LicenseUse

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_walk_ins_licence_stands_in_at_the_window(page, world, issuer):  # noqa: F811
    deed = services.license_type_create(
        code=factories.uscc() + "001", name="不动产权证书", department=issuer
    )
    services.license_material_link(license_type=deed, material_name="经营场所使用证明")
    licence = issue(
        deed,
        holder_id_number=ID_NUMBER,
        fields={},
        valid_from=dt.date(2020, 1, 1),
        valid_until=None,
    )
    sign_in(page, "clerk")
    nav(page, "窗口收件")
    page.wait_for_url(re.compile(r".*/workbench/cases/intake/$"))
    page.get_by_label("居民身份证号码").fill(ID_NUMBER)
    page.get_by_role("button", name="查找").click()
    page.get_by_test_id("intake-applicant").wait_for()
    page.get_by_label("申请事项").select_option(label=f"{world.item}（{world.item.code}）")
    page.get_by_role("button", name="开始登记").click()
    page.wait_for_url(re.compile(r".*/workbench/cases/intake/\d+/$"))
    materials = page.get_by_test_id("intake-materials")
    row = materials.locator("tr[data-order='2']")
    assert (
        f"免提交（已关联电子证照“不动产权证书” {licence.identifier}）"
        in row.get_by_test_id("exempt-licence").inner_text()
    )
    assert row.locator("input").count() == 0  # not in the paper checklist
    page.get_by_label("经营场所", exact=True).fill("示范县城关镇人民路 1 号")
    materials.locator("tr[data-order='1']").get_by_label("纸质原件已收").check()
    page.get_by_role("button", name="提交并受理").click()
    page.wait_for_url(re.compile(r".*/workbench/cases/\d+/$"))
    assert "已受理" in page.locator(".messages").inner_text()
    attached = page.get_by_test_id("materials").locator("li[data-order='2']")
    assert licence.identifier in attached.get_by_test_id("exempt-licence").inner_text()
    case = Case.objects.get()
    assert LicenseUse.objects.get(case=case).actor == world.clerk.user
