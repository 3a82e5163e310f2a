"""The licence PDF: fields and values, masked holder, validity, the seal image and the QR link."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from urllib.parse import unquote

import pytest
from django.urls import reverse

from tests.licenses.conftest import issue
from yiwang.licenses import pdf, presenters, services
from yiwang.licenses.models import License


@pytest.fixture
def licence(license_type):
    return issue(
        license_type, fields={"经营场所": "示范县人民路 1 号", "从业人员": 3, "网络经营": True}
    )


def pdf_text(data: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is required"
    path = tmp_path / "licence.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    )
    return re.sub(r"\s+", "", out.stdout)


def test_pdf_shows_fields_holder_validity(licence, tmp_path):
    record = License.objects.get(pk=licence.pk)
    data = pdf.license_pdf(record)
    assert data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    for shown in ("食品经营许可证", "经营场所", "示范县人民路1号", "从业人员", "网络经营", "是"):
        assert shown in text
    assert "2026-03-02至2031-03-01" in text
    assert "张三" in text
    id_number = record.holder_id_number.reveal()
    assert id_number not in text and id_number[:4] + "*" * 10 + id_number[-4:] in text
    assert "已撤销" not in text


def test_revoked_licence_pdf_says_so(licence, tmp_path):
    services.license_revoke(license=licence, reason="以欺骗手段取得")
    text = pdf_text(pdf.license_pdf(License.objects.get(pk=licence.pk)), tmp_path)
    assert "本证照已撤销" in text and "以欺骗手段取得" in text


def test_qr_opens_the_verification_page(licence, settings):
    settings.YIWANG_PUBLIC_BASE_URL = "https://yiwang.example.gov.cn"
    context = pdf.license_context(License.objects.get(pk=licence.pk))
    path = reverse("licenses-public:verify", args=[licence.identifier])
    assert context["url"] == "https://yiwang.example.gov.cn" + path
    assert presenters.verification_url(licence.identifier) == context["url"]
    assert str(context["qr"]).startswith("data:image/svg+xml")


def test_qr_encodes_exactly_the_link(licence):
    from yiwang.catalog.guides.pdf import qr_svg_data_uri

    context = pdf.license_context(License.objects.get(pk=licence.pk))
    assert context["qr"] == qr_svg_data_uri(context["url"])
    assert qr_svg_data_uri(context["url"] + "x") != context["qr"]


def test_seal_image_carries_the_department_name(licence):
    svg = pdf.seal_svg("示范县市场监督管理局")
    chars = re.findall(r">(.)</text>", svg)
    assert "".join(chars) == "示范县市场监督管理局"
    assert pdf.SEAL_RED in svg and "<circle" in svg and "电子证照专用章" in svg
    uri = pdf.seal_data_uri("A&B<局>")
    assert "&amp;" in unquote(uri) and "<局>" not in unquote(uri)  # escaped, not markup


def test_seal_image_is_in_the_pdf(licence):
    data = pdf.license_pdf(License.objects.get(pk=licence.pk))
    # Two vector images drawn (QR and seal): the seal's red fill appears in the page content.
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S)
    content = b""
    for stream in streams:
        try:
            content += zlib.decompress(stream)
        except zlib.error:
            continue
    assert b"0.784314 0.062745 0.180392 rg" in content  # #c8102e
