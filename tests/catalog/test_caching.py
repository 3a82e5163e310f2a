"""The public-read caches (item JSON, guide pages, search answers) are exact: whatever changes
what a citizen can see — a new published version, a suspension or withdrawal, a synonym, a
department's name, even a change written with QuerySet.update() that no Python code sees —
shows at once, because database triggers change the catalogue generation in the same
transaction. Draft work leaves the generation (and so the caches) alone."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from tests.seeded import demo_county
from yiwang.catalog import caching, generation, services
from yiwang.catalog.models import (
    BaseItem,
    Bundle,
    BundleStage,
    BundleStageItem,
    Material,
    ProcessStep,
    SearchSynonym,
    ServiceItem,
    ServiceItemVersion,
    SpecialProcedure,
)
from yiwang.catalog.search import query as search
from yiwang.catalog.search.synonyms import synonym_set
from yiwang.org.models import Department, Region, User, UserKind

pytestmark = pytest.mark.django_db

FOOD = "食品经营许可（新办）"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo county, seeded once for the module and rolled back afterwards; each test runs
    in its own savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_county()
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def empty_caches():
    caching.clear_all()
    search.forget_index()
    yield
    caching.clear_all()
    search.forget_index()


def item_named(name: str) -> ServiceItem:
    return ServiceItem.objects.get(published_version__name=name)


def publish_renamed(item: ServiceItem, name: str) -> ServiceItemVersion:
    draft = services.version_start_revision(item=item, reason="更名")
    services.version_update(version=draft, elements={"name": name}, reason="更名")
    services.version_submit(version=draft)
    services.version_approve(version=draft, comment="同意")
    return services.version_publish(version=draft)


def api_url(item: ServiceItem) -> str:
    return f"/api/catalog/items/{item.code}/"


def guide_url(item: ServiceItem) -> str:
    return f"/guide/item/{item.code}/"


def search_names(client: Client, q: str) -> list[str]:
    response = client.get("/api/catalog/search/", {"q": q})
    assert response.status_code == 200
    return [row["name"] for row in response.json()]


# -- served from the cache ---------------------------------------------------------------------


def test_a_second_read_costs_one_query_and_gives_the_same_answer(
    demo, client, django_assert_num_queries
):
    item = item_named(FOOD)
    first_api = client.get(api_url(item))
    first_guide = client.get(guide_url(item))
    first_search = client.get("/api/catalog/search/", {"q": "开饭店要办什么证"})
    assert first_api.status_code == first_guide.status_code == first_search.status_code == 200
    # The only query left is the generation token.
    with django_assert_num_queries(1):
        again_api = client.get(api_url(item))
    with django_assert_num_queries(1):
        again_search = client.get("/api/catalog/search/", {"q": "开饭店要办什么证"})
    fresh_visitor = Client()
    with django_assert_num_queries(1):
        again_guide = fresh_visitor.get(guide_url(item))
    assert again_api.content == first_api.content
    assert again_api["Content-Type"] == first_api["Content-Type"] == "application/json"
    assert again_search.content == first_search.content
    assert caching.item_json.hits == caching.search_json.hits == caching.guide_html.hits == 1
    # Everything but the CSRF token is the page the first visitor got.
    token = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+"')
    assert token.sub("T", again_guide.content.decode()) == token.sub(
        "T", first_guide.content.decode()
    )


def test_the_uncached_item_answer_is_the_same_bytes(demo, client, settings):
    item = item_named(FOOD)
    cached = client.get(api_url(item)).content
    settings.YIWANG_PUBLIC_CACHE_ENTRIES = 0
    assert client.get(api_url(item)).content == cached
    # With query parameters the filters apply as before (and nothing is cached).
    assert client.get(api_url(item), {"fully_online": "true"}).status_code in {200, 404}


# -- exact invalidation ------------------------------------------------------------------------


def test_a_new_published_version_shows_at_once(demo, client):
    item = item_named(FOOD)
    assert client.get(api_url(item)).json()["version"]["number"] == 1
    assert "第 1 版" in client.get(guide_url(item)).content.decode()
    publish_renamed(item, "食品经营许可（新办·测试）")
    body = client.get(api_url(item)).json()
    assert (body["name"], body["version"]["number"]) == ("食品经营许可（新办·测试）", 2)
    page = client.get(guide_url(item)).content.decode()
    assert "食品经营许可（新办·测试）" in page and "第 2 版" in page
    # The old version's page now says it was superseded.
    old = client.get(f"{guide_url(item)}v1/").content.decode()
    assert 'data-testid="superseded"' in old


@pytest.mark.parametrize("action", ["suspend", "withdraw"])
def test_a_suspended_or_withdrawn_item_is_gone_at_once(demo, client, action):
    item = item_named("居民身份证补领")
    assert client.get(api_url(item)).status_code == 200
    assert client.get(guide_url(item)).status_code == 200
    assert "居民身份证补领" in search_names(client, "身份证丢了")
    getattr(services, f"item_{action}")(item=item, reason="测试")
    assert client.get(api_url(item)).status_code == 404
    assert client.get(guide_url(item)).status_code == 404
    assert "居民身份证补领" not in search_names(client, "身份证丢了")


def test_a_synonym_change_shows_in_search_at_once(demo, client):
    # A made-up nickname no dictionary knows (暂住证 is found through CC-CEDICT, ADR 0013).
    assert search_names(client, "办咕噜噜") == []
    row = synonym_set(phrase="咕噜噜", expansions="居住证")
    assert search_names(client, "办咕噜噜")[0] == "居住证申领"
    synonym_set(phrase="咕噜噜", expansions="居住证", active=False, synonym=row)
    assert search_names(client, "办咕噜噜") == []


def test_changes_no_python_code_sees_are_caught_by_the_triggers(demo, client):
    """QuerySet.update() sends no signal and bypasses the services; the database still
    changes the generation."""
    item = item_named(FOOD)
    client.get(api_url(item))
    client.get(guide_url(item))
    Department.objects.filter(pk=item.department_id).update(name="县市场监管测试局")
    assert client.get(api_url(item)).json()["department"] == "县市场监管测试局"
    assert "县市场监管测试局" in client.get(guide_url(item)).content.decode()
    ServiceItemVersion.objects.filter(pk=item.published_version_id).update(promised_limit=3)
    assert client.get(api_url(item)).json()["promised_limit"] == 3
    Material.objects.filter(version_id=item.published_version_id).update(name="改名的材料")
    names = {m["name"] for m in client.get(api_url(item)).json()["version"]["materials"]}
    assert names == {"改名的材料"}
    SearchSynonym.objects.filter(phrase="开饭店").delete()
    before = generation.current()
    SearchSynonym.objects.create(phrase="开个饭馆", expansions="餐饮")
    assert generation.current() != before


def test_draft_work_leaves_the_generation_alone(demo):
    item = item_named(FOOD)
    before = generation.current()
    draft = services.version_start_revision(item=item, reason="改材料")
    services.version_update(
        version=draft,
        elements={"promised_limit": 5},
        materials=[{"name": "新材料", "original_or_copy": "original", "count": 1}],
        reason="改材料",
    )
    services.version_submit(version=draft)
    services.version_approve(version=draft, comment="同意")
    assert generation.current() == before
    services.version_publish(version=draft)
    assert generation.current() != before


def test_a_rolled_back_change_leaves_no_stale_entry(demo, client):
    item = item_named(FOOD)
    with transaction.atomic():
        publish_renamed(item, "回滚前的名称")
        assert client.get(api_url(item)).json()["name"] == "回滚前的名称"
        transaction.set_rollback(True)
    assert client.get(api_url(item)).json()["name"] == FOOD


def test_an_emptied_generation_table_starts_a_new_generation(demo, client):
    item = item_named(FOOD)
    before = generation.current()
    client.get(api_url(item))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {generation.TABLE}")  # noqa: S608 - a constant
    after = generation.current()
    assert after is not None and after != before
    assert client.get(api_url(item)).status_code == 200
    assert caching.item_json.hits == 0


def test_every_table_a_public_read_shows_is_watched():
    tables = {w.table for w in generation.WATCHED}
    models = [
        ServiceItem,
        ServiceItemVersion,
        Material,
        ProcessStep,
        SpecialProcedure,
        BaseItem,
        Bundle,
        BundleStage,
        BundleStageItem,
        SearchSynonym,
        Department,
        Region,
    ]
    assert tables == {m._meta.db_table for m in models}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute(
                "SELECT event_object_table FROM information_schema.triggers"
                " WHERE trigger_name LIKE 'yiwang_gen_%%'"
            )
        assert tables <= {row[0] for row in cursor.fetchall()}


def test_install_is_idempotent(demo):
    assert generation.install() == len(generation.WATCHED)
    before = generation.current()
    assert generation.install() == len(generation.WATCHED)
    assert generation.current() != before  # a migrate starts a new generation


# -- what is never served from the cache -------------------------------------------------------


def test_a_signed_in_citizen_gets_a_page_of_their_own(demo, client):
    item = item_named(FOOD)
    anonymous = client.get(guide_url(item)).content.decode()
    assert reverse("org:citizen-sign-in") in anonymous
    citizen = User.objects.filter(kind=UserKind.CITIZEN).first()
    assert citizen is not None
    client.force_login(citizen)
    own = client.get(guide_url(item)).content.decode()
    assert f'action="{reverse("org:sign-out")}"' in own
    assert caching.guide_html.hits == 0


def test_query_strings_and_languages_are_kept_apart(demo, client):
    item = item_named(FOOD)
    client.get(guide_url(item))
    tagged = client.get(guide_url(item), {"from": "wechat"}).content.decode()
    assert "from=wechat" in tagged  # the language switcher returns to the same address
    assert caching.guide_html.hits == 0
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(guide_url(item)).content.decode()
    assert '<html lang="en">' in english
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert '<html lang="zh-hans">' in client.get(guide_url(item)).content.decode()


def test_the_cached_page_carries_a_working_csrf_token(demo):
    visitor = Client(enforce_csrf_checks=True)
    item = item_named(FOOD)
    Client().get(guide_url(item))  # someone else fills the cache
    page = visitor.get(guide_url(item))
    assert caching.guide_html.hits == 1
    html = page.content.decode()
    assert caching.CSRF_PLACEHOLDER not in html
    assert settings.CSRF_COOKIE_NAME in page.cookies
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    switched = visitor.post(
        reverse("set_language"),
        {"language": "en", "next": guide_url(item), "csrfmiddlewaretoken": token.group(1)},
    )
    assert switched.status_code == 302


def test_the_cache_keeps_at_most_its_entries(demo, client, settings):
    settings.YIWANG_PUBLIC_CACHE_ENTRIES = 2
    codes = list(ServiceItem.objects.filter(status="active").values_list("code", flat=True)[:3])
    for code in codes:
        assert client.get(f"/api/catalog/items/{code}/").status_code == 200
    assert len(caching.item_json) == 2
    settings.YIWANG_PUBLIC_CACHE_ENTRIES = 0
    caching.clear_all()
    assert client.get(f"/api/catalog/items/{codes[0]}/").status_code == 200
    assert len(caching.item_json) == 0
