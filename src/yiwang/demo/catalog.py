"""The demo county's catalogue: data/service_items.csv (159 items, 31 bodies, with the national
implementation list's elements under their Chinese headers), data/intermediaries.csv (the
中介服务 the items' laws ask for) and data/bundles.csv (7 bundles), claimed, compiled, reviewed
and published through the catalogue services so that every record carries its adjustment log
and audit events. Idempotent.

The element columns use the import format's headers and values (docs/catalog-import.md), so the
files import as they are; they are parsed here with the import's own choice tables."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from yiwang.catalog import services as catalog
from yiwang.catalog.fields import DeliveryMethod, ServiceObject
from yiwang.catalog.models import BaseItem, Bundle, ItemType, ServiceItem
from yiwang.catalog.search.records import situations
from yiwang.catalog.transfer import rows as cells
from yiwang.catalog.transfer.spec import normalize_header
from yiwang.org.models import Department, Window, WindowKind

from . import county as c

TYPE_BY_LABEL = {label: value for value, label in ItemType.choices}
TYPE_CODE = {value: i for i, value in enumerate(ItemType.values, start=1)}

# Items whose applicant is usually a legal person (the rest are for natural persons).
_ENTERPRISE_RE = re.compile(
    r"公司|企业|个体工商户|经营|合作社|单位|工程|项目|运输|广告|排污|取水|施工|药品|医疗器械|"
    r"特种设备|消防|发票|纳税|公章|备案|招牌|建筑|食品"
)
# Materials issued by a government body (so they can be fetched instead of submitted).
_GOVERNMENT_ISSUED = re.compile(
    r"^(居民身份证|居民户口簿|营业执照.*|不动产权证书|结婚证|离婚证|出生医学证明|社会保障卡|"
    r"食品经营许可证.*|残疾人证|机动车行驶证|机动车驾驶证|原居民身份证|户口簿)$"
)
# Of those, the ones the county can already fetch from shared licences/data (免提交).
_SHARED = re.compile(
    r"^(居民身份证|营业执照.*|居民户口簿|户口簿|不动产权证书|结婚证|出生医学证明)$"
)

FormField = dict[str, object]
PERSON_FIELDS: list[FormField] = [
    {"key": "applicant_name", "label": "申请人姓名", "type": "text"},
    {"key": "applicant_id_number", "label": "申请人身份证号码", "type": "id_number"},
    {"key": "applicant_phone", "label": "联系电话", "type": "phone"},
    {"key": "applicant_address", "label": "联系地址", "type": "text"},
]
ENTERPRISE_FIELDS: list[FormField] = [
    {"key": "entity_name", "label": "单位名称", "type": "text"},
    # A business not yet registered (设立登记 is under way) has no code yet.
    {
        "key": "entity_uscc",
        "label": "统一社会信用代码",
        "type": "uscc",
        "applicant_types": ["registered"],
    },
    {"key": "legal_representative", "label": "法定代表人", "type": "text"},
    {"key": "contact_name", "label": "联系人", "type": "text"},
    {"key": "applicant_phone", "label": "联系电话", "type": "phone"},
    {"key": "business_address", "label": "经营场所地址", "type": "text"},
]
_EXTRA_FIELDS: list[tuple[re.Pattern[str], FormField]] = [
    (
        re.compile(r"房|不动产|过户|契税"),
        {"key": "property_address", "label": "不动产坐落", "type": "text"},
    ),
    (re.compile(r"车|驾驶"), {"key": "vehicle_plate", "label": "号牌号码", "type": "text"}),
    (re.compile(r"出生|新生儿"), {"key": "newborn_name", "label": "新生儿姓名", "type": "text"}),
    (
        re.compile(r"用电|用水|用气|电视|宽带"),
        {"key": "utility_account", "label": "户号", "type": "text"},
    ),
    (
        re.compile(r"工程|建设|施工|规划"),
        {"key": "project_name", "label": "项目名称", "type": "text"},
    ),
]
# The form fields an item whose result is a licence (审批结果名称) asks for, so that its
# approved cases can issue it: each licence field of the demo types (demo.licenses) names one
# of these keys as its source. A key the item's form already has is not added again.
BUSINESS_ADDRESS: FormField = ENTERPRISE_FIELDS[-1]
BUSINESS_SCOPE: FormField = {"key": "business_scope", "label": "经营范围", "type": "textarea"}
_RESULT_FIELDS: dict[str, list[FormField]] = {
    "《营业执照》": [
        {"key": "business_type", "label": "主体类型", "type": "text"},
        BUSINESS_SCOPE,
        BUSINESS_ADDRESS,
    ],
    "《食品经营许可证》": [
        BUSINESS_ADDRESS,
        {"key": "food_business_form", "label": "主体业态", "type": "text"},
        {"key": "food_items", "label": "经营项目", "type": "text", "required": False},
    ],
    "《公共场所卫生许可证》": [
        BUSINESS_ADDRESS,
        {"key": "permitted_items", "label": "许可项目", "type": "text"},
    ],
    "《药品经营许可证》": [
        {"key": "drug_business_mode", "label": "经营方式", "type": "text"},
        BUSINESS_SCOPE,
        BUSINESS_ADDRESS,
    ],
    "《不动产权证书》": [
        {"key": "property_address", "label": "不动产坐落", "type": "text"},
        {"key": "property_use", "label": "用途", "type": "text"},
        {"key": "property_area", "label": "面积", "type": "text"},
        {"key": "property_right", "label": "权利性质", "type": "text", "required": False},
    ],
    "《道路运输经营许可证》": [BUSINESS_SCOPE],
    "《出生医学证明》": [
        {"key": "newborn_sex", "label": "新生儿性别", "type": "text"},
        {"key": "newborn_birth_date", "label": "出生日期", "type": "date"},
        {"key": "birth_place", "label": "出生地点", "type": "text"},
    ],
}
# What the demo's applications write in those fields (demo.cases; the rest get a generic
# value by type), so a licence issued on a demo case reads like one.
DEMO_FORM_VALUES: dict[str, str] = {
    "business_type": "有限责任公司（自然人投资或控股）",
    "business_scope": "日用百货零售；餐饮服务",
    "food_business_form": "餐饮服务经营者",
    "food_items": "热食类食品制售",
    "permitted_items": "住宿、公共浴室",
    "drug_business_mode": "零售",
    "property_use": "城镇住宅用地/住宅",
    "property_area": "98.5 平方米",
    "property_right": "出让/商品房",
    "newborn_sex": "女",
    "birth_place": "示范县人民医院",
}


@dataclass(frozen=True)
class DemoItem:
    department: str
    name: str
    item_type: str
    legal_days: int
    promised_days: int
    visits: int
    online: str
    instant: bool
    cross_province: bool
    materials: list[str]
    # The laws and regulations the item rests on, and who may apply under which conditions.
    legal_basis: str
    conditions: str
    # The national implementation list's elements (stored values, see catalog.fields).
    service_objects: list[str]
    exercise_level: str
    body_nature: str
    entrusting_department: str
    joint_bodies: str
    power_source: str
    quantity_limit: str
    result_type: str
    result_name: str
    delivery_methods: list[str]
    online_depth: int
    online_payment: bool
    express_delivery: bool
    appointment: bool
    in_hall: bool
    service_scope: str
    fee: tuple[str, str] | None  # (收费标准, 收费依据) when the item charges a fee
    location: str  # where, when not the county hall (进驻大厅 N)


@dataclass(frozen=True)
class DemoIntermediary:
    department: str
    item: str
    name: str
    required: bool
    charged: bool
    fee_basis: str


def _one(options: dict[str, str], label: str, row: dict[str, str]) -> str:
    value = options.get(normalize_header(row[label]))
    if value is None:
        raise ValueError(
            f"service_items.csv：{row['name']}的“{label}”为“{row[label]}”，不是可选值。"
        )
    return value


def _many(options: dict[str, str], choices: Any, label: str, row: dict[str, str]) -> list[str]:
    chosen = {_one(options, label, {**row, label: t}) for t in re.split(r"[、；]", row[label])}
    return [v for v in choices.values if v in chosen]


def _demo_item(row: dict[str, str]) -> DemoItem:
    return DemoItem(
        department=row["department"],
        name=row["name"],
        item_type=TYPE_BY_LABEL[row["item_type"]],
        legal_days=int(row["legal_days"]),
        promised_days=int(row["promised_days"]),
        visits=int(row["onsite_visits"]),
        online=row["online"],
        instant=row["instant"] == "Y",
        cross_province=row["cross_province"] == "Y",
        materials=[m.strip() for m in row["materials"].split("；") if m.strip()],
        legal_basis=row["legal_basis"],
        conditions=row["conditions"],
        service_objects=_many(cells.SERVICE_OBJECT_CHOICES, ServiceObject, "服务对象", row),
        exercise_level=_one(cells.EXERCISE_LEVEL_CHOICES, "行使层级", row),
        body_nature=_one(cells.BODY_NATURE_CHOICES, "实施主体性质", row),
        entrusting_department=row["委托部门"],
        joint_bodies=row["联办机构"],
        power_source=_one(cells.POWER_SOURCE_CHOICES, "权力来源", row),
        quantity_limit=row["数量限制"],
        result_type=_one(cells.RESULT_TYPE_CHOICES, "审批结果类型", row),
        result_name=row["审批结果名称"],
        delivery_methods=_many(cells.DELIVERY_CHOICES, DeliveryMethod, "结果送达方式", row),
        online_depth=int(_one(cells.DEPTH_CHOICES, "网上办理深度", row)),
        online_payment=row["是否支持网上支付"] == "Y",
        express_delivery=row["物流快递"] == "Y",
        appointment=row["预约办理"] == "Y",
        in_hall=row["进驻大厅"] == "Y",
        service_scope=_one(cells.SCOPE_CHOICES, "通办范围", row),
        fee=(row["收费标准"], row["收费依据"]) if row["是否收费"] == "Y" else None,
        location=row["办理地点"],
    )


def demo_items() -> list[DemoItem]:
    with (
        resources.files("yiwang.demo")
        .joinpath("data/service_items.csv")
        .open(encoding="utf-8") as fh
    ):
        return [_demo_item(row) for row in csv.DictReader(fh)]


def demo_intermediaries() -> dict[tuple[str, str], list[DemoIntermediary]]:
    """data/intermediaries.csv by (department, item), in the file's order."""
    found: dict[tuple[str, str], list[DemoIntermediary]] = {}
    with (
        resources.files("yiwang.demo")
        .joinpath("data/intermediaries.csv")
        .open(encoding="utf-8") as fh
    ):
        for row in csv.DictReader(fh):
            entry = DemoIntermediary(
                department=row["实施部门"],
                item=row["事项名称"],
                name=row["中介服务名称"],
                required=row["是否必需"] == "Y",
                charged=row["是否收费"] == "Y",
                fee_basis=row["收费依据/标准"],
            )
            found.setdefault((entry.department, entry.item), []).append(entry)
    return found


