"""The workbench import/export page: staff only, scoped, all or nothing, files checked; every
upload is an import job run by the task worker, followed on a scoped job page."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import factories as f
from tests.catalog.conftest import CatalogWorld
from tests.catalog.test_importing import HEADER, csv_bytes, row
from yiwang.catalog.models import (
    Bundle,
    BundleStatus,
    ImportJob,
    ServiceItem,
    VersionStatus,
)
from yiwang.org import services as org_services

PAGE = "/workbench/catalog/import/"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def immediate(settings, django_capture_on_commit_callbacks):
    """Tasks run as soon as the job is committed (the database queue has its own test)."""
    settings.TASKS = IMMEDIATE

    def post(client, data):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(PAGE, data)
        if response.status_code != 302:
            return response  # the form, with its errors
        assert response["Location"].startswith(PAGE + "jobs/")
        return client.get(response["Location"])

    return post


@pytest.fixture
def clerk_client(client, world: CatalogWorld):
    client.force_login(world.clerk.user)
    return client


@pytest.fixture
def reviewer_client(client, world: CatalogWorld):
    client.force_login(world.reviewer.user)
    return client


def test_url_is_mounted_before_the_catalogue_pages():
    assert reverse("catalog-import:page") == PAGE
    assert reverse("catalog-import:template") == PAGE + "template.xlsx"


def test_page_is_for_staff_only(client, world: CatalogWorld):
    assert client.get(PAGE).status_code == 302  # to sign-in
    citizen = org_services.applicant_register(
        kind="person",
        name="张三",
        phone="13800138000",
        id_number=f.id_number(),
        password=f.PASSWORD,
    )
    client.force_login(citizen.user)
    assert client.get(PAGE).status_code == 403
    assert client.get(PAGE + "export.xlsx").status_code == 403


def test_clerk_sees_the_form_without_publish(clerk_client):
    page = clerk_client.get(PAGE).content.decode()
    assert 'name="file"' in page
    assert 'name="publish"' not in page
    assert "下载导入模板" in page and "导出 xlsx" in page
    assert "只能导入本部门（县市场监督管理局）的事项" in page


def test_reviewer_may_publish_items_and_bundles_from_two_files(reviewer_client, immediate):
    assert 'name="publish"' in reviewer_client.get(PAGE).content.decode()
    items = upload("items.csv", csv_bytes([HEADER, row()]))
    bundles = upload(
        "bundles.csv", csv_bytes([["bundle", "stage", "item"], ["开店", "1", row()[1]]])
    )
    response = immediate(reviewer_client, {"file": [items, bundles], "publish": "on"})
    assert 'data-testid="import-success"' in response.content.decode()
    assert ServiceItem.objects.get().published_version.status == VersionStatus.PUBLISHED
    assert Bundle.objects.get().status == BundleStatus.PUBLISHED


def test_successful_upload_shows_the_counts(clerk_client, immediate):
    data = csv_bytes([HEADER, row(), row("食品生产许可")], encoding="gbk")
    response = immediate(clerk_client, {"file": upload("事项.csv", data)})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="count-created">2<' in page
    assert 'data-status="done"' in page and "hx-trigger" not in page  # polling has stopped
    assert ServiceItem.objects.count() == 2
    job = ImportJob.objects.get()
    assert (job.status, job.rows, job.report["counts"]["created"]) == ("done", 2, 2)
    # The uploaded file was kept only until the job was done.
    assert not default_storage.exists(job.files[0]["path"])
    # Clerks' imports wait as drafts; publish was not offered, so a forged field is ignored.
    again = immediate(clerk_client, {"file": upload("事项.csv", data), "publish": "on"})
    assert 'data-testid="count-unchanged">2<' in again.content.decode()
    assert not ServiceItem.objects.filter(published_version__isnull=False).exists()


def test_a_bad_row_shows_the_error_table_and_imports_nothing(clerk_client, immediate):
    data = csv_bytes([HEADER, row(), row("户口迁移", dept="县公安局")])
    response = immediate(clerk_client, {"file": upload("a.csv", data)})
    page = response.content.decode()
    assert 'data-testid="error-table"' in page
    assert '<td class="num">3</td><td>实施部门</td><td>“县公安局”不在您的数据范围内。</td>' in page
    assert "未导入任何数据" in page
    assert not ServiceItem.objects.exists()


def test_oversized_and_wrong_type_uploads_are_refused(clerk_client, settings):
    # Refused in the request itself: no job, nothing stored.
    settings.YIWANG_IMPORT_MAX_BYTES = 2048
    big = csv_bytes([HEADER] + [row(f"事项{i}") for i in range(60)])
    page = clerk_client.post(PAGE, {"file": upload("big.csv", big)}).content.decode()
    assert "超过上限 2 KB" in page
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
    page = clerk_client.post(PAGE, {"file": upload("items.xlsx", png)}).content.decode()
    assert "既不是 xlsx 工作簿，也不是 UTF-8 或 GBK 编码的 CSV 文本" in page
    assert clerk_client.post(PAGE, {}).status_code == 200
    assert not ServiceItem.objects.exists()
    assert not ImportJob.objects.exists()


def test_template_download(clerk_client):
    response = clerk_client.get(PAGE + "template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames[0] == "事项"


def test_export_download_is_scoped(clerk_client, client, world: CatalogWorld, immediate):
    immediate(clerk_client, {"file": upload("a.csv", csv_bytes([HEADER, row()]))})
    client.force_login(world.other_clerk.user)
    immediate(
        client, {"file": upload("b.csv", csv_bytes([HEADER, row("户口迁移", dept="县公安局")]))}
    )
    assert ServiceItem.objects.count() == 2

    def exported(response) -> list[str]:
        assert response.status_code == 200
        workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        return [r[2] for r in workbook["事项"].iter_rows(min_row=2, values_only=True)]

    assert exported(client.get(PAGE + "export.xlsx")) == ["户口迁移"]
    # A department outside the scope is not found (404, not 403).
    assert client.get(PAGE + f"export.xlsx?department={world.dept.pk}").status_code == 404
    assert client.get(PAGE + "export.xlsx?department=x").status_code == 404
    client.force_login(world.reviewer.user)
    assert sorted(exported(client.get(PAGE + "export.xlsx"))) == [
        "户口迁移",
        "食品经营许可（新办）",
    ]
    only = client.get(PAGE + f"export.xlsx?department={world.dept.pk}")
    assert exported(only) == ["食品经营许可（新办）"]
