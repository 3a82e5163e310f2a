"""Catalogue import: all or nothing with a per-row report, idempotent, scoped, type-checked."""

from __future__ import annotations

import csv
import io
import zipfile
from importlib import resources

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied

from tests import factories as f
from tests.catalog.conftest import CatalogWorld
from yiwang.audit.models import AuditEvent
from yiwang.catalog import services
from yiwang.catalog.models import (
    AdjustmentLog,
    BaseItem,
    Bundle,
    BundleStatus,
    ItemStatus,
    Material,
    ServiceItem,
    ServiceItemVersion,
    VersionStatus,
)
from yiwang.catalog.transfer.importing import catalog_import
from yiwang.catalog.transfer.report import ImportFileError, RowError
from yiwang.catalog.transfer.rows import parse_materials
from yiwang.catalog.transfer.spec import GENERATED_CODE_PREFIX
from yiwang.demo.catalog import demo_items
from yiwang.demo.services import SeedReport, seed_departments, seed_regions

HEADER = [
    "实施部门",
    "事项名称",
    "事项类型",
    "法定时限",
    "承诺时限",
    "即办",
    "到现场次数",
    "申请材料",
]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def demo_file(name: str) -> bytes:
    return resources.files("yiwang.demo").joinpath(f"data/{name}").read_bytes()


def footprint() -> tuple[int, ...]:
    """Everything an import could write."""
    return (
        BaseItem.objects.count(),
        ServiceItem.objects.count(),
        ServiceItemVersion.objects.count(),
        Material.objects.count(),
        AdjustmentLog.objects.count(),
        AuditEvent.objects.count(),
        Bundle.objects.count(),
    )


def row(
    name: str = "食品经营许可（新办）", dept: str = "县市场监督管理局", **cells: str
) -> list[str]:
    values = {
        "事项类型": "行政许可",
        "法定时限": "20",
        "承诺时限": "10",
        "即办": "N",
        "到现场次数": "1",
        "申请材料": "食品经营许可申请书；营业执照（复印件，1份）",
        **cells,
    }
    return [dept, name, *(values[h] for h in HEADER[2:])]


# --- The demo county's own files -------------------------------------------------------------


def test_demo_csv_imports_into_a_fresh_catalogue_and_every_format_reimports_unchanged(db):
    report = SeedReport()
    seed_departments(seed_regions(report, lambda n: None), report)
    items_csv, bundles_csv = demo_file("service_items.csv"), demo_file("bundles.csv")

    result = catalog_import(files=[("service_items.csv", items_csv), ("bundles.csv", bundles_csv)])

    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (159, 0, 0)
    assert result.bundles_created == 7
    assert ServiceItem.objects.count() == 159
    assert Bundle.objects.filter(status=BundleStatus.DRAFT).count() == 7
    # Without publishing, the items wait as drafts for their departments.
    assert set(ServiceItemVersion.objects.values_list("status", flat=True)) == {"draft"}
    for demo in demo_items():
        version = ServiceItemVersion.objects.get(
            item__department__name=demo.department, name=demo.name
        )
        assert version.item_type == demo.item_type
        assert (version.legal_limit, version.promised_limit) == (
            demo.legal_days,
            0 if demo.instant else demo.promised_days,
        )
        assert version.visits == demo.visits
        assert version.is_instant == demo.instant
        assert version.cross_province == demo.cross_province
        assert version.fully_online == (demo.online == "全程网办")
        assert ("online" in version.handling_forms) == (demo.online != "窗口办理")
        assert [m.name for m in version.materials.all()] == demo.materials
        assert version.item.base.code.startswith(GENERATED_CODE_PREFIX)
    stages = Bundle.objects.get(name="新生儿出生一件事").stages.order_by("order")
    assert [s.entries.count() for s in stages] == [1, 1, 2]

    before = footprint()
    variants = {
        "the same CSV again": [("service_items.csv", items_csv), ("bundles.csv", bundles_csv)],
        "GBK CSV": [
            ("items-gbk.csv", items_csv.decode("utf-8").encode("gbk")),
            ("bundles-gbk.csv", bundles_csv.decode("utf-8").encode("gb18030")),
        ],
        "UTF-8 CSV with BOM": [("items.csv", b"\xef\xbb\xbf" + items_csv)],
        "xlsx with both sheets": [("demo.xlsx", _demo_workbook(items_csv, bundles_csv))],
    }
    for what, files in variants.items():
        again = catalog_import(files=files)
        assert again.errors == [], what
        assert (again.created, again.updated, again.unchanged) == (0, 0, 159), what
        assert footprint() == before, what


