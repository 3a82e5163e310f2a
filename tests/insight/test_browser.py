"""Browser: a leader opens the 指标 page for 2026H1, sees the department ranking of 办件量,
clicks a department and lands on its drill-down list — the department's cases of the period,
each linking to the case's page."""

from __future__ import annotations

import re

import pytest

from tests import factories as f
from yiwang.org.models import Department

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _calendar_confirmed(monkeypatch):
    monkeypatch.setattr("yiwang.workbench.views.calendar_unconfirmed_years", lambda today: [])


def test_a_leader_drills_down_from_a_ranking(page, figures):
    f.staff(Department.objects.get(is_bureau=True), ["leader"], username="leader")
    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.locator("input[name=username]").fill("leader")
    page.locator("input[name=password]").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{page.base_url}/workbench/")

    page.get_by_role("link", name="指标", exact=True).click()
    page.wait_for_url(re.compile(r".*/workbench/insight/$"))
    page.get_by_label("统计期").fill("2026H1")
    page.get_by_role("button", name="查看").click()
    assert page.get_by_test_id("period").inner_text() == "2026年上半年"
    assert page.get_by_test_id("value-cases.total").inner_text() == "3 件"

    ranking = page.get_by_test_id("ranking-department")
    assert "县市场监督管理局" in ranking.inner_text()
    ranking.get_by_role("link", name="测试镇1市场监管所").click()
    page.wait_for_url(
        re.compile(
            rf".*/workbench/insight/cases\.total/\?period=2026H1&department={figures.town.pk}$"
        )
    )
    assert page.get_by_test_id("heading").inner_text() == "测试镇1市场监管所"
    assert page.get_by_test_id("value").inner_text() == "1 件"
    records = page.get_by_test_id("records")
    c3 = figures.cases["c3"]
    assert records.get_by_role("link").all_inner_texts() == [c3.number]
    records.get_by_role("link", name=c3.number).click()
    page.wait_for_url(re.compile(rf".*/workbench/cases/{c3.pk}/$"))
