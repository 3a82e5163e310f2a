"""The licence figures (电子证照指标), registered with the metric registry in its declarative form
(ADR 0016); docs/metrics.md has every 口径. One aggregate query per figure and breakdown.

Data scope: a licence type and a licence belong to their issuing department (颁发部门); a use
(用证) to the department of the case it was made for; a material and an item to the item's
implementing department, as every catalogue figure (catalog.metrics.counted_items). Licences are
the rows of the registry: each version (延续、变更) is a licence of its own, whatever its status.

Periods: a licence falls in the period of its `issued_at` (a gathered licence: when it was
gathered and sealed here), a use in that of its `used_at`. What describes the registry or the
catalogue as it is now — licence types, licences revoked now, 免提交 materials, 免证办 items — is
a point-in-time figure (records with no date field): asked for a period, it is the current value.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from yiwang.catalog.models import Material, MaterialSource, ServiceItem
from yiwang.insight.periods import Period
from yiwang.insight.registry import Count as DCount
from yiwang.insight.registry import Custom, Metric, Share, register
from yiwang.licenses.exemption import exempt_material_q
from yiwang.licenses.models import (
    License,
    LicenseOrigin,
    LicenseStatus,
    LicenseType,
    LicenseUse,
    UsePurpose,
)
from yiwang.org.scope import DataScope

TYPES = "计入范围：颁发部门在范围内的证照类型；"
LICENCES = (
    "计入范围：颁发部门在范围内的电子证照，每个版本（延续、变更）算一份，不论状态；"
    "统计期按签发时间（归集的证照按归集入库并签章的时间）；"
)
REVOKED_NOW = "计入范围：颁发部门在范围内的电子证照，每个版本算一份；"
USES = "计入范围：为范围内部门的办件调用电子证照的用证记录（每次调用一条），统计期按用证时间；"
ITEMS = (
    "计入范围：同“事项总数”（范围内在用且有现行版本的实施清单事项），取现行版本的申请材料；"
    "免提交的判定只有一处（licenses.exemption）：材料标注“免提交（共享获取）”，"
    "或材料名称已对照到证照类型；"
)
# 撤销 (the issuer undid it) and 吊销 (taken away as a penalty): licences no longer good for
# anything. 注销、失效、转出 end a licence in the ordinary course and are not counted here.
REVOKED = (LicenseStatus.REVOKED, LicenseStatus.WITHDRAWN)
NATIONAL = Q(national=True)
SEALED = ~Q(signature="")


def counted_types(scope: DataScope) -> QuerySet[LicenseType]:
    return scope.filter(LicenseType.objects.all())


def counted_licences(scope: DataScope) -> QuerySet[License]:
    return scope.filter(License.objects.all(), path="issuer")


def counted_uses(scope: DataScope) -> QuerySet[LicenseUse]:
    return scope.filter(LicenseUse.objects.all(), path="case__department")


def counted_materials(scope: DataScope) -> QuerySet[Material]:
    """The materials of the published versions of the catalogue's counted items."""
    from yiwang.catalog.metrics import counted_items

    return Material.objects.filter(version__in=counted_items(scope).values("published_version"))


def counted_items(scope: DataScope) -> QuerySet[ServiceItem]:
    from yiwang.catalog.metrics import counted_items

    return counted_items(scope)


def licence_free_q() -> Q:
    """Items whose published version asks for at least one required material issued by a
    government body, and every such material is 免提交 (the rule of licenses.exemption)."""
    government = Material.objects.filter(
        version=OuterRef("published_version"), required=True, source=MaterialSource.GOVERNMENT
    )
    return Q(Exists(government)) & ~Q(Exists(government.exclude(exempt_material_q())))


