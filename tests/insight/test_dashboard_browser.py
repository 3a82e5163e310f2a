"""Browser: a leader opens the county dashboard (一屏观) for 2026H1 on a 1920×1080 screen, sees
the headline numbers and the charts drawn (a canvas in each chart box, the town map too), clicks
a department's bar in the ranking and lands on that department's drill-down list. On a phone the
same page is one column, without horizontal scrolling."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from tests import factories as f
from yiwang.org.models import Department

pytestmark = pytest.mark.browser

BAR = """([label]) => {
  const box = document.querySelector('[data-chart="department"]');
  box.scrollIntoView();
  const chart = echarts.getInstanceByDom(box);
  const option = chart.getOption();
  const i = option.yAxis[0].data.indexOf(label);
  const value = option.series[0].data[i].value;
  const [x, y] = chart.convertToPixel({seriesIndex: 0}, [value / 2, i]);
  const r = box.getBoundingClientRect();
  return [r.left + x, r.top + y];
}"""


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _sign_in(page):
    f.staff(Department.objects.get(is_bureau=True), ["leader"], username="leader")
    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.locator("input[name=username]").fill("leader")
    page.locator("input[name=password]").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{page.base_url}/workbench/**")


def test_a_leader_opens_the_dashboard_and_drills_into_a_department(page, figures):
    page.set_viewport_size({"width": 1920, "height": 1080})
    _sign_in(page)
    page.goto(f"{page.base_url}/workbench/insight/dashboard/?period=2026H1")
    assert page.get_by_test_id("period").inner_text() == "2026年上半年"
    # When the figures were computed (stored by the worker or the first request): 数据更新于 HH:MM.
    assert re.fullmatch(r"\d{2}:\d{2}", page.get_by_test_id("updated").inner_text())
    assert "数据更新于" in page.locator(".dash-meta").inner_text()
    assert page.get_by_test_id("headline-cases.total").inner_text() == "3 件"
    assert page.get_by_test_id("headline-cases.online_share").inner_text() == "66.67%"
    for name in ("trend", "department", "rate", "town", "map"):
        page.locator(f'[data-chart="{name}"] canvas').first.wait_for()
    # The map is drawn once its GeoJSON is in: its series is registered with the town.
    page.wait_for_function(
        """() => { const c = echarts.getInstanceByDom(document.querySelector('[data-chart="map"]'));
                   return c && c.getOption().series && c.getOption().series[0].type === 'map'; }"""
    )

    page.wait_for_timeout(1500)  # the bars grow in (ECharts' animation, 1 s)
    x, y = page.evaluate(BAR, ["测试镇1市场监管所"])
    page.mouse.click(x, y)
    page.wait_for_url(
        re.compile(
            rf".*/workbench/insight/cases\.total/\?period=2026H1&department={figures.town.pk}$"
        )
    )
    assert page.get_by_test_id("heading").inner_text() == "测试镇1市场监管所"
    assert page.get_by_test_id("records").get_by_role("link").all_inner_texts() == [
        figures.cases["c3"].number
    ]


def test_the_dashboard_fits_a_phone(page, figures):
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page)
    page.goto(f"{page.base_url}/workbench/insight/dashboard/?period=2026H1")
    assert page.get_by_test_id("headline-cases.total").is_visible()
    page.locator('[data-chart="trend"] canvas').first.wait_for()
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= 390
    # On a phone the department ranking is also a list of links.
    link = page.locator('[data-dash="department-links"]').get_by_role(
        "link", name="测试镇1市场监管所"
    )
    assert link.is_visible()
