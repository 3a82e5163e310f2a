"""Browser: a clerk fetches (用证) the applicant's licence from the case page with a reason;
the citizen opens 我的证照, sees his licence and, in its 用证记录, the clerk's department and
role, the case and the reason — never the clerk's name — and downloads the file and the PDF."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.cases.conftest import ID_NUMBER, PASSWORD, world  # noqa: F401 (fixture)
from tests.licenses.conftest import issue
from yiwang.cases import services as cases

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _calendar_confirmed(monkeypatch):
    monkeypatch.setattr("yiwang.workbench.views.calendar_unconfirmed_years", lambda today: [])


def test_a_citizen_sees_who_used_his_licence(page, world, license_type):  # noqa: F811
    licence = issue(license_type, holder_id_number=ID_NUMBER)
    case = cases.case_create(
        item=world.item, applicant=world.citizen, actor=world.citizen.user, form=world.form()
    )

    # The clerk, on the case page → 用证.
    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.locator("input[name=username]").fill("clerk")
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{page.base_url}/workbench/")
    page.goto(f"{page.base_url}/workbench/cases/{case.pk}/")
    page.get_by_test_id("license-use-link").click()
    page.wait_for_url(re.compile(rf".*/workbench/licenses/cases/{case.pk}/$"))
    page.get_by_label("用证事由").fill("核验食品经营资格")
    page.get_by_role("button", name="调用证照").click()
    uses = page.get_by_test_id("case-uses")
    uses.wait_for()
    assert licence.identifier in uses.inner_text()
    page.get_by_role("button", name="退出登录").click()

    # The citizen: 我的证照 → the licence → 用证记录.
    page.goto(f"{page.base_url}/accounts/citizen/sign-in/")
    page.get_by_label("手机号码").fill("13800138000")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="我的证照").first.click()
    page.wait_for_url(re.compile(r".*/my/licenses/$"))
    row = page.get_by_test_id("license-row")
    assert "有效" in row.inner_text()
    row.get_by_role("link", name=license_type.name).click()
    page.wait_for_url(re.compile(rf".*/my/licenses/{licence.pk}/$"))
    text = page.get_by_test_id("license-uses").inner_text()
    assert "核验食品经营资格" in text
    assert world.dept.name in text and "窗口工作人员" in text
    assert case.number in text
    assert world.clerk.full_name not in page.content()
    with page.expect_download() as download:
        page.get_by_test_id("license-file").click()
    assert download.value.suggested_filename.endswith(".json")
    with page.expect_download() as download:
        page.get_by_test_id("license-pdf").click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as handle:
        assert handle.read(4) == b"%PDF"
