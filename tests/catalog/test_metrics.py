"""The catalogue's registered figures: known answers on a hand-built catalogue, one query per
metric and scope, no data → None, and consistency on the demo catalogue."""

from __future__ import annotations

import csv
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest
from django.db import transaction

from tests.seeded import demo_county
from yiwang.catalog import services
from yiwang.catalog.metrics import CATALOG_METRIC_KEYS
from yiwang.catalog.models import ServiceItem, ServiceItemVersion
from yiwang.insight import registry
from yiwang.insight.registry import compute
from yiwang.org.models import Department, User
from yiwang.org.scope import NO_SCOPE, DataScope
from yiwang.org.selectors import data_scope_for

from .conftest import CatalogWorld

ALL_TYPES_ZERO = {
    "行政许可": 0,
    "行政确认": 0,
    "行政裁决": 0,
    "行政给付": 0,
    "行政奖励": 0,
    "行政备案": 0,
    "行政征收": 0,
    "其他行政权力": 0,
    "公共服务": 0,
}


class Builder:
    """Items of a small catalogue, claimed, compiled and published through the services."""

    def __init__(self, world: CatalogWorld) -> None:
        self.world = world
        self.n = 0

    def item(
        self,
        *,
        department=None,
        item_type: str = "licensing",
        publish: bool = True,
        legacy: dict[str, Any] | None = None,
        **elements: Any,
    ) -> ServiceItem:  # type: ignore[no-untyped-def]
        self.n += 1
        department = department or self.world.dept
        base = services.base_item_create(
            code=f"0008{self.n:05d}000",
            name=f"测试事项{self.n}",
            item_type=item_type,
            competent_department="主管部门",
            implementing_body="实施机关",
            legal_basis="依据",
        )
        item = services.item_claim(base=base, department=department, region=department.region)
        version = item.versions.get()
        services.version_update(version=version, elements=elements)
        if publish:
            services.version_submit(version=version)
            services.version_approve(version=version)
            services.version_publish(version=version)
        if legacy:  # values the services now refuse (全程网办 with a visit), as old data has
            ServiceItemVersion.objects.filter(pk=version.pk).update(**legacy)
        item.refresh_from_db()
        return item


@pytest.fixture
def small(world):
    """Five counted items (A, B in world.dept; C, D, E in world.other) and four that must not
    count: a draft, a suspended, a withdrawn item, and A's open revision."""
    b = Builder(world)
    promised = {"handling_kind": "promised"}
    instant = {"handling_kind": "instant", "promised_limit": 0}
    items = {
        "A": b.item(
            **promised,
            legal_limit=20,
            promised_limit=10,
            visits=0,
            fully_online=True,
            service_scope="cross_province",
            commitment_based=True,
        ),
        "B": b.item(**instant, legal_limit=5, visits=1, service_scope="cross_province"),
        "C": b.item(
            department=world.other,
            item_type="filing",
            **promised,
            legal_limit=10,
            promised_limit=10,
            visits=2,
            legacy={"fully_online": True, "online_depth": 4},
        ),
        "D": b.item(
            department=world.other,
            item_type="public_service",
            **promised,
            legal_limit=3,
            promised_limit=1,
            visits=1,
            legacy={"fully_online": True, "online_depth": 4},
        ),
        "E": b.item(department=world.other, **instant, legal_limit=0, visits=0),
    }
    loud = {
        "fully_online": True,
        "service_scope": "cross_province",
        "commitment_based": True,
        "visits": 0,
    }
    b.item(publish=False, **loud)
    suspended = b.item(**loud)
    services.item_suspend(item=suspended, reason="系统升级")
    withdrawn = b.item(**loud)
    services.item_withdraw(item=withdrawn, reason="职能调整")
    revision = services.version_start_revision(item=items["A"])
    services.version_update(
        version=revision, elements={"fully_online": False, "service_scope": "county"}
    )
    return items


EXPECTED = {
    "catalog.items_total": 5,
    "catalog.items_by_type": {**ALL_TYPES_ZERO, "行政许可": 3, "行政备案": 1, "公共服务": 1},
    "catalog.items_by_department": {"县市场监督管理局": 2, "县公安局": 3},
    "catalog.fully_online_rate": Decimal("0.6000"),  # A, C, D
    "catalog.instant_share": Decimal("0.4000"),  # B, E
    "catalog.at_most_one_visit_share": Decimal("0.8000"),  # A, B, D, E
    "catalog.zero_visit_share": Decimal("0.4000"),  # A, E
    # A (10 < 20), B (instant, 0 < 5), D (1 < 3); not C (10 = 10) nor E (instant, 0 = 0).
    "catalog.time_reduced_share": Decimal("0.6000"),
    # Legal > 0: A, B, C, D: 1 − (10+0+10+1) ÷ (20+5+10+3) = 17/38 = 0.44736…
    "catalog.promised_limit_compression": Decimal("0.4474"),
    "catalog.cross_province_count": 2,  # A, B
    "catalog.commitment_based_count": 1,  # A
}


