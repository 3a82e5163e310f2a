"""Every read of bundle cases (一件事办件), with the data scope applied: staff of the bundle's
lead department (牵头部门, and those whose scope holds it) see the whole bundle — every child
case's status and the one timeline —, as does the clerk who registered it; an applicant his
own. Out of scope is 404. The child cases themselves stay the ordinary cases' (cases.selectors)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from yiwang.cases.models import BundleCase, BundleEvent, BundleMaterial, Case, CaseEvent
from yiwang.catalog import selectors as catalog_selectors
from yiwang.catalog.guides.bundles import BundleNotice, bundle_notice
from yiwang.org import selectors as org_selectors
from yiwang.org.models import Staff, User, UserKind

BUNDLE_NOT_FOUND = "未找到该一件事申请。"
# Child-case history lines the bundle's own lines already say (made, submitted with the
# stage, the applicant's edits and uploads before it).
QUIET_ACTIONS = frozenset({"create", "submit", "update", "material"})


def _base() -> QuerySet[BundleCase]:
    return BundleCase.objects.select_related(
        "bundle", "department", "applicant", "joint_clock", "stopped_by"
    )


def bundle_cases_for(*, user: User) -> QuerySet[BundleCase]:
    if not getattr(user, "is_authenticated", False):
        return BundleCase.objects.none()
    if user.kind in (UserKind.STAFF, UserKind.SYSTEM):
        scope = org_selectors.data_scope_for(user)
        if scope.everything:
            return _base()
        return _base().filter(scope.department_q() | Q(created_by_id=user.pk))
    return _base().filter(applicant__user=user)


def bundle_case_get_for(*, user: User, pk: int | str) -> BundleCase:
    try:
        return bundle_cases_for(user=user).get(pk=int(pk))
    except (BundleCase.DoesNotExist, ValueError, TypeError):
        raise Http404(BUNDLE_NOT_FOUND) from None


def bundle_of_case(*, user: User, case: Case) -> tuple[BundleCase | None, bool]:
    """The bundle a child case belongs to, and whether `user` may open its page (the lead
    department's scope); (None, False) for an ordinary case."""
    if case.bundle_case_id is None:
        return None, False
    bundle_case = _base().get(pk=case.bundle_case_id)
    visible = bundle_cases_for(user=user).filter(pk=bundle_case.pk).exists()
    return bundle_case, visible


def lead_admins(bundle_case: BundleCase, *, limit: int = 20) -> list[User]:
    """The lead department's administrators (told of the joint clock's warning and overdue)."""
    return [
        s.user
        for s in Staff.objects.filter(
            department_id=bundle_case.department_id,
            user__is_active=True,
            user__groups__name="department_admin",
        )
        .select_related("user")
        .distinct()[:limit]
    ]


def bundle_children(bundle_case: BundleCase) -> list[Case]:
    """The child cases, stage by stage."""
    return list(
        Case.objects.filter(bundle_case=bundle_case)
        .select_related("item", "version", "department")
        .order_by("stage", "id")
    )


def bundle_notice_for(bundle_case: BundleCase) -> BundleNotice:
    """The bundle's stages, merged form and materials, as its items are published now."""
    return bundle_notice(catalog_selectors.bundle_with_items(bundle_case.bundle))


def bundle_materials(bundle_case: BundleCase) -> list[BundleMaterial]:
    return list(bundle_case.materials.filter(current=True).order_by("key"))


def bundle_draft_for(*, user: User, bundle_code: str) -> BundleCase | None:
    """The applicant's unsubmitted application for the bundle, if any (to finish it)."""
    return (
        bundle_cases_for(user=user)
        .filter(bundle__code=bundle_code, status="draft", applicant__user=user)
        .first()
    )


@dataclass(frozen=True)
class TimelineEntry:
    """A line of the one timeline: the bundle's own, or a child case's (with its item)."""

    at: dt.datetime
    label: str
    note: str
    item: str = ""
    department: str = ""
    case_number: str = ""


def bundle_timeline(bundle_case: BundleCase) -> list[TimelineEntry]:
    """The bundle's history and its child cases' in one list, oldest first."""
    entries = [
        TimelineEntry(at=e.at, label=e.label, note=e.note)
        for e in BundleEvent.objects.filter(bundle_case=bundle_case).order_by("at", "id")
    ]
    child_events = (
        CaseEvent.objects.filter(case__bundle_case=bundle_case)
        .exclude(action__in=QUIET_ACTIONS)
        .select_related("case__version", "case__department")
        .order_by("at", "id")
    )
    entries += [
        TimelineEntry(
            at=e.at,
            label=e.label,
            note=e.note,
            item=e.case.version.name,
            department=e.case.department.name,
            case_number=e.case.number,
        )
        for e in child_events
    ]
    return sorted(entries, key=lambda e: e.at)
