"""Public guide URLs, QR codes and the printable PDFs of guides and bundle notices."""

from __future__ import annotations

import re
from urllib.parse import quote

import segno
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation

from yiwang.catalog.guides.assembly import ItemGuide, date_label
from yiwang.catalog.guides.bundles import (
    BundleNotice,
)
from yiwang.catalog.guides.flowchart import Layout, bundle_flowchart_svg
from yiwang.common.pdf import render_pdf

DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"


def public_url(path: str, request: HttpRequest | None = None) -> str:
    """The absolute URL of `path`: from the request when there is one, else from the setting
    YIWANG_PUBLIC_BASE_URL (commands and background work have no request)."""
    if request is not None:
        return request.build_absolute_uri(path)
    base = getattr(settings, "YIWANG_PUBLIC_BASE_URL", DEFAULT_PUBLIC_BASE_URL)
    return str(base or DEFAULT_PUBLIC_BASE_URL).rstrip("/") + path


def item_guide_path(guide: ItemGuide) -> str:
    """The canonical path of this guide: the plain item URL for the current version, the
    numbered URL for an older one."""
    if guide.is_current:
        return reverse("guide:item", args=[guide.item.code])
    return reverse("guide:item-version", args=[guide.item.code, guide.version.number])


def bundle_guide_path(notice: BundleNotice) -> str:
    return reverse("guide:bundle", args=[notice.bundle.code])


def qr_code(url: str) -> segno.QRCode:
    # Level M survives a crease or a smudge on a printed page.
    return segno.make(url, error="m", micro=False)


def qr_svg_data_uri(url: str) -> str:
    return qr_code(url).svg_data_uri(scale=4, border=2, dark="#000", light="#fff")


def item_guide_pdf(guide: ItemGuide, *, url: str) -> bytes:
    """The printable guide; its QR code points to `url` (the online guide)."""
    return render_pdf(
        "catalog/pdf/item_guide.html",
        {"guide": guide, "url": url, "qr": qr_svg_data_uri(url), "printed_on": _today()},
    )


def bundle_notice_pdf(notice: BundleNotice, *, url: str) -> bytes:
    """The 一次告知书 of a bundle; its QR code points to `url` (the bundle's online guide)."""
    with translation.override(settings.LANGUAGE_CODE):  # printed in Chinese, see render_pdf
        svg = bundle_flowchart_svg(
            notice.stages, title=notice.bundle.name, layout=Layout(column_width=150, gap=36)
        )
    return render_pdf(
        "catalog/pdf/bundle_notice.html",
        {
            "notice": notice,
            "url": url,
            "qr": qr_svg_data_uri(url),
            "flowchart_uri": "data:image/svg+xml;charset=utf-8," + quote(svg),
            "printed_on": _today(),
        },
    )


def _today() -> str:
    return date_label(timezone.now())


def item_pdf_filename(guide: ItemGuide) -> str:
    suffix = "" if guide.is_current else f"（第{guide.version.number}版）"
    return _safe_filename(f"{guide.version.name}办事指南{suffix}.pdf")


def bundle_pdf_filename(notice: BundleNotice) -> str:
    return _safe_filename(f"{notice.bundle.name}一次告知书.pdf")


def _safe_filename(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name)
