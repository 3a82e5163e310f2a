"""Blank forms and samples (空白表格、示例样表): checked whole on upload, served from storage
through catalog.file_views with headers that keep the browser from running them, and only to
those who may see the version."""

from __future__ import annotations

import os
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.http import content_disposition_header

from tests.common import files
from yiwang.catalog import services
from yiwang.catalog.models import Material, ServiceItem, VersionStatus

from .conftest import READY_MATERIALS, claim_ready, publish

FORM_PDF = files.pdf(pages=2)
SAMPLE_PNG = files.png()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-tmp")
    os.makedirs(settings.FILE_UPLOAD_TEMP_DIR)
    return tmp_path


def materials_with_files(blank_form: bytes = FORM_PDF, name: str = "申请书.pdf") -> list[dict]:
    first, second = (dict(m) for m in READY_MATERIALS)
    # The client's Content-Type is a lie on purpose: only the sniffed type may be served.
    first["blank_form"] = SimpleUploadedFile(name, blank_form, content_type="text/html")
    first["sample_file"] = SimpleUploadedFile("样表.png", SAMPLE_PNG, content_type="text/html")
    return [first, second]


@pytest.fixture
def with_files(world, media) -> ServiceItem:
    item = claim_ready(world)
    services.version_update(
        version=item.versions.get(), materials=materials_with_files(), actor=world.clerk.user
    )
    publish(world, item.versions.get())
    item.refresh_from_db()
    return item


def file_url(material: Material, which: str = "blank-form") -> str:
    return reverse("guide:material-file", args=[material.pk, which])


def body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content)


def first_material(item: ServiceItem, status: str = VersionStatus.PUBLISHED) -> Material:
    return Material.objects.get(version__item=item, version__status=status, order=1)


# --- Served ----------------------------------------------------------------------------------


def test_the_public_guides_blank_form_link_downloads_the_file(client, with_files):
    html = client.get(reverse("guide:item", args=[with_files.code])).content.decode()
    links = dict(re.findall(r'<a href="([^"]+)" download>(空白表格|示例样表)</a>', html))
    assert set(links.values()) == {"空白表格", "示例样表"}
    for href, label in links.items():
        assert not href.startswith("/media/")
        response = client.get(href)
        assert response.status_code == 200
        assert body(response) == (FORM_PDF if label == "空白表格" else SAMPLE_PNG)


def test_a_served_file_carries_the_sniffed_type_and_never_runs(client, with_files):
    material = first_material(with_files)
    response = client.get(file_url(material))
    assert response["Content-Type"] == "application/pdf"  # uploaded as "text/html"
    assert response["Content-Disposition"] == content_disposition_header(
        True, "食品经营许可申请书（空白表格）.pdf"
    )
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    sample = client.get(file_url(material, "sample"))
    assert sample["Content-Type"] == "image/png"
    assert (
        "%EF%BC%88%E7%A4%BA%E4%BE%8B%E6%A0%B7%E8%A1%A8%EF%BC%89.png"
        in (sample["Content-Disposition"])
    )  # （示例样表）.png


def test_a_draft_file_is_404_for_anonymous_users_and_other_departments(client, world, with_files):
    services.version_start_revision(item=with_files, actor=world.clerk.user)
    draft = with_files.versions.get(status=VersionStatus.DRAFT)
    services.version_update(
        version=draft,
        materials=materials_with_files(files.pdf(pages=3), "新申请书.pdf"),
        actor=world.clerk.user,
    )
    draft_material = first_material(with_files, VersionStatus.DRAFT)
    url = file_url(draft_material)
    assert client.get(url).status_code == 404
    other = Client()
    other.force_login(world.other_clerk.user)
    assert other.get(url).status_code == 404
    for staff in (world.clerk, world.reviewer):  # own department, the bureau's region
        allowed = Client()
        allowed.force_login(staff.user)
        response = allowed.get(url)
        assert response.status_code == 200 and response["Cache-Control"] == "private"
        assert body(response) == files.pdf(pages=3)
    # the published version's file stays public meanwhile
    assert client.get(file_url(first_material(with_files))).status_code == 200


