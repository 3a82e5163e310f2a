"""Standardisation and guide quality (事项标准化与办事指南精准度).

Two reports over the implementation items in a scope, each item judged on its published
version, or on its open version (being compiled or reviewed) when nothing is published yet;
withdrawn items are left out:

- 全省一单: the six fixed elements of every claimant compared with its base item;
- 指南质量: the guide checks of DOMAIN.md (missing elements, vague materials, limits, 免提交,
  zero-visit items needing originals …).

Everything is computed from three queries whatever the number of items (items with their chosen
version id; the versions with base item and department; their materials and steps), then
checked in memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yiwang.catalog import fields as element_fields
from yiwang.catalog.models import (
    OPEN_VERSION_STATUSES,
    HandlingKind,
    ItemStatus,
    ItemType,
    Material,
    MaterialSource,
    Medium,
    OriginalOrCopy,
    ServiceItem,
    ServiceItemVersion,
    VersionStatus,
)
from yiwang.org.scope import DataScope

ERROR, WARNING = "error", "warning"
SEVERITY_LABELS = {ERROR: _("严重"), WARNING: _("一般")}

OPEN_STATUSES = list(OPEN_VERSION_STATUSES)  # the one definition is in catalog.models

SIX_ELEMENTS: dict[str, str | Promise] = {
    "name": _("事项名称"),
    "base_code": _("事项编码"),
    "item_type": _("事项类型"),
    "competent_department": _("主管部门"),
    "implementing_body": _("实施机关"),
    "legal_basis": _("设定和实施依据"),
}
# Version field → base item field holding the province-wide value.
_BASE_FIELD = {"base_code": "code"}

# Elements a guide must state (configurable per province). Text elements are version fields;
# "handling_forms", "materials" and "steps" must list at least one entry.
DEFAULT_REQUIRED_ELEMENTS = [
    "legal_basis",
    "conditions",
    "location",
    "hours",
    "handling_forms",
    "materials",
    "steps",
    "consult_phone",
    "complaint_channel",
    # Mandatory in the national implementation list (实施清单).
    "service_objects",
    "exercise_level",
    "body_nature",
    "power_source",
    "result_type",
    "result_name",
    "delivery_methods",
    "online_depth",
    "service_scope",
]
ELEMENT_LABELS: dict[str, str | Promise] = {
    "legal_basis": _("设定和实施依据"),
    "conditions": _("受理条件"),
    "location": _("办理地点"),
    "hours": _("办理时间"),
    "handling_forms": _("办理形式"),
    "materials": _("申请材料"),
    "steps": _("办理流程"),
    "consult_phone": _("咨询方式"),
    "complaint_channel": _("监督投诉方式"),
    "faq": _("常见问题"),
    "fee_standard": _("收费标准"),
    "fee_basis": _("收费依据"),
    "service_objects": _("服务对象"),
    "exercise_level": _("行使层级"),
    "body_nature": _("实施主体性质"),
    "power_source": _("权力来源"),
    "result_type": _("审批结果类型"),
    "result_name": _("审批结果名称"),
    "delivery_methods": _("结果送达方式"),
    "online_depth": _("网上办理深度"),
    "service_scope": _("通办范围"),
}
# Material names that tell the citizen nothing definite ("其他材料", "相关材料", "……等").
DEFAULT_VAGUE_MATERIAL_PATTERNS = [
    r"其[他它]材料",
    r"相关材料",
    r"等材料",
    r"(…|\.\.\.)等",
    r"等$",
    r"^其[他它]$",
]
# 设定依据 sentences that cite nothing ("以省级目录公布的依据为准", "详见相关法律法规"). A basis
# must also name at least one law or regulation in 《》 (checked separately).
DEFAULT_PLACEHOLDER_BASIS_PATTERNS = [
    r"以.{0,30}为准",
    r"详见",
    r"待(补充|完善|确认|定)",
    r"^(无|暂无|略|同上|见附件)[。.]?$",
    r"有关(法律|规定)",
    r"相关(法律|法规|规定)",
]
# The same 受理条件 text (the item's own name taken out) in this many items or more is boilerplate.
DEFAULT_TEMPLATE_CONDITIONS_MIN_ITEMS = 3


@dataclass(frozen=True)
class Check:
    code: str
    label: str | Promise  # lazy: shown in the reader's language
    severity: str
    description: str | Promise

    @property
    def severity_label(self) -> str:
        return str(SEVERITY_LABELS[self.severity])


CONSISTENCY = Check(
    "six_elements",
    _("全省一单要素不一致"),
    ERROR,
    _("事项名称、事项编码、事项类型、主管部门、实施机关、设定和实施依据应与基本目录完全一致。"),
)
CHECKS: dict[str, Check] = {
    c.code: c
    for c in [
        Check(
            "missing_element",
            _("要素缺失"),
            ERROR,
            _(
                "必填要素为空：设定依据、受理条件、办理地点、办理时间、办理形式、申请材料、办理流程、"
                "咨询方式、监督投诉方式，以及实施清单要求的服务对象、行使层级、实施主体性质、"
                "权力来源、审批结果类型和名称、结果送达方式、网上办理深度、通办范围；"
                "收费事项还须写明收费标准和收费依据。"
            ),
        ),
        Check(
            "vague_material",
            _("材料名称模糊"),
            WARNING,
            _("材料名称含“其他材料”“相关材料”“……等”之类的兜底表述。"),
        ),
        Check(
            "promised_over_legal",
            _("承诺时限超过法定时限"),
            ERROR,
            _("承诺办结时限大于法定办结时限。"),
        ),
        Check(
            "instant_with_promised_limit",
            _("即办件设有承诺时限"),
            ERROR,
            _("即办件的承诺办结时限应为 0。"),
        ),
        Check(
            "promised_limit_zero",
            _("承诺件承诺时限为 0"),
            ERROR,
            _("承诺件必须写明承诺办结时限（大于 0 的工作日数）。"),
        ),
        Check(
            "legal_limit_zero",
            _("承诺件法定时限为 0"),
            ERROR,
            _("承诺件必须写明法定办结时限（大于 0 的工作日数）。"),
        ),
        Check(
            "government_material_not_exempt",
            _("政府部门核发材料未免提交"),
            WARNING,
            _("来源为政府部门核发的材料应通过电子证照或共享数据获取，标注为免提交。"),
        ),
        Check(
            "zero_visit_needs_original",
            _("零跑动事项要求纸质原件"),
            ERROR,
            _(
                "到现场次数为 0 的事项，不应要求提交可能为纸质的原件（免提交的材料除外）；"
                "材料形式须为电子。"
            ),
        ),
        Check(
            "online_with_visits",
            _("全程网办却要到现场"),
            ERROR,
            _("标为全程网办的事项，到办事现场次数应为 0。"),
        ),
        Check(
            "online_depth_mismatch",
            _("网上办理深度与全程网办不符"),
            ERROR,
            _("网上办理深度为四级即全程网办：四级的事项须标为全程网办，全程网办的事项须为四级。"),
        ),
        Check(
            "entrusted_without_department",
            _("委托部门与实施主体性质不符"),
            ERROR,
            _("实施主体为受委托组织时须写明委托部门；不是受委托组织时委托部门应为空。"),
        ),
        Check(
            "online_payment_without_fee",
            _("不收费却支持网上支付"),
            ERROR,
            _("只有收费事项才谈得上网上支付。"),
        ),
        Check(
            "placeholder_legal_basis",
            _("设定依据为占位表述"),
            ERROR,
            _(
                "设定和实施依据应写明具体的法律、法规或规章名称（用书名号），不能是“以……为准”"
                "“详见相关法律法规”之类的占位表述。"
            ),
        ),
        Check(
            "template_conditions",
            _("受理条件为模板套话"),
            WARNING,
            _("多个事项的受理条件只是同一句套话（仅事项名称不同），应写明本事项的具体条件。"),
        ),
    ]
}
ALL_CHECKS: dict[str, Check] = {CONSISTENCY.code: CONSISTENCY, **CHECKS}


@dataclass(frozen=True)
class ItemRef:
    """The item and version a finding is about, with the link to open the item."""

    pk: int
    code: str
    name: str
    department_id: int
    department_name: str
    base_code: str
    base_name: str
    version_id: int
    version_number: int
    version_status: str
    url: str

    @property
    def version_label(self) -> str:
        return gettext("v%(number)s（%(status)s）") % {
            "number": self.version_number,
            "status": VersionStatus(self.version_status).label,
        }


@dataclass(frozen=True)
class Deviation:
    """全省一单: one of the six fixed elements differs from the base item."""

    item: ItemRef
    element: str
    expected: str  # the base item's value
    actual: str  # the claimant's value

    check = CONSISTENCY

    @property
    def element_label(self) -> str:
        return str(SIX_ELEMENTS[self.element])

    @property
    def message(self) -> str:
        return gettext("%(element)s与基本目录不一致：应为“%(expected)s”，实为“%(actual)s”。") % {
            "element": self.element_label,
            "expected": self.expected,
            "actual": self.actual,
        }


@dataclass(frozen=True)
class Finding:
    """A guide-quality problem of one item's version."""

    check: Check
    item: ItemRef
    message: str


