"""Every read of cases, with the data scope applied: staff see the cases of the departments in
their scope, an applicant his own. Out of scope is 404, never 403."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.http import Http404

from yiwang.cases.fields import CaseStatus, PaymentStatus, WarningLevel
from yiwang.cases.models import Case, CaseEvent, CaseMaterial, CaseNotice
from yiwang.org import selectors as org_selectors
from yiwang.org.models import Applicant, Staff, User, UserKind

CASE_NOT_FOUND = "未找到该办件。"
DETAIL_RELATED = ("item", "version", "department", "applicant", "window", "assignee")


def _base() -> QuerySet[Case]:
    return Case.objects.select_related(*DETAIL_RELATED)


def applicant_for(user: User) -> Applicant | None:
    """The applicant profile of a citizen's or enterprise's account."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Applicant.objects.filter(user=user).first()


def cases_for(*, user: User) -> QuerySet[Case]:
    """The cases `user` may see: staff (and system accounts) those of the departments in their
    data scope; a citizen or enterprise his own; anyone else none."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    if user.kind in (UserKind.STAFF, UserKind.SYSTEM):
        # 无差别受理: a 综合窗口 clerk registers applications for other departments' items; he
        # keeps seeing the ones he registered (to accept them, hand out the result).
        scope = org_selectors.data_scope_for(user)
        if scope.everything:  # an empty Q() | Q(…) would be only the second condition
            return _base()
        return _base().filter(scope.department_q() | Q(created_by_id=user.pk))
    return _base().filter(applicant__user=user)


def case_get_for(*, user: User, pk: int | str) -> Case:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(CASE_NOT_FOUND) from None
    case = cases_for(user=user).filter(pk=pk).first()
    if case is None:
        raise Http404(CASE_NOT_FOUND)
    return case


def case_by_number_for(*, user: User, number: str) -> Case:
    case = cases_for(user=user).filter(number=number).first()
    if case is None:
        raise Http404(CASE_NOT_FOUND)
    return case


def case_history(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("at", "id")


def case_materials(case: Case, *, current_only: bool = True) -> QuerySet[CaseMaterial]:
    rows = case.materials.order_by("order", "-uploaded_at")
    return rows.filter(current=True) if current_only else rows


def case_notices(case: Case) -> QuerySet[CaseNotice]:
    return case.notices.order_by("issued_at", "id")


def material_get_for(*, user: User, case_pk: int, pk: int) -> CaseMaterial:
    case = case_get_for(user=user, pk=case_pk)
    row = case.materials.filter(pk=pk).exclude(file="").first()
    if row is None:
        raise Http404("未找到该材料。")
    return row


def notice_get_for(*, user: User, case_pk: int, pk: int) -> CaseNotice:
    case = case_get_for(user=user, pk=case_pk)
    notice = case.notices.filter(pk=pk).first()
    if notice is None:
        raise Http404("未找到该文书。")
    return notice


# --- Queues (工作台) ---------------------------------------------------------------------------

QUEUES: dict[str, tuple[str, Q]] = {
    "intake": ("待受理", Q(status=CaseStatus.SUBMITTED)),
    "correction": ("待补正", Q(status=CaseStatus.CORRECTION)),
    "review": ("待审批", Q(status=CaseStatus.IN_REVIEW)),
    "warning": ("即将超期", Q(status=CaseStatus.IN_REVIEW, warning=WarningLevel.WARNING)),
    "overdue": ("已超期", Q(status=CaseStatus.IN_REVIEW, warning=WarningLevel.OVERDUE)),
    "hand_out": ("待出件", Q(status=CaseStatus.CONCLUDED)),
    "unpaid": ("待缴费", Q(status=CaseStatus.CONCLUDED, payment_status=PaymentStatus.PENDING)),
}


def queue_for(*, user: User, queue: str) -> QuerySet[Case]:
    if queue not in QUEUES:
        raise Http404("没有这个队列。")
    order = ("promised_deadline", "submitted_at", "id")
    return cases_for(user=user).filter(QUEUES[queue][1]).order_by(*order)


def queue_counts_for(*, user: User) -> dict[str, int]:
    """How many cases each queue holds, in one query."""
    from django.db.models import Count

    # Aliased: an aggregate named like a field it filters on (warning) would shadow it.
    aggregates = {f"queue_{key}": Count("pk", filter=q) for key, (_, q) in QUEUES.items()}
    counts = cases_for(user=user).aggregate(**aggregates)
    return {key: counts[f"queue_{key}"] or 0 for key in QUEUES}


# Cases past delivery (or never accepted, or withdrawn) that wait to be archived: the
# workbench's 待归档 list, with its bulk archive.
ARCHIVABLE = Q(status__in=[CaseStatus.DELIVERED, CaseStatus.NOT_ACCEPTED, CaseStatus.WITHDRAWN])


def archivable_for(*, user: User) -> QuerySet[Case]:
    return cases_for(user=user).filter(ARCHIVABLE).order_by("updated_at", "id")


def window_drafts_for(*, user: User) -> QuerySet[Case]:
    """Applications the staff member started at the window and has not submitted yet."""
    return cases_for(user=user).filter(status=CaseStatus.DRAFT, created_by_id=user.pk)


def intake_items_for(*, user: User, query: str = "") -> QuerySet[Any]:
    """Published items `user` may register a walk-in application for — the rule
    services.case_create enforces: any item at a 综合窗口 (无差别受理, and for a superuser), his
    department's at a 专窗 or without a window; none without cases.accept_case. `query`
    narrows them by a part of the name or the start of the code."""
    from yiwang.catalog.selectors import published_items
    from yiwang.org.models import WindowKind

    items = published_items().order_by("department__name", "published_version__name", "code")
    query = query.strip()
    if query:
        items = items.filter(
            Q(published_version__name__icontains=query) | Q(code__startswith=query)
        )
    if not user.has_perm("cases.accept_case"):
        return items.none()
    if user.is_superuser:
        return items
    staff = org_selectors.staff_for_user(user)
    if staff is None:
        return items.none()
    window = staff.window if staff.window_id else None
    if window is not None and window.kind == WindowKind.COMPREHENSIVE:
        return items
    return items.filter(department_id=staff.department_id)


def applicant_find_for(*, user: User, id_number: str = "", uscc: str = "") -> Applicant | None:
    """The applicant in `user`'s scope with this resident-ID number (a person) or unified
    social credit code (an enterprise): the window's look-up before registering a walk-in."""
    if id_number.strip():
        return org_selectors.applicant_find_by_id_number(user=user, id_number=id_number)
    code = "".join(uscc.split()).upper()
    if code:
        return org_selectors.applicant_list_for(user=user).filter(uscc=code).first()
    return None


