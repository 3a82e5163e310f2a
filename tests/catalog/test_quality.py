"""全省一单 and guide-quality checks: each planted defect is found exactly, a clean item yields
nothing, the version judged is the published one (else the open one), and the report is
computed in a fixed number of queries."""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests import factories as f
from yiwang.catalog import services
from yiwang.catalog.models import (
    BaseItem,
    Material,
    ServiceItem,
    ServiceItemVersion,
)
from yiwang.catalog.quality import checks as quality
from yiwang.catalog.quality import report as quality_reports
from yiwang.catalog.quality import workbook as quality_workbook
from yiwang.org.scope import NO_SCOPE

from .conftest import READY_ELEMENTS, READY_MATERIALS, CatalogWorld

STEPS = [
    {"name": "受理", "role": "窗口工作人员", "limit_days": 1},
    {"name": "审查", "role": "审批人员", "limit_days": 8},
    {"name": "决定", "role": "审批人员", "limit_days": 1},
]
_codes = itertools.count(1)


def new_base(**overrides: Any) -> BaseItem:
    n = next(_codes)
    fields = {
        "code": f"0009{n:05d}000",
        "name": f"测试事项{n}",
        "item_type": "licensing",
        "competent_department": "市场监督管理部门",
        "implementing_body": "县级市场监督管理部门",
        "legal_basis": "《中华人民共和国行政许可法》",
    }
    fields.update(overrides)
    return services.base_item_create(**fields)


# The national implementation list's mandatory elements, filled in.
LIST_ELEMENTS: dict[str, Any] = {
    "service_objects": ["legal_person", "other_organisation"],
    "exercise_level": "county",
    "body_nature": "statutory",
    "power_source": "statutory",
    "result_type": "licence",
    "result_name": "食品经营许可证",
    "delivery_methods": ["window", "mail"],
    "online_depth": 3,
    "service_scope": "province",
}


def clean_item(
    world: CatalogWorld,
    *,
    base: BaseItem | None = None,
    department=None,  # type: ignore[no-untyped-def]
    elements: dict[str, Any] | None = None,
    materials: list[dict[str, Any]] | None = None,
    published: bool = True,
) -> ServiceItem:
    """An item whose guide passes every check (unless elements/materials say otherwise)."""
    department = department or world.dept
    clerk = world.clerk if department == world.dept else world.other_clerk
    item = services.item_claim(
        base=base or new_base(),
        department=department,
        region=department.region,
        actor=clerk.user,
    )
    version = item.versions.get()
    # Conditions written for each item (the same sentence in many items is boilerplate).
    conditions = f"持有营业执照、经营场所面积不少于 {next(_codes)} 平方米的食品经营者"
    services.version_update(
        version=version,
        elements={
            **READY_ELEMENTS,
            **LIST_ELEMENTS,
            "conditions": conditions,
            **(elements or {}),
        },
        materials=READY_MATERIALS if materials is None else materials,
        steps=STEPS,
        actor=clerk.user,
    )
    if published:
        services.version_submit(version=version, actor=clerk.user)
        services.version_approve(version=version, actor=world.reviewer.user)
        services.version_publish(version=version, actor=world.reviewer.user)
    item.refresh_from_db()
    return item


def messages(report: quality_reports.QualityReport) -> list[tuple[str, str, str]]:
    return [(x.check.code, x.item.code, x.message) for x in report.findings]


def test_clean_item_has_no_findings(world):
    item = clean_item(world)
    report = quality_reports.quality_report()
    assert report.items_checked == 1
    assert report.deviations == []
    assert report.findings == []
    assert report.departments[0].items == 1 and report.departments[0].items_with_issues == 0
    assert item.published_version is not None


# --- Guide quality: one planted defect each ------------------------------------------------


def _legacy(**fields: Any) -> Callable[[ServiceItem], None]:
    """Simulate legacy data: a published version whose values services would refuse."""

    def plant(item: ServiceItem) -> None:
        ServiceItemVersion.objects.filter(pk=item.published_version_id).update(**fields)

    return plant


def _legacy_material(name: str, **fields: Any) -> Callable[[ServiceItem], None]:
    def plant(item: ServiceItem) -> None:
        Material.objects.filter(version_id=item.published_version_id, name=name).update(**fields)

    return plant