def _demo_workbook(items_csv: bytes, bundles_csv: bytes) -> bytes:
    def rows(data: bytes) -> list[list[object]]:
        parsed = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        # Numbers typed into Excel come back as numbers, not text.
        return [[int(c) if c.isdigit() else c for c in r] for r in parsed]

    return xlsx_bytes({"事项": rows(items_csv), "一件事": rows(bundles_csv)})


# --- All or nothing, with a per-row report ---------------------------------------------------


def test_one_bad_row_imports_nothing_and_is_reported(world: CatalogWorld):
    before = footprint()
    data = csv_bytes([HEADER, row(), row("食品生产许可", 法定时限="二十"), row("药品零售许可")])

    result = catalog_import(files=[("items.csv", data)], actor=world.clerk.user)

    assert result.errors == [
        RowError("items.csv", 3, "法定时限", "应为不小于 0 的整数，现为“二十”。")
    ]
    assert (
        str(result.errors[0]) == "items.csv第 3 行“法定时限”列：应为不小于 0 的整数，现为“二十”。"
    )
    assert footprint() == before


def test_every_kind_of_bad_row_is_reported_with_its_row_and_column(world: CatalogWorld):
    data = csv_bytes(
        [
            HEADER,
            row("A 事项", dept="县不存在局"),
            row("B 事项", 事项类型="行政许诺"),
            row("C 事项", 承诺时限="30"),
            row("D 事项", 即办="Y", 承诺时限="5"),
            row("E 事项", 到现场次数="-1"),
            row("F 事项"),
            row("F 事项"),
            row("G 事项", 申请材料="身份证；身份证"),
            row("H 事项", 即办="也许"),
            row("I 事项", dept="县公安局"),
        ]
    )
    before = footprint()

    result = catalog_import(files=[("items.csv", data)], actor=world.clerk.user)

    found = [(e.row, e.column) for e in result.errors]
    assert found == [
        (2, "实施部门"),
        (3, "事项类型"),
        (4, "承诺时限"),
        (5, "承诺时限"),
        (6, "到现场次数"),
        (8, "事项名称"),
        (9, "申请材料"),
        (10, "即办"),
        (11, "实施部门"),
    ]
    messages = {e.row: e.message for e in result.errors}
    assert "县不存在局" in messages[2] and "不存在" in messages[2]
    assert "行政许诺" in messages[3] and "行政许可" in messages[3]
    assert messages[4] == "承诺时限（30）不能超过法定时限（20）。"
    assert messages[5] == "即办件的承诺时限应为 0，现为 5。"
    assert "与第 7 行重复" in messages[8]
    assert "申请材料“身份证”重复" in messages[9]
    assert messages[11] == "“县公安局”不在您的数据范围内。"
    assert footprint() == before


def test_headers_are_checked_before_rows(world: CatalogWorld):
    data = csv_bytes([["实施部门", "事项名称", "法定时线"], ["县市场监督管理局", "X", "1"]])

    result = catalog_import(files=[("bad.csv", data)])

    assert [(e.row, e.column) for e in result.errors] == [(1, "法定时线"), (1, "事项类型")]
    assert "无法识别的列名" in result.errors[0].message
    assert result.errors[1].message == "缺少必填列“事项类型”。"


def test_new_items_need_their_limits(world: CatalogWorld):
    data = csv_bytes(
        [["实施部门", "事项名称", "事项类型"], ["县市场监督管理局", "新事项", "行政许可"]]
    )

    result = catalog_import(files=[("x.csv", data)])

    assert [e.column for e in result.errors] == ["法定时限", "承诺时限", "到现场次数"]


# --- Idempotence and revisions ---------------------------------------------------------------