def demo_bundles() -> dict[str, dict[int, list[str]]]:
    bundles: dict[str, dict[int, list[str]]] = {}
    with resources.files("yiwang.demo").joinpath("data/bundles.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            bundles.setdefault(row["bundle"], {}).setdefault(int(row["stage"]), []).append(
                row["item"]
            )
    return bundles


def demo_bundle_leads() -> dict[str, str]:
    """Each bundle's lead department (牵头部门), as bundles.csv names it."""
    with resources.files("yiwang.demo").joinpath("data/bundles.csv").open(encoding="utf-8") as fh:
        return {row["bundle"]: row["lead_department"] for row in csv.DictReader(fh)}


def base_code(item: DemoItem, department_index: int, sequence: int) -> str:
    """Demo base-catalogue code: type (2) + department (3) + sequence (3) + 000."""
    return f"{TYPE_CODE[item.item_type]:02d}{department_index:03d}{sequence:03d}000"


def is_enterprise_item(name: str) -> bool:
    return bool(_ENTERPRISE_RE.search(name))


def form_fields(name: str, result_name: str = "") -> list[FormField]:
    """An item's application form: the applicant's fields, those its name calls for, and those
    the licence it results in (`result_name`, 审批结果名称) is filled from."""
    fields = list(ENTERPRISE_FIELDS if is_enterprise_item(name) else PERSON_FIELDS)
    if name.endswith("设立登记"):
        # Registering the business: it has no 统一社会信用代码 and no 法定代表人 yet; the
        # founder applies as a person.
        fields = [f for f in fields if f["key"] not in ("entity_uscc", "legal_representative")]
        fields[1:1] = PERSON_FIELDS[:2]
    fields += [extra for pattern, extra in _EXTRA_FIELDS if pattern.search(name)]
    for extra in _RESULT_FIELDS.get(result_name, []):
        if extra["key"] not in {f["key"] for f in fields}:
            fields.append(extra)
    return fields


