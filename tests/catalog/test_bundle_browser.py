"""Browser: a bureau reviewer opens 一件事管理 from the workbench navigation, changes a bundle's
生活场景 and sees it saved."""

from __future__ import annotations

import re

import pytest

from tests import factories
from yiwang.catalog import services
from yiwang.catalog.models import Bundle

from .conftest import claim_ready, publish

pytestmark = pytest.mark.browser


def test_reviewer_edits_a_bundles_situations(page, world):
    item = claim_ready(world)
    publish(world, item.versions.get())
    item.refresh_from_db()
    bundle = services.bundle_create(
        code="YJS001",
        name="开办餐饮店",
        lead_department=world.dept,
        stages=[[item]],
        situations="开饭店",
    )

    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.locator("input[name=username]").fill("reviewer")
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{page.base_url}/workbench/")

    page.get_by_role("navigation", name="工作台导航").get_by_role("link", name="一件事管理").click()
    page.wait_for_url(re.compile(r".*/workbench/catalog/bundles/$"))
    page.get_by_test_id("bundle-list").get_by_role("link", name="开办餐饮店").click()
    page.wait_for_url(re.compile(r".*/workbench/catalog/bundles/\d+/$"))
    assert "食品经营许可（新办）" in page.get_by_test_id("bundle-stages").inner_text()

    page.get_by_label("生活场景", exact=True).fill("开饭店 开餐馆")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_url(re.compile(r".*/workbench/catalog/bundles/\d+/$"))
    assert "一件事“开办餐饮店”已保存。" in page.locator(".messages").inner_text()
    assert page.get_by_label("生活场景", exact=True).input_value() == "开饭店 开餐馆"
    bundle.refresh_from_db()
    assert bundle.situations == "开饭店 开餐馆"
    assert Bundle.objects.count() == 1