def test_reimport_changes_nothing_and_a_changed_row_makes_a_new_draft(world: CatalogWorld):
    first = csv_bytes([HEADER, row(), row("食品生产许可")])
    result = catalog_import(files=[("a.csv", first)], actor=world.reviewer.user, publish=True)
    assert (result.created, result.published) == (2, 2)
    # The row with the existing base's name claims it; the other gets a generated base code.
    item = ServiceItem.objects.get(base=world.base)
    assert item.status == ItemStatus.ACTIVE
    assert item.published_version.materials.count() == 2
    before = footprint()

    again = catalog_import(files=[("a.csv", first)], actor=world.clerk.user)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert footprint() == before

    changed = csv_bytes([HEADER, row(承诺时限="5"), row("食品生产许可")])
    result = catalog_import(files=[("b.csv", changed)], actor=world.clerk.user)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    item.refresh_from_db()
    published, draft = item.published_version, item.versions.get(number=2)
    assert published.promised_limit == 10  # a published version never changes
    assert (draft.status, draft.promised_limit) == (VersionStatus.DRAFT, 5)
    assert [m.name for m in draft.materials.all()] == ["食品经营许可申请书", "营业执照"]
    assert "批量导入" in item.adjustments.first().reason

    # The same changed file again: compared with the open draft, nothing to do.
    before = footprint()
    assert catalog_import(files=[("b.csv", changed)], actor=world.clerk.user).unchanged == 2
    assert footprint() == before

    # A reviewer importing it with publish publishes the waiting draft.
    result = catalog_import(files=[("b.csv", changed)], actor=world.reviewer.user, publish=True)
    assert (result.unchanged, result.published) == (2, 1)
    item.refresh_from_db()
    assert item.published_version.number == 2
    assert ServiceItemVersion.objects.get(item=item, number=1).status == VersionStatus.SUPERSEDED


def test_material_names_alone_keep_their_other_attributes(world: CatalogWorld):
    catalog_import(
        files=[("a.csv", csv_bytes([HEADER, row(申请材料="营业执照（复印件，2份，免提交）")]))]
    )
    version = ServiceItemVersion.objects.get()
    assert version.materials.get().exempt

    again = catalog_import(files=[("b.csv", csv_bytes([HEADER, row(申请材料="营业执照")]))])

    assert again.unchanged == 1
    material = version.materials.get()
    assert (material.original_or_copy, material.count, material.exempt) == ("copy", 2, True)


def test_a_version_under_review_is_not_changed_by_import(world: CatalogWorld):
    catalog_import(files=[("a.csv", csv_bytes([HEADER, row()]))], actor=world.clerk.user)
    services.version_submit(version=ServiceItemVersion.objects.get(), actor=world.clerk.user)

    result = catalog_import(files=[("b.csv", csv_bytes([HEADER, row(承诺时限="3")]))])

    assert len(result.errors) == 1
    assert "正在审核" in result.errors[0].message


def test_dry_run_counts_without_writing(world: CatalogWorld):
    before = footprint()
    result = catalog_import(files=[("a.csv", csv_bytes([HEADER, row()]))], dry_run=True)
    assert (result.ok, result.created) == (True, 1)
    assert result.summary.startswith("检查通过")
    assert footprint() == before


def test_parse_materials():
    assert parse_materials("居民户口簿；近期免冠照片（现场采集）; 营业执照（复印件，2份）\n") == [
        {"name": "居民户口簿"},
        {"name": "近期免冠照片（现场采集）"},
        {"name": "营业执照", "original_or_copy": "copy", "count": 2},
    ]
    assert parse_materials("申请表(原件、复印件,电子,容缺,非必要)") == [
        {
            "name": "申请表",
            "original_or_copy": "both",
            "medium": "electronic",
            "deferrable": True,
            "required": False,
        }
    ]


def test_generated_base_codes_are_deterministic(world: CatalogWorld):
    data = csv_bytes([HEADER, row("食品生产许可")])
    catalog_import(files=[("a.csv", data)])
    code = BaseItem.objects.get(name="食品生产许可").code
    assert code.startswith(GENERATED_CODE_PREFIX + "01")  # 01 = 行政许可
    # Another department naming the same item claims the same base item.
    other = csv_bytes([HEADER, row("食品生产许可", dept="县公安局")])
    catalog_import(files=[("b.csv", other)])
    assert BaseItem.objects.filter(name="食品生产许可").count() == 1
    assert ServiceItem.objects.filter(base__code=code).count() == 2


# --- Scope and roles -------------------------------------------------------------------------