def material_rows(item: DemoItem) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for name in item.materials:
        government = bool(_GOVERNMENT_ISSUED.match(name))
        rows.append(
            {
                "name": name,
                "original_or_copy": "original" if government or "申请" in name else "copy",
                "count": 1,
                "medium": "both",
                "source": "government" if government else "applicant",
                "issuing_body": "政府部门" if government else "",
                "required": True,
                "exempt": bool(_SHARED.match(name)),
                # Supporting proofs may follow within the deferral period (容缺受理).
                "deferrable": "证明" in name and not government,
            }
        )
    return rows


def steps(item: DemoItem) -> list[dict[str, object]]:
    if item.instant:
        return [{"name": "受理并办结", "role": "窗口工作人员", "limit_days": 0}]
    review = max(item.promised_days - 2, 0)
    return [
        {"name": "受理", "role": "窗口工作人员", "limit_days": 1 if item.promised_days else 0},
        {"name": "审查", "role": "审批人员", "limit_days": review},
        {"name": "决定", "role": "审批人员", "limit_days": 1 if item.promised_days > 1 else 0},
        {"name": "送达", "role": "窗口工作人员", "limit_days": 0},
    ]


def intermediary_rows(entries: list[DemoIntermediary]) -> list[dict[str, object]]:
    return [
        {"name": e.name, "required": e.required, "charged": e.charged, "fee_basis": e.fee_basis}
        for e in entries
    ]


