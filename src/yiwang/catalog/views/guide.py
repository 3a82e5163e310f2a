"""Public guide pages (办事指南) in the citizen portal: item guides by code (current and by
version number), bundle guides, the printable 一次告知书 and the PDFs. No sign-in needed; no
business rules here — the guide data comes from `catalog.guides`."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from yiwang.catalog import caching
from yiwang.catalog.guides import assembly as guides
from yiwang.catalog.guides import pdf as guide_pdf
from yiwang.catalog.guides.bundles import BundleNotice
from yiwang.catalog.guides.flowchart import bundle_flowchart_svg
from yiwang.catalog.search.query import item_apply_url
from yiwang.common.http import attach

GUIDE_NOT_FOUND = "没有找到该办事指南，事项可能尚未发布、已暂停或已撤销。"


def _item_guide_or_404(code: str, number: int | None = None) -> guides.ItemGuide:
    guide = (
        guides.current_item_guide(code)
        if number is None
        else guides.item_guide_for_version(code, number)
    )
    if guide is None:
        raise Http404(GUIDE_NOT_FOUND)
    return guide


def _bundle_or_404(code: str) -> BundleNotice:
    notice = guides.published_bundle_notice(code)
    if notice is None:
        raise Http404("没有找到该一件事。")
    return notice


def _pdf_response(pdf: bytes, filename: str, fallback: str) -> HttpResponse:
    return attach(HttpResponse(pdf, content_type="application/pdf"), filename, fallback)


def _item_context(request: HttpRequest, guide: guides.ItemGuide) -> dict[str, object]:
    path = guide_pdf.item_guide_path(guide)
    pdf_url = (
        reverse("guide:item-pdf", args=[guide.item.code])
        if guide.is_current
        else reverse("guide:item-version-pdf", args=[guide.item.code, guide.version.number])
    )
    return {
        "guide": guide,
        "canonical_url": guide_pdf.public_url(path, request),
        "current_url": reverse("guide:item", args=[guide.item.code]),
        "pdf_url": pdf_url,
        "apply_url": item_apply_url(guide.item.code),
    }


def _anonymous_item_page(request: HttpRequest, code: str, number: int | None) -> str | None:
    """The page as every anonymous visitor sees it, with a placeholder for the CSRF token."""
    guide = (
        guides.current_item_guide(code)
        if number is None
        else guides.item_guide_for_version(code, number)
    )
    if guide is None:
        return None
    context = {**_item_context(request, guide), "csrf_token": caching.CSRF_PLACEHOLDER}
    return render_to_string("catalog/guide_item.html", context, request)


def _item_page(request: HttpRequest, code: str, number: int | None = None) -> HttpResponse:
    """A guide page. Anonymous plain views are served from this process's cache of rendered
    pages for the current catalogue generation (catalog.caching); everyone else gets it
    rendered."""
    if not caching.is_anonymous_plain_get(request):
        guide = _item_guide_or_404(code, number)
        return render(request, "catalog/guide_item.html", _item_context(request, guide))
    key = (translation.get_language(), request.scheme, request.get_host(), code, number)
    html = caching.guide_html.get_or_compute(
        key, lambda: _anonymous_item_page(request, code, number)
    )
    if html is None:
        raise Http404(GUIDE_NOT_FOUND)
    return HttpResponse(caching.fill_csrf(html, request))


@require_safe
def item_guide(request: HttpRequest, code: str) -> HttpResponse:
    """The current guide of a published item."""
    return _item_page(request, code)


@require_safe
def item_guide_version(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """A specific published (possibly superseded) version of an item's guide."""
    return _item_page(request, code, number)


def _item_pdf(request: HttpRequest, guide: guides.ItemGuide) -> HttpResponse:
    url = guide_pdf.public_url(guide_pdf.item_guide_path(guide), request)
    return _pdf_response(
        guide_pdf.item_guide_pdf(guide, url=url),
        guide_pdf.item_pdf_filename(guide),
        f"guide-{guide.item.code}-v{guide.version.number}.pdf",
    )


@require_safe
def item_guide_pdf(request: HttpRequest, code: str) -> HttpResponse:
    return _item_pdf(request, _item_guide_or_404(code))


@require_safe
def item_guide_version_pdf(request: HttpRequest, code: str, number: int) -> HttpResponse:
    return _item_pdf(request, _item_guide_or_404(code, number))


@require_safe
def bundle_guide(request: HttpRequest, code: str) -> HttpResponse:
    """A bundle (一件事): stages, flowchart, one material list, one form preview."""
    notice = _bundle_or_404(code)
    path = reverse("guide:bundle", args=[code])
    context = {
        "notice": notice,
        "flowchart": bundle_flowchart_svg(notice.stages, title=notice.bundle.name),
        "canonical_url": guide_pdf.public_url(path, request),
        # One application for the whole bundle (cases-portal:bundle-apply signs in first).
        "apply_url": reverse("cases-portal:bundle-apply", args=[code]),
    }
    return render(request, "catalog/bundle_guide.html", context)


@require_safe
def bundle_notice(request: HttpRequest, code: str) -> HttpResponse:
    """The printable 一次告知书 of a bundle."""
    notice = _bundle_or_404(code)
    url = guide_pdf.public_url(reverse("guide:bundle", args=[code]), request)
    context = {"notice": notice, "url": url, "qr": guide_pdf.qr_svg_data_uri(url)}
    return render(request, "catalog/bundle_notice.html", context)


@require_safe
def bundle_notice_pdf(request: HttpRequest, code: str) -> HttpResponse:
    notice = _bundle_or_404(code)
    url = guide_pdf.public_url(guide_pdf.bundle_guide_path(notice), request)
    return _pdf_response(
        guide_pdf.bundle_notice_pdf(notice, url=url),
        guide_pdf.bundle_pdf_filename(notice),
        f"notice-{code}.pdf",
    )