def test_department_staff_cannot_publish_or_import_bundles(world: CatalogWorld):
    data = csv_bytes([HEADER, row()])
    with pytest.raises(PermissionDenied):
        catalog_import(files=[("a.csv", data)], actor=world.clerk.user, publish=True)
    leader = f.staff(world.dept, ["grid_worker"])
    with pytest.raises(PermissionDenied):
        catalog_import(files=[("a.csv", data)], actor=leader.user)

    workbook = xlsx_bytes(
        {
            "事项": [HEADER, row()],
            "一件事": [["一件事", "阶段", "事项名称"], ["开店一件事", 1, "食品经营许可（新办）"]],
        }
    )
    result = catalog_import(files=[("a.xlsx", workbook)], actor=world.clerk.user)
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("“一件事”表", 2, "一件事")]
    assert not ServiceItem.objects.exists()


# --- Bundles ---------------------------------------------------------------------------------


def test_bundles_reference_items_by_name_and_department(world: CatalogWorld):
    workbook = xlsx_bytes(
        {
            "事项": [HEADER, row(), row("食品生产许可"), row("食品生产许可", dept="县公安局")],
            "一件事": [
                ["一件事", "阶段", "事项名称", "实施部门"],
                ["开店一件事", 1, "食品经营许可（新办）", ""],
                ["开店一件事", 2, "食品生产许可", "县公安局"],
                ["坏一件事", 1, "食品生产许可", ""],
                ["坏一件事", 2, "没有的事项", ""],
            ],
        }
    )
    result = catalog_import(files=[("a.xlsx", workbook)], actor=world.reviewer.user)
    assert [(e.row, e.column) for e in result.errors] == [(4, "事项名称"), (5, "事项名称")]
    assert "多个" in result.errors[0].message and "找不到" in result.errors[1].message

    fixed = xlsx_bytes(
        {
            "事项": [HEADER, row(), row("食品生产许可"), row("食品生产许可", dept="县公安局")],
            "一件事": [
                ["一件事", "阶段", "事项名称", "实施部门"],
                ["开店一件事", 1, "食品经营许可（新办）", ""],
                ["开店一件事", 2, "食品生产许可", "县公安局"],
            ],
        }
    )
    result = catalog_import(files=[("a.xlsx", fixed)], actor=world.reviewer.user, publish=True)
    assert result.errors == []
    bundle = Bundle.objects.get()
    assert (bundle.code, bundle.status, bundle.lead_department) == (
        "YJS001",
        BundleStatus.PUBLISHED,
        world.bureau,
    )
    second = bundle.stages.get(order=2).entries.get().item
    assert second.department == world.other

    # The bundle exists now: the same file is unchanged, different stages are refused.
    before = footprint()
    assert (
        catalog_import(files=[("a.xlsx", fixed)], actor=world.reviewer.user).bundles_unchanged == 1
    )
    assert footprint() == before
    moved = xlsx_bytes(
        {"一件事": [["bundle", "stage", "item"], ["开店一件事", 1, "食品经营许可（新办）"]]}
    )
    result = catalog_import(files=[("b.xlsx", moved)], actor=world.reviewer.user)
    assert "已存在" in result.errors[0].message
    assert "以新的名称导入" in result.errors[0].message


# --- Files -----------------------------------------------------------------------------------


def test_type_is_decided_by_content_not_extension(world: CatalogWorld):
    workbook = xlsx_bytes({"事项": [HEADER, row()]})
    assert catalog_import(files=[("named-like-a.csv", workbook)], dry_run=True).created == 1
    text = csv_bytes([HEADER, row()])
    assert catalog_import(files=[("named-like-a.xlsx", text)], dry_run=True).created == 1


def test_excel_unicode_text_is_read(world: CatalogWorld):
    # Excel's "Unicode 文本": UTF-16 with a BOM, tab-separated.
    text = "\r\n".join("\t".join(r) for r in [HEADER, row()])
    result = catalog_import(files=[("items.txt", text.encode("utf-16"))], dry_run=True)
    assert (result.errors, result.created) == ([], 1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "既不是 xlsx 工作簿，也不是"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x01\x02", "既不是 xlsx 工作簿，也不是"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "旧版 Excel（xls）"),
        (b"   \n", "是空的"),
        (b"PK\x03\x04garbage", "已损坏"),
    ],
)
def test_unreadable_files_are_refused(db, content, message):
    with pytest.raises(ImportFileError) as caught:
        catalog_import(files=[("upload.csv", content)])
    assert message in caught.value.messages[0]


