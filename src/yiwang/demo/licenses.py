"""The demo county's licences (电子证照), a few for the demo citizen 张三 and the demo company:
three licence types (市场监管局's 营业执照 and 食品经营许可证, 卫健委's 公共场所卫生许可证),
a seal key for each issuing department, the licences issued and sealed through
licenses.services, one of them revoked. Once only: skipped when the types exist."""

from __future__ import annotations

import datetime as dt

from yiwang.common.personal import PersonalValue
from yiwang.licenses import services
from yiwang.licenses.models import HolderKind, LicenseType
from yiwang.licenses.selectors import current_seal_key
from yiwang.org.models import Applicant, Department

from . import county as c

MARKET = "县市场监督管理局"
HEALTH = "县卫生健康委员会"

# (department, sequence, name, national, fields)
TYPES: tuple[tuple[str, str, str, bool, list[dict[str, object]]], ...] = (
    (
        MARKET,
        "001",
        "营业执照",
        True,
        [
            {"name": "类型", "kind": "text", "required": True},
            {"name": "经营范围", "kind": "text", "required": True},
            {"name": "住所", "kind": "text", "required": True},
        ],
    ),
    (
        MARKET,
        "002",
        "食品经营许可证",
        True,
        [
            {"name": "经营场所", "kind": "text", "required": True},
            {"name": "主体业态", "kind": "text", "required": True},
            {"name": "经营项目", "kind": "text", "required": False},
        ],
    ),
    (
        HEALTH,
        "001",
        "公共场所卫生许可证",
        False,
        [
            {"name": "经营场所", "kind": "text", "required": True},
            {"name": "许可项目", "kind": "text", "required": True},
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