def case_list_for(
    *,
    user: User,
    status: str | None = None,
    department: int | None = None,
    overdue: bool | None = None,
    channel: str | None = None,
    item: str | None = None,
) -> QuerySet[Case]:
    rows = cases_for(user=user)
    if status:
        rows = rows.filter(status=status)
    if department:
        rows = rows.filter(department_id=department)
    if overdue is True:
        rows = rows.filter(ever_overdue=True)
    elif overdue is False:
        rows = rows.filter(ever_overdue=False)
    if channel:
        rows = rows.filter(channel=channel)
    if item:
        rows = rows.filter(item__code=item)
    return rows.order_by("-created_at", "-id")


# --- Who is told (notifications) ---------------------------------------------------------------


def _holders(permission: str) -> Q:
    app_label, codename = permission.split(".")
    perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return Q(user__groups__permissions__in=perm) | Q(user__user_permissions__in=perm)


def intake_staff(case: Case, *, limit: int = 20) -> list[User]:
    """The department's staff who accept cases (for a new or resubmitted application)."""
    staff = (
        Staff.objects.filter(department_id=case.department_id, user__is_active=True)
        .filter(_holders("cases.accept_case"))
        .select_related("user")
        .distinct()[:limit]
    )
    return [s.user for s in staff]


def responsible_staff(case: Case, *, limit: int = 20) -> list[User]:
    """The assignee and the department's administrators (warnings, overdue, chasing)."""
    admins = (
        Staff.objects.filter(department_id=case.department_id, user__is_active=True)
        .filter(user__groups__name="department_admin")
        .select_related("user")
        .distinct()[:limit]
    )
    users = [s.user for s in admins]
    if case.assignee_id and case.assignee not in users:
        users.insert(0, case.assignee)  # type: ignore[arg-type]
    return users


def form_prefill(*, version: Any, applicant: Applicant) -> dict[str, str]:
    """Values the applicant's profile already holds, for the form fields of `version`:
    name, ID number, phone, USCC, legal representative (the citizen checks and completes)."""
    values: dict[str, str] = {}
    for spec in version.form_fields or []:
        key, kind = spec.get("key", ""), spec.get("type", "text")
        if kind == "id_number" and applicant.id_number:
            values[key] = applicant.id_number.reveal()  # type: ignore[attr-defined]
        elif kind == "phone" and applicant.phone:
            values[key] = applicant.phone.reveal()  # type: ignore[attr-defined]
        elif kind == "uscc" and applicant.uscc:
            values[key] = applicant.uscc
        elif key in ("applicant_name", "entity_name", "name"):
            values[key] = applicant.name
        elif key == "legal_representative" and applicant.legal_representative:
            values[key] = applicant.legal_representative
    return values