def test_a_zip_that_is_not_a_workbook_is_refused(db):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ImportFileError, match="zip 压缩包"):
        catalog_import(files=[("a.xlsx", buffer.getvalue())])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types><broken")
    with pytest.raises(ImportFileError, match="不是有效的 Excel 工作簿"):
        catalog_import(files=[("a.xlsx", buffer.getvalue())])


def test_oversized_files_are_refused(db, settings):
    settings.YIWANG_IMPORT_MAX_BYTES = 1024
    data = csv_bytes([HEADER] + [row(f"事项{i}") for i in range(40)])
    assert len(data) > 1024
    with pytest.raises(ImportFileError, match="超过上限"):
        catalog_import(files=[("big.csv", data)])


# --- The implementation list's elements (实施清单要素) ----------------------------------------

ELEMENT_HEADER = [
    *HEADER,
    "全程网办",
    "网上办理深度",
    "通办范围",
    "服务对象",
    "行使层级",
    "实施主体性质",
    "委托部门",
    "联办机构",
    "权力来源",
    "数量限制",
    "审批结果类型",
    "审批结果名称",
    "结果送达方式",
    "是否收费",
    "收费标准",
    "收费依据",
    "是否支持网上支付",
    "物流快递",
    "预约办理",
    "进驻大厅",
]
GOOD_ELEMENTS = {
    "全程网办": "Y",
    "到现场次数": "0",
    "网上办理深度": "四级（全程网办）",
    "通办范围": "跨省通办",
    "服务对象": "自然人、法人（企业法人/事业法人/社会组织法人）；非法人组织",
    "行使层级": "县级",
    "实施主体性质": "受委托组织",
    "委托部门": "滁州市市场监督管理局",
    "联办机构": "县公安局、县税务局",
    "权力来源": "上级委托",
    "数量限制": "按布局规划控制数量",
    "审批结果类型": "证照",
    "审批结果名称": "《食品经营许可证》",
    "结果送达方式": "窗口领取、邮寄送达、电子送达（网上下载）",
    "是否收费": "Y",
    "收费标准": "每证 10 元",
    "收费依据": "《收费目录清单》",
    "是否支持网上支付": "Y",
    "物流快递": "Y",
    "预约办理": "N",
    "进驻大厅": "Y",
}


def element_row(name: str = "食品经营许可（新办）", **cells: str) -> list[str]:
    values = {**GOOD_ELEMENTS, **cells}
    base = row(name, **{h: values[h] for h in HEADER[2:] if h in values})
    return [*base, *(values.get(h, "") for h in ELEMENT_HEADER[len(HEADER) :])]


def test_the_implementation_list_elements_are_imported(world: CatalogWorld):
    intermediaries = [
        ["实施部门", "事项名称", "中介服务名称", "是否必需", "是否收费", "收费依据/标准"],
        ["县市场监督管理局", "食品经营许可（新办）", "食品检验", "", "Y", "市场调节价"],
        ["县市场监督管理局", "食品经营许可（新办）", "场所平面图绘制", "N", "", ""],
    ]
    data = xlsx_bytes({"事项": [ELEMENT_HEADER, element_row()], "中介服务": intermediaries})

    result = catalog_import(files=[("清单.xlsx", data)], actor=world.reviewer.user, publish=True)

    assert result.errors == []
    assert (result.created, result.published) == (1, 1)
    v = ServiceItem.objects.get().published_version
    assert (v.fully_online, v.online_depth, v.visits) == (True, 4, 0)
    assert v.service_scope == "cross_province" and v.cross_province and v.in_province
    assert v.service_objects == ["natural_person", "legal_person", "other_organisation"]
    assert (v.exercise_level, v.body_nature, v.power_source) == (
        "county",
        "entrusted",
        "entrusted_up",
    )
    assert v.entrusting_department == "滁州市市场监督管理局"
    assert (v.joint_bodies, v.quantity_limit) == ("县公安局、县税务局", "按布局规划控制数量")
    assert (v.result_type, v.result_name) == ("licence", "《食品经营许可证》")
    assert v.delivery_methods == ["window", "mail", "electronic"]
    assert (v.has_fee, v.online_payment, v.express_delivery, v.appointment, v.in_hall) == (
        True,
        True,
        True,
        False,
        True,
    )
    assert [
        (i.order, i.name, i.required, i.charged, i.fee_basis) for i in v.intermediaries.all()
    ] == [
        (1, "食品检验", True, True, "市场调节价"),
        (2, "场所平面图绘制", False, False, ""),
    ]
    assert "更新中介服务" in AdjustmentLog.objects.get(action="编制").summary

    # The same file again changes nothing; the same values in another order neither.
    again = catalog_import(files=[("清单.xlsx", data)])
    assert (again.unchanged, again.updated) == (1, 0)
    reordered = element_row(服务对象="非法人组织、自然人、法人")
    again = catalog_import(files=[("b.csv", csv_bytes([ELEMENT_HEADER, reordered]))])
    assert (again.unchanged, again.updated) == (1, 0)


