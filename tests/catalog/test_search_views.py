"""The citizen search page /search/?q=…: public, results as cards, htmx fragment, empty state."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.catalog.search_queries import RESTAURANT, SEN, demo_catalogue

__all__ = ["demo_catalogue"]

pytestmark = pytest.mark.usefixtures("demo_catalogue")


def page(client, query: str | None = None, **headers: str) -> str:  # type: ignore[no-untyped-def]
    url = reverse("portal:search") + (f"?q={query}" if query is not None else "")
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def test_search_url_is_the_portal_search(db):
    assert reverse("portal:search") == "/search/"


def test_results_page_without_sign_in(client, db):
    html = page(client, "开饭店要办什么证")
    assert 'value="开饭店要办什么证"' in html
    first = html.index('data-testid="search-result"')
    assert RESTAURANT in html[first : first + 600]
    assert '<a href="/guide/bundle/YJS' in html[first : first + 600]
    assert "查看办事指南" in html and "在线申请" in html
    assert "/accounts/citizen/sign-in/?next=/guide/" in html
    assert "一件事" in html and "事项" in html
    assert "到现场次数" in html
    assert "全程网办" in html
    assert "县市场监督管理局" in html
    assert "已理解为" in html


def test_first_link_in_the_results_is_the_best_guide(client, db):
    html = page(client, "开饭店要办什么证")
    results = html[html.index('id="search-results"') :]
    first_link = results[results.index('href="') + 6 :].split('"', 1)[0]
    assert first_link.startswith("/guide/bundle/")


def test_bundles_are_suggested(client, db):
    html = page(client, "申领社会保障卡")
    assert "您是不是要找" in html
    assert SEN in html[html.index('data-testid="search-suggestions"') :]


def test_empty_state_gives_tips(client, db):
    html = page(client, "天气预报")
    assert 'data-testid="search-empty"' in html
    assert "没有找到与“天气预报”相关的事项" in html
    assert "12345" in html
    assert 'data-testid="search-result"' not in html


def test_no_query_shows_examples(client, db):
    html = page(client)
    assert 'data-testid="search-intro"' in html
    assert "?q=%E5%BC%80%E9%A5%AD%E5%BA%97" in html  # 开饭店…


def test_htmx_request_gets_the_results_fragment(client, db):
    fragment = page(client, "身份证丢了怎么办", HX_Request="true")
    assert "<html" not in fragment
    assert "居民身份证补领" in fragment
    full = page(client, "身份证丢了怎么办", HX_Request="true", HX_History_Restore_Request="true")
    assert "<html" in full
    response = client.get("/search/?q=x")
    assert "HX-Request" in response["Vary"]


def test_query_is_escaped_and_cut(client, db):
    html = page(client, "<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    long_html = page(client, "身" * 300)
    assert "身" * 101 not in long_html


def test_page_works_without_javascript(client, db):
    html = page(client, "生孩子")
    form = html[html.index('<form class="search-box"') :]
    assert 'action="/search/"' in form[:300] and 'method="get"' in form[:300]


def test_admin_edits_synonyms_with_the_services_checks(admin_client, db):
    from yiwang.audit.models import AuditEvent
    from yiwang.catalog.models import SearchSynonym

    url = reverse("admin:catalog_searchsynonym_add")
    bad = admin_client.post(url, {"phrase": "开饭店", "expansions": "餐饮", "active": "on"})
    assert bad.status_code == 200
    assert "群众说法“开饭店”已存在" in bad.content.decode()
    bad = admin_client.post(url, {"phrase": "暂住证", "expansions": "暂住证", "active": "on"})
    assert "规范用语不能与群众说法完全相同" in bad.content.decode()
    good = admin_client.post(url, {"phrase": "ＺＺ暂住证", "expansions": "居住证", "active": "on"})
    assert good.status_code == 302
    row = SearchSynonym.objects.get(phrase="zz暂住证")
    assert AuditEvent.objects.filter(action="catalog.synonym_set", object_id=str(row.pk)).exists()
    delete = reverse("admin:catalog_searchsynonym_delete", args=[row.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not SearchSynonym.objects.filter(pk=row.pk).exists()
    assert AuditEvent.objects.filter(action="catalog.synonym_delete").exists()