# --- Reading ----------------------------------------------------------------------------------


def url_builder() -> Callable[[int, str], str]:
    """The staff item page of an item (by pk; the code is not needed)."""
    return lambda pk, code: reverse("catalog:item-detail", args=[pk])


def checked_versions(
    scope: DataScope | None = None, *, department_id: int | None = None
) -> QuerySet[ServiceItemVersion]:
    """The version each item in scope is judged on (published, else the newest open one),
    with its item, base item, department, materials and steps loaded."""
    items = ServiceItem.objects.exclude(status=ItemStatus.WITHDRAWN)
    if scope is not None:
        items = scope.filter(items)
    if department_id is not None:
        items = items.filter(department_id=department_id)
    newest_open = (
        ServiceItemVersion.objects.filter(item=OuterRef("pk"), status__in=OPEN_STATUSES)
        .order_by("-number")
        .values("pk")[:1]
    )
    chosen = items.annotate(open_id=Subquery(newest_open)).filter(
        Q(published_version__isnull=False) | Q(open_id__isnull=False)
    )
    version_ids = Q(
        pk__in=chosen.filter(published_version__isnull=False).values("published_version")
    )
    version_ids |= Q(
        pk__in=chosen.filter(published_version__isnull=True).values("open_id"),
    )
    version_fields = {f.name for f in ServiceItemVersion._meta.concrete_fields}
    wanted = [*_VERSION_FIELDS, *(e for e in _required_elements() if e in version_fields)]
    return (
        ServiceItemVersion.objects.filter(version_ids)
        .select_related("item__base", "item__department")
        # Only what the checks read: loading ~40 columns per row would double the time.
        .only(*wanted, *_RELATED_FIELDS)
        .prefetch_related(Prefetch("materials", queryset=Material.objects.only(*_MATERIAL_FIELDS)))
        .annotate(step_count=Count("steps"))
        .order_by("item__department__region__code", "item__department__name", "item__code")
    )