GUIDE_DEFECTS: dict[str, tuple[dict[str, Any], Callable[[ServiceItem], None] | None, list]] = {
    # name: (elements or materials given through the services, legacy update, expected findings)
    "missing_elements": (
        {"elements": {"conditions": "", "hours": "  ", "complaint_channel": ""}},
        None,
        [
            ("missing_element", "缺少“受理条件”。"),
            ("missing_element", "缺少“办理时间”。"),
            ("missing_element", "缺少“监督投诉方式”。"),
        ],
    ),
    "missing_forms_and_phone": (
        {},
        _legacy(handling_forms=[], consult_phone=""),
        [
            ("missing_element", "缺少“办理形式”。"),
            ("missing_element", "缺少“咨询方式”。"),
        ],
    ),
    "fee_without_standard": (
        {"elements": {"has_fee": True, "fee_basis": "《收费目录清单》"}},
        None,
        [("missing_element", "缺少“收费标准”。")],
    ),
    "no_materials": (
        {"materials": []},
        None,
        [("missing_element", "缺少“申请材料”。")],
    ),
    "vague_materials": (
        {
            "materials": [
                {"name": "申请书", "original_or_copy": "copy"},
                {"name": "其他材料", "original_or_copy": "copy"},
                {"name": "身份证明、户籍证明等", "original_or_copy": "copy"},
                {"name": "相关材料（如有）", "original_or_copy": "copy"},
                {"name": "普通话等级证书", "original_or_copy": "copy"},  # 等级 is not 等
            ]
        },
        None,
        [
            ("vague_material", "材料“其他材料”名称模糊，应写明具体材料名称。"),
            ("vague_material", "材料“身份证明、户籍证明等”名称模糊，应写明具体材料名称。"),
            ("vague_material", "材料“相关材料（如有）”名称模糊，应写明具体材料名称。"),
        ],
    ),
    "promised_over_legal": (
        {},
        _legacy(promised_limit=30),
        [
            (
                "promised_over_legal",
                "承诺办结时限 30 个工作日超过法定办结时限 20 个工作日。",
            )
        ],
    ),
    "instant_with_promised_limit": (
        {},
        _legacy(handling_kind="instant", promised_limit=5),
        [("instant_with_promised_limit", "即办件的承诺办结时限为 5 个工作日，应为 0。")],
    ),
    "promised_limit_zero": (
        {},
        _legacy(promised_limit=0),
        [("promised_limit_zero", "承诺件的承诺办结时限为 0，应写明承诺的工作日数。")],
    ),
    "legal_limit_zero": (
        {},
        _legacy(legal_limit=0),
        [("legal_limit_zero", "承诺件的法定办结时限为 0，应写明法定的工作日数。")],
    ),
    "government_material_not_exempt": (
        {
            "materials": [
                {"name": "申请书", "original_or_copy": "original"},
                {
                    "name": "营业执照",
                    "source": "government",
                    "issuing_body": "县市场监督管理局",
                    "exempt": False,
                    "original_or_copy": "copy",
                },
                {"name": "居民身份证", "source": "government", "exempt": True},
            ]
        },
        None,
        [
            (
                "government_material_not_exempt",
                "材料“营业执照”由县市场监督管理局核发，未标注免提交。",
            )
        ],
    ),
    "zero_visit_needs_original": (
        {
            "elements": {"visits": 0},
            "materials": [
                {"name": "申请书", "original_or_copy": "original", "medium": "paper"},
                {"name": "授权委托书", "original_or_copy": "both", "medium": "both"},
                {"name": "章程", "original_or_copy": "original", "medium": "electronic"},
                {"name": "照片", "original_or_copy": "copy", "medium": "paper"},
                {"name": "营业执照", "source": "government", "exempt": True},
            ],
        },
        None,
        [
            (
                "zero_visit_needs_original",
                "零跑动事项要求提交“申请书”原件（纸质），应改为电子材料或免提交。",
            ),
            # 授权委托书 (原件和复印件, 纸质或电子) may be sent electronically: not a finding.
        ],
    ),
}


@pytest.mark.parametrize("defect", sorted(GUIDE_DEFECTS))
def test_planted_guide_defect_is_found_exactly(world, defect):
    given, legacy, expected = GUIDE_DEFECTS[defect]
    clean = clean_item(world)
    item = clean_item(world, **given)
    if legacy is not None:
        legacy(item)
    report = quality_reports.quality_report()
    assert messages(report) == [(code, item.code, message) for code, message in expected]
    assert report.deviations == []
    found = report.findings[0]
    assert found.item.version_id == item.published_version_id
    assert found.item.version_number == 1 and found.item.version_status == "published"
    assert found.item.url in (f"/workbench/catalog/items/{item.pk}/", f"/guide/item/{item.code}/")
    assert clean.code not in {x.item.code for x in report.findings}
    assert report.items_checked == 2
    assert report.departments[0].items_with_issues == 1