def test_short_labels_and_codes_are_accepted(world: CatalogWorld):
    data = csv_bytes(
        [
            ELEMENT_HEADER,
            element_row(
                网上办理深度="4",
                服务对象="法人",
                结果送达方式="电子送达；邮寄",
                实施主体性质="entrusted",
                审批结果类型="其他",
            ),
        ]
    )

    result = catalog_import(files=[("short.csv", data)])

    assert result.errors == []
    v = ServiceItemVersion.objects.get()
    assert (v.online_depth, v.service_objects, v.delivery_methods) == (
        4,
        ["legal_person"],
        ["electronic", "mail"],
    )
    assert (v.body_nature, v.result_type) == ("entrusted", "other")


def test_bad_element_values_are_reported_with_row_and_column(world: CatalogWorld):
    data = csv_bytes(
        [
            ELEMENT_HEADER,
            element_row("A 事项", 服务对象="自然人、外国人"),
            element_row("B 事项", 行使层级="区级"),
            element_row("C 事项", 网上办理深度="五级"),
            element_row("D 事项", 委托部门=""),
            element_row("E 事项", 是否收费="N", 收费标准="", 收费依据=""),
            element_row("F 事项", 网上办理深度="三级"),
            element_row("G 事项", 到现场次数="1"),
            element_row("H 事项", 实施主体性质="法定机关"),
            element_row("I 事项", 通办范围="全省通办"),
            element_row("J 事项", 物流快递="可以"),
        ]
    )
    before = footprint()

    result = catalog_import(files=[("清单.csv", data)])

    errors = {e.row: (e.column, e.message) for e in result.errors}
    assert errors == {
        2: (
            "服务对象",
            "“外国人”不是可选的值，应为：自然人、法人（企业法人/事业法人/社会组织法人）、非法人组织。",
        ),
        3: (
            "行使层级",
            "“区级”不是可选的值，应为：国家级、省级、市级、县级、乡镇（街道）级、村（社区）级。",
        ),
        4: (
            "网上办理深度",
            "“五级”不是可选的值，应为：一级（网上公开办事信息）、二级（网上下载表格、预约）、"
            "三级（网上预审、网上受理）、四级（全程网办）。",
        ),
        5: ("委托部门", "实施主体为受委托组织时，须填写委托部门。"),
        6: ("是否支持网上支付", "不收费的事项不能标为支持网上支付。"),
        7: ("网上办理深度", "全程网办事项的网上办理深度应为四级（全程网办）。"),
        8: ("到现场次数", "全程网办事项的到办事现场次数应为 0，现为 1 次。"),
        9: ("委托部门", "实施主体不是受委托组织时，委托部门应为空。"),
        10: (
            "通办范围",
            "“全省通办”不是可选的值，应为：全国通办、跨省通办、省内通办、市内通办、县内通办。",
        ),
        11: ("物流快递", "应填写 Y 或 N，现为“可以”。"),
    }
    assert str(result.errors[0]).startswith("清单.csv第 2 行“服务对象”列：")
    assert footprint() == before


def test_rules_are_checked_against_the_elements_kept_from_the_current_version(
    world: CatalogWorld,
):
    catalog_import(files=[("a.csv", csv_bytes([ELEMENT_HEADER, element_row()]))])
    # The file gives only 实施主体性质; the 委托部门 the draft keeps no longer fits.
    data = csv_bytes([[*HEADER, "实施主体性质"], [*row(到现场次数="0"), "法定机关"]])

    result = catalog_import(files=[("b.csv", data)])

    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "实施主体性质", "实施主体不是受委托组织时，委托部门应为空。")
    ]
    # And a fee taken away while the draft keeps 网上支付.
    data = csv_bytes([[*HEADER, "是否收费"], [*row(到现场次数="0"), "N"]])
    result = catalog_import(files=[("c.csv", data)])
    assert [(e.column, e.message) for e in result.errors] == [
        ("是否收费", "不收费的事项不能标为支持网上支付。")
    ]