def _by_type(licences: QuerySet[License], period: Period | None) -> dict[str, int]:
    # Type codes are unique, names need not be: the key is "code name".
    rows = (
        licences.values("license_type__code", "license_type__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "license_type__code")
        .values_list("license_type__code", "license_type__name", "n")
    )
    return {f"{code} {name}": n for code, name, n in rows}


def _by_issuer(licences: QuerySet[License], period: Period | None) -> dict[str, int]:
    # Department names are unique, so the name is the key.
    rows = (
        licences.values("issuer_id", "issuer__name")
        .annotate(n=Count("pk"))
        .order_by("issuer__region__code", "issuer__name")
        .values_list("issuer__name", "n")
    )
    return dict(rows)


def _by_choice(queryset: QuerySet, field: str, choices: list[tuple[str, Any]]) -> dict[str, int]:
    # Every choice listed, in the model's order (0 when none), so pages and exports line up.
    counts = dict(queryset.values(field).annotate(n=Count("pk")).order_by().values_list(field, "n"))
    return {str(label): counts.get(value, 0) for value, label in choices}


def _by_origin(licences: QuerySet[License], period: Period | None) -> dict[str, int]:
    return _by_choice(licences, "origin", LicenseOrigin.choices)


def _by_status(licences: QuerySet[License], period: Period | None) -> dict[str, int]:
    return _by_choice(licences, "status", LicenseStatus.choices)


def _by_purpose(uses: QuerySet[LicenseUse], period: Period | None) -> dict[str, int]:
    return _by_choice(uses, "purpose", UsePurpose.choices)


# Point in time (no date field): the registry or catalogue as it is now.
TYPE_RECORDS: dict[str, Any] = {"records": counted_types, "date_field": None}
REVOKED_RECORDS: dict[str, Any] = {
    "records": counted_licences,
    "date_field": None,
    "department_field": "issuer",
}
MATERIAL_RECORDS: dict[str, Any] = {
    "records": counted_materials,
    "date_field": None,
    "department_field": "version__item__department",
}
ITEM_RECORDS: dict[str, Any] = {"records": counted_items, "date_field": None}
# Periodical.
LICENCE_RECORDS: dict[str, Any] = {
    "records": counted_licences,
    "date_field": "issued_at",
    "department_field": "issuer",
}
USE_RECORDS: dict[str, Any] = {
    "records": counted_uses,
    "date_field": "used_at",
    "department_field": "case__department",
}

METRICS = [
    Metric(
        key="licenses.types_total",
        name="证照类型数",
        unit="类",
        definition=TYPES + "计数。它是国家目录证照类型占比的分母。",
        **TYPE_RECORDS,
        measure=DCount(),
    ),
    Metric(
        key="licenses.national_types",
        name="国家目录证照类型数",
        unit="类",
        definition=TYPES + "标注“国家目录”的证照类型数。",
        **TYPE_RECORDS,
        measure=DCount(NATIONAL),
    ),
    Metric(
        key="licenses.national_share",
        name="国家目录证照类型占比",
        unit="%",
        definition=TYPES + "国家目录证照类型占比 = 国家目录证照类型数 ÷ 证照类型数。",
        **TYPE_RECORDS,
        measure=Share(NATIONAL),
        kind="ratio",
    ),
    Metric(
        key="licenses.total",
        name="电子证照数",
        unit="份",
        definition=LICENCES + "计数。",
        **LICENCE_RECORDS,
        measure=DCount(),
    ),
    Metric(
        key="licenses.by_type",
        name="按证照类型分的电子证照数",
        unit="份",
        definition=LICENCES + "按证照类型（代码 名称）分组计数，多到少；只列有证照的类型，"
        "各类之和等于电子证照数。",
        **LICENCE_RECORDS,
        measure=Custom(_by_type),
        kind="breakdown",
    ),
    Metric(
        key="licenses.by_issuer",
        name="按颁发部门分的电子证照数",
        unit="份",
        definition=LICENCES + "按颁发部门分组计数；只列有证照的部门（按区划代码、部门名称排序），"
        "各部门之和等于电子证照数。",
        **LICENCE_RECORDS,
        measure=Custom(_by_issuer),
        kind="breakdown",
    ),
    Metric(
        key="licenses.by_origin",
        name="按来源分的电子证照数（签发与归集）",
        unit="份",
        definition=LICENCES + "按来源分组计数：本平台签发（办件办结自动签发或工作人员签发）、"
        "部门归集（从部门业务系统批量归集）；列出两种来源，之和等于电子证照数。",
        **LICENCE_RECORDS,
        measure=Custom(_by_origin),
        kind="breakdown",
    ),
    Metric(
        key="licenses.gathered_total",
        name="归集的电子证照数",
        unit="份",
        definition=LICENCES + "来源为“部门归集”（从部门业务系统批量归集）的电子证照数；"
        "电子证照数减去它即本平台签发的证照数。",
        **LICENCE_RECORDS,
        measure=DCount(Q(origin=LicenseOrigin.GATHERED)),
    ),
    Metric(
        key="licenses.by_status",
        name="按状态分的电子证照数",
        unit="份",
        definition=LICENCES + "按当前状态（有效、撤销、注销、失效、转出、吊销）分组计数；"
        "列出全部状态，之和等于电子证照数。",
        **LICENCE_RECORDS,
        measure=Custom(_by_status),
        kind="breakdown",
    ),
    Metric(
        key="licenses.seals_total",
        name="电子签章次数",
        unit="次",
        definition=LICENCES + "已加盖电子印章（有 SM2 签名值）的电子证照数：每份证照（每个版本）"
        "签章一次，签发与归集的证照都由颁发部门的签章密钥签章；撤销、吊销不减少次数。",
        **LICENCE_RECORDS,
        measure=DCount(SEALED),
    ),
    Metric(
        key="licenses.revoked_total",
        name="撤销和吊销的电子证照数",
        unit="份",
        definition=REVOKED_NOW + "当前状态为“撤销”或“吊销”的电子证照数，不论何时签发；"
        "注销、失效、转出不计入。",
        **REVOKED_RECORDS,
        measure=DCount(Q(status__in=REVOKED)),
    ),
    Metric(
        key="licenses.uses_total",
        name="用证次数",
        unit="次",
        definition=USES + "计数（办件调用、免提交材料、核验比对都算）。",
        **USE_RECORDS,
        measure=DCount(),
    ),
    Metric(
        key="licenses.uses_by_purpose",
        name="按用途分的用证次数",
        unit="次",
        definition=USES + "按用证用途（办件调用、免提交材料、核验比对）分组计数；"
        "列出全部用途，之和等于用证次数。",
        **USE_RECORDS,
        measure=Custom(_by_purpose),
        kind="breakdown",
    ),
    Metric(
        key="licenses.exempt_materials",
        name="免提交材料数",
        unit="项",
        definition=ITEMS + "免提交的申请材料数（必要与非必要材料都算；同名材料在几个事项中"
        "出现，按事项各算一项）。",
        **MATERIAL_RECORDS,
        measure=DCount(exempt_material_q),
    ),
    Metric(
        key="licenses.licence_free_items",
        name="免证办事项数",
        unit="项",
        definition=ITEMS + "免证办事项 = 至少有 1 项来源为“政府部门核发”的必要材料，且这些材料"
        "全部免提交的事项（申请人不必再交政府部门自己核发的任何证照、证明）；"
        "没有政府部门核发材料的事项不计入。",
        **ITEM_RECORDS,
        measure=DCount(licence_free_q),
    ),
]

for _metric in METRICS:
    register(_metric)

LICENSES_METRIC_KEYS = [m.key for m in METRICS]
