"""Browser: on a public guide a citizen clicks 空白表格 and gets the form as a download."""

from __future__ import annotations

import pytest

from yiwang.catalog import services

from .conftest import claim_ready, publish
from .test_files import FORM_PDF, materials_with_files

pytestmark = pytest.mark.browser


def test_citizen_downloads_the_blank_form_from_the_guide(page, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    item = claim_ready(world)
    services.version_update(
        version=item.versions.get(), materials=materials_with_files(), actor=world.clerk.user
    )
    publish(world, item.versions.get())

    page.goto(f"{page.base_url}/guide/item/{item.code}/")
    link = page.get_by_role("link", name="空白表格")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "食品经营许可申请书（空白表格）.pdf"
    saved = tmp_path / "form.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == FORM_PDF
