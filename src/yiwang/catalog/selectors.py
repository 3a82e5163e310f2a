"""Reads of the catalogue. Public reads see published, active items only; staff reads are
limited to the departments in the user's data scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from yiwang.catalog.models import (
    MATERIAL_FIELDS,
    MATERIAL_FILE_FIELDS,
    OPEN_VERSION_STATUSES,
    PROCEDURE_FIELDS,
    PUBLIC_VERSION_STATUSES,
    STEP_FIELDS,
    AdjustmentLog,
    BaseItem,
    Bundle,
    BundleStage,
    BundleStageItem,
    BundleStatus,
    ItemStatus,
    Material,
    ProcessStep,
    ServiceItem,
    ServiceItemVersion,
    SpecialProcedure,
    VersionStatus,
)
from yiwang.org import selectors as org_selectors
from yiwang.org.models import User

VERSION_DETAIL_PREFETCH = ("materials", "steps", "special_procedures", "intermediaries")


def published_items() -> QuerySet[ServiceItem]:
    """Items a citizen can see and apply for: active, with a published version."""
    return ServiceItem.objects.filter(
        status=ItemStatus.ACTIVE, published_version__isnull=False
    ).select_related("published_version", "department", "region", "base")


def published_item_by_code(code: str) -> ServiceItem | None:
    return (
        published_items()
        .prefetch_related(*(f"published_version__{p}" for p in VERSION_DETAIL_PREFETCH))
        .filter(code=code)
        .first()
    )


def published_bundles() -> QuerySet[Bundle]:
    return Bundle.objects.filter(status=BundleStatus.PUBLISHED).select_related("lead_department")


def with_items(bundles: QuerySet[Bundle]) -> QuerySet[Bundle]:
    """The bundles with stages → entries → items → published versions and their materials,
    in a fixed number of queries however many bundles there are."""
    entries = BundleStageItem.objects.select_related(
        "item__published_version", "item__department", "item__base"
    ).prefetch_related("item__published_version__materials")
    stages = BundleStage.objects.prefetch_related(Prefetch("entries", queryset=entries))
    return bundles.select_related("lead_department").prefetch_related(
        Prefetch("stages", queryset=stages)
    )


def bundle_with_items(bundle: Bundle) -> Bundle:
    """The bundle with stages → entries → items → published versions and their materials."""
    return with_items(Bundle.objects.all()).get(pk=bundle.pk)


def published_bundle_by_code(code: str) -> Bundle | None:
    bundle = published_bundles().filter(code=code).first()
    return bundle_with_items(bundle) if bundle else None


def item_list_for(*, user: User) -> QuerySet[ServiceItem]:
    """Items of the departments in the user's data scope (any status)."""
    scope = org_selectors.data_scope_for(user)
    return scope.filter(
        ServiceItem.objects.select_related("published_version", "department", "region", "base")
    )


def managed_items_for(*, user: User) -> QuerySet[ServiceItem]:
    """The scoped items with the primary key of each one's open version (`open_version_pk`,
    None when there is none), read in the same query."""
    open_versions = ServiceItemVersion.objects.filter(
        item=OuterRef("pk"), status__in=OPEN_VERSION_STATUSES
    ).order_by("-number")
    return item_list_for(user=user).annotate(
        open_version_pk=Subquery(open_versions.values("pk")[:1])
    )


def item_get_for(*, user: User, pk: int) -> ServiceItem:
    return org_selectors.get_in_scope_or_404(item_list_for(user=user), pk=pk)


def version_get_for(*, user: User, pk: int) -> ServiceItemVersion:
    scope = org_selectors.data_scope_for(user)
    qs = scope.filter(
        ServiceItemVersion.objects.select_related("item__department").prefetch_related(
            *VERSION_DETAIL_PREFETCH
        ),
        path="item__department",
    )
    return org_selectors.get_in_scope_or_404(qs, pk=pk)


def versions_awaiting_review(*, user: User) -> QuerySet[ServiceItemVersion]:
    scope = org_selectors.data_scope_for(user)
    return scope.filter(
        ServiceItemVersion.objects.filter(status=VersionStatus.SUBMITTED).select_related(
            "item__department"
        ),
        path="item__department",
    ).order_by("submitted_at")


def open_version(item: ServiceItem) -> ServiceItemVersion | None:
    """The version being compiled or reviewed, if any."""
    return item.versions.filter(status__in=OPEN_VERSION_STATUSES).order_by("-number").first()


def adjustment_log(item: ServiceItem) -> QuerySet[AdjustmentLog]:
    return item.adjustments.select_related("version")


def base_items() -> QuerySet[BaseItem]:
    return BaseItem.objects.all()


# --- Workbench pages (事项库、审核) ------------------------------------------------------------
# Reads behind the staff pages: the filtered item list, the grouped elements of a version and
# the difference between a submitted version and the published one.

