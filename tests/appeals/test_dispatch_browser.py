"""Browser: the bureau opens 职责清单 from the workbench navigation, adds an entry for a
department (a keyword of one character is refused in a Chinese sentence), tries a complaint and
sees the department suggested with its reason, then switches the entry off."""

from __future__ import annotations

import re

import pytest

from tests import factories as f
from yiwang.appeals.models import Responsibility

pytestmark = pytest.mark.browser


def test_the_bureau_keeps_a_responsibility_list_and_tries_it(page, tw):
    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.locator("input[name=username]").fill("dispatcher")
    page.locator("input[name=password]").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{page.base_url}/workbench/")
    page.get_by_role("link", name="职责清单").click()
    page.wait_for_url(re.compile(r".*/workbench/appeals/responsibilities/$"))

    form = page.get_by_test_id("entry-form")
    form.get_by_label("部门", exact=True).select_option(label="县市场监督管理局")
    form.get_by_label("职责事项").fill("食品安全")
    form.get_by_label("关键词").fill("电")
    page.get_by_test_id("add-entry").click()
    page.get_by_text("请至少填写一个关键词").wait_for()
    assert not Responsibility.objects.exists()

    form = page.get_by_test_id("entry-form")
    form.get_by_label("关键词").fill("食品、过期\n饭店、后厨")
    page.get_by_test_id("add-entry").click()
    page.get_by_text("已为县市场监督管理局添加职责事项“食品安全”。").wait_for()
    assert "食品安全" in page.get_by_test_id("responsibilities").inner_text()

    page.get_by_label("诉求内容").fill("人民路一家饭店后厨很脏，还卖过期食品")
    page.get_by_role("button", name="查看派单建议").click()
    first = page.get_by_test_id("try-suggestions").locator("li").first
    assert "县市场监督管理局" in first.inner_text()
    assert "职责清单「食品安全」" in first.inner_text()

    page.get_by_test_id("responsibilities").get_by_role("link", name="编辑").click()
    page.get_by_label("启用（参与派单建议）").uncheck()
    page.get_by_test_id("save-entry").click()
    page.get_by_text("职责事项“食品安全”已保存。").wait_for()
    assert "已停用" in page.get_by_test_id("responsibilities").inner_text()
    assert not Responsibility.objects.get(title="食品安全").active