def test_files_of_a_suspended_item_or_of_missing_rows_are_404(client, world, with_files):
    material = first_material(with_files)
    assert client.get(file_url(material, "nothing")).status_code == 404
    assert client.get(reverse("guide:material-file", args=[999999, "blank-form"])).status_code == (
        404
    )
    second = Material.objects.get(version=material.version, order=2)  # has no file
    assert client.get(file_url(second)).status_code == 404
    services.item_suspend(item=with_files, reason="调整中", actor=world.reviewer.user)
    assert client.get(file_url(material)).status_code == 404


def test_a_superseded_versions_file_stays_public(client, world, with_files):
    old = first_material(with_files)
    draft = services.version_start_revision(item=with_files, actor=world.clerk.user)
    services.version_update(
        version=draft,
        elements={"hours": "工作日全天"},
        reason="延长办理时间",
        actor=world.clerk.user,
    )
    publish(world, with_files.versions.get(status=VersionStatus.DRAFT))
    assert old.version.__class__.objects.get(pk=old.version_id).status == VersionStatus.SUPERSEDED
    assert client.get(file_url(old)).status_code == 200


def test_only_get_and_head_are_answered(client, with_files):
    url = file_url(first_material(with_files))
    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405


# --- Checked on upload ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (files.polyglot_pdf(), "网页代码"),
        (files.truncated_pdf(), "截断"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "已损坏"),
        (files.xlsx(), "内容与扩展名不符"),
    ],
    ids=["polyglot", "truncated", "unparsable", "xlsx-named-pdf"],
)
def test_unsound_pdfs_are_refused_naming_the_material(world, media, data, message):
    item = claim_ready(world)
    with pytest.raises(ValidationError) as refused:
        services.version_update(
            version=item.versions.get(),
            materials=materials_with_files(data),
            actor=world.clerk.user,
        )
    text = " ".join(refused.value.messages)
    assert "食品经营许可申请书：文件“申请书.pdf”" in text and message in text
    assert not Material.objects.filter(version__item=item).exclude(blank_form="").exists()
    assert not (media / "media").exists() or not any((media / "media").rglob("*.*"))


def test_every_allowed_kind_is_accepted_under_its_own_name(world, media):
    item = claim_ready(world)
    version = item.versions.get()
    for name, data in [
        ("表.docx", files.ooxml("docx")),
        ("表.xlsx", files.xlsx()),
        ("表.doc", files.ole("WordDocument")),
        ("表.xls", files.ole("Workbook")),
        ("表.jpg", files.jpeg()),
        ("表.PDF", FORM_PDF),
    ]:
        services.version_update(
            version=version, materials=materials_with_files(data, name), actor=world.clerk.user
        )
    with pytest.raises(ValidationError, match="类型不支持"):
        services.version_update(
            version=version,
            materials=materials_with_files(files.ooxml("docm"), "表.docm"),
            actor=world.clerk.user,
        )
    with pytest.raises(ValidationError, match="内容与扩展名不符"):
        services.version_update(
            version=version,
            materials=materials_with_files(files.ooxml("docm"), "表.docx"),  # macros inside
            actor=world.clerk.user,
        )


# --- The body limit on the real upload page ----------------------------------------------------


def test_an_oversized_upload_to_the_edit_page_is_413_and_nothing_is_stored(
    client, world, media, settings
):
    settings.YIWANG_UPLOAD_MAX_BYTES = 64 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    item = claim_ready(world)
    draft = item.versions.get()
    client.force_login(world.clerk.user)
    big = files.pdf(padding=200 * 1024)  # a sound PDF, just too big for the request limit
    response = client.post(
        reverse("catalog:version-edit", args=[draft.pk]),
        {
            "reason": "上传",
            "materials-TOTAL_FORMS": "1",
            "materials-INITIAL_FORMS": "0",
            "materials-0-name": "食品经营许可申请书",
            "materials-0-blank_form": SimpleUploadedFile("申请书.pdf", big, "application/pdf"),
        },
    )
    assert response.status_code == 413
    assert "上限" in response.content.decode()
    assert os.listdir(media / "upload-tmp") == []
    assert not (media / "media").exists() or not any((media / "media").rglob("*.*"))
    assert not Material.objects.filter(version=draft).exclude(blank_form="").exists()
