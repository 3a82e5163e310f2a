"""The 指标 page and the drill-down list: figures for a period within the reader's scope,
rankings linking to the drill-downs, the records behind a figure with links to their pages; a
department admin sees only his own (another department's drill-down is 404); unknown or
point-in-time figures have no list (404); a bad period is one sentence (400); staff only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories as f
from yiwang.org.models import Department

FIGURES = reverse("insight:figures")


def drill(key: str) -> str:
    return reverse("insight:drill-down", args=[key])


@pytest.fixture
def leader(figures):
    bureau = Department.objects.get(is_bureau=True)  # the case world's 县数据资源管理局
    return f.staff(bureau, ["leader"], username="leader").user


def test_a_leader_sees_every_figure_for_the_period_and_the_rankings(client, figures, leader):
    client.force_login(leader)
    response = client.get(FIGURES, {"period": "2026H1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["period"].label == "2026年上半年"
    shown = {s.metric.key: s.text for s in response.context["figures"]}
    assert shown["cases.total"] == "3 件"
    assert shown["cases.online_share"] == "66.67%"
    assert shown["evaluations.good_rate"] == "—"  # no data
    ranking = response.context["rankings"][0]["rows"]
    assert [(row.label, text) for row, text in ranking] == [
        ("县市场监督管理局", "2 件"),
        ("测试镇1市场监管所", "1 件"),
    ]
    assert f"{drill('cases.total')}?period=2026H1&amp;department={figures.town.pk}" in html
    assert "时点指标" in html  # the catalogue figures say they are current values


def test_the_drill_down_lists_the_records_behind_a_figure(client, figures, leader):
    client.force_login(leader)
    response = client.get(drill("cases.total"), {"period": "2026H1"})
    assert response.status_code == 200
    rows = response.context["rows"]
    numbers = {figures.cases[c].number for c in ("c1", "c2", "c3")}
    assert {row.label for row in rows} == numbers
    c3 = figures.cases["c3"]
    assert any(row.url == reverse("cases:detail", args=[c3.pk]) for row in rows)
    assert response.context["value"] == "3 件"
    one = client.get(drill("cases.total"), {"period": "2026H1", "department": figures.town.pk})
    assert [row.label for row in one.context["rows"]] == [c3.number]
    assert one.context["value"] == "1 件"
    town = client.get(drill("cases.total"), {"period": "2026H1", "town": "341199000"})
    assert len(town.context["rows"]) == 2


def test_a_department_admin_sees_only_his_own(client, figures):
    client.force_login(figures.world.head.user)  # 县市场监督管理局's department admin
    response = client.get(drill("cases.total"), {"period": "2026H1"})
    assert {row.label for row in response.context["rows"]} == {
        figures.cases["c1"].number,
        figures.cases["c2"].number,
    }
    assert {
        s.metric.key: s.text for s in client.get(FIGURES, {"period": "2026H1"}).context["figures"]
    }["cases.total"] == "2 件"
    other = client.get(drill("cases.total"), {"period": "2026H1", "department": figures.town.pk})
    assert other.status_code == 404


def test_no_list_for_unknown_figures(client, leader):
    client.force_login(leader)
    assert client.get(drill("cases.nothing")).status_code == 404


def test_a_bad_period_is_one_sentence(client, leader):
    client.force_login(leader)
    response = client.get(FIGURES, {"period": "2026H7"})
    assert response.status_code == 400
    assert "统计期“2026H7”无法识别" in response.content.decode()


def test_staff_only(client, figures):
    assert client.get(FIGURES).status_code == 302  # to sign-in
    client.force_login(figures.world.citizen.user)
    assert client.get(FIGURES).status_code == 403
    assert client.get(drill("cases.total")).status_code == 403
