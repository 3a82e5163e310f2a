"""A licence as a PDF (common.pdf, WeasyPrint): its type's fields and their values, the holder
as sealed (a person's ID number masked), the validity, the issuing department's seal image and
a QR code of the public verification page. The PDF is a rendering for people; what proves the
licence is its seal, which the QR link checks against the registry."""

from __future__ import annotations

import math
from urllib.parse import quote
from xml.sax.saxutils import escape

from django.utils import timezone

from yiwang.common.pdf import render_pdf
from yiwang.licenses import presenters
from yiwang.licenses.models import License, LicenseStatus

SEAL_RED = "#c8102e"


def seal_svg(department_name: str, *, size: int = 160) -> str:
    """A round red seal: a ring, a five-pointed star, the department's name along the upper
    arc (one <text> per character, rotated — no textPath, which not every renderer draws) and
    电子证照专用章 under the star."""
    c = size / 2
    r_ring = c - 4
    r_text = c - 22
    star = []
    for i in range(10):
        radius = 26 if i % 2 == 0 else 10.5
        angle = -math.pi / 2 + i * math.pi / 5
        star.append(f"{c + radius * math.cos(angle):.2f},{c + radius * math.sin(angle):.2f}")
    name = department_name[:20]
    span = min(240.0, 18.0 * max(len(name), 1))  # degrees of arc the name takes
    chars = []
    for i, char in enumerate(name):
        step = span / max(len(name) - 1, 1) if len(name) > 1 else 0
        degrees = -span / 2 + i * step if len(name) > 1 else 0
        theta = math.radians(degrees - 90)
        x, y = c + r_text * math.cos(theta), c + r_text * math.sin(theta)
        chars.append(
            f'<text x="{x:.2f}" y="{y:.2f}" transform="rotate({degrees:.2f} {x:.2f} {y:.2f})" '
            f'font-size="16" text-anchor="middle" dominant-baseline="central" '
            f'fill="{SEAL_RED}">{escape(char)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" font-family="Noto Serif CJK SC, serif" font-weight="700">'
        f'<circle cx="{c}" cy="{c}" r="{r_ring}" fill="none" stroke="{SEAL_RED}" stroke-width="5"/>'
        f'<polygon points="{" ".join(star)}" fill="{SEAL_RED}"/>'
        + "".join(chars)
        + f'<text x="{c}" y="{c + 44}" font-size="11" text-anchor="middle" '
        f'fill="{SEAL_RED}">电子证照专用章</text></svg>'
    )


def seal_data_uri(department_name: str) -> str:
    return "data:image/svg+xml;charset=utf-8," + quote(seal_svg(department_name))


def license_context(license: License) -> dict[str, object]:
    from yiwang.catalog.guides.pdf import qr_svg_data_uri

    url = presenters.verification_url(license.identifier)
    shown = presenters.public_license(license, full_name=True)
    return {
        "license": shown,
        "record": license,
        "status_label": LicenseStatus(license.status).label,
        "ended": license.status != LicenseStatus.VALID,
        "seal": seal_data_uri(shown.issuer_name),
        "qr": qr_svg_data_uri(url),
        "url": url,
        "key_id": license.seal_key.key_id,
        "printed_on": timezone.localdate().isoformat(),
    }


def license_pdf(license: License) -> bytes:
    """The licence as a PDF (A4). Rendered on request: its status line is the status now."""
    return render_pdf("licenses/pdf/license.html", license_context(license))
