"""Browser: the link in a licence's QR code opens the public verification page without
signing in — 有效; after the licence is revoked the same link says 已撤销."""

from __future__ import annotations

import pytest

from tests.licenses.conftest import issue
from yiwang.licenses import pdf, services
from yiwang.licenses.models import License

pytestmark = pytest.mark.browser


def test_qr_link_shows_valid_then_revoked(page, license_type, settings, live_server):
    settings.YIWANG_PUBLIC_BASE_URL = live_server.url
    licence = issue(license_type, holder_name="张三丰")
    link = pdf.license_context(License.objects.get(pk=licence.pk))["url"]
    assert str(link).startswith(live_server.url)

    page.goto(str(link))
    verdict = page.get_by_test_id("verdict")
    assert verdict.get_attribute("data-result") == "valid"
    assert verdict.locator("strong").inner_text() == "有效"
    assert page.get_by_test_id("holder").inner_text() == "张**"
    assert "张三丰" not in page.content()

    services.license_revoke(license=licence, reason="以欺骗手段取得")
    page.goto(str(link))
    verdict = page.get_by_test_id("verdict")
    assert verdict.get_attribute("data-result") == "revoked"
    assert verdict.locator("strong").inner_text() == "已撤销"
    assert "以欺骗手段取得" in verdict.inner_text()