def test_every_catalogue_figure_is_registered():
    assert set(EXPECTED) == set(CATALOG_METRIC_KEYS)
    assert [m.key for m in registry.all_metrics("catalog")] == CATALOG_METRIC_KEYS


def test_known_answers_one_query_each(small, django_assert_num_queries):
    values = {}
    for key in EXPECTED:
        with django_assert_num_queries(1):
            values[key] = compute(key)
    assert values == EXPECTED
    for value in values.values():
        if isinstance(value, Decimal):
            assert value.as_tuple().exponent == -4  # rounded to 4 places


def test_department_scope(small, world):
    scope = DataScope.department(world.dept.pk)
    assert compute("catalog.items_total", scope) == 2
    assert compute("catalog.fully_online_rate", scope) == Decimal("0.5000")
    assert compute("catalog.items_by_department", scope) == {"县市场监督管理局": 2}
    assert compute("catalog.promised_limit_compression", scope) == Decimal("0.6000")  # 1−10/25


def test_user_scope_follows_the_data_scope(small, world):
    clerk_scope = data_scope_for(world.other_clerk.user)
    assert compute("catalog.items_total", clerk_scope) == 3
    assert compute("catalog.items_total", data_scope_for(world.reviewer.user)) == 5


def test_empty_scope_gives_no_data_not_zero(small):
    scope = DataScope.region("341299")  # a county with no items
    for key in CATALOG_METRIC_KEYS:
        metric = registry.get(key)
        value = compute(key, scope)
        if metric.kind == "ratio":
            assert value is None and registry.format_value(metric, value) == "无数据"
        elif metric.kind == "count":
            assert value == 0
    assert compute("catalog.items_by_type", scope) == ALL_TYPES_ZERO
    assert compute("catalog.items_by_department", scope) == {}
    assert compute("catalog.items_total", NO_SCOPE) == 0


def test_compression_without_legal_limits_is_no_data(world):
    Builder(world).item(handling_kind="instant", promised_limit=0, legal_limit=0)
    assert compute("catalog.items_total") == 1
    assert compute("catalog.promised_limit_compression") is None
    assert compute("catalog.time_reduced_share") == Decimal("0.0000")


def test_legacy_values_of_the_published_version_are_what_counts(small):
    # Published versions never change through the services; legacy rows may still differ.
    ServiceItemVersion.objects.filter(pk=small["C"].published_version_id).update(promised_limit=15)
    # 1 − (10+0+15+1) ÷ 38 = 12/38 = 0.315789…
    assert compute("catalog.promised_limit_compression") == Decimal("0.3158")


# --- As of the period's end -------------------------------------------------------------------


def _on(day: str):
    import datetime as dt

    from django.utils import timezone

    return timezone.make_aware(dt.datetime.fromisoformat(f"{day} 10:00"))


def _logged(item: ServiceItem, action: str, day: str) -> None:
    from yiwang.catalog.models import AdjustmentLog

    AdjustmentLog.objects.filter(item=item, action=action).update(created_at=_on(day))


@pytest.fixture
def history(world):
    """A catalogue with a past: A published 2026-02-01 (not 全程网办), revised 2026-05-10
    (全程网办); B published 2026-03-01, suspended 2026-04-15, resumed 2026-06-20; C published
    2026-07-05; D published 2026-01-10 (全程网办), withdrawn 2026-03-20."""
    b = Builder(world)
    common = {"handling_kind": "promised", "legal_limit": 10, "promised_limit": 5}
    a = b.item(**common, fully_online=False, visits=1)
    first = a.published_version
    revision = services.version_start_revision(item=a)
    services.version_update(
        version=revision,
        elements={"fully_online": True, "visits": 0},
        reason="全程网办上线",
    )
    services.version_submit(version=revision)
    services.version_approve(version=revision)
    services.version_publish(version=revision)
    ServiceItemVersion.objects.filter(pk=first.pk).update(published_at=_on("2026-02-01"))
    ServiceItemVersion.objects.filter(pk=revision.pk).update(published_at=_on("2026-05-10"))
    bee = b.item(department=world.other, **common, visits=1)
    ServiceItemVersion.objects.filter(item=bee).update(published_at=_on("2026-03-01"))
    services.item_suspend(item=bee, reason="系统升级")
    _logged(bee, "暂停", "2026-04-15")
    services.item_resume(item=bee, reason="升级完成")
    _logged(bee, "恢复", "2026-06-20")
    c = b.item(**common, visits=1)
    ServiceItemVersion.objects.filter(item=c).update(published_at=_on("2026-07-05"))
    d = b.item(**common, fully_online=True, visits=0)
    ServiceItemVersion.objects.filter(item=d).update(published_at=_on("2026-01-10"))
    services.item_withdraw(item=d, reason="职能调整")
    _logged(d, "撤销", "2026-03-20")
    return {"A": a, "A1": first, "A2": revision, "B": bee, "C": c, "D": d}


