"""Printed documents: a template rendered to PDF with WeasyPrint, offline (fonts from fontconfig,
only data: URIs loaded) and always in Chinese."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def offline_fetcher() -> object:
    # Only data: URIs (the QR code, the flowchart) may be loaded; fonts come from fontconfig
    # and nothing is ever fetched from a network.
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=["data"], fail_on_errors=False)


def render_pdf(template_name: str, context: dict[str, object]) -> bytes:
    """Render a template to PDF bytes with WeasyPrint (A4, Noto CJK from the system)."""
    from weasyprint import HTML  # imported late: loading pango costs ~0.3 s

    # Printed documents are Chinese whatever language the page was read in (docs/glossary.md);
    # the 一次告知书 page shares its body with the PDF.
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(template_name, context)
    return HTML(string=html, url_fetcher=offline_fetcher()).write_pdf()  # type: ignore[no-any-return]
