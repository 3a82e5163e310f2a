"""Service guides (办事指南): the plain-language answers a citizen looks for first — what to
bring, where, how many visits, how long, the cost, whether it can be done online and how to
complain — assembled from a published item version, and the printable PDF (WeasyPrint with the
system Noto CJK fonts) carrying a QR code (segno) that points back to the online guide.

Which guides are public (docs/guides.md):
- the current guide of an item that is active and has a published version;
- any published or superseded version of such an item, by number (so a case applied for under
  an old version can link to the exact text it was applied under). Suspended and withdrawn
  items have no public guide at all, not even old versions;
- the guide and notice of a published bundle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from yiwang.catalog import selectors
from yiwang.catalog.fields import ServiceScope
from yiwang.catalog.guides.bundles import (
    BundleNotice,
    bundle_notice,
    complaint_channels,
    visits_label,
)
from yiwang.catalog.models import (
    PUBLIC_VERSION_STATUSES,
    HandlingForm,
    IntermediaryService,
    ItemStatus,
    Material,
    MaterialSource,
    ProcessStep,
    ServiceItem,
    ServiceItemVersion,
    SpecialProcedure,
)

EXEMPT_NOTE = "无需提交，由部门共享获取"
DEFERRABLE_NOTE = "容缺受理（可先受理，规定期限内补交）"

# WeasyPrint logs each rendering step at INFO; only its warnings belong in the server log.


def material_requirement(original_or_copy_label: str, count: int, medium_label: str) -> str:
    """ "原件 1 份 · 纸质或电子": how a material is to be handed in."""
    return ngettext(
        "%(form)s %(count)s 份 · %(medium)s", "%(form)s %(count)s 份 · %(medium)s", count
    ) % {"form": original_or_copy_label, "count": count, "medium": medium_label}


@dataclass(frozen=True)
class MaterialLine:
    """A material as the guide states it. `licence_type`: the licence type that stands in for
    it (免提交 for an applicant who holds a valid one, licenses.exemption), if any."""

    material: Material
    licence_type: Any = None

    @property
    def name(self) -> str:
        return self.material.name

    @property
    def requirement(self) -> str:
        m = self.material
        return material_requirement(
            m.get_original_or_copy_display(), m.count, m.get_medium_display()
        )

    @property
    def exempt(self) -> bool:
        return self.material.exempt or self.licence_type is not None

    @property
    def licence_name(self) -> str:
        """The licence type standing in (免提交 with a valid licence), or ""."""
        return str(self.licence_type.name) if self.licence_type is not None else ""

    @property
    def deferrable(self) -> bool:
        return self.material.deferrable

    @property
    def required(self) -> bool:
        return self.material.required

    @property
    def source_label(self) -> str:
        m = self.material
        if m.source == MaterialSource.GOVERNMENT and m.issuing_body:
            return f"{m.get_source_display()}（{m.issuing_body}）"
        return m.get_source_display()


@dataclass
class ItemGuide:
    """Everything the guide page and its PDF show for one published (or superseded) version."""

    item: ServiceItem
    version: ServiceItemVersion
    materials: list[MaterialLine]
    steps: list[ProcessStep]
    special_procedures: list[SpecialProcedure]
    flags: list[str] = field(default_factory=list)
    intermediaries: list[IntermediaryService] = field(default_factory=list)

    @property
    def is_current(self) -> bool:
        return self.item.published_version_id == self.version.pk

    @property
    def current_number(self) -> int | None:
        current = self.item.published_version
        return current.number if current else None

    @property
    def published_on(self) -> str:
        return date_label(self.version.published_at)

    @property
    def department(self) -> str:
        return self.item.department.name

    @property
    def materials_to_submit(self) -> list[MaterialLine]:
        return [m for m in self.materials if not m.exempt]

    @property
    def exempt_materials(self) -> list[MaterialLine]:
        return [m for m in self.materials if m.exempt]

    @property
    def visits_label(self) -> str:
        return visits_label(self.version.visits, fully_online=self.version.fully_online)

    @property
    def time_label(self) -> str:
        v = self.version
        if v.is_instant:
            return _("即办（材料齐全，当场办结）")
        return ngettext(
            "承诺 %(days)s 个工作日内办结", "承诺 %(days)s 个工作日内办结", v.promised_limit
        ) % {"days": v.promised_limit}

    @property
    def legal_label(self) -> str:
        v = self.version
        if not v.legal_limit:
            return _("法定时限：当场办结")
        days = v.legal_limit
        return ngettext("法定时限 %(days)s 个工作日", "法定时限 %(days)s 个工作日", days) % {
            "days": days
        }

    @property
    def fee_label(self) -> str:
        v = self.version
        if not v.has_fee:
            return _("不收费")
        if not v.fee_standard:
            return _("收费")
        return _("收费：%(standard)s") % {"standard": v.fee_standard}

    @property
    def online_label(self) -> str:
        v = self.version
        if v.fully_online:
            return _("全程网办")
        if HandlingForm.ONLINE in v.handling_forms:
            return _("网上预审")
        return _("窗口办理")

    @property
    def online_detail(self) -> str:
        v = self.version
        if v.fully_online:
            return _("可在网上提交申请并领取结果，无需到现场。")
        if HandlingForm.ONLINE in v.handling_forms:
            return _("可先在网上提交材料预审，通过后到窗口核验办结。")
        return _("请携带材料到窗口办理。")

    @property
    def handling_forms(self) -> list[str]:
        return self.version.handling_form_labels

    @property
    def complaint_channels(self) -> list[str]:
        return complaint_channels([self.version.complaint_channel])

    @property
    def faq_entries(self) -> list[tuple[str, str]]:
        return faq_entries(self.version.faq)

    # The national implementation list's elements (docs/guides.md says which the page shows).

    @property
    def service_objects(self) -> str:
        return "、".join(self.version.service_object_labels)

    @property
    def service_scope_label(self) -> str:
        return str(ServiceScope(self.version.service_scope).label)

    @property
    def online_depth_label(self) -> str:
        v = self.version
        return str(v.get_online_depth_display()) if v.online_depth else ""

    @property
    def delivery_methods(self) -> str:
        return "、".join(self.version.delivery_method_labels)

    @property
    def quantity_limit_label(self) -> str:
        return self.version.quantity_limit.strip() or _("无数量限制")

    @property
    def result_type_label(self) -> str:
        v = self.version
        return str(v.get_result_type_display()) if v.result_type else ""

    @property
    def result_sample_url(self) -> str:
        if not self.version.result_sample:
            return ""
        return reverse("guide:result-sample", args=[self.version.pk])

    @property
    def convenience(self) -> list[tuple[str, str]]:
        """是否支持网上支付, 物流快递, 预约办理, 进驻大厅 as (label, 是/否)."""
        v = self.version
        yes, no = _("是"), _("否")
        rows = [
            (_("物流快递"), yes if v.express_delivery else no),
            (_("预约办理"), yes if v.appointment else no),
            (_("进驻政务服务大厅"), yes if v.in_hall else no),
        ]
        if v.has_fee:  # online payment means nothing for a free item
            rows.insert(0, (_("网上支付"), yes if v.online_payment else no))
        return rows

    @property
    def basic_info(self) -> list[tuple[str, str]]:
        """The administrative elements of the 基本信息 block (blank ones left out)."""
        v = self.version
        rows = [
            (_("行使层级"), v.get_exercise_level_display() if v.exercise_level else ""),
            (_("实施主体性质"), v.get_body_nature_display() if v.body_nature else ""),
            (_("委托部门"), v.entrusting_department),
            (_("权力来源"), v.get_power_source_display() if v.power_source else ""),
        ]
        return [(label, str(value)) for label, value in rows if value]


def faq_entries(text: str) -> list[tuple[str, str]]:
    """FAQ text as (question, answer) pairs. Lines starting "问" / "Q" open a question and
    "答" / "A" lines answer it; text in no such shape becomes one entry with no question."""
    entries: list[tuple[str, str]] = []
    question, answer = "", list[str]()
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        q = re.match(r"^(?:问|Q)\s*\d*\s*[:：.、]\s*(.+)$", line, re.IGNORECASE)
        a = re.match(r"^(?:答|A)\s*\d*\s*[:：.、]\s*(.+)$", line, re.IGNORECASE)
        if q:
            if question or answer:
                entries.append((question, "\n".join(answer)))
            question, answer = q.group(1), []
        else:
            answer.append(a.group(1) if a else line)
    if question or answer:
        entries.append((question, "\n".join(answer)))
    return entries


def date_label(value: object) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)  # type: ignore[arg-type]
    return _("%(year)s 年 %(month)s 月 %(day)s 日") % {
        "year": local.year,
        "month": local.month,
        "day": local.day,
    }


# Lazy: the labels are read when a page or PDF is rendered, in its language.
FLAG_FIELDS = [
    ("fully_online", gettext_lazy("全程网办")),
    ("commitment_based", gettext_lazy("告知承诺")),
    ("self_service_24h", gettext_lazy("7×24 小时自助")),
]
# 通办范围 wider than the county is a flag too (县内通办 is every item's least).
SCOPE_FLAGS = {
    ServiceScope.NATIONAL: gettext_lazy("全国通办"),
    ServiceScope.CROSS_PROVINCE: gettext_lazy("跨省通办"),
    ServiceScope.PROVINCE: gettext_lazy("省内通办"),
    ServiceScope.CITY: gettext_lazy("市内通办"),
}


def guide_flags(version: ServiceItemVersion) -> list[str]:
    flags = [str(label) for name, label in FLAG_FIELDS if getattr(version, name)]
    scope = SCOPE_FLAGS.get(version.service_scope)  # type: ignore[call-overload]
    if scope is not None:
        flags.insert(1 if version.fully_online else 0, str(scope))
    return flags


def item_guide(item: ServiceItem, version: ServiceItemVersion) -> ItemGuide:
    """Assemble the guide of `version` (its materials, steps and procedures prefetched or not)."""
    from yiwang.licenses.exemption import guide_licence_types  # the 免提交 rule's home

    licences = guide_licence_types(version)
    return ItemGuide(
        item=item,
        version=version,
        materials=[MaterialLine(m, licences.get(m.order)) for m in version.materials.all()],
        steps=list(version.steps.all()),
        special_procedures=list(version.special_procedures.all()),
        flags=guide_flags(version),
        intermediaries=list(version.intermediaries.all()),
    )


def current_item_guide(code: str) -> ItemGuide | None:
    """The guide of the item's published version; None unless the item is active."""
    item = selectors.published_item_by_code(code)
    if item is None or item.published_version is None:
        return None
    return item_guide(item, item.published_version)


def item_guide_for_version(code: str, number: int) -> ItemGuide | None:
    """The guide of version `number` if it was ever published (published or superseded) and
    the item is still active; None otherwise (drafts never become public)."""
    version = (
        ServiceItemVersion.objects.filter(
            item__code=code,
            item__status=ItemStatus.ACTIVE,
            number=number,
            status__in=PUBLIC_VERSION_STATUSES,
        )
        .select_related("item__department", "item__published_version")
        .prefetch_related(*selectors.VERSION_DETAIL_PREFETCH)
        .first()
    )
    if version is None:
        return None
    return item_guide(version.item, version)


def published_bundle_notice(code: str) -> BundleNotice | None:
    """The 一次告知书 of a published bundle; None if there is none by that code."""
    bundle = selectors.published_bundle_by_code(code)
    return bundle_notice(bundle) if bundle is not None else None
