"""The county dashboard (一屏观): its figures are the registry's for the reader's scope and
period; a department admin sees only his own figures, rankings and lists; the cached payload is
never older than YIWANG_DASHBOARD_MAX_AGE_SECONDS; drill-down links never leave the reader's
scope; applicants are refused; the page carries no inline script; the town map is GeoJSON."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from tests import factories as f
from tests.cases.test_services import accepted
from yiwang.cases.fields import WarningLevel
from yiwang.cases.models import Case, CaseStatus
from yiwang.insight import dashboard, registry
from yiwang.insight.periods import Period
from yiwang.org.models import Department
from yiwang.org.scope import DataScope
from yiwang.org.selectors import data_scope_for

PAGE = reverse("insight-dashboard:page")
DATA = reverse("insight-dashboard:data")
MAP = reverse("insight-dashboard:map")
H1 = Period.parse("2026H1")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def leader(figures):
    return f.staff(Department.objects.get(is_bureau=True), ["leader"], username="leader").user


def _json(value):
    return float(value) if isinstance(value, Decimal) else value


def _headlines(payload):
    return {h["key"]: h for h in payload["headlines"]}


def test_the_figures_are_the_registrys_for_the_scope_and_period(client, figures, leader):
    client.force_login(leader)
    response = client.get(DATA, {"period": "2026H1"})
    assert response.status_code == 200
    payload = response.json()
    scope = data_scope_for(leader)
    shown = _headlines(payload)
    assert set(shown) == {
        k for k in dashboard.HEADLINES if k in {m.key for m in registry.all_metrics()}
    }
    for key, headline in shown.items():
        assert headline["value"] == _json(registry.compute(key, scope, H1)), key
    assert shown["cases.total"]["value"] == 3
    assert shown["cases.total"]["text"] == "3 件"
    assert shown["cases.online_share"]["text"] == "66.67%"
    assert shown["evaluations.good_rate"]["text"] == "—"  # no rating: no data, not 0
    drill = reverse("insight:drill-down", args=["cases.total"])
    assert shown["cases.total"]["url"] == f"{drill}?period=2026H1"
    assert payload["months"] == H1.months
    trend = {t["key"]: t["values"] for t in payload["trends"]}
    assert trend["cases.total"] == [1, 0, 2, 0, 0, 0]
    ranked = next(r for r in payload["rankings"] if r["by"] == "department")
    assert [(r["label"], r["value"]) for r in ranked["rows"]] == [
        ("县市场监督管理局", 2),
        ("测试镇1市场监管所", 1),
    ]
    assert ranked["rows"][1]["url"] == f"{drill}?period=2026H1&department={figures.town.pk}"
    assert [(r["label"], r["value"]) for r in payload["map"]["rows"]] == [("测试镇1", 1)]


def test_the_page_shows_the_headlines_with_their_drill_downs(client, figures, leader):
    client.force_login(leader)
    response = client.get(PAGE, {"period": "2026H1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="headline-cases.total">3 件<' in html
    assert f"{reverse('insight:drill-down', args=['cases.total'])}?period=2026H1" in html
    assert 'id="dashboard-data" type="application/json"' in html
    assert "vendor/echarts/echarts.min.js" in html


def test_a_department_admin_sees_only_his_own(client, figures):
    head = figures.world.head.user  # 县市场监督管理局's department admin
    Case.objects.filter(pk=figures.cases["c3"].pk).update(
        status=CaseStatus.IN_REVIEW,
        warning=WarningLevel.WARNING,
        promised_deadline=dt.date(2026, 4, 1),
    )
    mine = accepted(figures.world)
    Case.objects.filter(pk=mine.pk).update(
        status=CaseStatus.IN_REVIEW,
        warning=WarningLevel.WARNING,
        promised_deadline=dt.date(2026, 4, 2),
    )
    client.force_login(head)
    payload = client.get(DATA, {"period": "2026H1"}).json()
    scope = data_scope_for(head)
    assert scope.kind == "department"
    shown = _headlines(payload)
    for key, headline in shown.items():
        assert headline["value"] == _json(registry.compute(key, scope, H1)), key
    assert shown["cases.total"]["value"] == 2
    for ranking in payload["rankings"]:
        if ranking["by"] == "department":
            assert [r["label"] for r in ranking["rows"]] == ["县市场监督管理局"]
    assert [row["number"] for row in payload["lists"]["due"]] == [mine.number]  # not c3 (town's)
    # No link leads outside his scope: no other department, not the town's case.
    text = client.get(PAGE, {"period": "2026H1"}).content.decode()
    assert f"department={figures.town.pk}" not in text
    assert figures.cases["c3"].number not in text
    assert f"department={figures.town.pk}" not in str(payload)
    # and the leader, on the county, sees both due cases
    cache.clear()
    bureau = Department.objects.get(is_bureau=True)
    client.force_login(f.staff(bureau, ["leader"], username="leader").user)
    due = client.get(DATA, {"period": "2026H1"}).json()["lists"]["due"]
    assert {row["number"] for row in due} == {mine.number, figures.cases["c3"].number}


def _add_case(figures, on=dt.date(2026, 2, 3)):
    case = accepted(figures.world)
    Case.objects.filter(pk=case.pk).update(department=figures.county, accepted_on=on)


def test_the_cached_figures_are_never_older_than_the_max_age(client, figures, leader):
    client.force_login(leader)
    with override_settings(YIWANG_DASHBOARD_MAX_AGE_SECONDS=300):
        assert (
            _headlines(client.get(DATA, {"period": "2026H1"}).json())["cases.total"]["value"] == 3
        )
        _add_case(figures)
        cached = client.get(DATA, {"period": "2026H1"}).json()
        assert _headlines(cached)["cases.total"]["value"] == 3  # served from the cache
        assert cache.get(dashboard.figures_key(data_scope_for(leader), H1)) is not None
        # Another period is another entry, computed afresh (c1, c2, c3 and the new one).
        assert (
            _headlines(client.get(DATA, {"period": "2026Q1"}).json())["cases.total"]["value"] == 4
        )
    # Older than the max age: computed again, even though the entry is still in the cache.
    with override_settings(YIWANG_DASHBOARD_MAX_AGE_SECONDS=0):
        fresh = client.get(DATA, {"period": "2026H1"}).json()
        assert _headlines(fresh)["cases.total"]["value"] == 4
        assert fresh["max_age"] == 0
    # Expired from the cache (cleared): computed again.
    with override_settings(YIWANG_DASHBOARD_MAX_AGE_SECONDS=300):
        _add_case(figures)
        cache.clear()
        assert (
            _headlines(client.get(DATA, {"period": "2026H1"}).json())["cases.total"]["value"] == 5
        )


def test_the_cache_is_per_scope(figures, leader):
    with override_settings(YIWANG_DASHBOARD_MAX_AGE_SECONDS=300):
        county = dashboard.figures(data_scope_for(leader), H1)
        one = dashboard.figures(DataScope.department(figures.town.pk, figures.town.name), H1)
    assert _headlines(county)["cases.total"]["value"] == 3
    assert _headlines(one)["cases.total"]["value"] == 1


def test_a_bad_period_is_one_sentence(client, leader):
    client.force_login(leader)
    response = client.get(DATA, {"period": "2026H7"})
    assert response.status_code == 400
    assert "统计期“2026H7”无法识别" in response.json()["error"]
    assert client.get(PAGE, {"period": "2026H7"}).status_code == 400


def test_applicants_are_refused(client, figures):
    for url in (PAGE, DATA, MAP):
        assert client.get(url).status_code == 302  # to sign-in
    client.force_login(figures.world.citizen.user)
    for url in (PAGE, DATA, MAP):
        assert client.get(url).status_code == 403


def test_the_town_map_is_geojson_of_the_county_towns(client, figures, leader):
    f.town(2)
    client.force_login(leader)
    answer = client.get(MAP).json()
    assert answer["county"] == "341199"
    features = answer["geojson"]["features"]
    assert [(x["properties"]["code"], x["properties"]["name"]) for x in features] == [
        ("341199101", "测试镇1"),
        ("341199102", "测试镇2"),
    ]
    for feature in features:
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) > 4  # closed polygons


def test_the_workbench_navigation_leads_to_the_dashboard(client, figures, leader):
    client.force_login(leader)
    html = client.get(reverse("insight:figures")).content.decode()
    assert f'href="{PAGE}"' in html