ELEMENT_GROUPS: list[tuple[str, list[str]]] = [
    (
        "基本信息",
        [
            "name",
            "base_code",
            "item_type",
            "competent_department",
            "implementing_body",
            "legal_basis",
            "exercise_level",
            "body_nature",
            "entrusting_department",
            "power_source",
            "joint_bodies",
        ],
    ),
    (
        "办理信息",
        [
            "service_objects",
            "conditions",
            "quantity_limit",
            "location",
            "hours",
            "legal_limit",
            "promised_limit",
            "handling_kind",
            "visits",
            "handling_forms",
        ],
    ),
    ("审批结果", ["result_type", "result_name", "delivery_methods"]),
    ("收费", ["has_fee", "fee_standard", "fee_basis", "online_payment"]),
    (
        "标识",
        [
            "online_depth",
            "fully_online",
            "service_scope",
            "appointment",
            "express_delivery",
            "in_hall",
            "commitment_based",
            "self_service_24h",
        ],
    ),
    ("咨询与监督", ["faq", "consult_phone", "complaint_channel"]),
    ("申请表", ["form_fields"]),
]

# Rows are matched by name; these are the attributes whose change the review diff shows.
MATERIAL_COMPARED = [f for f in MATERIAL_FIELDS if f not in ("order", "name")]
STEP_COMPARED = [f for f in STEP_FIELDS if f not in ("order", "name")]
PROCEDURE_COMPARED = [f for f in PROCEDURE_FIELDS if f != "name"]


def item_search_for(
    *,
    user: User,
    status: str = "",
    department_id: int | None = None,
    item_type: str = "",
    query: str = "",
) -> QuerySet[ServiceItem]:
    """The workbench item list: scoped items, filtered, each annotated with the status and
    number of its open (unpublished) version."""
    qs = item_list_for(user=user)
    if status:
        qs = qs.filter(status=status)
    if department_id:
        qs = qs.filter(department_id=department_id)
    if item_type:
        qs = qs.filter(base__item_type=item_type)
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(code__icontains=query)
            | Q(base__code__icontains=query)
            | Q(base__name__icontains=query)
            | Q(published_version__name__icontains=query)
        )
    open_versions = ServiceItemVersion.objects.filter(
        item=OuterRef("pk"), status__in=OPEN_VERSION_STATUSES
    ).order_by("-number")
    return qs.annotate(
        open_version_status=Subquery(open_versions.values("status")[:1]),
        open_version_number=Subquery(open_versions.values("number")[:1]),
    ).order_by("code")


def item_page_for(*, user: User, pk: int) -> ServiceItem:
    """One scoped item with its published version's lists loaded (404 outside the scope)."""
    qs = item_list_for(user=user).prefetch_related(
        *(f"published_version__{p}" for p in VERSION_DETAIL_PREFETCH)
    )
    return org_selectors.get_in_scope_or_404(qs, pk=pk)


def item_versions(item: ServiceItem) -> QuerySet[ServiceItemVersion]:
    """Every version of the item, newest first (the version history)."""
    return item.versions.select_related("created_by__staff", "reviewed_by__staff").order_by(
        "-number"
    )


def item_adjustments(item: ServiceItem) -> QuerySet[AdjustmentLog]:
    """The dynamic-adjustment log as the item page shows it: newest first, with who did it."""
    return item.adjustments.select_related("version", "actor__staff").order_by("-created_at", "-id")


def base_item_search(*, query: str = "", limit: int = 50) -> list[BaseItem]:
    """Base-catalogue items to claim, by name or code."""
    qs = BaseItem.objects.all()
    query = (query or "").strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query))
    return list(qs.order_by("code")[:limit])


@dataclass(frozen=True)
class ElementRow:
    field: str
    label: str
    value: str
    old: str = ""
    changed: bool = False


@dataclass(frozen=True)
class ElementGroup:
    label: str
    rows: list[ElementRow]

    @property
    def changed_count(self) -> int:
        return sum(1 for r in self.rows if r.changed)


@dataclass(frozen=True)
class RowChange:
    """A material, step or special procedure compared by name across two versions."""

    name: str
    kind: str  # "added" | "removed" | "changed" | "same"
    changes: list[str] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return {"added": "新增", "removed": "删除", "changed": "修改", "same": "未变"}[self.kind]


@dataclass(frozen=True)
class VersionDiff:
    against: ServiceItemVersion | None
    groups: list[ElementGroup]
    materials: list[RowChange]
    steps: list[RowChange]
    special_procedures: list[RowChange]

    @property
    def changed_count(self) -> int:
        rows = [*self.materials, *self.steps, *self.special_procedures]
        return sum(g.changed_count for g in self.groups) + sum(r.kind != "same" for r in rows)


def _model_label(model: type, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)  # type: ignore[attr-defined]