def test_severities_and_labels_are_defined_for_every_check():
    assert set(quality.ALL_CHECKS) == {"six_elements", *(c for c in quality.CHECKS)}
    for check in quality.ALL_CHECKS.values():
        assert check.severity in quality.SEVERITY_LABELS
        assert re.search(r"[\u4e00-\u9fff]", str(check.label)) and check.description


# --- 全省一单 --------------------------------------------------------------------------------


def test_consistency_lists_each_deviating_claimant_with_expected_and_actual(world):
    base = new_base(name="食品经营许可（变更）")
    consistent = clean_item(world, base=base, department=world.dept)
    deviating = clean_item(world, base=base, department=world.other)
    ServiceItemVersion.objects.filter(pk=deviating.published_version_id).update(
        implementing_body="县公安局", item_type="filing", name=" 食品经营许可（变更） "
    )
    report = quality_reports.quality_report()
    assert [(d.item.code, d.element, d.expected, d.actual) for d in report.deviations] == [
        (deviating.code, "item_type", "行政许可", "行政备案"),
        (deviating.code, "implementing_body", "县级市场监督管理部门", "县公安局"),
    ]
    deviation = report.deviations[0]
    assert deviation.item.base_code == base.code
    assert deviation.element_label == "事项类型"
    assert deviation.message == "事项类型与基本目录不一致：应为“行政许可”，实为“行政备案”。"
    assert consistent.code not in {d.item.code for d in report.deviations}
    assert report.findings == []
    assert report.counts_by_check["six_elements"] == 2


@pytest.mark.parametrize(
    ("element", "value"),
    [
        ("name", "食品经营许可"),
        ("base_code", "999999999999"),
        ("competent_department", "市场监管局"),
        ("legal_basis", "《食品安全法》"),
    ],
)
def test_each_fixed_element_is_compared(world, element, value):
    item = clean_item(world)
    ServiceItemVersion.objects.filter(pk=item.published_version_id).update(**{element: value})
    [deviation] = quality_reports.quality_report().deviations
    assert (deviation.element, deviation.actual) == (element, value)
    base_field = "code" if element == "base_code" else element
    assert deviation.expected == getattr(item.base, base_field)


def test_empty_legal_basis_is_both_a_deviation_and_a_missing_element(world):
    item = clean_item(world)
    ServiceItemVersion.objects.filter(pk=item.published_version_id).update(legal_basis="")
    report = quality_reports.quality_report()
    assert [(d.element, d.actual) for d in report.deviations] == [("legal_basis", "")]
    assert [x.message for x in report.findings] == ["缺少“设定和实施依据”。"]


# --- Which version, which items --------------------------------------------------------------


def test_published_version_is_judged_not_the_open_revision(world):
    item = clean_item(world)
    draft = services.version_start_revision(item=item, actor=world.clerk.user)
    services.version_update(version=draft, elements={"conditions": ""}, actor=world.clerk.user)
    assert quality_reports.quality_report().findings == []


def test_unpublished_item_is_judged_on_its_open_version(world):
    item = clean_item(world, elements={"location": ""}, published=False)
    [finding] = quality_reports.quality_report().findings
    assert (finding.message, finding.item.version_status) == ("缺少“办理地点”。", "draft")
    assert finding.item.version_label == "v1（编制中）"
    assert finding.item.code == item.code


def test_withdrawn_items_are_left_out(world):
    item = clean_item(world, elements={"location": ""})
    services.item_withdraw(item=item, reason="职能调整", actor=world.reviewer.user)
    report = quality_reports.quality_report()
    assert (report.items_checked, report.findings) == (0, [])


