"""The demo catalogue's implementation-list elements (实施清单要素): filled for every item, true to
what a county list would say, without the contradictions the guide-quality report looks for, and
the same after an export and an import."""

from __future__ import annotations

import pytest

from tests.catalog.search_queries import demo_catalogue
from yiwang.catalog.fields import FULLY_ONLINE_DEPTH, BodyNature, is_cross_province
from yiwang.catalog.models import ServiceItemVersion
from yiwang.catalog.quality import report as quality_reports
from yiwang.catalog.transfer.export import catalog_export
from yiwang.catalog.transfer.importing import catalog_import
from yiwang.demo.catalog import demo_intermediaries, demo_items

__all__ = ["demo_catalogue"]  # the module-scoped fixture, imported for pytest

pytestmark = pytest.mark.usefixtures("demo_catalogue")

# The new elements the national list makes mandatory, and the contradictions between them.
NEW_ELEMENT_LABELS = {
    "服务对象",
    "行使层级",
    "实施主体性质",
    "权力来源",
    "审批结果类型",
    "审批结果名称",
    "结果送达方式",
    "网上办理深度",
    "通办范围",
}
NEW_CONTRADICTIONS = {
    "online_with_visits",
    "online_depth_mismatch",
    "entrusted_without_department",
    "online_payment_without_fee",
}


def published() -> dict[str, ServiceItemVersion]:
    versions = ServiceItemVersion.objects.filter(status="published").prefetch_related(
        "intermediaries"
    )
    return {v.name: v for v in versions}


def test_every_demo_item_states_the_mandatory_elements(db):
    versions = published()
    assert len(versions) == 159
    for name, v in versions.items():
        assert v.service_objects, name
        assert v.exercise_level == "county", name  # every demo body is a county department
        assert v.body_nature and v.power_source and v.result_type, name
        assert v.result_name and v.result_name != v.name, name  # a real result, not the default
        assert v.delivery_methods, name
        assert v.online_depth in (1, 2, 3, 4), name
        assert v.service_scope, name


def test_the_quality_report_finds_nothing_new_in_the_demo(db):
    report = quality_reports.quality_report()
    assert report.items_checked == 159
    contradictions = [
        (f.item.name, f.message) for f in report.findings if f.check.code in NEW_CONTRADICTIONS
    ]
    assert contradictions == []
    missing = [
        (f.item.name, f.message)
        for f in report.findings
        if f.check.code == "missing_element"
        and any(f"“{label}”" in f.message for label in NEW_ELEMENT_LABELS)
    ]
    assert missing == []


def test_the_elements_agree_with_each_other_and_with_the_list(db):
    versions = published()
    csv_rows = {d.name: d for d in demo_items()}
    for name, v in versions.items():
        demo = csv_rows[name]
        # 四级 iff 全程网办, and 全程网办 asks for no visit.
        assert (v.online_depth == FULLY_ONLINE_DEPTH) == v.fully_online, name
        assert not v.fully_online or v.visits == 0, name
        # Online payment only where there is a fee (and the fee is stated).
        assert not v.online_payment or (v.has_fee and v.fee_standard and v.fee_basis), name
        # 委托部门 exactly for entrusted bodies.
        assert bool(v.entrusting_department) == (v.body_nature == BodyNature.ENTRUSTED), name
        # 通办范围 carries the list's old 跨省通办 flag.
        assert is_cross_province(v.service_scope) == demo.cross_province, name
        # Whoever needs no visit gets the result without one.
        if v.visits == 0:
            assert {"mail", "electronic"} & set(v.delivery_methods), name
        # Posted results are delivered by courier.
        assert "mail" not in v.delivery_methods or v.express_delivery, name
        # Handled outside the county hall: the guide says where instead.
        if not v.in_hall:
            assert demo.location and v.location == demo.location, name
            assert "政务服务中心" not in v.location, name


def test_the_values_are_what_a_county_list_says(db):
    v = published()
    # Who may apply.
    assert v["个体工商户设立登记"].service_objects == ["natural_person"]
    assert v["有限责任公司设立登记"].service_objects == ["legal_person"]
    assert v["居民身份证换领"].service_objects == ["natural_person"]
    assert set(v["食品经营许可（新办）"].service_objects) == {
        "natural_person",
        "legal_person",
        "other_organisation",
    }
    # What comes out of it.
    food = v["食品经营许可（新办）"]
    assert (food.result_type, food.result_name) == ("licence", "《食品经营许可证》")
    seal = v["公章刻制备案"]
    assert seal.result_type == "other" and "备案" in seal.result_name
    assert v["有限责任公司注销登记"].result_type == "approval_document"
    # Authorised organisations and an entrusted power.
    assert v["住房公积金提取（购房）"].body_nature == "authorised"
    lift = v["特种设备使用登记"]
    assert (lift.body_nature, lift.power_source) == ("entrusted", "entrusted_up")
    assert lift.entrusting_department == "滁州市市场监督管理局"
    # Fees the law sets, and online payment where the item is handled online.
    card = v["居民身份证换领"]
    assert card.has_fee and "20 元" in card.fee_standard and card.online_payment
    assert v["居民身份证首次申领"].has_fee and not v["居民身份证首次申领"].online_payment
    assert not v["营业执照遗失补领"].has_fee and not v["营业执照遗失补领"].online_payment
    # Scope, depth and the quantity limits the law sets.
    assert v["个人所得税综合所得年度汇算"].service_scope == "cross_province"
    assert v["食品经营许可（新办）"].service_scope == "province"
    assert v["临时居民身份证申领"].service_scope == "county"
    assert v["居民身份证首次申领"].online_depth == 2 and v["居民身份证首次申领"].appointment
    assert "一户只能拥有一处宅基地" in v["农村宅基地用地审批"].quantity_limit
    assert v["内地居民结婚登记"].in_hall is False
    assert v["不动产转移登记"].joint_bodies == "县税务局"


def test_intermediaries_where_the_law_asks_for_one(db):
    v = published()
    expected = demo_intermediaries()
    assert sum(len(entries) for entries in expected.values()) == sum(
        v[name].intermediaries.count() for name in v
    )
    plan = [i.name for i in v["建设工程规划许可证核发"].intermediaries.all()]
    assert plan == ["建设工程设计方案编制"]
    review = v["建筑工程施工许可证核发"].intermediaries.get()
    assert (review.name, review.required, review.charged) == ("施工图设计文件审查", True, False)
    study = [(i.name, i.charged) for i in v["政府投资项目可行性研究报告审批"].intermediaries.all()]
    assert study == [("可行性研究报告编制", True), ("可行性研究报告评估", False)]
    assert not v["居民身份证换领"].intermediaries.exists()


def test_the_demo_catalogue_exports_and_imports_back_unchanged(db):
    result = catalog_import(files=[("示范县.xlsx", catalog_export())])

    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (0, 0, 159)
    assert (result.bundles_created, result.bundles_unchanged) == (0, 7)
    assert ServiceItemVersion.objects.count() == 159  # no new draft anywhere
