"""Browser: a staff member signs in through the real page and lands on the workbench."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import factories
from yiwang.org import services
from yiwang.org.models import DepartmentKind, RegionLevel

pytestmark = pytest.mark.browser

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture
def clerk(transactional_db):
    county = services.region_create(code="341199000000", name="示范县", level=RegionLevel.COUNTY)
    department = services.department_create(
        name="示范县市场监督管理局",
        short_name="县市场监管局",
        uscc=factories.uscc(),
        kind=DepartmentKind.AUTHORITY,
        region=county,
    )
    return services.staff_create(
        username="zhangwei",
        full_name="张伟",
        department=department,
        roles=["window_clerk", "approver"],
        password=factories.PASSWORD,
        must_change_password=False,
        title="科员",
    )


def sign_in(page, username, password):
    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="登录").click()


def test_staff_sign_in_shows_the_workbench_with_the_department(page, clerk):
    sign_in(page, "zhangwei", factories.PASSWORD)
    page.wait_for_url(f"{page.base_url}/workbench/")
    assert page.get_by_role("heading", level=1).inner_text() == "您好，张伟"
    assert page.get_by_test_id("home-department").inner_text() == "示范县市场监督管理局"
    assert page.get_by_test_id("user-department").inner_text() == "示范县市场监督管理局"
    assert "本部门（示范县市场监督管理局）" in page.get_by_test_id("data-scope").inner_text()
    # the stylesheet and htmx were served by the application itself
    assert page.evaluate("typeof window.htmx") == "object"
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.wb-topbar')).position") == "sticky"
    )


def test_sign_out_returns_to_sign_in(page, clerk):
    sign_in(page, "zhangwei", factories.PASSWORD)
    page.wait_for_url(f"{page.base_url}/workbench/")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(f"{page.base_url}/accounts/sign-in/")
    page.goto(f"{page.base_url}/workbench/")
    assert page.url.startswith(f"{page.base_url}/accounts/sign-in/")


def test_language_switch_to_english(page, clerk):
    sign_in(page, "zhangwei", factories.PASSWORD)
    page.wait_for_url(f"{page.base_url}/workbench/")
    page.get_by_role("button", name="English").click()
    page.wait_for_url(f"{page.base_url}/workbench/")
    assert page.get_by_role("heading", name="My to-do list").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"


def test_mobile_width_has_no_horizontal_scroll(page, clerk):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, "zhangwei", factories.PASSWORD)
    page.wait_for_url(f"{page.base_url}/workbench/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.get_by_test_id("home-department").is_visible()


@pytest.mark.skip_allowed("screenshots")
@pytest.mark.skipif(not os.environ.get("YIWANG_SCREENSHOTS"), reason="set YIWANG_SCREENSHOTS=1")
def test_screenshot_for_the_readme(page, clerk, monkeypatch):
    """YIWANG_SCREENSHOTS=1 pytest -m browser -k screenshot  → docs/img/*.png"""
    # The state of a November: next year's holiday arrangements not yet published.
    monkeypatch.setattr("yiwang.workbench.views.calendar_unconfirmed_years", lambda today: [2027])
    sign_in(page, "zhangwei", factories.PASSWORD)
    page.wait_for_url(f"{page.base_url}/workbench/")
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_IMG / "workbench.png"))
