"""Every read of cases, with the data scope applied: staff see the cases of the departments in
their scope, an applicant his own. Out of scope is 404, never 403."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.http import Http404

from yiwang.cases.fields import CaseStatus, PaymentStatus, WarningLevel
from yiwang.cases.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CaseNotice,
    CaseSnapshot,
    CorrectionRequest,
    SpecialProcedure,
)
from yiwang.catalog.models import Material, ProcessStep
from yiwang.common.prepared import Prepared
from yiwang.org import selectors as org_selectors
from yiwang.org.models import Applicant, Staff, User, UserKind
from yiwang.workdays.models import ClockPause

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


def case_visible_to(user: User, case: Case) -> bool:
    """Whether `user` may see `case` (read already): the rule cases_for applies in SQL, for one
    record — staff and system accounts: a department in their data scope, or a case they
    registered; a citizen or enterprise: his own. tests/cases/test_selectors.py holds the two
    to the same answer."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.kind in (UserKind.STAFF, UserKind.SYSTEM):
        scope = org_selectors.data_scope_for(user)
        return scope.contains(case.department) or case.created_by_id == user.pk
    return bool(case.applicant.user_id == user.pk)


# Hot reads (a status poll reads a case with all its child rows): compiled once per process
# (common.prepared); the case with what its detail shows in one statement.
CASE_RELATED = (
    *DETAIL_RELATED,
    "department__region",
    "pre_review_clock",
    "legal_clock",
    "promised_clock",
    "payment",
    "verification",
)
_CASE_BY_PK: Prepared[Case] = Prepared(
    lambda pk: Case.objects.select_related(*CASE_RELATED).filter(pk=pk), pk=int
)
_CASE_BY_NUMBER: Prepared[Case] = Prepared(
    lambda number: Case.objects.select_related(*CASE_RELATED).filter(number=number), number=str
)
_EVENTS: Prepared[CaseEvent] = Prepared(
    lambda case: CaseEvent.objects.filter(case_id=case).order_by("at", "id"), case=int
)
_MATERIALS_CURRENT: Prepared[CaseMaterial] = Prepared(
    lambda case: CaseMaterial.objects.filter(case_id=case, current=True).order_by(
        "order", "-uploaded_at"
    ),
    case=int,
)
_MATERIALS_ALL: Prepared[CaseMaterial] = Prepared(
    lambda case: CaseMaterial.objects.filter(case_id=case).order_by("order", "-uploaded_at"),
    case=int,
)
_NOTICES: Prepared[CaseNotice] = Prepared(
    lambda case: CaseNotice.objects.filter(case_id=case).order_by("issued_at", "id"), case=int
)
_CORRECTIONS: Prepared[CorrectionRequest] = Prepared(
    lambda case: CorrectionRequest.objects.filter(case_id=case).order_by("requested_at", "id"),
    case=int,
)
_PROCEDURES: Prepared[SpecialProcedure] = Prepared(
    lambda case: SpecialProcedure.objects.filter(case_id=case).order_by("started_on", "id"),
    case=int,
)
_VERSION_MATERIALS: Prepared[Material] = Prepared(
    lambda version: Material.objects.filter(version_id=version).order_by("order", "id"),
    version=int,
)
_VERSION_STEPS: Prepared[ProcessStep] = Prepared(
    lambda version: ProcessStep.objects.filter(version_id=version).order_by("order", "id"),
    version=int,
)
_PAUSES: Prepared[ClockPause] = Prepared(
    lambda clock: ClockPause.objects.filter(clock_id=clock).order_by("started_on", "id"),
    clock=int,
)


# A status poll: only what the scope check and the detail's live part need, with the stored
# detail (cases.api.snapshots) — one statement.
_STATUS_BY_PK: Prepared[Case] = Prepared(
    lambda pk: (
        Case.objects.select_related("department__region", "applicant", "snapshot")
        .only(
            "id",
            "status",
            "updated_at",
            "detail_key",
            "created_by_id",
            "department__id",
            "department__name",
            "department__region__id",
            "department__region__code",
            "applicant__id",
            "applicant__user_id",
            "applicant__kind",
            "applicant__name",
            "applicant__id_number",
            "applicant__uscc",
            "applicant__phone",
            "snapshot__key",
            "snapshot__day",
            "snapshot__format",
            "snapshot__body",
        )
        .filter(pk=pk)
    ),
    pk=int,
)