def test_scope_limits_the_report(world):
    mine = clean_item(world, elements={"location": ""})
    theirs = clean_item(world, department=world.other, elements={"location": ""})
    clerk_report = quality_reports.quality_report_for(user=world.clerk.user)
    assert {x.item.code for x in clerk_report.findings} == {mine.code}
    assert clerk_report.scope_label == "本部门（县市场监督管理局）"
    bureau_report = quality_reports.quality_report_for(user=world.reviewer.user)
    assert {x.item.code for x in bureau_report.findings} == {mine.code, theirs.code}
    assert {d.department_name for d in bureau_report.departments} == {
        "县市场监督管理局",
        "县公安局",
    }
    # A department outside the user's scope gives nothing, not someone else's findings.
    outside = quality_reports.quality_report_for(
        user=world.clerk.user, department_id=world.other.pk
    )
    assert outside.findings == [] and outside.items_checked == 0
    # Another region's bureau sees none of this county's items.
    town_bureau = f.staff(
        f.department("测试镇0数据中心", at=f.region("341299000000", "邻县")), ["bureau_admin"]
    )
    assert quality_reports.quality_report_for(user=town_bureau.user).items_checked == 0
    assert quality_reports.quality_report(NO_SCOPE).items_checked == 0


def test_filtered_narrows_by_department_and_check(world):
    mine = clean_item(world, elements={"location": ""}, materials=[{"name": "其他"}])
    clean_item(world, department=world.other, elements={"hours": ""})
    report = quality_reports.quality_report()
    deviations, findings = report.filtered(department_id=world.dept.pk)
    assert {x.item.code for x in findings} == {mine.code} and len(findings) == 2
    deviations, findings = report.filtered(check="vague_material")
    assert [x.message for x in findings] == ["材料“其他”名称模糊，应写明具体材料名称。"]
    deviations, findings = report.filtered(check="six_elements")
    assert (deviations, findings) == ([], [])


def test_report_query_count_does_not_grow_with_items(world):
    clean_item(world, elements={"location": ""})
    with CaptureQueriesContext(connection) as one:
        quality_reports.quality_report()
    for _ in range(4):
        clean_item(world, materials=[{"name": "其他材料"}, {"name": "相关材料"}])
    with CaptureQueriesContext(connection) as five:
        report = quality_reports.quality_report()
    assert len(report.findings) == 9
    assert len(five.captured_queries) == len(one.captured_queries) <= 3


def test_vague_patterns_are_a_setting(world, settings):
    settings.YIWANG_CATALOG_VAGUE_MATERIAL_PATTERNS = [r"证明$"]
    clean_item(world, materials=[{"name": "其他材料"}, {"name": "无犯罪记录证明"}])
    assert [x.message for x in quality_reports.quality_report().findings] == [
        "材料“无犯罪记录证明”名称模糊，应写明具体材料名称。"
    ]


def test_required_elements_are_a_setting(world, settings):
    settings.YIWANG_CATALOG_REQUIRED_ELEMENTS = ["faq"]
    clean_item(world, elements={"location": ""})
    assert [x.message for x in quality_reports.quality_report().findings] == ["缺少“常见问题”。"]


# --- Export ----------------------------------------------------------------------------------


def test_workbook_has_both_sheets_and_keeps_text_as_text(world):
    item = clean_item(world, materials=[{"name": "其他材料"}])
    ServiceItemVersion.objects.filter(pk=item.published_version_id).update(
        implementing_body="=SUM(1,2)"
    )
    report = quality_reports.quality_report()
    content = quality_workbook.report_workbook(
        report.deviations, report.findings, absolute=lambda url: "http://testserver" + url
    )
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["全省一单", "指南质量问题"]
    consistency, guide = book["全省一单"], book["指南质量问题"]
    assert [c.value for c in consistency[1]] == quality_workbook.DEVIATION_HEADERS
    [row] = [[c.value for c in r] for r in consistency.iter_rows(min_row=2)]
    assert row[1:4] == [item.code, item.published_version.name, "v1（已发布）"]
    assert row[6:9] == ["实施机关", "县级市场监督管理部门", "=SUM(1,2)"]
    assert row[9] == f"http://testserver{report.deviations[0].item.url}"
    # Catalogue text that looks like a formula is stored as text, never evaluated.
    assert consistency.cell(row=2, column=9).data_type == "s"
    assert consistency.cell(row=2, column=9).quotePrefix  # stays text when edited in Excel
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(n) for n in sheets)
    assert [c.value for c in guide[1]] == quality_workbook.FINDING_HEADERS
    [finding_row] = [[c.value for c in r] for r in guide.iter_rows(min_row=2)]
    assert finding_row[4:8] == [
        "材料名称模糊",
        "vague_material",
        "一般",
        "材料“其他材料”名称模糊，应写明具体材料名称。",
    ]


