"""Browser: the bureau reviewer signs in, sees the pending review on the workbench home and
follows the to-do list to the version's review page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from yiwang.org import services as org

from .test_browser import sign_in
from .test_todo import submitted_version

pytestmark = pytest.mark.browser


@pytest.fixture
def pending(transactional_db):
    market = factories.department("示范县市场监督管理局")
    bureau = factories.department("示范县数据资源管理局", is_bureau=True)
    org.staff_create(
        username="reviewer",
        full_name="李审",
        department=bureau,
        roles=["bureau_admin"],
        password=factories.PASSWORD,
        must_change_password=False,
    )
    return submitted_version(market, "000103001000", "食品经营许可（新办）")


def test_the_to_do_list_shows_the_pending_review_and_leads_to_it(page, pending):
    sign_in(page, "reviewer", factories.PASSWORD)
    page.wait_for_url(f"{page.base_url}/workbench/")
    todo = page.locator("section[aria-labelledby=todo-title]")
    assert "暂无待办事项" not in todo.inner_text()
    assert todo.get_by_test_id("todo-count").inner_text() == "1 件待处理"
    todo.get_by_test_id("todo-entry").filter(has_text="食品经营许可（新办） v1").click()
    page.wait_for_url(f"{page.base_url}{reverse('catalog:version-review', args=[pending.pk])}")
    assert "食品经营许可（新办）" in page.content()
    page.go_back()
    todo.get_by_test_id("todo-group-link").click()
    page.wait_for_url(f"{page.base_url}{reverse('catalog:review-list')}")
    assert "食品经营许可（新办）" in page.locator("main").inner_text()