def test_old_flag_columns_are_read_as_the_service_scope(world: CatalogWorld):
    header = [*HEADER, "跨省通办", "省内通办"]

    def scope_after(cross: str, province: str, name: str = "食品经营许可（新办）") -> str:
        data = csv_bytes([header, [*row(name), cross, province]])
        result = catalog_import(files=[("old.csv", data)])
        assert result.errors == []
        return ServiceItemVersion.objects.get(name=name).service_scope

    assert scope_after("Y", "N") == "cross_province"
    assert scope_after("N", "Y") == "province"
    assert scope_after("N", "N") == "county"
    # A scope the flags already describe is kept: 全国通办 is 跨省 as the old flag meant it.
    version = ServiceItemVersion.objects.get()
    services.version_update(version=version, elements={"service_scope": "national"})
    data = csv_bytes([header, [*row(), "Y", "Y"]])
    assert catalog_import(files=[("old.csv", data)]).unchanged == 1
    assert ServiceItemVersion.objects.get().service_scope == "national"
    # Only the 跨省通办 column (the demo county's old CSV): the other flag stays as it was.
    data = csv_bytes([[*HEADER, "cross_province"], [*row(), "N"]])
    assert catalog_import(files=[("old.csv", data)]).errors == []
    assert ServiceItemVersion.objects.get().service_scope == "province"


def test_old_flags_must_agree_with_the_service_scope(world: CatalogWorld):
    data = csv_bytes([[*HEADER, "通办范围", "跨省通办"], [*row(), "县内通办", "Y"]])

    result = catalog_import(files=[("x.csv", data)])

    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "跨省通办", "与“通办范围”列矛盾。")
    ]


def test_full_online_alone_sets_the_online_depth_and_the_other_way_round(world: CatalogWorld):
    data = csv_bytes([[*HEADER, "全程网办"], [*row(到现场次数="0"), "Y"]])
    assert catalog_import(files=[("a.csv", data)]).errors == []
    assert ServiceItemVersion.objects.get().online_depth == 4
    data = csv_bytes([[*HEADER, "网上办理深度"], [*row(到现场次数="0"), "三级"]])
    assert catalog_import(files=[("b.csv", data)]).errors == []
    v = ServiceItemVersion.objects.get()
    assert (v.online_depth, v.fully_online) == (3, False)


def test_publishing_needs_a_result_name(world: CatalogWorld):
    data = csv_bytes([ELEMENT_HEADER, element_row(审批结果名称="")])

    result = catalog_import(files=[("x.csv", data)], actor=world.reviewer.user, publish=True)

    assert [(e.row, e.column) for e in result.errors] == [(2, "审批结果名称")]
    assert "审批结果名称" in result.errors[0].message
    # Without publishing, the draft may wait for its name; an old file gets the claim's default.
    assert catalog_import(files=[("x.csv", data)]).errors == []
    old = csv_bytes([HEADER, row("食品生产许可")])
    catalog_import(files=[("old.csv", old)], actor=world.reviewer.user, publish=True)
    assert ServiceItemVersion.objects.get(name="食品生产许可").result_name == "食品生产许可"


def test_intermediary_rows_are_checked(world: CatalogWorld):
    intermediaries = [
        ["实施部门", "事项名称", "中介服务名称", "是否必需", "是否收费"],
        ["县市场监督管理局", "食品经营许可（新办）", "", "Y", "Y"],
        ["县市场监督管理局", "食品经营许可（新办）", "食品检验", "必须", "Y"],
        ["县市场监督管理局", "没有的事项", "测绘", "Y", "N"],
    ]
    data = xlsx_bytes({"事项": [ELEMENT_HEADER, element_row()], "中介服务": intermediaries})

    result = catalog_import(files=[("x.xlsx", data)])

    assert [(e.sheet, e.row, e.column) for e in result.errors] == [
        ("“中介服务”表", 2, "中介服务名称"),
        ("“中介服务”表", 3, "是否必需"),
        ("“中介服务”表", 4, "事项名称"),
    ]
    assert not ServiceItem.objects.exists()
