"""The figures over the same records computed in one query (registry.compute_spans_many,
registry.breakdown_many) on the hand-built cases of conftest.py: each value, record count and
breakdown row is the one compute() / records().count() / breakdown() gives on its own —
including an empty period and a department's scope —, one query per group of figures; the
month breakdown by month bounds, also of a cumulative span reaching back past them and of a
date-time field on a local month's first and last minutes; a filtered count per channel
(CountBy) shares the case figures' query."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yiwang.cases.models import Case
from yiwang.insight import registry as r
from yiwang.insight.periods import Period
from yiwang.org.scope import DataScope

H1 = Period.parse("2026H1")
Q2 = Period.parse("2026Q2")
Y2024 = Period.parse("2024")

CASE_KEYS = (
    "cases.total",
    "cases.online_share",
    "cases.on_time_rate",
    "cases.overdue_count",
    "cases.average_handling_days",
    "cases.assisted_count",
    "cases.by_channel",
)
SPANS = [H1, H1.cumulative(), Q2, Y2024, None]


def _scopes(figures) -> list[DataScope | None]:
    return [None, DataScope.department(figures.town.pk, figures.town.name)]


def test_the_case_figures_share_one_query_and_equal_each_alone(figures, django_assert_num_queries):
    Case.objects.filter(pk=figures.cases["c1"].pk).update(handling_days=3)
    Case.objects.filter(pk=figures.cases["c2"].pk).update(handling_days=10)
    for scope in _scopes(figures):
        with django_assert_num_queries(1):
            found = r.compute_spans_many(CASE_KEYS, scope, SPANS)
        assert list(found) == list(CASE_KEYS)
        for key in CASE_KEYS:
            for (value, count), span in zip(found[key], SPANS, strict=True):
                assert value == r.compute(key, scope, span), (key, span, scope)
                assert count == r.records(key, scope, span).count(), (key, span, scope)
    found = r.compute_spans_many(CASE_KEYS, None, SPANS)
    assert found["cases.total"] == [(3, 3), (4, 4), (0, 0), (0, 0), (5, 5)]
    assert found["cases.on_time_rate"][0] == (Decimal("0.5000"), 2)
    assert found["cases.average_handling_days"][0] == (Decimal("6.50"), 2)
    # an empty period: no division by zero, no data for the ratios and the mean
    assert found["cases.online_share"][2] == (None, 0)
    assert found["cases.average_handling_days"][2] == (None, 0)
    channels = ["网上", "窗口", "自助终端", "掌上", "帮办代办"]
    assert found["cases.by_channel"][2] == (dict.fromkeys(channels, 0), 0)
    mine = r.compute_spans_many(CASE_KEYS, _scopes(figures)[1], [H1])
    assert mine["cases.total"] == [(1, 1)]
    assert mine["cases.by_channel"][0][0]["网上"] == 1  # type: ignore[index]


def test_by_channel_lists_every_channel_and_adds_up(figures):
    value = r.compute("cases.by_channel", None, H1)
    assert value == {"网上": 2, "窗口": 1, "自助终端": 0, "掌上": 0, "帮办代办": 0}
    assert r.compute("cases.by_channel", None, Q2) == dict.fromkeys(value, 0)
    assert sum(value.values()) == r.compute("cases.total", None, H1)  # type: ignore[union-attr]


def test_figures_of_other_records_get_a_query_of_their_own(figures, django_assert_num_queries):
    keys = ("cases.total", "appeals.total", "cases.coverage", "cases.overdue_count")
    # the cases, the tickets; a custom measure's value and its records, one query each
    with django_assert_num_queries(1 + 1 + 2):
        found = r.compute_spans_many(keys, None, [H1])
    assert found["cases.total"] == [(3, 3)] and found["cases.overdue_count"] == [(1, 1)]
    assert found["appeals.total"] == [(0, 0)]
    assert found["cases.coverage"][0][0] == r.compute("cases.coverage", None, H1)


@pytest.mark.parametrize("by", ["department", "town", "month"])
@pytest.mark.parametrize("period", [H1, H1.cumulative(), Q2, None], ids=str)
def test_breakdowns_share_one_query_and_equal_each_alone(
    figures, django_assert_num_queries, by, period
):
    keys = [k for k in CASE_KEYS if r.get(k).derivable]
    for scope in _scopes(figures):
        with django_assert_num_queries(1):
            found = r.breakdown_many(keys, by, scope, period)
        for key in keys:
            assert found[key] == r.breakdown(key, by, scope, period), (key, by, period)
        # the counts against their records, group by group
        for key in ("cases.total", "cases.overdue_count"):
            rows = found[key]
            assert sum(row.value for row in rows) == r.compute(key, scope, period)  # type: ignore[misc]
            if by == "month":
                continue
            for row in rows:
                group = {"department": int(row.id)} if by == "department" else {"town": row.id}
                assert row.value == r.records(key, scope, period, **group).count()  # type: ignore[arg-type]


def test_breakdowns_of_an_empty_period(figures):
    found = r.breakdown_many(["cases.total", "cases.on_time_rate"], "month", None, Q2)
    assert [(row.id, row.value) for row in found["cases.total"]] == [
        ("2026-04", 0),
        ("2026-05", 0),
        ("2026-06", 0),
    ]
    assert [row.value for row in found["cases.on_time_rate"]] == [None, None, None]
    by_department = r.breakdown_many(["cases.total", "cases.on_time_rate"], "department", None, Q2)
    assert by_department == {"cases.total": [], "cases.on_time_rate": []}


def test_breakdown_many_by_department_with_a_scope(figures):
    mine = DataScope.department(figures.town.pk, figures.town.name)
    found = r.breakdown_many(["cases.total", "cases.overdue_count"], "department", mine, H1)
    assert [(row.label, row.value) for row in found["cases.total"]] == [("测试镇1市场监管所", 1)]
    assert [(row.label, row.value) for row in found["cases.overdue_count"]] == [
        ("测试镇1市场监管所", 0)
    ]


def test_a_breakdown_the_metric_cannot_have_is_refused_by_name(figures):
    with pytest.raises(ValueError, match="不支持按部门分解"):
        r.breakdown_many(["cases.total", "cases.by_channel"], "department", None, H1)
    with pytest.raises(ValueError, match="未知的分解维度"):
        r.breakdown_many(["cases.total"], "week", None, H1)  # type: ignore[arg-type]


def test_a_cumulative_month_breakdown_reaches_back_past_the_month_bounds(figures):
    # c4 (2026-08-01) moved back five years: older than the last MONTHS_BY_BOUNDS months, its
    # month comes from truncating its date
    Case.objects.filter(pk=figures.cases["c4"].pk).update(accepted_on=dt.date(2021, 2, 3))
    assert H1.end.year * 12 + H1.end.month - (2021 * 12 + 2) >= r.MONTHS_BY_BOUNDS
    rows = r.breakdown("cases.total", "month", None, H1.cumulative())
    assert [(row.id, row.value) for row in rows] == [
        ("2021-02", 1),
        ("2025-12", 1),
        ("2026-01", 1),
        ("2026-03", 2),
    ]
    assert sum(row.value for row in rows) == r.compute("cases.total", None, H1.cumulative())  # type: ignore[misc]


def _rated(world, when: dt.datetime, level: int = 5):  # type: ignore[no-untyped-def]
    from tests.evaluations.conftest import concluded_case
    from yiwang.evaluations import services as s
    from yiwang.evaluations.fields import Channel
    from yiwang.evaluations.models import Rating

    rating = s.rating_for_case(case=concluded_case(world), channel=Channel.QR, level=level)
    Rating.objects.filter(pk=rating.pk).update(rated_at=when)


def test_a_date_time_fields_months_are_local_months(figures):
    local = timezone.get_current_timezone()

    def at(*parts: int) -> dt.datetime:
        return dt.datetime(*parts, tzinfo=local)

    _rated(figures.world, at(2026, 3, 1, 0, 5))  # local March, UTC 28 February
    _rated(figures.world, at(2026, 2, 28, 23, 55), level=1)  # local February
    _rated(figures.world, at(2026, 6, 30, 23, 59))
    _rated(figures.world, at(2019, 12, 31, 23, 59), level=2)  # before the month bounds
    keys = ["evaluations.good_rate", "evaluations.bad_count"]
    period = r.breakdown_many(keys, "month", None, H1)
    assert {row.id: row.value for row in period["evaluations.bad_count"]} == {
        "2026-01": 0,
        "2026-02": 1,
        "2026-03": 0,
        "2026-04": 0,
        "2026-05": 0,
        "2026-06": 0,
    }
    assert {row.id: row.value for row in period["evaluations.good_rate"]}["2026-03"] == Decimal(
        "1.0000"
    )
    cumulative = r.breakdown_many(keys, "month", None, H1.cumulative())
    assert [(row.id, row.value) for row in cumulative["evaluations.bad_count"]] == [
        ("2019-12", 1),
        ("2026-02", 1),
        ("2026-03", 0),
        ("2026-06", 0),
    ]
    for key in keys:
        assert cumulative[key] == r.breakdown(key, "month", None, H1.cumulative())
    spans = r.compute_spans_many(keys, None, [H1, H1.cumulative()])
    assert spans["evaluations.bad_count"] == [(1, 1), (2, 2)]
    assert spans["evaluations.good_rate"] == [(Decimal("0.6667"), 3), (Decimal("0.5000"), 4)]


@pytest.mark.parametrize("by", ["department", "town", "month"])
def test_breakdowns_of_several_spans_in_one_query(figures, django_assert_num_queries, by):
    # a department (c5, 2025-12-31) with records in the cumulative span only and none in Q2:
    # each span's rows are those of its own breakdown, absent groups left out
    keys = ["cases.total", "cases.on_time_rate", "cases.overdue_count"]
    spans = [H1, H1.cumulative(), Q2, Y2024, None]
    for scope in _scopes(figures):
        with django_assert_num_queries(1):
            found = r.breakdown_spans(keys, by, scope, spans)
        for key in keys:
            assert len(found[key]) == len(spans)
            for rows, span in zip(found[key], spans, strict=True):
                assert rows == r.breakdown(key, by, scope, span), (key, by, span, scope)
    found = r.breakdown_spans(["cases.total"], by, None, [Q2, H1.cumulative()])["cases.total"]
    if by == "month":
        assert [(row.id, row.value) for row in found[0]] == [
            ("2026-04", 0),
            ("2026-05", 0),
            ("2026-06", 0),
        ]
        assert [(row.id, row.value) for row in found[1]] == [
            ("2025-12", 1),
            ("2026-01", 1),
            ("2026-03", 2),
        ]
    else:
        assert found[0] == []
        assert sum(row.value for row in found[1]) == 4  # type: ignore[misc]


JAN, FEB, MAR = (Period.parse(f"2026-0{month}") for month in (1, 2, 3))


def test_the_union_of_spans_is_one_run_of_days_or_none():
    assert r._one_run([H1, H1.cumulative()]) == (None, dt.date(2026, 6, 30))
    assert r._one_run([FEB, JAN]) == (dt.date(2026, 1, 1), dt.date(2026, 2, 28))
    assert r._one_run([Period.parse("2026Q1"), FEB]) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert r._one_run([JAN, MAR]) is None  # February between them
    assert r._one_run([Y2024, MAR]) is None
    assert r._one_run([H1, None]) is None  # all time: no bounds at all
    assert r._one_run([]) is None


def test_spans_bounded_by_their_run_keep_their_own_records(figures):
    # c1 2026-01-10, c2 2026-03-05, c3 2026-03-20, c4 2026-08-01 (after every span), c5
    # 2025-12-31: each figure and breakdown row is the one of the span alone (one fixture
    # for every case: the figures fixture is the cost of this test)
    cases = [
        ([H1, H1.cumulative()], [3, 4]),  # one run: the period only needs its start
        ([JAN, FEB], [1, 0]),  # adjacent: each needs the bound it does not share
        ([Period.parse("2026Q1"), H1, MAR], [3, 3, 2]),  # overlapping
        ([JAN, MAR], [1, 2]),  # a gap: every span bounded both ways
        ([Period.parse("2025"), MAR, H1.cumulative()], [1, 2, 4]),
    ]
    for spans, totals in cases:
        found = r.compute_spans_many(["cases.total"], None, spans)["cases.total"]
        assert [value for value, _ in found] == totals, spans
        for scope in _scopes(figures):
            found = r.compute_spans_many(CASE_KEYS, scope, spans)
            for key in CASE_KEYS:
                for (value, count), span in zip(found[key], spans, strict=True):
                    assert value == r.compute(key, scope, span), (key, span, scope)
                    assert count == r.records(key, scope, span).count(), (key, span, scope)
            for by in ("department", "month"):
                rows = r.breakdown_spans(["cases.total", "cases.overdue_count"], by, scope, spans)
                for key, per_span in rows.items():
                    for got, span in zip(per_span, spans, strict=True):
                        assert got == r.breakdown(key, by, scope, span), (key, by, span, scope)


def test_a_period_and_its_cumulative_span_compare_with_the_end_once(figures):
    # the records are those up to the end; the cumulative span needs no condition on them,
    # the period only its start (fewer comparisons per row in every filtered aggregate)
    with CaptureQueriesContext(connection) as queries:
        found = r.compute_spans_many(["cases.total"], None, [H1, H1.cumulative()])
    assert found["cases.total"] == [(3, 3), (4, 4)]
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert sql.count('"accepted_on" <') == 1
    assert sql.count('"accepted_on" >=') == 1


def test_the_same_aggregate_is_computed_once(figures):
    # 好评率's denominator is also its record count: one COUNT for both, each name filled in
    with CaptureQueriesContext(connection) as queries:
        found = r.compute_spans_many(["evaluations.good_rate"], None, [H1])
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert sql.count("COUNT(") == 2  # hit and total (= records)
    assert found["evaluations.good_rate"] == [(None, 0)]
    _rated(figures.world, timezone.make_aware(dt.datetime(2026, 2, 1, 10)), level=5)
    _rated(figures.world, timezone.make_aware(dt.datetime(2026, 2, 2, 10)), level=1)
    found = r.compute_spans_many(["evaluations.good_rate", "evaluations.bad_count"], None, [H1])
    assert found == {
        "evaluations.good_rate": [(Decimal("0.5000"), 2)],
        "evaluations.bad_count": [(1, 1)],
    }
    unique, names = r._once({"a": Count("pk"), "b": Count("id"), "c": Count("pk")})
    assert list(unique) == ["a", "b"] and names == {"a": "a", "b": "b", "c": "a"}
    assert r._spread({"a": 1, "b": 2}, names) == {"a": 1, "b": 2, "c": 1}
