"""The five rating figures, worked by hand on a small world: 主动评价率, 评价覆盖事项占比, 办件评价
占比, 好评率, 差评数 — follow-up ratings count in none, a mistaken bad rating leaves 差评数 and
好评率 but stays on record, another department's scope sees none, one query each."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.evaluations.conftest import concluded_case
from tests.evaluations.test_ratings import visit
from yiwang.evaluations import services as s
from yiwang.evaluations.fields import Channel
from yiwang.insight.registry import get
from yiwang.org.scope import ALL_SCOPE, DataScope

KEYS = (
    "evaluations.active_rate",
    "evaluations.item_coverage",
    "evaluations.case_share",
    "evaluations.good_rate",
    "evaluations.bad_count",
)


def value(key: str, scope: DataScope = ALL_SCOPE):
    return get(key).query(scope)


def test_no_ratings_is_no_data_not_zero(world):
    assert value("evaluations.active_rate") is None  # no concluded case
    assert value("evaluations.good_rate") is None
    assert value("evaluations.bad_count") == 0


def test_the_figures_on_a_worked_example(world):
    # four concluded cases of the one published item; three rated, one of them twice
    # (the bad rating and the citizen's rating of its fix)
    c1, c2, c3, _c4 = (concluded_case(world) for _ in range(4))
    s.rating_for_case(case=c1, channel=Channel.QR, level=5)
    s.rating_for_case(case=c2, channel=Channel.PORTAL, level=3, actor=world.citizen.user)
    bad = s.rating_for_case(case=c3, channel=Channel.SMS, level=1)
    s.rating_follow_up(bad=bad, channel=Channel.SMS, level=5)
    # a window visit: bad; and a window rating: 非常满意
    s.rating_for_visit(visit=visit(world), channel=Channel.DEVICE, level=2)
    s.rating_for_window(window=world.clerk.window, channel=Channel.QR, level=5)

    assert value("evaluations.active_rate") == Decimal("0.7500")  # 3 of 4 concluded
    assert value("evaluations.item_coverage") == Decimal("1.0000")  # the 1 item is rated
    assert value("evaluations.case_share") == Decimal("0.6000")  # 3 of 5 ratings
    assert value("evaluations.good_rate") == Decimal("0.6000")  # 5, 3, 5 of 5
    assert value("evaluations.bad_count") == 2

    # the bureau upholds the appeal of the visit's 2 as a mistake: off the count, on record
    from yiwang.evaluations.models import Rating

    mistaken = Rating.objects.get(level=2)
    s.rating_mark_mistaken(rating=mistaken, actor=None, reason="手误点错")
    assert value("evaluations.bad_count") == 1
    assert value("evaluations.good_rate") == Decimal("0.7500")  # 3 of the 4 left
    assert value("evaluations.case_share") == Decimal("0.6000")  # still a rating
    assert Rating.objects.filter(pk=mistaken.pk).exists()


def test_another_departments_scope_sees_none(world):
    s.rating_for_case(case=concluded_case(world), channel=Channel.QR, level=1)
    other = DataScope.department(world.other.pk, world.other.name)
    assert value("evaluations.bad_count", other) == 0
    assert value("evaluations.good_rate", other) is None
    assert value("evaluations.active_rate", other) is None
    own = DataScope.department(world.dept.pk, world.dept.name)
    assert value("evaluations.bad_count", own) == 1


def test_each_figure_is_one_query(world):
    s.rating_for_case(case=concluded_case(world), channel=Channel.QR, level=4)
    for key in KEYS:
        with CaptureQueriesContext(connection) as queries:
            value(key)
        assert len(queries) == 1, key


def test_each_figure_has_its_definition_in_docs():
    from pathlib import Path

    text = Path(__file__).resolve().parents[2].joinpath("docs", "metrics.md").read_text()
    for key in KEYS:
        assert key in text, key


def test_active_rate_for_several_spans_in_one_query(world, django_assert_num_queries):
    # The report asks a period and its cumulative span at once (registry.compute_spans); a
    # share whose numerator is an EXISTS is grouped by it — the same figures as one by one.
    from yiwang.insight import registry
    from yiwang.insight.periods import Period

    c1, c2, _c3 = (concluded_case(world) for _ in range(3))
    s.rating_for_case(case=c1, channel=Channel.QR, level=5)
    bad = s.rating_for_case(case=c2, channel=Channel.SMS, level=1)
    s.rating_follow_up(bad=bad, channel=Channel.SMS, level=5)  # no second count for c2
    year = Period.parse(str(c1.concluded_on.year))
    spans = [year, year.cumulative(), Period.parse("2020"), None]
    with django_assert_num_queries(1):
        found = registry.compute_spans("evaluations.active_rate", None, spans)
    assert found == [
        (Decimal("0.6667"), 3),
        (Decimal("0.6667"), 3),
        (None, 0),
        (Decimal("0.6667"), 3),
    ]
    for (value_, count), span in zip(found, spans, strict=True):
        assert value_ == registry.compute("evaluations.active_rate", None, span)
        assert count == registry.records("evaluations.active_rate", None, span).count()