_VERSION_FIELDS = [
    "item",
    "number",
    "status",
    *SIX_ELEMENTS,
    "legal_limit",
    "promised_limit",
    "handling_kind",
    "visits",
    "has_fee",
    "fee_standard",
    "fee_basis",
    "fully_online",
    "conditions",
    *element_fields.RULE_FIELDS,
]
_RELATED_FIELDS = [
    "item__code",
    "item__base__code",
    "item__base__name",
    "item__base__item_type",
    "item__base__competent_department",
    "item__base__implementing_body",
    "item__base__legal_basis",
    "item__department__name",
]
_MATERIAL_FIELDS = [
    "version",
    "order",
    "name",
    "original_or_copy",
    "medium",
    "source",
    "issuing_body",
    "exempt",
]


def item_ref(version: ServiceItemVersion, url: Callable[[int, str], str]) -> ItemRef:
    item = version.item
    return ItemRef(
        pk=item.pk,
        code=item.code,
        name=version.name,
        department_id=item.department_id,
        department_name=item.department.name,
        base_code=item.base.code,
        base_name=item.base.name,
        version_id=version.pk,
        version_number=version.number,
        version_status=version.status,
        url=url(item.pk, item.code),
    )


def _display(element: str, value: str) -> str:
    if element == "item_type" and value in ItemType.values:
        return str(ItemType(value).label)
    return value


