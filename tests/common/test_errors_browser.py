"""Browser: error pages as people meet them — a mistyped address on the portal, a stale link in
the workbench, a sign-in form left open until its CSRF cookie is gone. Chinese, in the site's
own shell, with the way back."""

from __future__ import annotations

import pytest

from tests import factories as f

pytestmark = pytest.mark.browser


def test_a_mistyped_portal_address_shows_the_portal_404_and_the_way_home(page):
    response = page.goto(f"{page.base_url}/no/such/page/")
    assert response.status == 404
    assert page.get_by_role("heading", name="页面不存在").is_visible()
    assert page.get_by_text("您要找的内容不存在或已被移除。").is_visible()
    assert page.get_by_role("navigation", name="主导航").is_visible()
    page.get_by_role("link", name="返回首页").click()
    page.wait_for_url(f"{page.base_url}/")


def test_a_stale_workbench_link_shows_the_404_in_the_workbench(page):
    f.staff(f.department("县浏览器局"), ["window_clerk"], username="liming")
    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.locator("input[name=username]").fill("liming")
    page.locator("input[name=password]").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{page.base_url}/workbench/")

    response = page.goto(f"{page.base_url}/workbench/no/such/page/")
    assert response.status == 404
    assert page.get_by_role("heading", name="页面不存在").is_visible()
    assert page.get_by_role("navigation", name="工作台导航").is_visible()
    page.get_by_role("link", name="返回工作台首页").click()
    page.wait_for_url(f"{page.base_url}/workbench/")


def test_a_form_whose_csrf_cookie_is_gone_says_the_page_expired(page):
    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.context.clear_cookies()
    page.locator("input[name=username]").fill("liming")
    page.locator("input[name=password]").fill("whatever")
    with page.expect_response(lambda r: r.url.endswith("/accounts/sign-in/")) as answer:
        page.get_by_role("button", name="登录").click()
    assert answer.value.status == 403
    assert page.get_by_role("heading", name="页面已过期").is_visible()
    assert page.get_by_text("请刷新页面后重试").is_visible()
    assert "CSRF" not in page.locator("main").inner_text()
