"""Static assets: everything referenced exists, and nothing is fetched from the internet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

import yiwang

PACKAGE = Path(yiwang.__file__).parent
TEMPLATES = sorted(PACKAGE.rglob("templates/**/*.html"))
STATIC_TAG = re.compile(r"""{%\s*static\s+['"]([^'"]+)['"]\s*%}""")
EXTERNAL = [
    re.compile(r"""<script[^>]+src\s*=\s*["']?(https?:)?//""", re.I),
    re.compile(r"""<link[^>]+href\s*=\s*["']?(https?:)?//""", re.I),
    re.compile(r"""@import\s+(url\()?["']?(https?:)?//""", re.I),
    re.compile(r"""url\(\s*["']?(https?:)?//""", re.I),
]


def test_templates_were_found():
    names = {p.name for p in TEMPLATES}
    assert {"base.html", "home.html"} <= names


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_static_reference_exists(template):
    for name in STATIC_TAG.findall(template.read_text(encoding="utf-8")):
        assert finders.find(name), f"{template}: static file {name} not found"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_template_loads_scripts_or_styles_from_the_internet(template):
    text = template.read_text(encoding="utf-8")
    for pattern in EXTERNAL:
        assert not pattern.search(text), f"{template}: external asset {pattern.pattern}"


def test_own_stylesheets_fetch_nothing_from_the_internet():
    for css in (PACKAGE / "static").rglob("*.css"):
        if "vendor" in css.parts:
            continue
        text = css.read_text(encoding="utf-8")
        for pattern in EXTERNAL[2:]:
            assert not pattern.search(text), f"{css}: {pattern.pattern}"
        assert "@font-face" not in text, f"{css}: web fonts are not allowed"


def test_vendored_assets_have_their_licences():
    vendor = PACKAGE / "static" / "vendor"
    for script in ("htmx/htmx.min.js", "echarts/echarts.min.js"):
        assert (vendor / script).stat().st_size > 10_000
        assert (vendor / Path(script).parent / "LICENSE").exists()
    assert "htmx/htmx.min.js" in (vendor / "README.md").read_text(encoding="utf-8")


def test_vendored_scripts_reference_no_source_maps():
    """Manifest storage (collectstatic) fails on a sourceMappingURL to a missing file."""
    for script in (PACKAGE / "static" / "vendor").rglob("*.js"):
        tail = script.read_bytes()[-400:]
        assert b"sourceMappingURL" not in tail, script


def test_pages_serve_their_assets(client, db):
    html = client.get("/").content.decode()
    for url in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        response = client.get(url)
        assert response.status_code == 200, url
