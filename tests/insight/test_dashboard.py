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
from django.utils import timezone

from tests import factories as f
from tests.cases.test_services import accepted
from yiwang.cases.fields import WarningLevel
from yiwang.cases.models import Case, CaseStatus
from yiwang.insight import dashboard, registry
from yiwang.insight.models import DashboardFigures
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


def _county(leader):
    return data_scope_for(leader)


def _no_compute(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("computed in the request")

    monkeypatch.setattr(dashboard, "compute_figures", refuse)


def _age(scope, seconds):
    DashboardFigures.objects.filter(scope_key=dashboard.scope_key(scope), period="2026H1").update(
        computed_at=timezone.now() - dt.timedelta(seconds=seconds)
    )


@override_settings(YIWANG_DASHBOARD_MAX_AGE_SECONDS=300)
def test_a_stored_value_is_served_without_computing(
    client, figures, leader, monkeypatch, django_assert_max_num_queries
):
    scope = _county(leader)
    assert dashboard.refresh(scope, H1)
    _add_case(figures)  # after the computation: not in the stored value
    _no_compute(monkeypatch)
    with django_assert_max_num_queries(1):  # the stored row, nothing else
        served = dashboard.figures(scope, H1)
    assert _headlines(served)["cases.total"]["value"] == 3
    client.force_login(leader)
    answer = client.get(DATA, {"period": "2026H1"}).json()
    assert _headlines(answer)["cases.total"]["value"] == 3
    row = DashboardFigures.objects.get(scope_key=dashboard.scope_key(scope), period="2026H1")
    assert answer["computed_at"] == timezone.localtime(row.computed_at).isoformat(
        timespec="seconds"
    )
    page = client.get(PAGE, {"period": "2026H1"}).content.decode()
    assert "数据更新于" in page
    assert f">{timezone.localtime(row.computed_at):%H:%M}</time>" in page


def test_a_value_older_than_the_max_age_is_never_served(figures, leader):
    scope = _county(leader)
    with override_settings(YIWANG_DASHBOARD_MAX_AGE_SECONDS=300):
        dashboard.refresh(scope, H1)
        _add_case(figures)
        _age(scope, 299)
        assert _headlines(dashboard.figures(scope, H1))["cases.total"]["value"] == 3
        _age(scope, 301)  # expired: recomputed in the request, once, and stored
        assert _headlines(dashboard.figures(scope, H1))["cases.total"]["value"] == 4
        row = DashboardFigures.objects.get(scope_key=dashboard.scope_key(scope), period="2026H1")
        assert (timezone.now() - row.computed_at).total_seconds() < 60
        assert row.computing_since is None
    # The max age lowered while the value lives: too old now, computed again.
    _add_case(figures)
    with override_settings(YIWANG_DASHBOARD_MAX_AGE_SECONDS=0):
        assert _headlines(dashboard.figures(scope, H1))["cases.total"]["value"] == 5


@override_settings(YIWANG_DASHBOARD_MAX_AGE_SECONDS=300)
def test_a_missing_value_is_computed_once_and_stored_per_period(figures, leader):
    scope = _county(leader)
    assert not DashboardFigures.objects.exists()
    assert _headlines(dashboard.figures(scope, H1))["cases.total"]["value"] == 3
    _add_case(figures)
    assert _headlines(dashboard.figures(scope, H1))["cases.total"]["value"] == 3
    # Another period is another row (c1, c2, c3 and the new one).
    q1 = dashboard.figures(scope, Period.parse("2026Q1"))
    assert _headlines(q1)["cases.total"]["value"] == 4
    assert set(DashboardFigures.objects.values_list("period", flat=True)) == {"2026H1", "2026Q1"}


@override_settings(YIWANG_DASHBOARD_MAX_AGE_SECONDS=300)
def test_while_another_computes_a_request_waits_for_its_value(figures, leader, monkeypatch):
    scope = _county(leader)
    dashboard.refresh(scope, H1)
    _age(scope, 400)
    key = dashboard.scope_key(scope)
    # Someone (the worker, another request) holds the claim.
    DashboardFigures.objects.filter(scope_key=key).update(computing_since=timezone.now())
    _add_case(figures)
    waited = []

    def other_finishes(seconds):
        waited.append(seconds)
        if len(waited) == 2:  # the claimant stores its value while we poll
            DashboardFigures.objects.filter(scope_key=key).update(
                computed_at=timezone.now(), computing_since=None
            )

    monkeypatch.setattr(dashboard, "_wait", other_finishes)
    _no_compute(monkeypatch)
    served = dashboard.figures(scope, H1)
    assert len(waited) == 2
    assert _headlines(served)["cases.total"]["value"] == 3  # the other's value, not computed


@override_settings(YIWANG_DASHBOARD_MAX_AGE_SECONDS=300)
def test_a_dead_claim_is_taken_over_and_a_failure_releases_it(figures, leader, monkeypatch):
    scope = _county(leader)
    key = dashboard.scope_key(scope)
    DashboardFigures.objects.create(
        scope_key=key,
        period="2026H1",
        computing_since=timezone.now() - dt.timedelta(seconds=dashboard.CLAIM_SECONDS + 1),
    )
    assert _headlines(dashboard.figures(scope, H1))["cases.total"]["value"] == 3
    _age(scope, 400)

    def broken(*args, **kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(dashboard, "compute_figures", broken)
    with pytest.raises(RuntimeError):
        dashboard.figures(scope, H1)
    assert DashboardFigures.objects.get(scope_key=key).computing_since is None


@override_settings(YIWANG_DASHBOARD_MAX_AGE_SECONDS=300)
def test_the_worker_job_fills_every_scope(client, figures, leader, monkeypatch):
    from yiwang.insight import tasks

    monkeypatch.setattr("django.utils.timezone.localdate", lambda: dt.date(2026, 4, 10))
    tasks.refresh_dashboards.call()
    keys = set(DashboardFigures.objects.filter(period="2026H1").values_list("scope_key", flat=True))
    county = _county(leader)
    head = figures.world.head.user
    assert dashboard.scope_key(county) in keys
    assert {f"department:{pk}" for pk in Department.objects.values_list("pk", flat=True)} <= keys
    # The endpoint now only reads: for the county's leader and for a department admin.
    _no_compute(monkeypatch)
    client.force_login(leader)
    assert _headlines(client.get(DATA, {"period": "2026H1"}).json())["cases.total"]["value"] == 3
    client.force_login(head)
    mine = client.get(DATA, {"period": "2026H1"}).json()
    assert _headlines(mine)["cases.total"]["value"] == 2  # his department's, not the county's
    assert mine["scope"] == str(data_scope_for(head).label)
    # A second run right after skips what is young (half the interval) and removes what nobody
    # asked for in a day (another period looked at once).
    old = DashboardFigures.objects.create(
        scope_key=dashboard.scope_key(county),
        period="2025H2",
        computed_at=timezone.now() - dt.timedelta(days=2),
    )
    with override_settings(YIWANG_DASHBOARD_REFRESH_JOB_SECONDS=600):
        before = set(DashboardFigures.objects.values_list("computed_at", flat=True))
        tasks.refresh_dashboards.call()
        assert set(DashboardFigures.objects.values_list("computed_at", flat=True)) == before - {
            old.computed_at
        }
    assert not DashboardFigures.objects.filter(pk=old.pk).exists()


def test_the_job_is_scheduled_more_often_than_the_max_age(settings):
    from yiwang.common.periodic import JOBS

    job = next(j for j in JOBS if j.name == "insight.dashboard")
    assert job.task == "yiwang.insight.tasks.refresh_dashboards"
    assert job.minutes() * 60 < settings.YIWANG_DASHBOARD_MAX_AGE_SECONDS


@override_settings(YIWANG_DASHBOARD_MAX_AGE_SECONDS=300)
def test_the_stored_values_are_per_scope(figures, leader):
    county = dashboard.figures(_county(leader), H1)
    one = dashboard.figures(DataScope.department(figures.town.pk, figures.town.name), H1)
    head = figures.world.head.user
    own = dashboard.figures(data_scope_for(head), H1)
    assert _headlines(county)["cases.total"]["value"] == 3
    assert _headlines(one)["cases.total"]["value"] == 1
    assert _headlines(own)["cases.total"]["value"] == 2
    # Two readers of one region share its value, whatever their own department.
    other = DataScope.region(_county(leader).region_prefix, "x")
    assert dashboard.scope_key(other) == dashboard.scope_key(_county(leader))
    assert dashboard.scope_key(data_scope_for(head)) != dashboard.scope_key(_county(leader))


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
