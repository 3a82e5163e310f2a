"""Reads of the catalogue. Public reads see published, active items only; staff reads are
limited to the departments in the user's data scope."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from yiwang.catalog.models import (
    OPEN_VERSION_STATUSES,
    PUBLIC_VERSION_STATUSES,
    AdjustmentLog,
    BaseItem,
    Bundle,
    BundleStage,
    BundleStageItem,
    BundleStatus,
    ItemStatus,
    Material,
    ServiceItem,
    ServiceItemVersion,
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


def bundle_list_for(*, user: User) -> QuerySet[Bundle]:
    """Bundles led by a department in the user's data scope (any status), with the number of
    stages and of items (一件事管理)."""
    scope = org_selectors.data_scope_for(user)
    return (
        scope.filter(Bundle.objects.select_related("lead_department"), path="lead_department")
        .annotate(
            stage_count=Count("stages", distinct=True),
            item_count=Count("stages__entries", distinct=True),
        )
        .order_by("code")
    )


def bundle_page_for(*, user: User, pk: int) -> Bundle:
    """One scoped bundle with its stages and items (404 outside the scope)."""
    scope = org_selectors.data_scope_for(user)
    return org_selectors.get_in_scope_or_404(
        with_items(scope.filter(Bundle.objects.all(), path="lead_department")), pk=pk
    )


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
# Reads behind the staff pages: the filtered item list and the item page (how a version's
# elements are shown and compared is catalog.presenters).


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
