"""Reads of the catalogue. Public reads see published, active items only; staff reads are
limited to the departments in the user's data scope."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from yiwang.org import selectors as org_selectors
from yiwang.org.models import User

from .models import (
    AdjustmentLog,
    BaseItem,
    Bundle,
    BundleStage,
    BundleStageItem,
    BundleStatus,
    ItemStatus,
    ServiceItem,
    ServiceItemVersion,
)

VERSION_DETAIL_PREFETCH = ("materials", "steps", "special_procedures")


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


def bundle_with_items(bundle: Bundle) -> Bundle:
    """The bundle with stages → entries → items → published versions and their materials."""
    entries = BundleStageItem.objects.select_related(
        "item__published_version", "item__department"
    ).prefetch_related("item__published_version__materials")
    stages = BundleStage.objects.prefetch_related(Prefetch("entries", queryset=entries))
    return (
        Bundle.objects.select_related("lead_department")
        .prefetch_related(Prefetch("stages", queryset=stages))
        .get(pk=bundle.pk)
    )


def published_bundle_by_code(code: str) -> Bundle | None:
    bundle = published_bundles().filter(code=code).first()
    return bundle_with_items(bundle) if bundle else None


def item_list_for(*, user: User) -> QuerySet[ServiceItem]:
    """Items of the departments in the user's data scope (any status)."""
    scope = org_selectors.data_scope_for(user)
    return scope.filter(
        ServiceItem.objects.select_related("published_version", "department", "region", "base")
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
        ServiceItemVersion.objects.filter(status="submitted").select_related("item__department"),
        path="item__department",
    ).order_by("submitted_at")


def open_version(item: ServiceItem) -> ServiceItemVersion | None:
    """The version being compiled or reviewed, if any."""
    return item.versions.exclude(status__in=["published", "superseded"]).order_by("-number").first()


def adjustment_log(item: ServiceItem) -> QuerySet[AdjustmentLog]:
    return item.adjustments.select_related("version")


def base_items() -> QuerySet[BaseItem]:
    return BaseItem.objects.all()
