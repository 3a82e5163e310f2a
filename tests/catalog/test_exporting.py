"""Catalogue export: the import format, scoped, and a faithful round trip."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
from django.db import transaction
from openpyxl.utils import column_index_from_string
from openpyxl.utils.cell import coordinate_from_string

from tests.catalog.conftest import CatalogWorld, claim_ready, publish
from tests.catalog.test_importing import HEADER, csv_bytes, row
from yiwang.catalog import services
from yiwang.catalog.models import BaseItem, Bundle, ServiceItem, ServiceItemVersion
from yiwang.catalog.transfer.export import catalog_export
from yiwang.catalog.transfer.importing import catalog_import
from yiwang.catalog.transfer.spec import SHEETS
from yiwang.catalog.transfer.template import import_template
from yiwang.common.sheets import SafeCsvWriter

DOCS = Path(__file__).resolve().parents[2] / "docs" / "catalog-import.md"


class Rollback(Exception):
    pass


def build_catalogue(world: CatalogWorld) -> None:
    """Two published items of two departments with every kind of element, and a bundle."""
    item = claim_ready(world)
    version = item.versions.get()
    services.version_update(
        version=version,
        elements={
            "fully_online": True,
            "visits": 0,
            "online_depth": 4,
            "service_scope": "cross_province",
            "service_objects": ["legal_person", "natural_person"],
            "exercise_level": "county",
            "body_nature": "entrusted",
            "entrusting_department": "滁州市市场监督管理局",
            "joint_bodies": "县公安局、县税务局",
            "power_source": "entrusted_up",
            "quantity_limit": "按布局规划控制数量",
            "result_type": "licence",
            "result_name": "《食品经营许可证》",
            "delivery_methods": ["window", "mail", "electronic"],
            "online_payment": True,
            "express_delivery": True,
            "appointment": True,
            "in_hall": True,
            "commitment_based": True,
            "has_fee": True,
            "fee_standard": "工本费 10 元",
            "fee_basis": "财政部文件",
            "faq": "问：要多久？答：10 个工作日。",
            "handling_forms": ["window", "online", "express"],
            "form_fields": [{"key": "entity_name", "label": "单位名称", "type": "text"}],
        },
        materials=[
            {
                "name": "食品经营许可申请书",
                "original_or_copy": "original",
                "count": 2,
                "medium": "paper",
                "notes": "法定代表人签字",
            },
            {
                "name": "营业执照",
                "source": "government",
                "issuing_body": "市场监督管理局",
                "exempt": True,
                "original_or_copy": "copy",
            },
            {"name": "场所证明", "deferrable": True, "required": False, "medium": "electronic"},
        ],
        steps=[
            {"name": "受理", "role": "窗口工作人员", "limit_days": 1},
            {"name": "审查", "role": "审批人员", "limit_days": 7},
        ],
        special_procedures=[
            {
                "name": "现场核查",
                "limit_days": 5,
                "legal_basis": "食品经营许可管理办法",
                "counted_in_limit": False,
            }
        ],
        intermediaries=[
            {"name": "食品检验", "required": True, "charged": True, "fee_basis": "市场调节价"},
            {"name": "场所平面图绘制", "required": False, "charged": False, "fee_basis": ""},
        ],
        actor=world.clerk.user,
    )
    publish(world, version)
    base = services.base_item_create(
        code="000101002000",
        name="临时居民身份证申领",
        item_type="confirmation",
        competent_department="公安部门",
        implementing_body="县公安局",
        legal_basis="《居民身份证法》",
    )
    other = services.item_claim(
        base=base,
        department=world.other,
        region=world.other.region,
        business_type="new",
        elements={
            "legal_limit": 3,
            "promised_limit": 0,
            "handling_kind": "instant",
            "visits": 1,
            "location": "县公安局户政窗口",
        },
    )
    services.version_update(
        version=other.versions.get(), materials=[{"name": "居民户口簿"}], actor=None
    )
    for v in [other.versions.get()]:
        services.version_submit(version=v)
        services.version_approve(version=v)
        services.version_publish(version=v)
    bundle = services.bundle_create(
        code="YJS009",
        name="开店一件事",
        summary="一次办好",
        lead_department=world.bureau,
        stages=[[other], [item]],
        actor=world.reviewer.user,
    )
    services.bundle_publish(bundle=bundle, actor=world.reviewer.user)


def dump() -> dict:
    """Everything that makes the catalogue what it is, by natural keys."""
    items = {}
    for item in ServiceItem.objects.select_related("base", "department", "published_version"):
        v = item.published_version
        items[item.code] = {
            "base": (item.base.code, item.base.name, item.base.item_type),
            "department": item.department.name,
            "business_type": item.business_type,
            "status": item.status,
            "elements": {f: getattr(v, f) for f in services.ELEMENT_FIELDS},
            "materials": [
                {f: getattr(m, f) for f in services.MATERIAL_FIELDS} for m in v.materials.all()
            ],
            "steps": [{f: getattr(s, f) for f in services.STEP_FIELDS} for s in v.steps.all()],
            "procedures": [
                {f: getattr(p, f) for f in services.PROCEDURE_FIELDS}
                for p in v.special_procedures.all()
            ],
            "intermediaries": [
                {f: getattr(i, f) for f in services.INTERMEDIARY_FIELDS}
                for i in v.intermediaries.all()
            ],
        }
    bundles = {
        b.code: (
            b.name,
            b.summary,
            b.lead_department.name,
            b.status,
            [sorted(e.item.code for e in s.entries.all()) for s in b.stages.order_by("order")],
        )
        for b in Bundle.objects.all()
    }
    return {"items": items, "bundles": bundles}


def test_export_then_import_into_an_empty_catalogue_reproduces_it(world: CatalogWorld):
    try:
        with transaction.atomic():
            build_catalogue(world)
            original = dump()
            exported = catalog_export()
            raise Rollback
    except Rollback:
        pass
    assert not ServiceItem.objects.exists()
    assert BaseItem.objects.count() == 1  # the world's own base item, outside the rollback

    result = catalog_import(files=[("export.xlsx", exported)], publish=True)

    assert result.errors == []
    assert (result.created, result.published, result.bundles_created) == (2, 2, 1)
    assert dump() == original
    assert len(original["items"]) == 2 and original["items"]  # not comparing two empties
    # And the export of the imported catalogue imports onto it unchanged.
    again = catalog_import(files=[("again.xlsx", catalog_export())])
    assert (again.unchanged, again.bundles_unchanged, again.created) == (2, 1, 0)


def _sheet(data: bytes, title: str) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [r for r in workbook[title].iter_rows(values_only=True)]


def test_export_sheets_hold_the_published_elements(world: CatalogWorld):
    build_catalogue(world)
    data = catalog_export()

    items = _sheet(data, "事项")
    header = items[0]
    assert header[:3] == ("实施编码", "实施部门", "事项名称")
    food = dict(
        zip(header, next(r for r in items[1:] if r[2] == "食品经营许可（新办）"), strict=True)
    )
    assert food["承诺时限"] == 10 and food["法定时限"] == 20
    assert food["办理形式"] == "窗口办理、网上办理、快递申请"
    assert food["全程网办"] == "Y"
    assert (
        food["申请材料"]
        == "食品经营许可申请书（原件，2份）；营业执照（复印件，1份）；场所证明（原件，1份）"
    )
    materials = _sheet(data, "申请材料")
    assert len(materials) == 1 + 3 + 1
    licence = dict(zip(materials[0], next(r for r in materials if "营业执照" in r), strict=True))
    assert (licence["材料名称"], licence["来源渠道"], licence["免提交"]) == (
        "营业执照",
        "政府部门核发",
        "Y",
    )
    bundles = _sheet(data, "一件事")
    assert [r[1:4] for r in bundles[1:]] == [
        ("开店一件事", 1, "临时居民身份证申领"),
        ("开店一件事", 2, "食品经营许可（新办）"),
    ]
    assert _sheet(data, "说明")[0][:2] == ("工作表", "列名")


def test_export_is_limited_to_the_scope(world: CatalogWorld):
    build_catalogue(world)

    clerk_export = _sheet(catalog_export(user=world.clerk.user), "事项")
    assert [r[1] for r in clerk_export[1:]] == ["县市场监督管理局"]
    # A bundle naming items outside the export is left out.
    assert len(_sheet(catalog_export(user=world.clerk.user), "一件事")) == 1

    reviewer_all = _sheet(catalog_export(user=world.reviewer.user), "事项")
    assert len(reviewer_all) == 3
    one = _sheet(catalog_export(user=world.reviewer.user, department=world.other), "事项")
    assert [r[1] for r in one[1:]] == ["县公安局"]


def test_the_template_imports_as_it_is_and_every_column_is_documented(world: CatalogWorld):
    template = import_template()
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    assert workbook.sheetnames == [
        "事项",
        "申请材料",
        "办理流程",
        "特别程序",
        "中介服务",
        "一件事",
        "说明",
    ]
    assert workbook["事项"].max_row == 2  # header + one example row

    # The example row is the world's food-licence item (its base code exists): it imports.
    result = catalog_import(files=[("模板.xlsx", template)], actor=world.clerk.user)

    assert result.errors == []
    assert result.created == 1
    item = ServiceItem.objects.get()
    assert item.base == world.base
    version = item.versions.get()
    assert [m.name for m in version.materials.all()] == ["食品经营许可申请书", "营业执照"]

    docs = DOCS.read_text(encoding="utf-8")
    missing = [
        f"{spec.title}/{column.label}"
        for spec in SHEETS
        for column in spec.columns
        if f"| {column.label} |" not in docs
    ]
    assert missing == []


FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)"]


def _worksheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(
            archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")
        )


def test_formula_like_catalogue_text_is_exported_as_text_and_round_trips(world: CatalogWorld):
    rows = [HEADER, *(row(name) for name in FORMULAS)]
    assert catalog_import(files=[("公式.csv", csv_bytes(rows))]).created == 4
    # Tab and carriage return are stripped from cells on import; a service may still store them.
    version = ServiceItemVersion.objects.get(name="+1")
    services.version_update(
        version=version, elements={"conditions": "\t=1", "location": "\r=1"}, actor=None
    )

    data = catalog_export()

    assert "<f>" not in _worksheet_xml(data)
    sheet = openpyxl.load_workbook(io.BytesIO(data))["事项"]
    header = [c.value for c in sheet[1]]
    cells = {
        sheet.cell(row=r, column=header.index("事项名称") + 1).value: r
        for r in range(2, sheet.max_row + 1)
    }
    assert set(cells) == set(FORMULAS)
    for name, r in cells.items():
        cell = sheet.cell(row=r, column=header.index("事项名称") + 1)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (name, "s", True)
    plus = cells["+1"]
    # An XML reader may give the CR back as LF (the standard library's) or keep it (lxml's,
    # which openpyxl uses when it is installed): either way the cell is text, not a formula.
    for column, value in (("受理条件", "\t=1"), ("办理地点", "\n=1")):
        cell = sheet.cell(row=plus, column=header.index(column) + 1)
        assert (cell.value.replace("\r", "\n"), cell.data_type) == (value, "s")

    # The export imports back unchanged, as xlsx and as CSV written with the OWASP prefix
    # (after clearing the tab and CR, which the import strips as it strips every cell).
    services.version_update(
        version=version, elements={"conditions": "", "location": ""}, actor=None
    )
    data = catalog_export()
    sheet = openpyxl.load_workbook(io.BytesIO(data))["事项"]
    assert catalog_import(files=[("export.xlsx", data)]).unchanged == 4
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    buffer = io.StringIO()
    SafeCsvWriter(buffer, lineterminator="\r\n").writerows(values)
    text = buffer.getvalue()
    assert "'=HYPERLINK" in text and "'+1" in text and "'@SUM(A1)" in text
    again = catalog_import(files=[("export.csv", text.encode())])
    assert again.errors == [] and (again.unchanged, again.updated) == (4, 0)
    assert ServiceItemVersion.objects.filter(name__in=FORMULAS).count() == 4


def test_the_template_offers_the_element_choices_and_explains_the_old_columns(db):
    workbook = openpyxl.load_workbook(io.BytesIO(import_template()))
    sheet = workbook["事项"]
    header = [c.value for c in sheet[1]]
    assert "跨省通办" not in header and "省内通办" not in header  # read on import only
    lists = {}
    for validation in sheet.data_validations.dataValidation:
        letter, _ = coordinate_from_string(str(validation.sqref).split(":")[0])
        lists[header[column_index_from_string(letter) - 1]] = validation.formula1.strip('"').split(
            ","
        )
    assert lists["网上办理深度"] == [
        "一级（网上公开办事信息）",
        "二级（网上下载表格、预约）",
        "三级（网上预审、网上受理）",
        "四级（全程网办）",
    ]
    assert lists["通办范围"] == ["全国通办", "跨省通办", "省内通办", "市内通办", "县内通办"]
    assert lists["实施主体性质"] == ["法定机关", "授权组织", "受委托组织"]
    assert lists["审批结果类型"] == ["证照", "批文", "其他"]
    assert lists["服务对象"][0] == "自然人"
    assert lists["是否支持网上支付"] == ["Y", "N"]
    assert "委托部门" not in lists  # free text
    assert workbook["中介服务"].max_row == 1
    assert [c.value for c in workbook["中介服务"][1]] == [
        "实施部门",
        "事项名称",
        "业务办理项类型",
        "序号",
        "中介服务名称",
        "是否必需",
        "是否收费",
        "收费依据/标准",
    ]
    explained = {row[1]: row[3] for row in workbook["说明"].iter_rows(values_only=True) if row[1]}
    assert "旧格式" in explained["跨省通办"] and "通办范围" in explained["跨省通办"]
    assert "受委托组织" in explained["委托部门"]


def test_export_writes_the_element_labels_and_the_intermediaries(world: CatalogWorld):
    build_catalogue(world)
    data = catalog_export()

    items = _sheet(data, "事项")
    food = dict(
        zip(items[0], next(r for r in items[1:] if r[2] == "食品经营许可（新办）"), strict=True)
    )
    assert "跨省通办" not in food and "省内通办" not in food
    assert food["网上办理深度"] == "四级（全程网办）"
    assert food["通办范围"] == "跨省通办"
    assert food["服务对象"] == "法人（企业法人/事业法人/社会组织法人）、自然人"
    assert (food["行使层级"], food["实施主体性质"], food["权力来源"]) == (
        "县级",
        "受委托组织",
        "上级委托",
    )
    assert food["结果送达方式"] == "窗口领取、邮寄送达、电子送达（网上下载）"
    assert (food["审批结果类型"], food["审批结果名称"]) == ("证照", "《食品经营许可证》")
    assert (food["是否支持网上支付"], food["物流快递"], food["进驻大厅"]) == ("Y", "Y", "Y")
    other = dict(
        zip(items[0], next(r for r in items[1:] if r[2] == "临时居民身份证申领"), strict=True)
    )
    # Not yet stated: blank, not a made-up value.
    assert (other["服务对象"], other["实施主体性质"], other["通办范围"]) == (None, None, "县内通办")
    intermediaries = _sheet(data, "中介服务")
    assert [r[4:8] for r in intermediaries[1:]] == [
        (1, "食品检验", "Y", "Y"),
        (2, "场所平面图绘制", "N", "N"),
    ]