def consistency_deviations(version: ServiceItemVersion, ref: ItemRef) -> list[Deviation]:
    """全省一单: the six fixed elements that differ from the base item (surrounding whitespace
    is not a difference; everything else is)."""
    base = version.item.base
    deviations = []
    for element in SIX_ELEMENTS:
        expected = str(getattr(base, _BASE_FIELD.get(element, element)) or "").strip()
        actual = str(getattr(version, element) or "").strip()
        if expected != actual:
            deviations.append(
                Deviation(
                    item=ref,
                    element=element,
                    expected=_display(element, expected),
                    actual=_display(element, actual),
                )
            )
    return deviations


def _vague_pattern() -> re.Pattern[str] | None:
    patterns = getattr(
        settings, "YIWANG_CATALOG_VAGUE_MATERIAL_PATTERNS", DEFAULT_VAGUE_MATERIAL_PATTERNS
    )
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def _placeholder_pattern() -> re.Pattern[str] | None:
    patterns = getattr(
        settings, "YIWANG_CATALOG_PLACEHOLDER_BASIS_PATTERNS", DEFAULT_PLACEHOLDER_BASIS_PATTERNS
    )
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def _required_elements() -> list[str]:
    return list(getattr(settings, "YIWANG_CATALOG_REQUIRED_ELEMENTS", DEFAULT_REQUIRED_ELEMENTS))


@dataclass(frozen=True)
class Rules:
    """The configurable parts of the checks, read from settings once per report."""

    vague: re.Pattern[str] | None
    required: list[str]
    placeholder_basis: re.Pattern[str] | None = None
    template_conditions_min_items: int = DEFAULT_TEMPLATE_CONDITIONS_MIN_ITEMS

    @classmethod
    def from_settings(cls) -> Rules:
        return cls(
            vague=_vague_pattern(),
            required=_required_elements(),
            placeholder_basis=_placeholder_pattern(),
            template_conditions_min_items=getattr(
                settings,
                "YIWANG_CATALOG_TEMPLATE_CONDITIONS_MIN_ITEMS",
                DEFAULT_TEMPLATE_CONDITIONS_MIN_ITEMS,
            ),
        )


def is_placeholder_basis(text: str, pattern: re.Pattern[str] | None) -> bool:
    """A 设定依据 that cites no law: no 《…》 title, or a placeholder sentence."""
    text = text.strip()
    if not text:
        return False  # an empty basis is reported as missing
    return "《" not in text or bool(pattern and pattern.search(text))


_PUNCTUATION = re.compile(r"[\s“”\"'‘’「」（）()]")


def conditions_template(version: ServiceItemVersion) -> str:
    """受理条件 with the item's own name taken out, to tell one sentence repeated across
    items (“符合‘X’法定条件的……均可申请”) from conditions written for the item."""
    text = (version.conditions or "").strip()
    for name in {version.name, version.item.base.name}:
        if name:
            text = text.replace(name, "")
    return _PUNCTUATION.sub("", text)


def _is_empty(version: ServiceItemVersion, element: str, materials: list[Material]) -> bool:
    if element == "materials":
        return not materials
    if element == "steps":
        return not getattr(version, "step_count", 0)
    value = getattr(version, element)
    if value is None or isinstance(value, list):
        return not value
    return not str(value).strip()


# catalog.fields rule → the finding it is reported as (the other rules have their own checks).
RULE_CHECKS = {
    "online_with_visits": "online_with_visits",
    "online_depth_mismatch": "online_depth_mismatch",
    "entrusting_department": "entrusted_without_department",
    "online_payment_without_fee": "online_payment_without_fee",
}


