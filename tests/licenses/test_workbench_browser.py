"""Browser: a department's approver opens 证照库 from the workbench navigation, filters by the
holder's name, opens a licence, revokes it with a reason, and the licence's public verify link
then shows 已撤销 with that reason."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.licenses.conftest import issue

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _calendar_confirmed(monkeypatch):
    monkeypatch.setattr("yiwang.workbench.views.calendar_unconfirmed_years", lambda today: [])


def test_staff_revoke_a_licence_and_the_verify_page_says_revoked(page, issuer, license_type):
    licence = issue(license_type, holder_name="赵六")
    issue(license_type, holder_name="孙七")
    factories.staff(issuer, ["approver"], username="approver")

    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.locator("input[name=username]").fill("approver")
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{page.base_url}/workbench/")
    page.get_by_test_id("nav-license-library").click()
    page.wait_for_url(re.compile(r".*/workbench/licenses/$"))
    assert page.get_by_test_id("license-row").count() == 2
    page.get_by_label("持证主体").fill("赵六")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r".*/workbench/licenses/\?.*q=.*"))
    rows = page.get_by_test_id("license-row")
    assert rows.count() == 1 and licence.identifier in rows.inner_text()
    rows.get_by_role("link", name=license_type.name).click()
    page.wait_for_url(re.compile(rf".*/workbench/licenses/{licence.pk}/$"))
    assert "有效" in page.get_by_test_id("license-status").inner_text()

    page.get_by_label("变更为").select_option("revoked")
    page.get_by_label("原因").fill("以欺骗手段取得许可，依法撤销")
    page.get_by_role("button", name="确认变更").click()
    page.wait_for_url(re.compile(rf".*/workbench/licenses/{licence.pk}/$"))
    assert "撤销" in page.get_by_test_id("license-status").inner_text()
    assert "以欺骗手段取得许可，依法撤销" in page.get_by_test_id("status-history").inner_text()
    assert page.get_by_test_id("status-form").count() == 0

    page.get_by_test_id("verify-link").click()
    page.wait_for_url(re.compile(r".*/licenses/verify/.*"))
    verdict = page.get_by_test_id("verdict")
    assert verdict.get_attribute("data-result") == "revoked"
    assert verdict.locator("strong").inner_text() == "已撤销"
    assert "以欺骗手段取得许可，依法撤销" in verdict.inner_text()
