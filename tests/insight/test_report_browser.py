"""Browser: a leader opens 工作总结 from the workbench navigation, picks 2026H1 and PDF, and
downloads the county's report; the downloaded file is the report of that period (pdftotext)."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests import factories as f
from yiwang.org.models import Department, Region, RegionLevel

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _calendar_confirmed(monkeypatch):
    monkeypatch.setattr("yiwang.workbench.views.calendar_unconfirmed_years", lambda today: [])


def test_a_leader_downloads_the_half_year_report(page, figures, tmp_path):
    f.staff(Department.objects.get(is_bureau=True), ["leader"], username="leader")
    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.locator("input[name=username]").fill("leader")
    page.locator("input[name=password]").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{page.base_url}/workbench/")

    page.get_by_role("link", name="工作总结", exact=True).click()
    page.wait_for_url(re.compile(r".*/workbench/insight/report/$"))
    page.get_by_label("统计期").fill("2026H1")
    page.get_by_label("PDF").check()
    # Drawing the charts and typesetting the PDF takes seconds on a busy 2-core machine.
    page.set_default_timeout(60_000)
    with page.expect_download() as caught:
        page.get_by_role("button", name="生成并下载").click()
    download = caught.value
    county = Region.objects.get(level=RegionLevel.COUNTY).name
    assert download.suggested_filename == f"{county}数据资源管理局2026年上半年工作总结.pdf"
    path = tmp_path / "report.pdf"
    download.save_as(path)
    text = "".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
        .stdout.decode("utf-8")
        .split()
    )
    assert f"{county}数据资源管理局2026年上半年工作总结" in text
    assert "2026年上半年新增办件3件" in text
