"""The demo county's licences (电子证照).

First a few for the demo citizen 张三 and the demo company: three licence types (市场监管局's
营业执照 and 食品经营许可证, 卫健委's 公共场所卫生许可证), a seal key for each issuing
department, the licences issued and sealed through licenses.services, one of them revoked.

Then the county's registry: more types across several departments (codes: the department's
USCC + a sequence; most in the national catalogue) and 300 licences of made-up residents and
enterprises — deterministic (registry_rows), some revoked, cancelled or withdrawn with their
reasons, some expired, those of four types gathered (部门归集) from the departments' own
systems with their numbers there — and the links that make auto-issue and 免提交 show: the
items whose result is the licence (LicenseType.items) and the material names a licence stands
in for (LicenseMaterial), through licenses.services. Each part once only: skipped when its
types exist."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass

from yiwang.common.personal import PersonalValue
from yiwang.common.validators import id_number_with_check, uscc_with_check
from yiwang.licenses import services
from yiwang.licenses.models import HolderKind, LicenseOrigin, LicenseStatus, LicenseType
from yiwang.licenses.selectors import current_seal_key
from yiwang.org.models import Applicant, Department

from . import county as c

MARKET = "县市场监督管理局"
HEALTH = "县卫生健康委员会"
# Each licence field names the case's form field it is issued from (licenses.issuing): the
# keys demo.catalog gives the items whose result is the licence (_RESULT_FIELDS). The types
# no demo item produces (建筑业企业资质证书, 残疾人证) have none.
ADDRESS = "form:business_address"  # 经营场所地址
SCOPE = "form:business_scope"

# (department, sequence, name, national, fields)
TYPES: tuple[tuple[str, str, str, bool, list[dict[str, object]]], ...] = (
    (
        MARKET,
        "001",
        "营业执照",
        True,
        [
            {"name": "类型", "kind": "text", "required": True, "source": "form:business_type"},
            {"name": "经营范围", "kind": "text", "required": True, "source": SCOPE},
            {"name": "住所", "kind": "text", "required": True, "source": ADDRESS},
        ],
    ),
    (
        MARKET,
        "002",
        "食品经营许可证",
        True,
        [
            {"name": "经营场所", "kind": "text", "required": True, "source": ADDRESS},
            {
                "name": "主体业态",
                "kind": "text",
                "required": True,
                "source": "form:food_business_form",
            },
            {"name": "经营项目", "kind": "text", "required": False, "source": "form:food_items"},
        ],
    ),
    (
        HEALTH,
        "001",
        "公共场所卫生许可证",
        False,
        [
            {"name": "经营场所", "kind": "text", "required": True, "source": ADDRESS},
            {
                "name": "许可项目",
                "kind": "text",
                "required": True,
                "source": "form:permitted_items",
            },
        ],
    ),
)


def _demo_applicants() -> tuple[Applicant | None, Applicant | None]:
    from yiwang.common.personal import personal_hash

    hashes = [personal_hash("phone", m) for _, _, m, _, _ in c.CITIZEN_SIGN_INS]
    found = list(Applicant.objects.filter(phone_hash__in=hashes))
    person = next((a for a in found if a.kind == "person"), None)
    company = next((a for a in found if a.kind == "legal_person"), None)
    return person, company


def seed_licenses() -> dict[str, int]:
    report = _seed_demo_holders()
    for what, n in seed_license_registry().items():
        report[what] = report.get(what, 0) + n
    return report


def _seed_demo_holders() -> dict[str, int]:
    person, company = _demo_applicants()
    if person is None or company is None:
        return {}
    departments = {d.name: d for d in Department.objects.filter(name__in=[MARKET, HEALTH])}
    if len(departments) < 2 or LicenseType.objects.filter(department__in=departments.values()):
        return {}
    for department in departments.values():
        if current_seal_key(department) is None:
            services.seal_key_rotate(department=department, reason="示范县签章密钥")
    kinds = {
        name: services.license_type_create(
            code=departments[dept].uscc + seq,
            name=name,
            department=departments[dept],
            national=national,
            fields=fields,
        )
        for dept, seq, name, national, fields in TYPES
    }
    # The services take the clear number (they seal it masked).
    number: object = person.id_number
    person_id = number.reveal() if isinstance(number, PersonalValue) else str(number)
    start = dt.date(2025, 3, 2)
    issued = [
        services.license_issue(
            license_type=kinds["营业执照"],
            holder_kind=HolderKind.PERSON,
            holder_name=person.name,
            holder_id_number=person_id,
            fields={
                "类型": "个体工商户",
                "经营范围": "日用百货零售",
                "住所": "示范县城关镇人民路 8 号",
            },
            valid_from=start,
            applicant=person,
        ),
        services.license_issue(
            license_type=kinds["食品经营许可证"],
            holder_kind=HolderKind.PERSON,
            holder_name=person.name,
            holder_id_number=person_id,
            fields={"经营场所": "示范县城关镇人民路 8 号", "主体业态": "食品销售经营者"},
            valid_from=start,
            valid_until=start.replace(year=start.year + 5) - dt.timedelta(days=1),
            applicant=person,
        ),
        services.license_issue(
            license_type=kinds["营业执照"],
            holder_kind=HolderKind.ENTERPRISE,
            holder_name=company.name,
            holder_uscc=company.uscc,
            fields={
                "类型": "有限责任公司（自然人投资或控股）",
                "经营范围": "餐饮服务；食品销售",
                "住所": "示范县城关镇和平路 18 号",
            },
            valid_from=dt.date(2024, 6, 18),
            applicant=company,
        ),
        services.license_issue(
            license_type=kinds["食品经营许可证"],
            holder_kind=HolderKind.ENTERPRISE,
            holder_name=company.name,
            holder_uscc=company.uscc,
            fields={
                "经营场所": "示范县城关镇和平路 18 号",
                "主体业态": "餐饮服务经营者",
                "经营项目": "热食类食品制售",
            },
            valid_from=dt.date(2024, 7, 1),
            valid_until=dt.date(2029, 6, 30),
            applicant=company,
        ),
    ]
    health = services.license_issue(
        license_type=kinds["公共场所卫生许可证"],
        holder_kind=HolderKind.ENTERPRISE,
        holder_name=company.name,
        holder_uscc=company.uscc,
        fields={"经营场所": "示范县城关镇和平路 18 号", "许可项目": "餐饮包间"},
        valid_from=dt.date(2024, 7, 5),
        valid_until=dt.date(2028, 7, 4),
        applicant=company,
    )
    services.license_revoke(license=health, reason="经营场所已变更，原许可撤销")
    return {"证照类型": len(kinds), "电子证照": len(issued) + 1, "已撤销证照": 1}


# --- The county's registry ------------------------------------------------------------------

BUILDING = "县住房和城乡建设局"
LAND = "县自然资源和规划局"
DISABLED = "县残疾人联合会"
TRANSPORT = "县交通运输局"

# (department, sequence, name, national, fields, holder kind, how many, years valid or None)
REGISTRY_TYPES: tuple[
    tuple[str, str, str, bool, list[dict[str, object]], str, int, int | None], ...
] = (
    (
        MARKET,
        "003",
        "药品经营许可证",
        True,
        [
            {
                "name": "经营方式",
                "kind": "text",
                "required": True,
                "source": "form:drug_business_mode",
            },
            {"name": "经营范围", "kind": "text", "required": True, "source": SCOPE},
            {"name": "注册地址", "kind": "text", "required": True, "source": ADDRESS},
        ],
        HolderKind.ENTERPRISE,
        15,
        5,
    ),
    (
        HEALTH,
        "002",
        "出生医学证明",
        True,
        [
            {"name": "性别", "kind": "text", "required": True, "source": "form:newborn_sex"},
            {
                "name": "出生日期",
                "kind": "date",
                "required": True,
                "source": "form:newborn_birth_date",
            },
            {"name": "出生地点", "kind": "text", "required": True, "source": "form:birth_place"},
        ],
        HolderKind.PERSON,
        50,
        None,
    ),
    (
        BUILDING,
        "001",
        "建筑业企业资质证书",
        True,
        [
            {"name": "资质类别及等级", "kind": "text", "required": True},
            {"name": "注册资本（万元）", "kind": "integer", "required": False},
        ],
        HolderKind.ENTERPRISE,
        15,
        5,
    ),
    (
        DISABLED,
        "001",
        "残疾人证",
        True,
        [
            {"name": "残疾类别", "kind": "text", "required": True},
            {"name": "残疾等级", "kind": "text", "required": True},
        ],
        HolderKind.PERSON,
        25,
        10,
    ),
    (
        LAND,
        "001",
        "不动产权证书",
        True,
        [
            {"name": "坐落", "kind": "text", "required": True, "source": "form:property_address"},
            {"name": "用途", "kind": "text", "required": True, "source": "form:property_use"},
            {"name": "面积", "kind": "text", "required": True, "source": "form:property_area"},
            {
                "name": "权利性质",
                "kind": "text",
                "required": False,
                "source": "form:property_right",
            },
        ],
        HolderKind.PERSON,
        55,
        None,
    ),
    (
        TRANSPORT,
        "001",
        "道路运输经营许可证",
        False,
        [{"name": "经营范围", "kind": "text", "required": True, "source": SCOPE}],
        HolderKind.ENTERPRISE,
        20,
        4,
    ),
)
# More licences of the first part's types: (name, how many, years valid or None).
MORE_OF = (("营业执照", 60, None), ("食品经营许可证", 40, 5), ("公共场所卫生许可证", 20, 4))
# Material names (as the demo items' guides write them) → the type that stands in for them.
MATERIAL_LINKS = (
    ("营业执照", "营业执照"),
    ("食品经营许可证正副本", "食品经营许可证"),
    ("不动产权证书", "不动产权证书"),
    ("残疾人证", "残疾人证"),
)
# Every n-th licence ends early, in turn with one of these (status, reason).
ENDED_EVERY = 14
ENDINGS = (
    (LicenseStatus.REVOKED, "申请材料不实，依法撤销许可"),
    (LicenseStatus.CANCELLED, "持证主体申请注销"),
    (LicenseStatus.WITHDRAWN, "违法经营被依法吊销"),
    (LicenseStatus.REVOKED, "登记事项有误，撤销后重新核发"),
)
EXPIRED_REASON = "有效期届满未延续，证照失效"
# A fixed day, not today, so the registry is the same whenever it is seeded.
EXPIRED_BEFORE = dt.date(2026, 1, 1)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰建国红梅志文海燕晓东春"
_SHOPS = [
    "禾丰",
    "瑞祥",
    "顺达",
    "鸿运",
    "金穗",
    "佳和",
    "永盛",
    "恒源",
    "万家",
    "福临",
    "兴隆",
    "宏远",
    "同心",
    "和美",
    "丰泽",
    "新城",
]
_TRADES = {
    "营业执照": ("商贸有限公司", "日用百货、五金交电零售", "有限责任公司（自然人投资或控股）"),
    "食品经营许可证": ("餐饮有限公司", "热食类食品制售", "餐饮服务经营者"),
    "公共场所卫生许可证": ("酒店管理有限公司", "住宿、公共浴室", ""),
    "药品经营许可证": ("大药房有限公司", "中成药、化学药制剂、抗生素制剂", "零售"),
    "建筑业企业资质证书": ("建筑工程有限公司", "建筑工程施工总承包三级", ""),
    "道路运输经营许可证": ("运输有限公司", "道路普通货物运输", ""),
}
_STREETS = ("人民路", "和平路", "建设路", "解放路", "新华街", "文化路", "长江路", "淮河路")
_TOWNS = ("城关镇", "青石镇", "白水镇", "东湖乡", "桃园镇", "柳河镇", "双桥乡", "石门镇")
_DEMO_ID_NUMBERS = {body for _, _, _, body, _ in c.CITIZEN_SIGN_INS}


def _person(rng: random.Random, n: int, *, born: tuple[dt.date, dt.date]) -> tuple[str, str]:
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    while True:
        birth = born[0] + dt.timedelta(days=rng.randrange((born[1] - born[0]).days + 1))
        # 900+ as the sequence never meets the demo sign-ins' numbers.
        body = f"{c.COUNTY_PREFIX}{birth:%Y%m%d}{900 + n % 100:03d}"
        if body not in _DEMO_ID_NUMBERS:
            return name, id_number_with_check(body)


def _enterprise(index: int, kind: str) -> tuple[str, str]:
    # 16 trade names, then the same with a town's name before them: 128 per kind of business.
    town = "" if index < len(_SHOPS) else _TOWNS[index // len(_SHOPS) % len(_TOWNS)][:2]
    name = f"示范县{town}{_SHOPS[index % len(_SHOPS)]}{_TRADES[kind][0]}"
    # 91 (enterprise) + the county + an organisation code (8 + its check) + the USCC's check.
    n = index + 1000 * list(_TRADES).index(kind)
    return name, uscc_with_check(f"91{c.COUNTY_PREFIX}" + c.organisation_code(f"MA2P{n:04d}"))


# Types whose licences the departments' own systems issued and the platform gathered
# (证照归集), with the number format of each system.
GATHERED_NUMBERS = {
    "不动产权证书": "皖（{year}）示范县不动产权第{n:07d}号",
    "出生医学证明": "S34{n:07d}",
    "残疾人证": "CJR{year}{n:05d}",
    "建筑业企业资质证书": "D334{n:06d}",
}


def _source_number(kind: str, n: int, valid_from: dt.date) -> str:
    pattern = GATHERED_NUMBERS.get(kind)
    return pattern.format(year=valid_from.year, n=n + 1) if pattern else ""


def _address(rng: random.Random) -> str:
    return f"示范县{rng.choice(_TOWNS)}{rng.choice(_STREETS)} {rng.randrange(1, 300)} 号"


def _values(kind: str, rng: random.Random, valid_from: dt.date) -> dict[str, object]:
    address = _address(rng)
    trade = _TRADES.get(kind, ("", "", ""))
    if kind == "营业执照":
        return {"类型": trade[2], "经营范围": trade[1], "住所": address}
    if kind == "食品经营许可证":
        return {"经营场所": address, "主体业态": trade[2], "经营项目": trade[1]}
    if kind == "公共场所卫生许可证":
        return {"经营场所": address, "许可项目": trade[1]}
    if kind == "药品经营许可证":
        return {"经营方式": trade[2], "经营范围": trade[1], "注册地址": address}
    if kind == "建筑业企业资质证书":
        return {"资质类别及等级": trade[1], "注册资本（万元）": rng.choice((800, 1200, 2000))}
    if kind == "道路运输经营许可证":
        return {"经营范围": trade[1]}
    if kind == "出生医学证明":
        return {
            "性别": rng.choice(("男", "女")),
            "出生日期": valid_from,
            "出生地点": "示范县人民医院",
        }
    if kind == "残疾人证":
        return {
            "残疾类别": rng.choice(("视力残疾", "听力残疾", "肢体残疾", "言语残疾")),
            "残疾等级": rng.choice(("一级", "二级", "三级", "四级")),
        }
    return {
        "坐落": address,
        "用途": rng.choice(("城镇住宅用地/住宅", "宅基地/住宅")),
        "面积": f"{rng.randrange(60, 180)}.{rng.randrange(10)} 平方米",
        "权利性质": rng.choice(("出让/商品房", "划拨/自建房")),
    }


def _link_items(kinds: dict[str, LicenseType]) -> int:
    """Link each type to the demo items of its department whose result is the licence
    (审批结果名称 《…》): their approved cases issue it (licenses.issuing)."""
    from yiwang.catalog.models import ServiceItem

    linked = 0
    for kind in kinds.values():
        items = ServiceItem.objects.filter(
            department=kind.department,
            published_version__result_name=f"《{kind.name}》",
        ).order_by("code")
        for item in items:
            services.license_type_link_item(license_type=kind, item=item)
            linked += 1
    return linked


@dataclass(frozen=True)
class RegistryRow:
    """One licence of the registry, as the services are given it, and how it ended (if)."""

    type_name: str
    holder_kind: str
    holder_name: str
    holder_id_number: str
    holder_uscc: str
    fields: dict[str, object]
    valid_from: dt.date
    valid_until: dt.date | None
    ending: tuple[str, str] | None  # (status, reason)
    source_number: str = ""  # gathered (部门归集) from the department's own system, if set


def registry_rows() -> list[RegistryRow]:
    """The registry's licences: a pure function of this module (a fixed random seed), so every
    machine and every run seeds the same rows."""
    plan: list[tuple[str, str, int | None]] = [
        (name, holder_kind, years)
        for _, _, name, _, _, holder_kind, count, years in REGISTRY_TYPES
        for _ in range(count)
    ]
    plan += [
        (name, HolderKind.ENTERPRISE, years) for name, count, years in MORE_OF for _ in range(count)
    ]
    rng = random.Random(20261201)
    enterprises: dict[str, int] = {}
    rows: list[RegistryRow] = []
    for n, (name, holder_kind, years) in enumerate(plan):
        if name == "出生医学证明":  # the newborn holds it, from the day of birth
            valid_from = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(6 * 365))
            born = (valid_from, valid_from)
        else:
            valid_from = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(8 * 365))
            born = (dt.date(1950, 1, 1), dt.date(2004, 12, 31))
        valid_until = (
            valid_from.replace(year=valid_from.year + years) - dt.timedelta(days=1)
            if years
            else None
        )
        number = uscc = ""
        if holder_kind == HolderKind.PERSON:
            holder_name, number = _person(rng, n, born=born)
        else:
            index = enterprises.get(name, 0)
            enterprises[name] = index + 1
            holder_name, uscc = _enterprise(index, name)
        ending: tuple[str, str] | None = None
        if valid_until is not None and valid_until < EXPIRED_BEFORE:
            ending = (LicenseStatus.EXPIRED, EXPIRED_REASON)
        elif n % ENDED_EVERY == ENDED_EVERY - 1:
            ending = ENDINGS[(n // ENDED_EVERY) % len(ENDINGS)]
        rows.append(
            RegistryRow(
                type_name=name,
                holder_kind=holder_kind,
                holder_name=holder_name,
                holder_id_number=number,
                holder_uscc=uscc,
                fields=_values(name, rng, valid_from),
                valid_from=valid_from,
                valid_until=valid_until,
                ending=ending,
                source_number=_source_number(name, n, valid_from),
            )
        )
    return rows


def seed_license_registry() -> dict[str, int]:
    """The county's registry (see the module's docstring). Once only: skipped when its first
    type exists, or before the first part (whose types it adds licences to)."""
    departments = {
        d.name: d
        for d in Department.objects.filter(
            name__in={dept for dept, *_ in REGISTRY_TYPES} | {MARKET, HEALTH}
        )
    }
    first = departments.get(REGISTRY_TYPES[0][0])
    if first is None or LicenseType.objects.filter(code=first.uscc + REGISTRY_TYPES[0][1]):
        return {}
    kinds = {
        kind.name: kind for kind in LicenseType.objects.filter(department__in=departments.values())
    }
    if not {name for name, *_ in MORE_OF} <= set(kinds):
        return {}
    created = 0
    for dept, seq, name, national, fields, *_ in REGISTRY_TYPES:
        department = departments.get(dept)
        if department is None:
            continue
        if current_seal_key(department) is None:
            services.seal_key_rotate(department=department, reason="示范县签章密钥")
        kinds[name] = services.license_type_create(
            code=department.uscc + seq,
            name=name,
            department=department,
            national=national,
            fields=fields,
        )
        created += 1
    ended: Counter[str] = Counter()
    issued = 0
    for row in registry_rows():
        kind = kinds.get(row.type_name)
        if kind is None:  # its department is not in this county
            continue
        licence = services.license_issue(
            license_type=kind,
            holder_kind=row.holder_kind,
            holder_name=row.holder_name,
            holder_id_number=row.holder_id_number,
            holder_uscc=row.holder_uscc,
            fields=row.fields,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            origin=LicenseOrigin.GATHERED if row.source_number else LicenseOrigin.ISSUED,
            source_number=row.source_number,
        )
        issued += 1
        if row.ending is not None:
            status, reason = row.ending
            services.license_revoke(license=licence, status=status, reason=reason)
            ended[status] += 1
    linked = _link_items(kinds)
    materials = 0
    from yiwang.catalog.models import Material

    for material_name, kind_name in MATERIAL_LINKS:
        if Material.objects.filter(name=material_name).exists():
            services.license_material_link(
                license_type=kinds[kind_name], material_name=material_name
            )
            materials += 1
    return {
        "证照类型": created,
        "电子证照": issued,
        "已撤销证照": ended[LicenseStatus.REVOKED],
        "已注销或吊销证照": ended[LicenseStatus.CANCELLED] + ended[LicenseStatus.WITHDRAWN],
        "已失效证照": ended[LicenseStatus.EXPIRED],
        "关联证照的事项": linked,
        "免提交材料": materials,
    }
