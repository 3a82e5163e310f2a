"""Browser: a citizen types an everyday phrase, opens the guide and downloads the PDF."""

from __future__ import annotations

import pytest

from yiwang.demo.services import seed_demo_county

pytestmark = pytest.mark.browser


def test_citizen_finds_a_guide_and_downloads_the_pdf(page, tmp_path):
    seed_demo_county()
    page.goto(page.base_url + "/")
    page.fill("#search-q", "开饭店要办什么证")
    page.locator("form.search-box button[type=submit]").click()
    page.wait_for_load_state()
    results = page.locator("[data-testid=search-results] a[href^='/guide/']")
    assert results.count() > 0, "the guided search lists no result for 开饭店要办什么证"
    results.first.click()

    page.wait_for_url("**/guide/**")
    title = page.locator("h1").inner_text().strip()
    assert title
    summary = page.locator("[data-testid=summary]")
    for question in [
        "要带什么",
        "去哪里办",
        "跑几次",
        "多久办好",
        "要花钱吗",
        "能网上办吗",
        "不满意找谁",
    ]:
        assert question in summary.inner_text()

    with page.expect_download() as info:
        page.get_by_role("link", name="下载 PDF").click()
    download = info.value
    path = tmp_path / "guide.pdf"
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert download.suggested_filename.endswith(".pdf")
    assert title in download.suggested_filename