# --- What a citizen noticed -----------------------------------------------------------------


def test_fully_online_with_a_visit_is_a_contradiction(world):
    online = {"fully_online": True, "visits": 0, "handling_forms": ["online"], "online_depth": 4}
    item = clean_item(world, elements=online)
    # The services refuse it now (fields.version_rule_errors); data from before still has it.
    _legacy(visits=1)(item)
    clean_item(world, elements=online)
    assert messages(quality_reports.quality_report()) == [
        (
            "online_with_visits",
            item.code,
            "事项标为全程网办，但到办事现场次数为 1 次，应为 0（或取消全程网办）。",
        )
    ]


@pytest.mark.parametrize(
    "basis",
    [
        "以省级政务服务事项基本目录公布的设定和实施依据为准",
        "依据相关法律法规",
        "详见《中华人民共和国行政许可法》等有关规定",
        "待补充",
    ],
)
def test_placeholder_legal_basis_is_found(world, basis):
    base = new_base(legal_basis=basis)
    item = clean_item(world, base=base, elements={"legal_basis": basis})
    assert [(c, code) for c, code, _ in messages(quality_reports.quality_report())] == [
        ("placeholder_legal_basis", item.code)
    ]


def test_a_named_law_with_its_article_is_a_real_basis(world):
    basis = "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》"
    clean_item(world, base=new_base(legal_basis=basis), elements={"legal_basis": basis})
    assert quality_reports.quality_report().findings == []


def test_the_same_conditions_sentence_in_many_items_is_a_template(world):
    templated = []
    for _ in range(3):
        base = new_base()
        templated.append(
            clean_item(
                world,
                base=base,
                elements={"conditions": f"符合“{base.name}”法定条件的自然人均可申请。"},
            )
        )
    clean_item(world)  # its own conditions
    findings = quality_reports.quality_report().findings
    assert {(x.check.code, x.item.code) for x in findings} == {
        ("template_conditions", item.code) for item in templated
    }
    assert findings[0].message == (
        "受理条件与另外 2 个事项是同一句套话（仅事项名称不同），应写明本事项的具体条件。"
    )


def test_two_items_sharing_conditions_are_not_yet_a_template(world, settings):
    for _ in range(2):
        clean_item(world, elements={"conditions": "本县户籍居民"})
    assert quality_reports.quality_report().findings == []
    settings.YIWANG_CATALOG_TEMPLATE_CONDITIONS_MIN_ITEMS = 2
    assert {x.check.code for x in quality_reports.quality_report().findings} == {
        "template_conditions"
    }


# --- The national implementation list (issue 7 §3) -------------------------------------------


def test_the_lists_mandatory_elements_are_findings_when_missing(world):
    item = clean_item(
        world,
        elements={
            "service_objects": [],
            "exercise_level": "",
            "body_nature": "",
            "power_source": "",
            "result_type": "",
            "delivery_methods": [],
            "online_depth": None,
        },
    )
    _legacy(result_name="")(item)  # publishing needs one; older data may lack it
    assert messages(quality_reports.quality_report()) == [
        ("missing_element", item.code, f"缺少“{label}”。")
        for label in (
            "服务对象",
            "行使层级",
            "实施主体性质",
            "权力来源",
            "审批结果类型",
            "审批结果名称",
            "结果送达方式",
            "网上办理深度",
        )
    ]


@pytest.mark.parametrize(
    ("legacy", "code", "message"),
    [
        (
            {"online_depth": 4},
            "online_depth_mismatch",
            "网上办理深度为四级（全程网办）的事项应标为全程网办。",
        ),
        (
            {"fully_online": True, "visits": 0},
            "online_depth_mismatch",
            "全程网办事项的网上办理深度应为四级（全程网办）。",
        ),
        (
            {"body_nature": "entrusted", "entrusting_department": ""},
            "entrusted_without_department",
            "实施主体为受委托组织时，须填写委托部门。",
        ),
        (
            {"online_payment": True},
            "online_payment_without_fee",
            "不收费的事项不能标为支持网上支付。",
        ),
    ],
)
def test_list_contradictions_in_older_data_are_findings(world, legacy, code, message):
    item = clean_item(world)
    _legacy(**legacy)(item)
    assert messages(quality_reports.quality_report()) == [(code, item.code, message)]