def display_value(obj: object, name: str) -> str:
    """An element as a person reads it: choice labels, 是/否, lists joined with 、."""
    value = getattr(obj, name)
    if name == "handling_forms":
        return "、".join(obj.handling_form_labels) or "—"  # type: ignore[attr-defined]
    if name == "form_fields":
        return "、".join(str(f.get("label") or f.get("key")) for f in value or []) or "—"
    if name == "service_objects":
        return "、".join(obj.service_object_labels) or "—"  # type: ignore[attr-defined]
    if name == "delivery_methods":
        return "、".join(obj.delivery_method_labels) or "—"  # type: ignore[attr-defined]
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    display = getattr(obj, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    if value is None or value == "":
        return "—"
    return str(value)


def version_elements(version: ServiceItemVersion) -> list[ElementGroup]:
    """The version's elements in the groups of the guide (基本信息, 办理信息 …)."""
    return [
        ElementGroup(
            label,
            [
                ElementRow(f, _model_label(ServiceItemVersion, f), display_value(version, f))
                for f in fields
            ],
        )
        for label, fields in ELEMENT_GROUPS
    ]


def _compare_rows(
    new: list, old: list, compared: list[str], model: type, files: tuple[str, ...] = ()
) -> list[RowChange]:
    old_by_name = {r.name: r for r in old}
    new_names = {r.name for r in new}
    changes: list[RowChange] = []
    for row in new:
        before = old_by_name.get(row.name)
        if before is None:
            changes.append(RowChange(row.name, "added"))
            continue
        diffs = [
            f"{_model_label(model, f)}：{display_value(before, f)} → {display_value(row, f)}"
            for f in compared
            if getattr(before, f) != getattr(row, f)
        ]
        # A replaced blank form or sample is a change citizens see, though no text changed.
        diffs += [
            f"{_model_label(model, f)}：已更换"
            for f in files
            if (getattr(before, f).name or "") != (getattr(row, f).name or "")
        ]
        changes.append(RowChange(row.name, "changed" if diffs else "same", diffs))
    changes += [RowChange(r.name, "removed") for r in old if r.name not in new_names]
    return changes


def version_diff(version: ServiceItemVersion, against: ServiceItemVersion | None) -> VersionDiff:
    """What `version` changes compared with `against` (normally the published version).
    Without a version to compare with, every element counts as new."""
    groups = []
    for label, fields in ELEMENT_GROUPS:
        rows = []
        for f in fields:
            value = display_value(version, f)
            old = display_value(against, f) if against is not None else ""
            changed = against is not None and getattr(version, f) != getattr(against, f)
            rows.append(ElementRow(f, _model_label(ServiceItemVersion, f), value, old, changed))
        groups.append(ElementGroup(label, rows))
    old_materials = list(against.materials.all()) if against else []
    old_steps = list(against.steps.all()) if against else []
    old_procedures = list(against.special_procedures.all()) if against else []
    return VersionDiff(
        against=against,
        groups=groups,
        materials=_compare_rows(
            list(version.materials.all()),
            old_materials,
            MATERIAL_COMPARED,
            Material,
            files=tuple(MATERIAL_FILE_FIELDS),
        ),
        steps=_compare_rows(list(version.steps.all()), old_steps, STEP_COMPARED, ProcessStep),
        special_procedures=_compare_rows(
            list(version.special_procedures.all()),
            old_procedures,
            PROCEDURE_COMPARED,
            SpecialProcedure,
        ),
    )


def material_for_download(*, user: User, pk: int) -> Material:
    """A material whose blank form or sample file `user` may download: every material of a
    version whose guide is public (published or superseded, item active), and, for staff,
    every material of a version in their data scope (drafts included). Anything else is 404,
    so a draft's file does not reveal that it exists."""
    public = Q(
        version__status__in=PUBLIC_VERSION_STATUSES,
        version__item__status=ItemStatus.ACTIVE,
    )
    in_scope = org_selectors.data_scope_for(user).department_q("version__item__department")
    return org_selectors.get_in_scope_or_404(  # type: ignore[no-any-return]
        Material.objects.select_related("version__item").filter(public | in_scope), pk=pk
    )


def version_for_result_sample(*, user: User, pk: int) -> ServiceItemVersion:
    """A version whose 审批结果样本 `user` may download, on the same terms as a material's
    files (material_for_download): public versions of active items for everyone, versions in
    the caller's data scope for staff; anything else is 404."""
    public = Q(status__in=PUBLIC_VERSION_STATUSES, item__status=ItemStatus.ACTIVE)
    in_scope = org_selectors.data_scope_for(user).department_q("item__department")
    return org_selectors.get_in_scope_or_404(  # type: ignore[no-any-return]
        ServiceItemVersion.objects.select_related("item").filter(public | in_scope), pk=pk
    )