def _found(user: User, case: Case | None) -> Case:
    if case is None or not case_visible_to(user, case):
        raise Http404(CASE_NOT_FOUND)
    return case


# Larger ids do not fit the databases' 64-bit keys (SQLite raises OverflowError): none exists.
MAX_PK = 2**63 - 1


def _case_pk(pk: int | str) -> int:
    try:
        value = int(pk)
    except (TypeError, ValueError):
        raise Http404(CASE_NOT_FOUND) from None
    if not 0 < value <= MAX_PK:
        raise Http404(CASE_NOT_FOUND)
    return value


def case_get_for(*, user: User, pk: int | str) -> Case:
    """The case `pk` if `user` may see it, else 404 (unknown and out of scope alike)."""
    pk = _case_pk(pk)
    if not getattr(user, "is_authenticated", False):
        raise Http404(CASE_NOT_FOUND)
    return _found(user, _CASE_BY_PK.first(pk=pk))


def case_status_for(*, user: User, pk: int | str) -> tuple[Case, CaseSnapshot | None]:
    """The case `pk` as a status poll reads it (scope checked as case_get_for does): a partial
    case (the scope's fields, status, updated_at, detail_key, the department's name, the
    applicant) and its stored detail, if there is one."""
    pk = _case_pk(pk)
    if not getattr(user, "is_authenticated", False):
        raise Http404(CASE_NOT_FOUND)
    case = _found(user, _STATUS_BY_PK.first(pk=pk))
    return case, getattr(case, "snapshot", None)


def case_read_for_system(pk: int) -> Case | None:
    """The case `pk` with what its detail shows, outside any scope: for the system's own
    work (rendering stored details), never for an answer to a user."""
    return _CASE_BY_PK.first(pk=pk)


def stale_snapshot_ids(*, format: int, today: Any) -> QuerySet[Any]:
    """Ids of the cases whose stored detail is missing or no longer current (another key, an
    older format, or counted up to a day before `today`), in id order."""
    from django.db.models import F

    stale = (
        Q(snapshot__isnull=True)
        | ~Q(snapshot__key=F("detail_key"))
        | ~Q(snapshot__format=format)
        | Q(snapshot__day__lt=today)
    )
    return Case.objects.filter(stale).order_by("pk").values_list("pk", flat=True)


def case_by_number_for(*, user: User, number: str) -> Case:
    if not getattr(user, "is_authenticated", False):
        raise Http404(CASE_NOT_FOUND)
    return _found(user, _CASE_BY_NUMBER.first(number=str(number)))


def case_history(case: Case) -> list[CaseEvent]:
    return _EVENTS.objects(case=case.pk)


def case_materials(case: Case, *, current_only: bool = True) -> list[CaseMaterial]:
    return (_MATERIALS_CURRENT if current_only else _MATERIALS_ALL).objects(case=case.pk)


def case_notices(case: Case) -> list[CaseNotice]:
    return _NOTICES.objects(case=case.pk)


@dataclass(frozen=True)
class CaseRecord:
    """A case with every child row its detail shows (the API's answer, docs/api.md "Cases"),
    each read by key."""

    case: Case
    history: list[CaseEvent]
    materials: list[CaseMaterial]  # the current ones
    notices: list[CaseNotice]
    corrections: list[CorrectionRequest]
    special_procedures: list[SpecialProcedure]
    required_materials: list[Material]  # the version's
    steps: list[ProcessStep]  # the version's whole process
    legal_pauses: list[ClockPause]  # of the legal clock, if any


def case_record(case: Case) -> CaseRecord:
    """Everything the detail of `case` shows. `case` must have been read through the scope (or
    just written by the services for its caller)."""
    return CaseRecord(
        case=case,
        history=case_history(case),
        materials=case_materials(case),
        notices=case_notices(case),
        corrections=_CORRECTIONS.objects(case=case.pk),
        special_procedures=_PROCEDURES.objects(case=case.pk),
        required_materials=_VERSION_MATERIALS.objects(version=case.version_id),
        steps=_VERSION_STEPS.objects(version=case.version_id),
        legal_pauses=_PAUSES.objects(clock=case.legal_clock_id) if case.legal_clock_id else [],
    )


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