def elements(item: DemoItem, location: str, phone: str) -> dict[str, object]:
    forms = {"全程网办": ["online", "window"], "网上预审": ["online", "window"]}.get(
        item.online, ["window"]
    )
    if item.visits == 0 and "online" in forms:
        forms.append("express")
    return {
        "legal_limit": item.legal_days,
        "promised_limit": 0 if item.instant else item.promised_days,
        "handling_kind": "instant" if item.instant else "promised",
        "visits": item.visits,
        "handling_forms": forms,
        "fully_online": item.online == "全程网办",
        "commitment_based": False,
        "conditions": item.conditions,
        # Handled in the county hall unless the list says where (婚姻登记处, 助产机构 …).
        "location": item.location or location,
        "has_fee": item.fee is not None,
        "fee_standard": item.fee[0] if item.fee else "",
        "fee_basis": item.fee[1] if item.fee else "",
        "service_objects": item.service_objects,
        "exercise_level": item.exercise_level,
        "body_nature": item.body_nature,
        "entrusting_department": item.entrusting_department,
        "joint_bodies": item.joint_bodies,
        "power_source": item.power_source,
        "quantity_limit": item.quantity_limit,
        "result_type": item.result_type,
        "result_name": item.result_name,
        "delivery_methods": item.delivery_methods,
        "online_depth": item.online_depth,
        "online_payment": item.online_payment,
        "express_delivery": item.express_delivery,
        "appointment": item.appointment,
        "in_hall": item.in_hall,
        "service_scope": item.service_scope,
        "hours": "工作日 8:30-12:00，14:30-17:30；周六上午延时服务",
        "consult_phone": phone,
        "complaint_channel": "12345 政务服务便民热线；示范县政务服务中心办不成事反映窗口",
        "form_fields": form_fields(item.name, item.result_name),
        # The guided search's 生活场景, from the shipped table (catalog data/situations.csv).
        "situations": " ".join(situations().get(item.name, ())),
    }


