"""Declarative metrics on a small hand-built set (tests/insight/conftest.py): values for a
period, the cumulative span and an empty period, the breakdowns by department, town and month,
rankings, the drill-down records and the data scope — one query each."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yiwang.insight import registry as r
from yiwang.insight.periods import Period
from yiwang.org.scope import DataScope

H1 = Period.parse("2026H1")
YEAR = Period.parse("2026")
Q2 = Period.parse("2026Q2")


def test_values_for_a_period_one_query_each(figures, django_assert_num_queries):
    expected = {
        ("cases.total", None): 5,
        ("cases.total", H1): 3,
        ("cases.total", H1.cumulative()): 4,
        ("cases.total", YEAR): 4,
        ("cases.online_share", H1): Decimal("0.6667"),
        ("cases.on_time_rate", H1): Decimal("0.5000"),
        ("cases.overdue_count", H1): 1,
        ("cases.coverage", H1): Decimal("1.0000"),
        ("cases.coverage", Q2): Decimal("0.0000"),
    }
    for (key, period), value in expected.items():
        with django_assert_num_queries(1):
            assert r.compute(key, None, period) == value, (key, period)


def test_an_empty_period_is_zero_or_no_data(figures):
    assert r.compute("cases.total", period=Q2) == 0
    assert r.compute("cases.online_share", period=Q2) is None
    assert r.compute("cases.average_handling_days", period=Q2) is None
    metric = r.get("cases.online_share")
    assert r.format_value(metric, r.compute("cases.online_share", period=Q2)) == "无数据"
    months = r.breakdown("cases.online_share", "month", period=Q2)
    assert [(row.id, row.value) for row in months] == [
        ("2026-04", None),
        ("2026-05", None),
        ("2026-06", None),
    ]


def test_the_old_api_is_the_all_time_value(figures):
    assert r.compute("cases.total") == 5
    assert r.get("cases.total").query(DataScope.whole()) == 5
    assert r.compute("cases.by_month", period=H1) == {"2026-01": 1, "2026-03": 2}


def test_breakdowns_one_query_each(figures, django_assert_num_queries):
    with django_assert_num_queries(1):
        departments = r.breakdown("cases.total", "department", period=H1)
    assert [(row.id, row.label, row.value) for row in departments] == [
        (figures.county.pk, "县市场监督管理局", 2),
        (figures.town.pk, "测试镇1市场监管所", 1),
    ]
    with django_assert_num_queries(1):
        towns = r.breakdown("cases.total", "town", period=H1)
    assert [(row.id, row.label, row.value) for row in towns] == [
        ("341199000", "县本级", 2),
        ("341199101", "测试镇1", 1),
    ]
    with django_assert_num_queries(1):
        months = r.breakdown("cases.total", "month", period=H1)
    assert {row.id: row.value for row in months} == {
        "2026-01": 1,
        "2026-02": 0,
        "2026-03": 2,
        "2026-04": 0,
        "2026-05": 0,
        "2026-06": 0,
    }
    with django_assert_num_queries(1):
        shares = r.breakdown("cases.online_share", "department", period=H1)
    assert [row.value for row in shares] == [Decimal("0.5000"), Decimal("1.0000")]
    # the parts add up to the whole
    assert sum(row.value for row in departments) == r.compute("cases.total", period=H1)
    assert sum(row.value for row in towns) == r.compute("cases.total", period=H1)


def test_rankings_high_to_low_ties_stable_no_data_last(figures):
    ranked = r.ranking("cases.online_share", "department", period=H1)
    assert [row.label for row in ranked] == ["测试镇1市场监管所", "县市场监督管理局"]
    # 2026: 2 cases each — a tie keeps the breakdown's order (region code, name)
    tied = r.ranking("cases.total", "department", period=YEAR)
    assert [(row.label, row.value) for row in tied] == [
        ("县市场监督管理局", 2),
        ("测试镇1市场监管所", 2),
    ]
    # on-time rate in H1: the town department concluded nothing (None) and ranks last
    on_time = r.ranking("cases.on_time_rate", "department", period=H1)
    assert [(row.label, row.value) for row in on_time] == [
        ("县市场监督管理局", Decimal("0.5000")),
        ("测试镇1市场监管所", None),
    ]


def test_drill_down_records_are_those_counted(figures):
    c = figures.cases
    assert set(r.records("cases.total", period=H1)) == {c["c1"], c["c2"], c["c3"]}
    assert set(r.records("cases.total", period=H1, department=figures.town.pk)) == {c["c3"]}
    assert set(r.records("cases.total", period=H1, town="341199000")) == {c["c1"], c["c2"]}
    # a ratio's records are its denominator's; a count's are those it counts
    assert set(r.records("cases.on_time_rate", period=H1)) == {c["c1"], c["c2"]}
    assert set(r.records("cases.overdue_count", period=YEAR)) == {c["c2"]}
    assert r.records("cases.total", period=H1).count() == r.compute("cases.total", period=H1)


def test_a_department_scope_sees_only_its_own(figures):
    mine = DataScope.department(figures.town.pk, "测试镇1市场监管所")
    assert r.compute("cases.total", mine, H1) == 1
    assert [row.label for row in r.breakdown("cases.total", "department", mine, H1)] == [
        "测试镇1市场监管所"
    ]
    assert set(r.records("cases.total", mine, H1)) == {figures.cases["c3"]}
    assert not r.records("cases.total", mine, H1, department=figures.county.pk).exists()
    neighbour = DataScope.region("341299")
    assert r.compute("cases.total", neighbour, H1) == 0


def test_point_in_time_and_custom_metrics(figures):
    # The catalogue's figures are as of the period's end (versions_at), not derivable: the
    # fixture's items were published today, after 2026Q2 ended.
    items = r.get("catalog.items_total")
    assert not items.point_in_time and not items.derivable
    assert r.compute("catalog.items_total") > 0
    assert r.compute("catalog.items_total", period=Q2) == 0
    clock = r.Metric(
        key="tests.clock", name="时点", unit="项", definition="测试用时点指标。", query=lambda s: 7
    )
    r.register(clock)
    try:
        assert clock.point_in_time and not clock.derivable
        assert r.compute("tests.clock", period=Q2) == r.compute("tests.clock") == 7
        with pytest.raises(ValueError, match="没有可列出的记录"):
            r.records("tests.clock")
    finally:
        r.unregister("tests.clock")
    assert not r.get("cases.total").point_in_time and r.get("cases.total").derivable
    by_channel = r.get("cases.by_channel")
    assert not by_channel.point_in_time and not by_channel.derivable
    with pytest.raises(ValueError, match="不支持按部门分解"):
        r.breakdown("cases.by_channel", "department", period=H1)


def test_every_converted_app_is_declarative():
    for app in ("cases", "evaluations", "appeals", "windows", "hall"):
        for metric in r.all_metrics(app):
            assert metric.declarative, metric.key
            # Coverages and the items never applied for count items by their records' dates.
            assert (
                metric.date_field
                or metric.key.endswith("coverage")
                or metric.key == "cases.never_applied_items"
            ), metric.key


def test_every_declarative_metric_and_breakdown_is_one_query(figures, django_assert_num_queries):
    for metric in r.all_metrics():
        if not metric.declarative:
            continue
        with django_assert_num_queries(1):
            r.compute(metric.key, None, H1)
        if not metric.derivable:
            continue
        # A point-in-time figure (no date field) has no months.
        dimensions = ["month"] if metric.date_field else []
        dimensions += ["department", "town"] if metric.town_path else []
        if not metric.department_field:
            dimensions = [d for d in dimensions if d != "department"]
        for by in dimensions:
            with django_assert_num_queries(1):
                r.breakdown(metric.key, by, None, H1)  # type: ignore[arg-type]
