"""Content-Security-Policy: on every HTML page (portal, workbench, admin, API docs), strict
(own scripts only, no inline script, no eval), and no template carries what it would block.
tests/common/test_csp_browser.py proves in chromium that nothing is broken by it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory

import yiwang
from tests import factories
from yiwang.common.csp import HEADER, REPORT_ONLY_HEADER, ContentSecurityPolicyMiddleware

PACKAGE = Path(yiwang.__file__).parent
TEMPLATES = sorted(PACKAGE.rglob("templates/**/*.html"))
# PDF templates are rendered by WeasyPrint on the server, never sent to a browser: their
# <style> and style= are allowed.
PDF_TEMPLATES = (
    "/templates/catalog/pdf/",
    "/templates/cases/pdf/",
    "/templates/licenses/pdf/",
    "/templates/insight/report/report.html",
)


def directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


class InlineFinder(HTMLParser):
    """What a strict policy blocks in a page: script bodies, event-handler attributes,
    javascript: URLs, htmx's evaluated attributes, inline styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            data_only = (values.get("type") or "").lower() in {"application/json", "importmap"}
            self._in_script = not values.get("src") and not data_only
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…> handler")
            if name == "style":
                self.found.append(f"<{tag} style=…>")
            if name.startswith(("hx-on", "data-hx-on")):
                self.found.append(f"<{tag} {name}> (htmx evaluates it)")
            if value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")
            if name.startswith(("hx-", "data-hx-")) and value.strip().startswith("js:"):
                self.found.append(f"<{tag} {name}=js:…> (htmx evaluates it)")
            if name in {"hx-trigger", "data-hx-trigger"} and "[" in value:
                self.found.append(f"<{tag} {name}=…[filter]> (htmx evaluates it)")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(f"inline script: {data.strip()[:60]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def inline_code(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


# -- the policy --------------------------------------------------------------------------------


def test_default_policy_allows_only_own_scripts_and_styles():
    policy = directives(django_settings.YIWANG_CONTENT_SECURITY_POLICY)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert "unsafe" not in django_settings.YIWANG_CONTENT_SECURITY_POLICY


def run_middleware(response: HttpResponse) -> HttpResponse:
    middleware = ContentSecurityPolicyMiddleware(lambda request: response)
    return middleware(RequestFactory().get("/"))


def test_middleware_sets_the_header_on_html_only(settings):
    settings.YIWANG_CONTENT_SECURITY_POLICY = "default-src 'self'"
    settings.YIWANG_CSP_REPORT_ONLY = False
    html = run_middleware(HttpResponse("<p>x</p>"))
    assert html[HEADER] == "default-src 'self'"
    assert REPORT_ONLY_HEADER not in html
    assert HEADER not in run_middleware(JsonResponse({"a": 1}))
    assert HEADER not in run_middleware(HttpResponse(b"%PDF", content_type="application/pdf"))


def test_a_view_own_policy_is_kept(settings):
    settings.YIWANG_CONTENT_SECURITY_POLICY = "default-src 'self'"
    response = HttpResponse("<p>x</p>")
    response[HEADER] = "sandbox"
    assert run_middleware(response)[HEADER] == "sandbox"


def test_report_only_and_switched_off(settings):
    settings.YIWANG_CONTENT_SECURITY_POLICY = "default-src 'self'"
    settings.YIWANG_CSP_REPORT_ONLY = True
    response = run_middleware(HttpResponse("<p>x</p>"))
    assert response[REPORT_ONLY_HEADER] == "default-src 'self'"
    assert HEADER not in response
    settings.YIWANG_CONTENT_SECURITY_POLICY = ""
    settings.YIWANG_CSP_REPORT_ONLY = False
    assert HEADER not in run_middleware(HttpResponse("<p>x</p>"))


def test_the_finder_finds_what_the_policy_blocks():
    """The page and template checks below are only as good as this finder."""
    assert inline_code('<script src="/static/a.js"></script>') == []
    assert inline_code('<script type="application/json" id="d">{"a": 1}</script>') == []
    for bad in [
        "<script>alert(1)</script>",
        '<button onclick="go()">x</button>',
        '<a href="javascript:go()">x</a>',
        '<div hx-on:click="go()"></div>',
        '<div hx-on::after-request="go()"></div>',
        '<div hx-vals="js:{a: go()}"></div>',
        '<input hx-trigger="keyup[ctrlKey]">',
        '<p style="color:red">x</p>',
        "<style>p {}</style>",
    ]:
        assert inline_code(bad), bad


# -- the pages ---------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, db):
    staff = factories.staff(factories.department("示范县市场监督管理局"), ["window_clerk"])
    client.force_login(staff.user)
    return client


@pytest.fixture
def admin_client_(client, db):
    user = get_user_model().objects.create_superuser(
        username="root", password=factories.PASSWORD, email="", must_change_password=False
    )
    client.force_login(user)
    return client


def assert_strict_page(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/html")
    assert response[HEADER] == django_settings.YIWANG_CONTENT_SECURITY_POLICY
    html = response.content.decode()
    assert inline_code(html) == []
    return html


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/search/?q=营业执照", "/accounts/sign-in/", "/admin/login/"])
def test_public_pages_carry_the_policy_and_no_inline_code(client, url):
    assert_strict_page(client.get(url))


def test_workbench_carries_the_policy(staff_client, monkeypatch):
    monkeypatch.setattr("yiwang.workbench.views.calendar_unconfirmed_years", lambda today: [])
    assert_strict_page(staff_client.get("/workbench/"))


@pytest.mark.parametrize("url", ["/admin/", "/admin/org/region/", "/admin/org/region/add/"])
def test_admin_carries_the_policy(admin_client_, url):
    assert_strict_page(admin_client_.get(url))


@pytest.mark.django_db
def test_api_docs_load_their_start_up_script_separately(client):
    html = assert_strict_page(client.get("/api/docs/"))
    script_urls = re.findall(r'<script src="([^"]+)"', html)
    start_up = [url for url in script_urls if "script=" in url]
    assert start_up, script_urls
    script = client.get(start_up[0].replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    # no validity badge fetched from validator.swagger.io
    assert '"validatorUrl": null' in script.content.decode()


def test_error_pages_carry_the_policy(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response[HEADER] == django_settings.YIWANG_CONTENT_SECURITY_POLICY


# -- the templates -----------------------------------------------------------------------------


def test_templates_were_found():
    assert len(TEMPLATES) > 20


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_template_has_inline_script_or_style(template):
    text = template.read_text(encoding="utf-8")
    # Template tags are not HTML: blank them out so the parser sees the markup around them.
    markup = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", text, flags=re.S)
    markup = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "", markup, flags=re.S)
    found = inline_code(markup)
    if any(folder in template.as_posix() for folder in PDF_TEMPLATES):
        found = [f for f in found if "style" not in f]
    assert found == [], f"{template}: move it to a static file under src/yiwang/static/"
