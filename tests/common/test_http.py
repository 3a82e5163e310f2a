"""common.http: the one Content-Disposition of every download (guide PDFs, xlsx exports and
the import template, material files) — Django's header, plus an ASCII file name first for
old clients when the download has one."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from yiwang.common.http import attach, attachment_disposition

CHINESE = "食品经营许可（新办）办事指南.pdf"
ENCODED = (
    "%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5%E8%AE%B8%E5%8F%AF"
    "%EF%BC%88%E6%96%B0%E5%8A%9E%EF%BC%89%E5%8A%9E%E4%BA%8B%E6%8C%87%E5%8D%97.pdf"
)


def test_a_chinese_name_with_an_ascii_fallback_for_old_clients():
    header = attachment_disposition(CHINESE, "guide-X-v1.pdf")
    assert header.startswith('attachment; filename="guide-X-v1.pdf"; ')
    # the charset name is case-insensitive (RFC 5987); Django writes it in lower case
    assert header.endswith("filename*=utf-8''" + ENCODED)
    assert header == 'attachment; filename="guide-X-v1.pdf"; ' + (
        content_disposition_header(True, CHINESE) or ""
    ).removeprefix("attachment; ")


def test_the_fallback_is_reduced_to_safe_ascii():
    header = attachment_disposition(CHINESE, 'notice "一件事"\r\n.pdf')
    assert header.startswith('attachment; filename="notice________.pdf"; filename*=')
    assert "\r" not in header and "\n" not in header


def test_without_a_fallback_or_with_an_ascii_name_it_is_djangos_header():
    assert attachment_disposition(CHINESE) == content_disposition_header(True, CHINESE)
    assert attachment_disposition("report.xlsx", "x.xlsx") == 'attachment; filename="report.xlsx"'


def test_attach_sets_the_header_on_the_response():
    response = attach(HttpResponse(b"x"), CHINESE, "guide.pdf")
    assert response["Content-Disposition"] == attachment_disposition(CHINESE, "guide.pdf")


def test_every_download_view_uses_it():
    """No view writes Content-Disposition by hand or leaves it to FileResponse."""
    from pathlib import Path

    views = Path(__file__).resolve().parents[2] / "src" / "yiwang"
    offenders = [
        str(path.relative_to(views))
        for path in views.rglob("*.py")
        if "common/http.py" not in str(path)
        and (
            '["Content-Disposition"]' in (text := path.read_text(encoding="utf-8"))
            or "as_attachment=True" in text
            or "attachment_header" in text
        )
    ]
    assert offenders == []