def _location(department: Department, windows: dict[str, Window]) -> str:
    dedicated = windows.get(department.name)
    if dedicated is not None:
        return f"示范县政务服务中心（人民路 88 号）{dedicated.number} 号窗口（{dedicated.name}）"
    return "示范县政务服务中心（人民路 88 号）综合受理窗口 01–06 号"


Progress = Callable[[int], None]


def seed_catalog(progress: Progress | None = None) -> dict[str, int]:
    """Load, compile and publish the demo items and bundles that are not there yet."""
    tick = progress or (lambda n: None)
    created = {"事项": 0, "一件事": 0}
    departments = {d.name: d for d in Department.objects.select_related("region")}
    windows = {
        w.department.name: w
        for w in Window.objects.filter(
            kind=WindowKind.DEDICATED, hall__level="county"
        ).select_related("department")
        if w.department is not None
    }
    body_index = {name: i for i, name in enumerate(c.county_departments())}
    sequence: dict[str, int] = {}
    by_name: dict[str, ServiceItem] = {}
    intermediaries = demo_intermediaries()
    for demo in demo_items():
        department = departments[demo.department]
        sequence[demo.department] = sequence.get(demo.department, 0) + 1
        code = base_code(demo, body_index[demo.department], sequence[demo.department])
        base = BaseItem.objects.filter(code=code).first() or catalog.base_item_create(
            code=code,
            name=demo.name,
            item_type=demo.item_type,
            competent_department=department.name.removeprefix("县"),
            implementing_body=department.name,
            legal_basis=demo.legal_basis,
        )
        item = ServiceItem.objects.filter(base=base, department=department).first()
        if item is None:
            item = catalog.item_claim(base=base, department=department, region=department.region)
            version = item.versions.get()
            phone = "0550-12345"
            catalog.version_update(
                version=version,
                elements=elements(demo, _location(department, windows), phone),
                materials=material_rows(demo),
                steps=steps(demo),
                intermediaries=intermediary_rows(
                    intermediaries.get((demo.department, demo.name), [])
                ),
                reason="示范县首次编制",
            )
            catalog.version_submit(version=version)
            catalog.version_approve(version=version, comment="演示数据审核通过")
            catalog.version_publish(version=version)
            created["事项"] += 1
        by_name[demo.name] = item
        tick(1)
    leads = demo_bundle_leads()
    for index, (name, stages) in enumerate(demo_bundles().items(), start=1):
        if Bundle.objects.filter(name=name).exists():
            continue
        bundle = catalog.bundle_create(
            code=f"YJS{index:03d}",
            name=name,
            lead_department=departments[leads[name]],
            summary=f"{name}：一次告知、一表申请、一套材料、一窗（端）受理、一网办理。",
            situations=" ".join(situations().get(name, ())),
            stages=[[by_name[item] for item in stages[order]] for order in sorted(stages)],
        )
        catalog.bundle_publish(bundle=bundle)
        created["一件事"] += 1
    return created


CATALOG_STEPS = len(demo_items())
