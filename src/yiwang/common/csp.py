"""Content-Security-Policy on every HTML page (portal, workbench, admin, API docs).

Django 5.2 has no CSP support of its own. The policy (setting YIWANG_CONTENT_SECURITY_POLICY)
allows only the application's own, vendored scripts, styles, images and fonts: no inline
script, no eval, no inline style, nothing from another origin. Templates therefore hold no
<script> body, no on*= handler and no style= attribute; tests/common/test_csp.py keeps it so.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
REPORT_ONLY_HEADER = "Content-Security-Policy-Report-Only"


def policy_header() -> tuple[str, str]:
    """(header name, policy) from the settings; report-only when YIWANG_CSP_REPORT_ONLY is on."""
    header = REPORT_ONLY_HEADER if settings.YIWANG_CSP_REPORT_ONLY else HEADER
    return header, settings.YIWANG_CONTENT_SECURITY_POLICY or ""


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every text/html response that does not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        header, policy = policy_header()
        content_type = response.get("Content-Type", "")
        if (
            policy
            and content_type.split(";", 1)[0].strip().lower() == "text/html"
            and HEADER not in response
            and REPORT_ONLY_HEADER not in response
        ):
            response[header] = policy
        return response