def guide_findings(
    version: ServiceItemVersion,
    ref: ItemRef,
    *,
    rules: Rules | None = None,
) -> list[Finding]:
    """The guide-quality findings of one version (its materials must be prefetched)."""
    rules = rules or Rules.from_settings()
    vague, required = rules.vague, rules.required
    materials = list(version.materials.all())
    findings: list[Finding] = []

    def add(code: str, message: str) -> None:
        findings.append(Finding(check=CHECKS[code], item=ref, message=message))

    missing = [e for e in required if _is_empty(version, e, materials)]
    if version.has_fee:
        missing += [e for e in ("fee_standard", "fee_basis") if _is_empty(version, e, materials)]
    for element in missing:
        label = ELEMENT_LABELS.get(element, element)
        add("missing_element", gettext("缺少“%(element)s”。") % {"element": label})

    for material in materials:
        if vague and vague.search(material.name.strip()):
            add(
                "vague_material",
                gettext("材料“%(material)s”名称模糊，应写明具体材料名称。")
                % {"material": material.name},
            )

    instant = version.handling_kind == HandlingKind.INSTANT
    if version.legal_limit and version.promised_limit > version.legal_limit:
        add(
            "promised_over_legal",
            gettext("承诺办结时限 %(promised)s 个工作日超过法定办结时限 %(legal)s 个工作日。")
            % {"promised": version.promised_limit, "legal": version.legal_limit},
        )
    if instant and version.promised_limit > 0:
        add(
            "instant_with_promised_limit",
            gettext("即办件的承诺办结时限为 %(promised)s 个工作日，应为 0。")
            % {"promised": version.promised_limit},
        )
    if not instant and version.promised_limit == 0:
        add("promised_limit_zero", gettext("承诺件的承诺办结时限为 0，应写明承诺的工作日数。"))
    if not instant and version.legal_limit == 0:
        add("legal_limit_zero", gettext("承诺件的法定办结时限为 0，应写明法定的工作日数。"))

    for material in materials:
        if material.source == MaterialSource.GOVERNMENT and not material.exempt:
            issuer = material.issuing_body or gettext("政府部门")
            add(
                "government_material_not_exempt",
                gettext("材料“%(material)s”由%(issuer)s核发，未标注免提交。")
                % {"material": material.name, "issuer": issuer},
            )
    # The contradictions the model refuses (catalog.fields' rules), found in data written
    # before the rules or past them.
    for violation in element_fields.version_rule_violations(version.rule_values()):
        code = RULE_CHECKS.get(violation.rule)
        if code == "online_with_visits":
            add(
                code,
                gettext(
                    "事项标为全程网办，但到办事现场次数为 %(visits)s 次，应为 0（或取消全程网办）。"
                )
                % {"visits": version.visits},
            )
        elif code is not None:
            add(code, violation.message)
    if is_placeholder_basis(version.legal_basis or "", rules.placeholder_basis):
        add(
            "placeholder_legal_basis",
            gettext(
                "设定和实施依据“%(basis)s”没有写明具体的法律法规，"
                "应写明法律、法规或规章的名称及条款。"
            )
            % {"basis": version.legal_basis.strip()[:60]},
        )
    if version.visits == 0:
        for material in materials:
            if (
                not material.exempt
                and material.original_or_copy in (OriginalOrCopy.ORIGINAL, OriginalOrCopy.BOTH)
                # 纸质或电子 can be sent electronically; only a paper-only original needs a visit.
                and material.medium == Medium.PAPER
            ):
                add(
                    "zero_visit_needs_original",
                    gettext(
                        "零跑动事项要求提交“%(material)s”%(original_or_copy)s（%(medium)s），"
                        "应改为电子材料或免提交。"
                    )
                    % {
                        "material": material.name,
                        "original_or_copy": OriginalOrCopy(material.original_or_copy).label,
                        "medium": Medium(material.medium).label,
                    },
                )
    return findings


def template_conditions_findings(
    checked: list[tuple[ServiceItemVersion, ItemRef]], *, min_items: int
) -> list[Finding]:
    """受理条件 shared, but for the item's name, by `min_items` or more of the checked items."""
    if min_items < 2:
        return []
    groups: dict[str, list[ItemRef]] = {}
    for version, ref in checked:
        template = conditions_template(version)
        if template:
            groups.setdefault(template, []).append(ref)
    check = CHECKS["template_conditions"]
    return [
        Finding(
            check=check,
            item=ref,
            message=gettext(
                "受理条件与另外 %(others)s 个事项是同一句套话（仅事项名称不同），"
                "应写明本事项的具体条件。"
            )
            % {"others": len(refs) - 1},
        )
        for refs in groups.values()
        if len(refs) >= min_items
        for ref in refs
    ]
