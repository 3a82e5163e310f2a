"""Browser: a clerk uploads an import file on the workbench import page, watches the job page
while the real task worker (`yiwang worker --batch`) runs it, and ends on the per-row report."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from tests.catalog.test_importing import (
    ELEMENT_HEADER,
    HEADER,
    csv_bytes,
    element_row,
    row,
    xlsx_bytes,
)
from tests.catalog.test_workbench_browser import sign_in
from yiwang.catalog.models import ImportJob, ServiceItem

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(page, tmp_path, name: str, rows: list[list[str]]) -> None:
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows))
    page.goto(f"{page.base_url}/workbench/catalog/import/")
    page.locator("input[name=file]").set_input_files(str(path))
    page.get_by_role("button", name="开始导入").click()
    page.wait_for_url(re.compile(r".*/workbench/catalog/import/jobs/\d+/$"))


def test_clerk_uploads_follows_the_job_and_reads_the_report(page, world, tmp_path):
    sign_in(page, "clerk")
    _upload(page, tmp_path, "事项.csv", [HEADER, row(), row("食品生产许可")])
    status = page.get_by_test_id("job-status")
    assert status.get_attribute("data-status") == "queued"
    assert "排队中" in status.inner_text() and "2 行数据" in status.inner_text()

    call_command("worker", "--batch")

    # The status block polls itself and turns into the report, without a reload.
    page.get_by_test_id("import-success").wait_for()
    assert page.get_by_test_id("job-status").get_attribute("data-status") == "done"
    assert page.get_by_test_id("count-created").inner_text() == "2"
    assert ServiceItem.objects.count() == 2

    # A file with a bad row ends on the per-row error table; nothing is imported.
    _upload(page, tmp_path, "有错.csv", [HEADER, row("户口迁移", dept="县公安局")])
    call_command("worker", "--batch")
    table = page.get_by_test_id("error-table")
    table.wait_for()
    assert "“县公安局”不在您的数据范围内。" in table.inner_text()
    assert ServiceItem.objects.count() == 2
    assert ImportJob.objects.filter(status="done").count() == 2

    # Both jobs are listed on the import page, newest first.
    page.get_by_test_id("back-to-import").click()
    links = page.get_by_test_id("job-list").get_by_role("link")
    assert links.count() == 2


def test_clerk_imports_the_implementation_list_elements_and_reads_a_bad_value(
    page, world, tmp_path
):
    sign_in(page, "clerk")
    intermediaries = [
        ["实施部门", "事项名称", "中介服务名称", "是否必需", "是否收费"],
        ["县市场监督管理局", "食品经营许可（新办）", "食品检验", "Y", "Y"],
    ]
    bad = {"事项": [ELEMENT_HEADER, element_row(服务对象="自然人、外国人")]}
    path = tmp_path / "清单.xlsx"
    path.write_bytes(xlsx_bytes({**bad, "中介服务": intermediaries}))
    page.goto(f"{page.base_url}/workbench/catalog/import/")
    page.locator("input[name=file]").set_input_files(str(path))
    page.get_by_role("button", name="开始导入").click()
    page.wait_for_url(re.compile(r".*/workbench/catalog/import/jobs/\d+/$"))
    call_command("worker", "--batch")
    table = page.get_by_test_id("error-table")
    table.wait_for()
    text = table.inner_text()
    assert "服务对象" in text and "“外国人”不是可选的值" in text
    assert not ServiceItem.objects.exists()

    path.write_bytes(
        xlsx_bytes({"事项": [ELEMENT_HEADER, element_row()], "中介服务": intermediaries})
    )
    page.goto(f"{page.base_url}/workbench/catalog/import/")
    page.locator("input[name=file]").set_input_files(str(path))
    page.get_by_role("button", name="开始导入").click()
    page.wait_for_url(re.compile(r".*/workbench/catalog/import/jobs/\d+/$"))
    call_command("worker", "--batch")
    page.get_by_test_id("import-success").wait_for()
    version = ServiceItem.objects.get().versions.get()
    assert version.service_scope == "cross_province"
    assert [i.name for i in version.intermediaries.all()] == ["食品检验"]
