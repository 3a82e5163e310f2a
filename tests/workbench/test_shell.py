"""The workbench shell as other apps' pages use it (they extend workbench/base.html)."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from tests import factories

pytestmark = pytest.mark.django_db


def render_page(user, path="/workbench/org/"):
    request = RequestFactory().get(path)
    request.user = user
    template = Template(
        '{% extends "workbench/base.html" %}{% block title %}页面{% endblock %}'
        "{% block content %}<p>CONTENT</p>{% endblock %}"
    )
    with translation.override("zh-hans"):
        return template.render(Context({"request": request, "user": user}))


def test_other_apps_pages_get_the_shell_and_fill_title_and_content():
    staff = factories.staff(factories.department("示范县人力资源和社会保障局"))
    html = render_page(staff.user)
    assert "<title>页面</title>" in html
    assert "<p>CONTENT</p>" in html
    assert "示范县人力资源和社会保障局" in html
    assert staff.full_name in html
    assert 'class="wb-side"' in html


def test_shell_queries_are_bounded(django_assert_max_num_queries):
    staff = factories.staff(factories.department())
    user = type(staff.user).objects.get(pk=staff.user.pk)
    # staff + department, roles, scope lookup; permissions for the audit entry
    with django_assert_max_num_queries(6):
        render_page(user)


def test_apps_add_their_own_navigation_section(settings, tmp_path):
    """An app contributes <app_label>/workbench_nav.html; the shell includes it."""
    from yiwang.workbench.templatetags.workbench import app_nav_partials

    (tmp_path / "portal").mkdir()
    (tmp_path / "portal" / "workbench_nav.html").write_text(
        '<div><h2>测试分区</h2><ul><li><a href="/x/">APP-NAV-ENTRY</a></li></ul></div>',
        encoding="utf-8",
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    app_nav_partials.cache_clear()
    try:
        assert "portal/workbench_nav.html" in app_nav_partials()
        html = render_page(factories.staff(factories.department()).user)
    finally:
        app_nav_partials.cache_clear()
    assert "APP-NAV-ENTRY" in html
    # after the home entry, before the organisation section
    assert html.index("工作台首页") < html.index("APP-NAV-ENTRY") < html.index("本部门人员")
