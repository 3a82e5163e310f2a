"""高效办成一件事: what a bundle shows a citizen — one merged application form (一表申请), one
merged material list (一套材料), one notice (一次告知) — computed from the published versions of
its items. Pure reads: nothing here writes.

Merge rules (docs/guides.md):
- Form: fields are de-duplicated by ``key`` in stage order; the first label and type win; each
  field lists the items that ask for it and the applicant types it applies to (a field spec's
  ``applicant_types``, default all: a 个体工商户 not yet registered has no 统一社会信用代码).
- Materials: names are normalised (full-width → half-width, all brackets → ``()``, whitespace and
  other punctuation removed, case folded) and identical names merged; so are names the merge
  table (MaterialEquivalence, data/material_equivalences.csv) says are one document
  (申请书 = 申请表, 场地使用证明 = 经营场所使用证明): the entry then takes the table's name and
  lists which names were merged and why. The merged entry is
  required if any item requires it, needs the original if any item needs the original (原件 and
  复印件 if any item asks for both), is 免提交 only if every requiring item marks it exempt, is 容缺
  only if every requiring item allows deferral, and asks for the largest count. An entry every
  item of which links to one licence type (licenses.LicenseMaterial: the item's material, not
  marked exempt, satisfied by the type) is 免提交 for an applicant holding a valid licence of it
  (`licence_type`; the guide lists it as 免提交, the application asks for it only without one —
  licenses.exemption is the rule's home); an entry with a material not linked, or whose items
  link different types, is asked for as usual.
- Total time: stages run one after another and the items of a stage in parallel, so the bundle's
  promised (and legal) time is the sum over stages of the largest limit within each stage; an
  instant item (即办件) counts 0.
- Visits: the most visits any single item needs (one window takes the whole bundle).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from yiwang.catalog.fields import FORM_FIELD_TYPES
from yiwang.catalog.models import (
    Bundle,
    ItemStatus,
    Material,
    MaterialEquivalence,
    MaterialSource,
    Medium,
    OriginalOrCopy,
    ServiceItem,
    ServiceItemVersion,
)

# Lazy, like the field types below: read in the language of the page being built.
COMPLAINT_HOTLINE = gettext_lazy("12345 政务服务便民热线")
# "12345" as the hotline, not inside a longer number such as 0550-1234567.
_HOTLINE = re.compile(r"(?<!\d)12345(?!\d)")
FIELD_TYPE_LABELS = FORM_FIELD_TYPES  # one list of form-field types: catalog.fields

# Who fills in a merged form: a field spec may name the types it applies to (default: all).
APPLICANT_TYPES = {
    "person": gettext_lazy("个人"),
    "registered": gettext_lazy("已登记的企业或个体工商户"),
    "unregistered": gettext_lazy("尚未登记的企业或个体工商户"),
}

_BRACKETS = str.maketrans({"[": "(", "]": ")", "{": "(", "}": ")", "<": "(", ">": ")"})
# CJK brackets that NFKC leaves alone.
_CJK_BRACKETS = str.maketrans(
    {
        "【": "(",
        "】": ")",
        "〔": "(",
        "〕": ")",
        "〈": "(",
        "〉": ")",
        "《": "(",
        "》": ")",
        "「": "(",
        "」": ")",
        "『": "(",
        "』": ")",
        "〖": "(",
        "〗": ")",
    }
)


def normalise_material_name(name: str) -> str:
    """The key under which identical materials merge: "营业执照（副本） " and "营业执照(副本)"
    are the same material; "营业执照副本" is not (the bracket may carry meaning)."""
    text = unicodedata.normalize("NFKC", name).translate(_CJK_BRACKETS).translate(_BRACKETS)
    kept = []
    for ch in text:
        if ch in "()":
            kept.append(ch)
        elif ch.isspace() or unicodedata.category(ch)[0] in "PZ":
            continue
        else:
            kept.append(ch)
    return re.sub(r"\(\)", "", "".join(kept)).casefold()


@dataclass(frozen=True)
class ItemRef:
    """An item as a bundle page names it."""

    code: str
    name: str
    department: str
    active: bool

    @classmethod
    def of(cls, item: ServiceItem, version: ServiceItemVersion) -> ItemRef:
        return cls(
            code=item.code,
            name=version.name,
            department=item.department.name,
            active=item.status == ItemStatus.ACTIVE,
        )


@dataclass
class MergedField:
    """One field of the merged application form (一表申请)."""

    key: str
    label: str
    type: str
    items: list[ItemRef] = field(default_factory=list)
    applicant_types: set[str] = field(default_factory=lambda: set(APPLICANT_TYPES))

    @property
    def shared(self) -> bool:
        return len(self.items) > 1

    def applies_to(self, applicant_type: str) -> bool:
        return applicant_type in self.applicant_types

    @property
    def for_everyone(self) -> bool:
        return self.applicant_types >= set(APPLICANT_TYPES)

    @property
    def applicant_type_labels(self) -> list[str]:
        return [str(label) for key, label in APPLICANT_TYPES.items() if key in self.applicant_types]

    @property
    def type_label(self) -> str:
        return str(FIELD_TYPE_LABELS.get(self.type, self.type))


_ORIGINAL_RANK = {OriginalOrCopy.COPY: 0, OriginalOrCopy.ORIGINAL: 1, OriginalOrCopy.BOTH: 2}
_MEDIUM_SETS = {
    Medium.PAPER: frozenset({"paper"}),
    Medium.ELECTRONIC: frozenset({"electronic"}),
    Medium.BOTH: frozenset({"paper", "electronic"}),
}


@dataclass
class MergedMaterial:
    """One entry of the merged material list (一套材料)."""

    key: str
    name: str
    original_or_copy: str
    count: int
    media: frozenset[str]
    required: bool
    exempt: bool
    deferrable: bool
    source: str
    issuing_body: str
    notes: list[str] = field(default_factory=list)
    items: list[ItemRef] = field(default_factory=list)
    # Two items that accept only paper and only electronic: both forms are needed.
    media_conflict: bool = False
    # The names the items use for it (one per normalised name), and why the merge table says
    # they are one document.
    names: list[str] = field(default_factory=list)
    merge_reasons: list[str] = field(default_factory=list)
    # For each merged material the catalogue does not mark exempt: the licence type standing
    # in for it (licenses.exemption), or None (not linked).
    stand_ins: list[Any] = field(default_factory=list, repr=False)

    @property
    def licence_type(self) -> Any:
        """The one licence type standing in for every item's material of the entry (免提交 for
        an applicant who holds a valid licence of it), or None."""
        if not self.stand_ins or any(kind is None for kind in self.stand_ins):
            return None
        kinds = {kind.pk for kind in self.stand_ins}
        return self.stand_ins[0] if len(kinds) == 1 else None

    @property
    def licence_name(self) -> str:
        kind = self.licence_type
        return str(kind.name) if kind is not None else ""

    @property
    def guide_exempt(self) -> bool:
        """免提交 as the guide states it: shared by the departments (共享获取), or by a valid
        licence of `licence_type`."""
        return self.exempt or self.licence_type is not None

    @property
    def merged_from(self) -> list[str]:
        """The different names merged into this entry (empty when all items used one name)."""
        return self.names if len(self.names) > 1 else []

    @property
    def original_or_copy_label(self) -> str:
        return OriginalOrCopy(self.original_or_copy).label

    @property
    def medium_label(self) -> str:
        if self.media_conflict:
            return _("纸质和电子各一份")
        if self.media == _MEDIUM_SETS[Medium.BOTH]:
            return Medium.BOTH.label
        return Medium.PAPER.label if "paper" in self.media else Medium.ELECTRONIC.label

    @property
    def government_issued(self) -> bool:
        return self.source == MaterialSource.GOVERNMENT


def _merge_material(
    entry: MergedMaterial, material: Material, ref: ItemRef, licence_type: Any = None
) -> None:
    if (
        _ORIGINAL_RANK[OriginalOrCopy(material.original_or_copy)]
        > _ORIGINAL_RANK[OriginalOrCopy(entry.original_or_copy)]
    ):
        entry.original_or_copy = material.original_or_copy
    entry.count = max(entry.count, material.count)
    media = _MEDIUM_SETS[Medium(material.medium)]
    common = entry.media & media
    if common:
        entry.media = common
    else:
        entry.media_conflict = True
        entry.media = entry.media | media
    entry.required = entry.required or material.required
    entry.exempt = entry.exempt and material.exempt
    entry.deferrable = entry.deferrable and material.deferrable
    if not material.exempt:
        entry.stand_ins.append(licence_type)
    if material.source == MaterialSource.GOVERNMENT:
        entry.source = MaterialSource.GOVERNMENT
        entry.issuing_body = entry.issuing_body or material.issuing_body
    if material.notes and material.notes not in entry.notes:
        entry.notes.append(material.notes)
    if ref not in entry.items:
        entry.items.append(ref)


@dataclass(frozen=True)
class Equivalence:
    """A row of the merge table: the name it merges into, and why."""

    canonical: str
    reason: str


def material_equivalences() -> dict[str, Equivalence]:
    """The active rows of the merge table, by normalised material name."""
    rows = MaterialEquivalence.objects.filter(active=True).values_list(
        "name", "canonical", "reason"
    )
    return {
        normalise_material_name(name): Equivalence(canonical.strip(), reason)
        for name, canonical, reason in rows
    }


def _note_name(entry: MergedMaterial, name: str, table: dict[str, Equivalence]) -> None:
    """Record another item's name for the entry; two names for one document take the table's."""
    known = {normalise_material_name(n) for n in entry.names}
    if normalise_material_name(name) in known:
        return
    entry.names.append(name)
    for each in entry.names:
        row = table.get(normalise_material_name(each))
        if row is not None:
            entry.name = row.canonical
            if row.reason not in entry.merge_reasons:
                entry.merge_reasons.append(row.reason)


def merge_materials(
    versions: Iterable[tuple[ItemRef, ServiceItemVersion]],
    equivalences: dict[str, Equivalence] | None = None,
    licence_types: Mapping[int, Mapping[int, Any]] | None = None,
) -> list[MergedMaterial]:
    """One list of materials for the bundle, identical materials once (see module doc).
    `licence_types`: by version pk, the licence type standing in for each material by order
    (licenses.exemption.versions_licence_types, looked up when not given)."""
    from yiwang.licenses.exemption import versions_licence_types  # the 免提交 rule's home

    versions = list(versions)
    table = material_equivalences() if equivalences is None else equivalences
    if licence_types is None:
        licence_types = versions_licence_types(v for _ref, v in versions)
    merged: dict[str, MergedMaterial] = {}
    for ref, version in versions:
        stand_in = licence_types.get(version.pk, {})
        for material in version.materials.all():
            key = normalise_material_name(material.name)
            row = table.get(key)
            if row is not None:
                key = normalise_material_name(row.canonical)
            entry = merged.get(key)
            if entry is not None:
                _note_name(entry, material.name.strip(), table)
            if entry is None:
                merged[key] = MergedMaterial(
                    key=key,
                    name=material.name.strip(),
                    original_or_copy=material.original_or_copy,
                    count=material.count,
                    media=_MEDIUM_SETS[Medium(material.medium)],
                    required=material.required,
                    exempt=material.exempt,
                    deferrable=material.deferrable,
                    source=material.source,
                    issuing_body=material.issuing_body,
                    notes=[material.notes] if material.notes else [],
                    items=[ref],
                    names=[material.name.strip()],
                    stand_ins=[] if material.exempt else [stand_in.get(material.order)],
                )
            else:
                _merge_material(entry, material, ref, stand_in.get(material.order))
    return list(merged.values())


def _applicant_types(spec: dict[str, object]) -> set[str]:
    named = spec.get("applicant_types")
    if not isinstance(named, list) or not named:
        return set(APPLICANT_TYPES)
    return {str(t) for t in named if str(t) in APPLICANT_TYPES} or set(APPLICANT_TYPES)


def merge_form(versions: Iterable[tuple[ItemRef, ServiceItemVersion]]) -> list[MergedField]:
    """One application form for the bundle: each field asked once (see module doc)."""
    merged: dict[str, MergedField] = {}
    for ref, version in versions:
        for spec in version.form_fields or []:
            key = str(spec.get("key") or "").strip()
            if not key:
                continue
            types = _applicant_types(spec)
            entry = merged.get(key)
            if entry is None:
                merged[key] = MergedField(
                    key=key,
                    label=str(spec.get("label") or key),
                    type=str(spec.get("type") or "text"),
                    items=[ref],
                    applicant_types=types,
                )
            else:
                entry.applicant_types |= types
                if ref not in entry.items:
                    entry.items.append(ref)
    return list(merged.values())


@dataclass
class StageItem:
    """An item within a stage, with the figures the notice and the flowchart print."""

    ref: ItemRef
    version: ServiceItemVersion

    @property
    def promised_days(self) -> int:
        return 0 if self.version.is_instant else self.version.promised_limit

    @property
    def legal_days(self) -> int:
        return self.version.legal_limit

    @property
    def limit_label(self) -> str:
        if self.version.is_instant:
            return _("即办")
        return ngettext("承诺 %(days)s 个工作日", "承诺 %(days)s 个工作日", self.promised_days) % {
            "days": self.promised_days
        }


@dataclass
class Stage:
    order: int
    items: list[StageItem]

    @property
    def promised_days(self) -> int:
        """Items of a stage run in parallel: the stage takes as long as its slowest item."""
        return max((i.promised_days for i in self.items), default=0)

    @property
    def legal_days(self) -> int:
        return max((i.legal_days for i in self.items), default=0)

    @property
    def departments(self) -> list[str]:
        return _unique(i.ref.department for i in self.items)


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        value = (value or "").strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


def bundle_stages(bundle: Bundle) -> list[Stage]:
    """The bundle's stages with the published version of each item, in order. Expects the
    prefetches of `selectors.bundle_with_items`."""
    stages = []
    for stage in bundle.stages.all():
        items = []
        for entry in stage.entries.all():
            version = entry.item.published_version
            if version is None:  # cannot happen for a published bundle; skip defensively
                continue
            items.append(StageItem(ref=ItemRef.of(entry.item, version), version=version))
        if items:
            stages.append(Stage(order=stage.order, items=items))
    return stages


def total_promised_days(stages: Sequence[Stage]) -> int:
    """Σ over stages of the largest promised limit within the stage (即办 = 0)."""
    return sum(stage.promised_days for stage in stages)


def total_legal_days(stages: Sequence[Stage]) -> int:
    """Σ over stages of the largest legal limit within the stage."""
    return sum(stage.legal_days for stage in stages)


@dataclass
class BundleNotice:
    """Everything the 一次告知书 says, for the bundle page, the printable notice and its PDF."""

    bundle: Bundle
    stages: list[Stage]
    form: list[MergedField]
    materials: list[MergedMaterial]
    total_promised_days: int
    total_legal_days: int
    visits: int
    fully_online: bool
    locations: list[str]
    hours: list[str]
    consult_phones: list[str]
    complaint_channels: list[str]
    fees: list[tuple[str, str]]

    @property
    def items(self) -> list[StageItem]:
        return [item for stage in self.stages for item in stage.items]

    @property
    def departments(self) -> list[str]:
        return _unique(i.ref.department for i in self.items)

    @property
    def inactive_items(self) -> list[ItemRef]:
        return [i.ref for i in self.items if not i.ref.active]

    @property
    def visits_label(self) -> str:
        return visits_label(self.visits, fully_online=self.fully_online)

    @property
    def time_label(self) -> str:
        days = self.total_promised_days
        if days == 0:
            return _("即办（各事项均当场办结）")
        return ngettext("承诺 %(days)s 个工作日内办结", "承诺 %(days)s 个工作日内办结", days) % {
            "days": days
        }

    @property
    def online_label(self) -> str:
        if self.fully_online:
            return _("全程网办")
        if self._some_online:
            return _("网上申报")
        return _("窗口办理")

    @property
    def _some_online(self) -> bool:
        return any("online" in i.version.handling_forms for i in self.items)

    @property
    def online_detail(self) -> str:
        if self.fully_online:
            return _("全部事项均可在网上提交并领取结果，无需到现场。")
        if self._some_online:
            return _("可在网上一次提交申请和材料，部分事项需到窗口核验。")
        return _("请携带材料到综合窗口一次提交。")

    @property
    def fee_label(self) -> str:
        return _("不收费") if not self.fees else _("部分事项收费")

    def form_for(self, applicant_type: str) -> list[MergedField]:
        """The merged form as one applicant type fills it in: only the fields that apply."""
        return [f for f in self.form if f.applies_to(applicant_type)]

    @property
    def merged_materials(self) -> list[MergedMaterial]:
        """Entries made from differently named materials (what the merge table merged)."""
        return [m for m in self.materials if m.merged_from]

    @property
    def materials_to_submit(self) -> list[MergedMaterial]:
        return [m for m in self.materials if not m.exempt]

    @property
    def exempt_materials(self) -> list[MergedMaterial]:
        return [m for m in self.materials if m.exempt]

    # The guide's lists: 免提交 also for a material a valid licence stands in for (who holds one
    # is the application's question; materials_to_submit above is the catalogue's figure).

    @property
    def guide_materials_to_submit(self) -> list[MergedMaterial]:
        return [m for m in self.materials if not m.guide_exempt]

    @property
    def guide_exempt_materials(self) -> list[MergedMaterial]:
        return [m for m in self.materials if m.guide_exempt]


def visits_label(visits: int, *, fully_online: bool) -> str:
    """到现场次数 in plain words."""
    if visits == 0:
        return _("0 次（全程网办）") if fully_online else _("0 次（无需到现场）")
    if visits == 1:
        return _("最多跑一次")
    return _("最多跑 %(visits)s 次") % {"visits": visits}


def complaint_channels(channels: Iterable[str]) -> list[str]:
    """The items' complaint channels, with the 12345 hotline always present."""
    parts = _unique(p for c in channels for p in re.split(r"[；;]\s*", c or ""))
    if not any(_HOTLINE.search(p) for p in parts):
        parts.append(str(COMPLAINT_HOTLINE))
    return parts


def bundle_notice(bundle: Bundle) -> BundleNotice:
    """The 一次告知书 of a bundle. Expects the prefetches of `selectors.bundle_with_items`."""
    stages = bundle_stages(bundle)
    pairs = [(i.ref, i.version) for stage in stages for i in stage.items]
    versions = [v for _ref, v in pairs]
    return BundleNotice(
        bundle=bundle,
        stages=stages,
        form=merge_form(pairs),
        materials=merge_materials(pairs),
        total_promised_days=total_promised_days(stages),
        total_legal_days=total_legal_days(stages),
        visits=max((v.visits for v in versions), default=0),
        fully_online=bool(versions) and all(v.fully_online for v in versions),
        locations=_unique(v.location for v in versions),
        hours=_unique(v.hours for v in versions),
        consult_phones=_unique(v.consult_phone for v in versions),
        complaint_channels=complaint_channels(v.complaint_channel for v in versions),
        fees=[(v.name, v.fee_standard or "收费") for v in versions if v.has_fee],
    )
