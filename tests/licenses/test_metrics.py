"""The licence figures: known answers on a small hand-built set, one query per metric and scope,
a department sees only its own, and no data → 无数据."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import factories as f
from tests.cases.conftest import ELEMENTS, STEPS, world  # noqa: F401 (fixture)
from tests.licenses.conftest import FIELDS, issue
from yiwang.cases import services as cases
from yiwang.catalog import services as catalog
from yiwang.catalog.models import ServiceItem
from yiwang.insight import registry
from yiwang.insight.periods import Period
from yiwang.insight.registry import compute
from yiwang.licenses import services
from yiwang.licenses.metrics import LICENSES_METRIC_KEYS
from yiwang.licenses.models import (
    License,
    LicenseMaterial,
    LicenseOrigin,
    LicenseStatus,
    LicenseUse,
    UsePurpose,
)
from yiwang.org.models import Department
from yiwang.org.scope import NO_SCOPE, DataScope
from yiwang.org.selectors import data_scope_for

GOV = {"source": "government", "original_or_copy": "copy"}


def item(world, department, name, materials, *, publish=True):  # noqa: F811
    base = catalog.base_item_create(
        code=f"0001030020{ServiceItem.objects.count():02d}",
        name=name,
        item_type="licensing",
        competent_department="主管部门",
        implementing_body="实施机关",
        legal_basis="依据",
    )
    made = catalog.item_claim(base=base, department=department, region=department.region)
    version = made.versions.get()
    catalog.version_update(version=version, elements=ELEMENTS, materials=materials, steps=STEPS)
    if publish:
        catalog.version_submit(version=version)
        catalog.version_approve(version=version)
        catalog.version_publish(version=version)
    made.refresh_from_db()
    return made


def licence_type(department, name, *, national):
    return services.license_type_create(
        code=f.uscc() + "001", name=name, department=department, national=national, fields=FIELDS
    )


@pytest.fixture
def data(world):  # noqa: F811
    """world.dept (市场监管局) issues 营业执照 (national, 3 licences: one revoked, one gathered)
    and 食品经营许可证 (1 licence, 吊销); world.other (公安局) issues 户口簿 (national, 2: one
    注销). Items: world.item (dept; its one government material 营业执照 is exempt → 免证办);
    居住证 (dept; 户口簿 linked to a licence type, 身份证 not → not 免证办); 户籍迁入 (other;
    its required government material linked → 免证办, an optional one not exempt does not
    matter); 咨询 (other; no government material); an unpublished item (not counted). Uses: 3
    for a case of dept (2 办件调用, 1 免提交材料), 1 for a case of other (核验比对)."""
    services.seal_key_rotate(department=world.dept)
    services.seal_key_rotate(department=world.other)
    business = licence_type(world.dept, "营业执照", national=True)
    food = licence_type(world.dept, "食品经营许可证", national=False)
    household = licence_type(world.other, "户口簿", national=True)
    kept = issue(business)
    revoked = issue(business)
    gathered = issue(business)
    withdrawn = issue(food)
    issue(household)
    cancelled = issue(household)
    License.objects.filter(pk=revoked.pk).update(status=LicenseStatus.REVOKED)
    License.objects.filter(pk=withdrawn.pk).update(status=LicenseStatus.WITHDRAWN)
    License.objects.filter(pk=cancelled.pk).update(status=LicenseStatus.CANCELLED)
    License.objects.filter(pk=gathered.pk).update(origin=LicenseOrigin.GATHERED)
    LicenseMaterial.objects.create(material_name="户口簿", license_type=household)
    LicenseMaterial.objects.create(material_name="不动产权证书", license_type=household)

    item(
        world,
        world.dept,
        "居住证签注",
        [{"name": "申请表"}, {"name": "身份证", **GOV}, {"name": "户口簿", **GOV}],
    )
    moving = item(
        world,
        world.other,
        "户籍迁入",
        [
            {"name": "申请表"},
            {"name": "不动产权证书", **GOV},
            {"name": "无犯罪记录证明", "required": False, **GOV},
        ],
    )
    item(world, world.other, "户籍咨询", [{"name": "申请表"}])
    item(world, world.other, "未发布事项", [{"name": "户口簿", **GOV}], publish=False)

    here = cases.case_create(
        item=world.item, applicant=world.citizen, actor=world.citizen.user, form=world.form()
    )
    there = cases.case_create(
        item=moving, applicant=world.citizen, actor=world.citizen.user, form=world.form()
    )
    for case, licence, purpose in (
        (here, kept, UsePurpose.HANDLING),
        (here, kept, UsePurpose.HANDLING),
        (here, gathered, UsePurpose.MATERIAL),
        (there, kept, UsePurpose.CHECK),
    ):
        LicenseUse.objects.create(
            license=licence, case=case, actor_department="窗口", reason="核验", purpose=purpose
        )
    return world


def by_type(world, dept_counts, other_counts=None):  # noqa: F811
    """{"code name": n} for the types named, as the breakdown keys them."""
    from yiwang.licenses.models import LicenseType

    names = {**dept_counts, **(other_counts or {})}
    return {f"{t.code} {t.name}": names[t.name] for t in LicenseType.objects.filter(name__in=names)}


WHOLE = {
    "licenses.types_total": 3,
    "licenses.national_types": 2,
    "licenses.national_share": Decimal("0.6667"),
    "licenses.total": 6,
    "licenses.seals_total": 6,
    "licenses.revoked_total": 2,
    "licenses.uses_total": 4,
    "licenses.exempt_materials": 3,  # 营业执照 (exempt), 户口簿 and 不动产权证书 (linked)
    "licenses.licence_free_items": 2,  # world.item and 户籍迁入
    "licenses.by_origin": {"本平台签发": 5, "部门归集": 1},
    "licenses.by_status": {
        "有效": 3,
        "撤销": 1,
        "注销": 1,
        "失效": 0,
        "转出": 0,
        "吊销": 1,
    },
    "licenses.uses_by_purpose": {"办件调用": 2, "免提交材料": 1, "核验比对": 1},
}


@pytest.mark.django_db
def test_every_metric_is_registered_with_a_definition():
    keys = [m.key for m in registry.all_metrics("licenses")]
    assert keys == LICENSES_METRIC_KEYS
    assert all(registry.get(key).definition for key in keys)


@pytest.mark.django_db
def test_known_answers_one_query_each(data, django_assert_num_queries):
    values = {}
    for key in LICENSES_METRIC_KEYS:
        with django_assert_num_queries(1):
            values[key] = compute(key, DataScope.whole())
    for key, expected in WHOLE.items():
        assert values[key] == expected, key
    assert values["licenses.by_type"] == by_type(
        data, {"营业执照": 3, "户口簿": 2, "食品经营许可证": 1}
    )
    assert list(values["licenses.by_type"].values()) == [3, 2, 1]  # most first
    assert values["licenses.by_issuer"] == {data.dept.name: 4, data.other.name: 2}
    for key in ("licenses.by_type", "licenses.by_issuer", "licenses.by_origin"):
        assert sum(values[key].values()) == values["licenses.total"]
    assert sum(values["licenses.uses_by_purpose"].values()) == values["licenses.uses_total"]


@pytest.mark.django_db
def test_a_department_sees_only_its_own(data, django_assert_num_queries):
    mine = data_scope_for(data.clerk.user)
    assert (mine.kind, mine.department_id) == ("department", data.dept.pk)
    expected = {
        "licenses.types_total": 2,
        "licenses.national_types": 1,
        "licenses.national_share": Decimal("0.5000"),
        "licenses.total": 4,
        "licenses.seals_total": 4,
        "licenses.revoked_total": 2,
        "licenses.uses_total": 3,  # the uses for its case, whoever issued the licence
        "licenses.exempt_materials": 2,  # 营业执照 of world.item, 户口簿 of 居住证签注
        "licenses.licence_free_items": 1,
        "licenses.by_issuer": {data.dept.name: 4},
        "licenses.by_origin": {"本平台签发": 3, "部门归集": 1},
        "licenses.uses_by_purpose": {"办件调用": 2, "免提交材料": 1, "核验比对": 0},
    }
    for key, value in expected.items():
        with django_assert_num_queries(1):
            assert compute(key, mine) == value, key
    assert compute("licenses.by_type", mine) == by_type(data, {"营业执照": 3, "食品经营许可证": 1})
    other = DataScope.department(data.other.pk)
    assert compute("licenses.total", other) == 2
    assert compute("licenses.uses_total", other) == 1
    assert compute("licenses.licence_free_items", other) == 1
    assert compute("licenses.exempt_materials", other) == 1


@pytest.mark.django_db
def test_no_data_is_none_never_zero(world):  # noqa: F811
    assert compute("licenses.national_share") is None
    figure = registry.compute_many(["licenses.national_share"])[0]
    assert figure.text == "无数据"
    assert compute("licenses.types_total") == 0
    assert compute("licenses.by_type") == {}
    assert compute("licenses.uses_by_purpose") == {"办件调用": 0, "免提交材料": 0, "核验比对": 0}
    # world.item's one government material is exempt: 免证办 even with no licence yet.
    assert compute("licenses.licence_free_items") == 1


@pytest.mark.django_db
def test_out_of_scope_sees_nothing(data):
    assert compute("licenses.total", NO_SCOPE) == 0
    assert compute("licenses.uses_total", NO_SCOPE) == 0
    assert compute("licenses.licence_free_items", NO_SCOPE) == 0
    assert compute("licenses.national_share", NO_SCOPE) is None


@pytest.mark.django_db
def test_a_licence_free_item_stops_counting_when_a_government_material_is_asked_again(data):
    from yiwang.catalog.models import Material

    assert compute("licenses.licence_free_items") == 2
    LicenseMaterial.objects.filter(material_name="不动产权证书").delete()
    assert compute("licenses.licence_free_items") == 1
    assert compute("licenses.exempt_materials") == 2
    Material.objects.filter(name="身份证").update(exempt=True)  # 居住证签注: both now exempt
    assert compute("licenses.licence_free_items") == 2


# --- Periods and breakdowns (the registry's declarative form) --------------------------------

H1 = Period.parse("2026H1")
EMPTY = Period.parse("2025-06")
ISSUED = {  # licence -> the day it was issued (gathered): four in 2026H1
    "kept": dt.date(2026, 1, 10),
    "revoked": dt.date(2026, 3, 5),
    "gathered": dt.date(2026, 3, 20),
    "withdrawn": dt.date(2026, 8, 1),  # 2026H2
    "household": dt.date(2026, 2, 1),
    "cancelled": dt.date(2025, 12, 31),  # 2025
}
USED = [dt.date(2026, 1, 10), dt.date(2026, 7, 1), dt.date(2026, 3, 1), dt.date(2026, 4, 1)]


def at(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


@pytest.fixture
def dated(data):
    """`data` with the licences and uses placed on chosen days, and 公安局 moved to 测试镇1 (so
    the town breakdown has a town besides 县本级). In 2026H1: 营业执照 ×3 (kept, revoked and
    gathered; 市场监管局) and 户口簿 ×1 (公安局); uses 1 (办件调用), 3 (免提交材料) and 4 (核验比对,
    公安局's case)."""
    licences = list(License.objects.order_by("pk"))
    for licence, day in zip(licences, ISSUED.values(), strict=True):
        License.objects.filter(pk=licence.pk).update(issued_at=at(day))
    for use, day in zip(LicenseUse.objects.order_by("pk"), USED, strict=True):
        LicenseUse.objects.filter(pk=use.pk).update(used_at=at(day))
    Department.objects.filter(pk=data.other.pk).update(region=f.town(1))
    return data


def rows(key, by, scope=None, period=H1):
    return {row.label: row.value for row in registry.breakdown(key, by, scope, period)}


@pytest.mark.django_db
def test_licences_and_uses_count_in_the_period_of_their_dates(dated, django_assert_num_queries):
    expected = {
        "licenses.total": 4,
        "licenses.gathered_total": 1,
        "licenses.seals_total": 4,
        "licenses.by_origin": {"本平台签发": 3, "部门归集": 1},
        "licenses.by_status": {"有效": 3, "撤销": 1, "注销": 0, "失效": 0, "转出": 0, "吊销": 0},
        "licenses.by_issuer": {dated.dept.name: 3, dated.other.name: 1},
        "licenses.uses_total": 3,
        "licenses.uses_by_purpose": {"办件调用": 1, "免提交材料": 1, "核验比对": 1},
        # Point in time: the registry and the catalogue now, whatever the period.
        "licenses.types_total": 3,
        "licenses.national_share": Decimal("0.6667"),
        "licenses.revoked_total": 2,  # the 吊销 licence was issued in 2026H2: still counted
        "licenses.exempt_materials": 3,
        "licenses.licence_free_items": 2,
    }
    for key, value in expected.items():
        with django_assert_num_queries(1):
            assert compute(key, None, H1) == value, key
    assert compute("licenses.by_type", None, H1) == by_type(dated, {"营业执照": 3, "户口簿": 1})
    cumulative = H1.cumulative()  # up to 2026-06-30: the 2025 licence too
    assert compute("licenses.total", None, cumulative) == 5
    point = {m.key for m in registry.all_metrics("licenses") if m.point_in_time}
    assert point == {
        "licenses.types_total",
        "licenses.national_types",
        "licenses.national_share",
        "licenses.revoked_total",
        "licenses.exempt_materials",
        "licenses.licence_free_items",
    }


@pytest.mark.django_db
def test_breakdowns_by_department_town_and_month_one_query_each(dated, django_assert_num_queries):
    with django_assert_num_queries(1):
        by_department = rows("licenses.total", "department")
    assert by_department == {dated.dept.name: 3, dated.other.name: 1}
    with django_assert_num_queries(1):
        assert rows("licenses.total", "town") == {"县本级": 3, "测试镇1": 1}
    with django_assert_num_queries(1):
        by_month = rows("licenses.total", "month")
    assert by_month == {
        "2026-01": 1,
        "2026-02": 1,
        "2026-03": 2,
        "2026-04": 0,
        "2026-05": 0,
        "2026-06": 0,
    }
    gathered = rows("licenses.gathered_total", "department")
    assert gathered == {dated.dept.name: 1, dated.other.name: 0}
    # A use belongs to the department of its case.
    assert rows("licenses.uses_total", "department") == {dated.dept.name: 2, dated.other.name: 1}
    assert rows("licenses.uses_total", "month")["2026-04"] == 1
    # Point-in-time figures break down by department and town, not by month.
    with django_assert_num_queries(1):
        assert rows("licenses.revoked_total", "department") == {
            dated.dept.name: 2,
            dated.other.name: 0,
        }
    with django_assert_num_queries(1):
        assert rows("licenses.exempt_materials", "department") == {
            dated.dept.name: 2,
            dated.other.name: 1,
        }
    with django_assert_num_queries(1):
        assert rows("licenses.licence_free_items", "town") == {"县本级": 1, "测试镇1": 1}
    with django_assert_num_queries(1):
        assert rows("licenses.national_share", "department") == {
            dated.dept.name: Decimal("0.5000"),
            dated.other.name: Decimal("1.0000"),
        }
    with pytest.raises(ValueError, match="不支持按月份分解"):
        registry.breakdown("licenses.revoked_total", "month", None, H1)
    with pytest.raises(ValueError, match="不支持"):
        registry.breakdown("licenses.by_type", "department", None, H1)


@pytest.mark.django_db
def test_the_records_behind_a_figure(dated):
    revoked = registry.records("licenses.revoked_total", None, H1)
    assert set(revoked.values_list("status", flat=True)) == {"revoked", "withdrawn"}
    assert registry.records("licenses.total", None, H1, department=dated.other.pk).count() == 1
    free = registry.records("licenses.licence_free_items", None, H1)
    assert set(free.values_list("published_version__name", flat=True)) == {
        dated.item.published_version.name,
        "户籍迁入",
    }
    exempt = registry.records("licenses.exempt_materials", None, H1)
    assert sorted(exempt.values_list("name", flat=True)) == ["不动产权证书", "户口簿", "营业执照"]


@pytest.mark.django_db
def test_an_empty_period_is_zero_and_a_share_without_records_is_no_data(dated):
    for key in ("licenses.total", "licenses.seals_total", "licenses.uses_total"):
        assert compute(key, None, EMPTY) == 0, key
    assert compute("licenses.by_type", None, EMPTY) == {}
    assert compute("licenses.by_origin", None, EMPTY) == {"本平台签发": 0, "部门归集": 0}
    assert rows("licenses.total", "month", period=EMPTY) == {"2025-06": 0}
    assert rows("licenses.total", "department", period=EMPTY) == {}
    # A department with no licence types: the share has no denominator → 无数据, not 0 or an error.
    empty = DataScope.department(f.department("县档案馆").pk)
    assert compute("licenses.national_share", empty, EMPTY) is None
    figure = registry.compute_many(["licenses.national_share"], empty, EMPTY)[0]
    assert figure.text == "无数据"
    assert compute("licenses.types_total", empty, EMPTY) == 0


@pytest.mark.django_db
def test_a_department_admin_sees_only_its_own_in_a_period(dated, django_assert_num_queries):
    mine = data_scope_for(dated.clerk.user)
    assert mine.department_id == dated.dept.pk
    expected = {
        "licenses.total": 3,
        "licenses.gathered_total": 1,
        "licenses.uses_total": 2,  # uses 1 and 3 (its case); 2 is in 2026H2
        "licenses.revoked_total": 2,
        "licenses.by_issuer": {dated.dept.name: 3},
        "licenses.uses_by_purpose": {"办件调用": 1, "免提交材料": 1, "核验比对": 0},
    }
    for key, value in expected.items():
        with django_assert_num_queries(1):
            assert compute(key, mine, H1) == value, key
    assert rows("licenses.total", "department", mine) == {dated.dept.name: 3}
    assert rows("licenses.total", "town", mine) == {"县本级": 3}
    assert registry.records("licenses.total", mine, H1).count() == 3