def test_figures_count_the_catalogue_at_the_periods_end(history, world):
    from yiwang.insight.periods import Period
    from yiwang.insight.selectors import figure_records
    from yiwang.org.scope import ALL_SCOPE

    def at(code: str, key: str = "catalog.items_total"):
        return compute(key, None, Period.parse(code))

    # 2026-02 (end 02-28): A's first version and D.
    assert at("2026-02") == 2
    assert at("2026-02", "catalog.fully_online_rate") == Decimal("0.5000")  # D
    # 2026Q1 (end 03-31): A (first version) and B; D withdrawn on 03-20.
    assert at("2026Q1") == 2
    assert at("2026Q1", "catalog.fully_online_rate") == Decimal("0.0000")
    assert at("2026Q1", "catalog.items_by_department") == {"县市场监督管理局": 1, "县公安局": 1}
    assert set(figure_records("catalog.items_total", ALL_SCOPE, Period.parse("2026Q1"))) == {
        history["A1"],
        history["B"].published_version,
    }
    # 2026-04 (end 04-30): B suspended.
    assert at("2026-04") == 1
    # 2026H1 (end 06-30): A's revision (全程网办, zero visits) and B again; not C (July).
    assert at("2026H1") == 2
    assert at("2026H1", "catalog.fully_online_rate") == Decimal("0.5000")
    assert at("2026H1", "catalog.zero_visit_share") == Decimal("0.5000")
    # A department's scope at the end of H1.
    scope = DataScope.department(world.dept.pk)
    assert compute("catalog.items_total", scope, Period.parse("2026H1")) == 1
    # Now (no period, or one not yet ended): today's catalogue, A, B and C.
    assert compute("catalog.items_total") == 3
    assert at("2026") == 3
    # Before anything was published: nothing, and no data for the shares (not 0, no error).
    assert at("2025") == 0
    assert at("2025", "catalog.fully_online_rate") is None
    assert at("2025", "catalog.items_by_type") == ALL_TYPES_ZERO
    assert not figure_records("catalog.items_total", ALL_SCOPE, Period.parse("2025")).exists()


def test_a_period_figure_is_one_query(history, django_assert_num_queries):
    from yiwang.insight.periods import Period

    for key in CATALOG_METRIC_KEYS:
        with django_assert_num_queries(1):
            compute(key, None, Period.parse("2026Q1"))


# --- The demo catalogue ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo county, seeded once for the module and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_county()
        yield
        transaction.set_rollback(True)


def _demo_rows() -> list[dict[str, str]]:
    path = resources.files("yiwang.demo").joinpath("data/service_items.csv")
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_demo_figures_are_consistent(demo, db):
    total = compute("catalog.items_total")
    by_type = compute("catalog.items_by_type")
    by_department = compute("catalog.items_by_department")
    assert isinstance(by_type, dict) and isinstance(by_department, dict)
    assert total == len(_demo_rows()) == 159
    assert sum(by_type.values()) == total
    assert sum(by_department.values()) == total
    assert len(by_department) == len({r["department"] for r in _demo_rows()})


def test_demo_figures_match_the_source_file(demo, db):
    rows = _demo_rows()

    def share(predicate) -> Decimal:  # type: ignore[no-untyped-def]
        return registry.ratio(sum(1 for r in rows if predicate(r)), len(rows))  # type: ignore[return-value]

    assert compute("catalog.fully_online_rate") == share(lambda r: r["online"] == "全程网办")
    assert compute("catalog.instant_share") == share(lambda r: r["instant"] == "Y")
    assert compute("catalog.zero_visit_share") == share(lambda r: r["onsite_visits"] == "0")
    assert compute("catalog.at_most_one_visit_share") == share(
        lambda r: int(r["onsite_visits"]) <= 1
    )
    assert compute("catalog.cross_province_count") == sum(
        1 for r in rows if r["cross_province"] == "Y"
    )
    by_type = compute("catalog.items_by_type")
    assert isinstance(by_type, dict)
    assert by_type["行政许可"] == sum(1 for r in rows if r["item_type"] == "行政许可")


def test_demo_department_scope_sums_to_the_county(demo, db):
    clerk = User.objects.get(username="scjg_clerk")
    scope = data_scope_for(clerk)
    mine = sum(1 for r in _demo_rows() if r["department"] == "县市场监督管理局")
    assert compute("catalog.items_total", scope) == mine
    assert compute("catalog.items_by_department", scope) == {"县市场监督管理局": mine}
    per_department = [
        compute("catalog.items_total", DataScope.department(d.pk)) for d in Department.objects.all()
    ]
    assert sum(per_department) == compute("catalog.items_total")  # type: ignore[operator]
