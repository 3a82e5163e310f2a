"""The metric registry: registration rules, lookup, scopes, rounding and printing, and that
docs/metrics.md documents every registered figure."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from yiwang.insight import registry
from yiwang.insight.registry import Metric
from yiwang.org.scope import ALL_SCOPE, NO_SCOPE, DataScope

DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def _seen(scope: DataScope) -> int:
    _seen.last = scope  # type: ignore[attr-defined]
    return 7


@pytest.fixture
def probe():
    metric = registry.register(
        Metric(key="test.probe", name="探针", unit="项", definition="测试用。", query=_seen)
    )
    yield metric
    registry.unregister("test.probe")


def test_register_get_compute(probe):
    assert registry.get("test.probe") is probe
    assert probe in registry.all_metrics() and registry.all_metrics("test") == [probe]
    assert registry.compute("test.probe") == 7
    assert _seen.last == ALL_SCOPE  # type: ignore[attr-defined]
    scope = DataScope.department(3)
    registry.compute("test.probe", scope)
    assert _seen.last is scope  # type: ignore[attr-defined]


def test_registering_the_same_metric_again_is_harmless(probe):
    again = Metric(key="test.probe", name="探针", unit="项", definition="测试用。", query=_seen)
    assert registry.register(again) is probe


def test_a_taken_key_is_refused(probe):
    other = Metric(key="test.probe", name="别的", unit="项", definition="另一口径。", query=_seen)
    with pytest.raises(ImproperlyConfigured, match="已被注册"):
        registry.register(other)


@pytest.mark.parametrize(
    ("key", "definition", "message"),
    [("noapp", "口径。", "应用.名称"), ("test.blank", "  ", "缺少口径")],
)
def test_bad_metrics_are_refused(key, definition, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        registry.register(Metric(key=key, name="x", unit="项", definition=definition, query=_seen))
    assert key not in {m.key for m in registry.all_metrics()}


def test_unknown_key():
    with pytest.raises(KeyError, match="未注册的指标"):
        registry.compute("test.nothing")


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (2, 4, Decimal("0.5000")),
        (1, 3, Decimal("0.3333")),
        (2, 3, Decimal("0.6667")),
        (1, 8, Decimal("0.1250")),
        (1, 20000, Decimal("0.0001")),  # 0.00005 rounds half up
        (0, 5, Decimal("0.0000")),
        (5, 0, None),
        (0, 0, None),
        (3, None, None),
    ],
)
def test_ratio_rounding_and_zero_denominator(numerator, denominator, expected):
    assert registry.ratio(numerator, denominator) == expected


def test_format_value():
    ratio = Metric(key="t.r", name="r", unit="%", definition="d", query=_seen, kind="ratio")
    count = Metric(key="t.c", name="c", unit="项", definition="d", query=_seen)
    assert registry.format_value(ratio, Decimal("0.5346")) == "53.46%"
    assert registry.format_value(ratio, Decimal("1.0000")) == "100.00%"
    assert registry.format_value(ratio, None) == "无数据"
    assert registry.format_value(count, 30) == "30 项"
    assert registry.format_value(count, {"a": 2, "b": 3}) == "5 项（2 类）"


def test_figures_count_a_users_data_scope_itself(probe, db):
    """One scope type for org, audit, insight and the catalogue: a figure receives the very
    scope the user's lists are filtered with, no conversion."""
    from tests import factories as f
    from yiwang.org import selectors

    assert not hasattr(registry, "Scope")
    user = f.staff(f.department("县数据资源管理局", is_bureau=True), ["bureau_admin"]).user
    registry.compute("test.probe", selectors.data_scope_for(user))
    assert _seen.last is selectors.data_scope_for(user)  # type: ignore[attr-defined]
    assert _seen.last.label == "本区划（示范县）"  # type: ignore[attr-defined]
    assert DataScope.department(9, "县公安局").label == "本部门（县公安局）"
    assert NO_SCOPE.nothing and ALL_SCOPE.everything


def test_scope_filters(db):
    from tests import factories as f
    from yiwang.org.models import Staff

    here = f.staff(f.department("县民政局"))
    f.staff(f.department("邻县民政局", at=f.region("341299000000", "邻县")))
    staff = Staff.objects.all()
    assert list(DataScope.region("341199").filter(staff)) == [here]
    assert list(DataScope.department(here.department_id).filter(staff)) == [here]
    assert DataScope.whole().filter(staff).count() == 2
    assert NO_SCOPE.filter(staff).count() == 0


def test_every_registered_metric_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for metric in registry.all_metrics():
        assert f"`{metric.key}`" in text, metric.key
        assert metric.name in text, metric.name
