"""Browser: a department clerk edits an item and submits it, a bureau reviewer returns it with a
comment, then approves it, and the new version is published."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

from tests import factories

from .conftest import claim_ready, publish

pytestmark = pytest.mark.browser

# Set YIWANG_CATALOG_SHOTS to a folder to keep screenshots of the pages for a visual check.
SHOTS = os.environ.get("YIWANG_CATALOG_SHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def sign_in(page, username: str) -> None:
    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{page.base_url}/workbench/")


def sign_out(page) -> None:
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(re.compile(r".*/accounts/sign-in/$"))


def open_item(page, name: str) -> None:
    page.get_by_role("navigation", name="工作台导航").get_by_role("link", name="事项库").click()
    page.wait_for_url(re.compile(r".*/workbench/catalog/items/$"))
    page.get_by_role("link", name=name).click()
    page.wait_for_url(re.compile(r".*/workbench/catalog/items/\d+/$"))


def element(page, name: str):
    return page.locator(f'[data-testid=published-version] dd[data-element="{name}"]')


def open_review(page, name: str) -> None:
    page.get_by_role("navigation", name="工作台导航").get_by_role("link", name="事项审核").click()
    page.wait_for_url(re.compile(r".*/workbench/catalog/review/$"))
    page.get_by_test_id("review-queue").get_by_role("link", name=name).first.click()
    page.wait_for_url(re.compile(r".*/versions/\d+/review/$"))


def test_clerk_edits_reviewer_returns_then_approves_and_publishes(page, world):
    item = claim_ready(world)
    publish(world, item.versions.get())
    name = "食品经营许可（新办）"

    # The clerk opens a new version, shortens the promised limit, renames a material.
    sign_in(page, "clerk")
    open_item(page, name)
    assert element(page, "promised_limit").inner_text() == "10"
    page.get_by_role("button", name="修改（新建版本）").click()
    page.wait_for_url(re.compile(r".*/versions/\d+/edit/$"))
    page.get_by_label("承诺办结时限（工作日）").fill("5")
    page.locator("input[name='materials-0-name']").fill("食品经营许可申请表")
    page.get_by_label("调整原因").fill("压缩承诺时限")
    shot(page, "edit")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_url(re.compile(r".*/versions/\d+/edit/$"))
    assert "v2 已保存。" in page.locator(".messages").inner_text()
    page.get_by_role("link", name="返回事项").click()
    page.get_by_test_id("open-version").get_by_role("button", name="提交审核").click()
    assert "v2 已提交审核。" in page.locator(".messages").inner_text()
    sign_out(page)

    # The reviewer sees the difference and returns it with a comment.
    sign_in(page, "reviewer")
    open_review(page, name)
    changed = page.locator("tr[data-changed=true]")
    assert changed.count() == 1
    assert changed.get_attribute("data-element") == "promised_limit"
    assert changed.locator(".cat-old").inner_text() == "10"
    assert changed.locator(".cat-new").inner_text() == "5"
    materials = page.get_by_test_id("diff-materials")
    assert "新增" in materials.locator("tr", has_text="食品经营许可申请表").inner_text()
    assert "删除" in materials.locator("tr", has_text="食品经营许可申请书").inner_text()
    shot(page, "review")
    page.get_by_label("审核意见").fill("请在办理流程中写明受理环节")
    page.get_by_role("button", name="退回修改").click()
    page.wait_for_url(re.compile(r".*/workbench/catalog/review/$"))
    assert "已退回 v2" in page.locator(".messages").inner_text()
    sign_out(page)

    # The clerk sees the comment on the item, fixes the version (adding a process step with
    # htmx's 添加一行) and submits it again.
    sign_in(page, "clerk")
    open_item(page, name)
    assert "请在办理流程中写明受理环节" in page.get_by_test_id("review-comment").inner_text()
    page.get_by_role("link", name="继续编制").click()
    page.wait_for_url(re.compile(r".*/versions/\d+/edit/$"))
    steps = page.locator("#section-steps")
    steps.locator("input[name='steps-0-name']").fill("受理")
    # With htmx the row is fetched in place; without it the form is posted and shown again
    # with the extra row. Either way nothing is saved and what was typed stays.
    with_htmx = page.evaluate("typeof window.htmx") == "object"
    page.evaluate("window.notReloaded = true")
    steps.get_by_role("button", name="添加一行").click()
    steps.locator("input[name='steps-1-name']").wait_for()
    assert page.evaluate("window.notReloaded === true") == with_htmx
    assert steps.locator("input[name='steps-0-name']").input_value() == "受理"
    steps.locator("input[name='steps-1-name']").fill("审查决定")
    steps.locator("input[name='steps-1-limit_days']").fill("4")
    page.get_by_label("调整原因").fill("按审核意见补充办理流程")
    page.get_by_role("button", name="保存并提交审核").click()
    page.wait_for_url(re.compile(r".*/workbench/catalog/items/\d+/$"))
    assert "v2 已保存并提交审核。" in page.locator(".messages").inner_text()
    sign_out(page)

    # The reviewer approves and publishes.
    sign_in(page, "reviewer")
    open_review(page, name)
    page.get_by_role("button", name="审核通过").click()
    page.wait_for_url(re.compile(r".*/versions/\d+/review/$"))
    page.get_by_role("button", name="发布").click()
    page.wait_for_url(re.compile(r".*/workbench/catalog/items/\d+/$"))
    assert "v2 已发布。" in page.locator(".messages").inner_text()

    # The item now shows v2 with the new limit and steps; v1 is superseded; every step logged.
    assert "现行版本 v2" in page.locator("#published-title").inner_text()
    assert element(page, "promised_limit").inner_text() == "5"
    assert page.locator(".cat-steps li").all_inner_texts() == [
        "受理",
        "审查决定 · 4 个工作日",
    ]
    history = page.get_by_test_id("version-history")
    assert "已发布" in history.locator("li[data-version='2']").inner_text()
    assert "已被新版本替代" in history.locator("li[data-version='1']").inner_text()
    log = page.get_by_test_id("adjustment-log")
    actions = log.locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert actions[:8] == [
        "发布",
        "审核通过",
        "提交审核",
        "编制",
        "退回修改",
        "提交审核",
        "编制",
        "新建版本",
    ]
    assert "请在办理流程中写明受理环节" in log.inner_text()
    assert "按审核意见补充办理流程" in log.inner_text()
    shot(page, "item")

    # v1 is still there, read-only, with the old limit.
    history.get_by_role("link", name="v1").click()
    assert page.locator('dd[data-element="promised_limit"]').inner_text() == "10"

    # The citizen portal's guide shows the new limit (when the guide pages are installed).
    item.refresh_from_db()
    try:
        guide = reverse("guide:item", args=[item.code])
    except NoReverseMatch:
        return
    response = page.goto(f"{page.base_url}{guide}")
    assert response is not None and response.status == 200
    assert "5 个工作日" in page.locator("dt:text-is('承诺办结时限') + dd").inner_text()


def test_clerk_fills_in_the_implementation_list_elements(page, world):
    """The new elements of the national list: ticked, chosen and typed on the edit page, a 中介
    服务 row added, a contradiction refused with its sentence, then shown on the item and the
    public guide."""
    item = claim_ready(world)
    publish(world, item.versions.get())
    name = "食品经营许可（新办）"
    sign_in(page, "clerk")
    open_item(page, name)
    page.get_by_role("button", name="修改（新建版本）").click()
    page.wait_for_url(re.compile(r".*/versions/\d+/edit/$"))
    objects = page.get_by_role("group", name="服务对象")
    objects.get_by_label("法人（企业法人/事业法人/社会组织法人）").check()
    page.get_by_role("group", name="结果送达方式").get_by_label("邮寄送达").check()
    page.get_by_label("通办范围").select_option(label="全国通办")
    page.get_by_label("实施主体性质").select_option(label="受委托组织")
    page.get_by_label("审批结果类型").select_option(label="证照")
    page.get_by_label("审批结果名称").fill("食品经营许可证")
    section = page.locator("#section-intermediaries")
    section.locator("input[name='intermediaries-0-name']").fill("卫生学评价")
    page.get_by_label("调整原因").fill("补充实施清单要素")
    page.get_by_role("button", name="保存", exact=True).click()
    # 受委托组织 without its 委托部门: refused, naming the element; nothing typed is lost.
    error = page.locator(".field.has-error", has=page.get_by_label("委托部门"))
    assert "实施主体为受委托组织时，须填写委托部门。" in error.inner_text()
    assert page.get_by_label("审批结果名称").input_value() == "食品经营许可证"
    page.get_by_label("委托部门").fill("示范县人民政府")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_url(re.compile(r".*/versions/\d+/edit/$"))
    assert "v2 已保存。" in page.locator(".messages").inner_text()
    shot(page, "list-elements")
    page.get_by_role("link", name="返回事项").click()
    page.get_by_test_id("open-version").get_by_role("button", name="提交审核").click()
    sign_out(page)

    sign_in(page, "reviewer")
    open_review(page, name)
    changed = page.locator("tr[data-changed=true]")
    assert "service_scope" in changed.evaluate_all("rows => rows.map(r => r.dataset.element)")
    intermediaries = page.get_by_test_id("diff-intermediaries")
    assert "新增" in intermediaries.locator("tr", has_text="卫生学评价").inner_text()
    page.get_by_role("button", name="审核通过").click()
    page.wait_for_url(re.compile(r".*/versions/\d+/review/$"))
    page.get_by_role("button", name="发布").click()
    page.wait_for_url(re.compile(r".*/workbench/catalog/items/\d+/$"))
    assert element(page, "service_scope").inner_text() == "全国通办"

    item.refresh_from_db()
    page.goto(f"{page.base_url}{reverse('guide:item', args=[item.code])}")
    assert page.get_by_test_id("service-scope").inner_text() == "全国通办"
    assert "法人" in page.get_by_test_id("service-objects").inner_text()
    assert "食品经营许可证" in page.get_by_test_id("result-name").inner_text()
    assert "卫生学评价" in page.get_by_test_id("intermediaries").inner_text()
    assert "委托部门" in page.get_by_test_id("basic-info").inner_text()
