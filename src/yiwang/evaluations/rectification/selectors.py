"""Every read of rectification tasks (差评整改): the department's queues, a task, the bureau's
board, and who is told. Staff reads apply the data scope (org.scope.DataScope on the task's
department): a task out of scope is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from yiwang.evaluations.models import Rating, Rectification, RectificationEvidence
from yiwang.evaluations.rectification.fields import (
    OPEN_STATES,
    Escalation,
    RectificationStatus,
)
from yiwang.org.models import Department, Staff, User
from yiwang.org.selectors import data_scope_for, get_in_scope_or_404

S = RectificationStatus

# The queues of the department's page: key → (name, filter). Names are Chinese, marked where
# the views list them. 已超期 is by today's date (overdue_q), not a stored state.
QUEUES: dict[str, tuple[str, Q]] = {
    "verifying": ("待核实", Q(status=S.VERIFYING)),
    "verified": ("待定性", Q(status=S.VERIFIED)),
    "rectifying": ("整改中", Q(status=S.RECTIFYING)),
    "appealed": ("申诉复核中", Q(status=S.APPEALED)),
    "follow_up": ("待回访", Q(status=S.FOLLOW_UP)),
    "overdue": ("已超期", Q()),  # by date: overdue_q
    "closed": ("已办结", Q(status=S.CLOSED)),
}


def _base() -> QuerySet[Rectification]:
    return Rectification.objects.select_related(
        "rating__case", "rating__window", "rating__item", "department__region"
    )


def task_by_pk(pk: Any) -> Rectification | None:
    """A task by its id, without a scope (the citizen's signed follow-up link names it)."""
    if not isinstance(pk, int):
        return None
    return _base().filter(pk=pk).first()


def tasks_for(*, user: User) -> QuerySet[Rectification]:
    """The tasks of the departments in the user's data scope."""
    return data_scope_for(user).filter(_base())


def task_get_for(*, user: User, pk: int) -> Rectification:
    return get_in_scope_or_404(tasks_for(user=user), pk=pk)  # type: ignore[no-any-return]


def overdue_q(today: dt.date | None = None) -> Q:
    """Still owed past the deadline (an appeal's pause keeps its task out: not an open state)."""
    today = today or timezone.localdate()
    return Q(status__in=OPEN_STATES, deadline__lt=today)


def is_overdue(task: Rectification, today: dt.date | None = None) -> bool:
    """The same rule as overdue_q, for one task already read."""
    today = today or timezone.localdate()
    return task.status in OPEN_STATES and task.deadline < today


def queue_for(*, user: User, queue: str) -> QuerySet[Rectification]:
    rows = tasks_for(user=user)
    if queue == "overdue":
        return rows.filter(overdue_q()).order_by("deadline", "id")
    order = ("-closed_at", "-id") if queue == "closed" else ("deadline", "id")
    return rows.filter(QUEUES[queue][1]).order_by(*order)


def queue_counts_for(*, user: User) -> dict[str, int]:
    """Each queue's count, in one query."""
    today = timezone.localdate()
    filters = {
        key: (overdue_q(today) if key == "overdue" else q) for key, (_n, q) in QUEUES.items()
    }
    return dict(
        tasks_for(user=user).aggregate(**{k: Count("pk", filter=q) for k, q in filters.items()})
    )


def board_rows_for(*, user: User) -> list[dict[str, Any]]:
    """The bureau's board: per department of the scope with any task, the open, overdue,
    escalated-to-bureau, appealed, awaiting follow-up and closed tasks (one grouped query)."""
    today = timezone.localdate()
    rows: Any = (
        tasks_for(user=user)
        .values("department_id", "department__name")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status__in=OPEN_STATES)),
            overdue=Count("pk", filter=overdue_q(today)),
            bureau=Count("pk", filter=Q(status__in=OPEN_STATES, escalation=Escalation.BUREAU)),
            appealed=Count("pk", filter=Q(status=S.APPEALED)),
            follow_up=Count("pk", filter=Q(status=S.FOLLOW_UP)),
            closed=Count("pk", filter=Q(status=S.CLOSED)),
            mistaken=Count("pk", filter=Q(appeal_decision="upheld")),
        )
        .order_by("department__region__code", "department__name")
    )
    return list(rows)


def appeals_for(*, user: User) -> QuerySet[Rectification]:
    """Appeals awaiting the bureau's decision, oldest first."""
    return tasks_for(user=user).filter(status=S.APPEALED).order_by("appealed_at", "id")


def escalated_for(*, user: User) -> QuerySet[Rectification]:
    """Overdue tasks already reported to the bureau."""
    return (
        tasks_for(user=user)
        .filter(status__in=OPEN_STATES, escalation=Escalation.BUREAU)
        .order_by("deadline", "id")
    )


def task_history(task: Rectification) -> QuerySet[Any]:
    return task.events.order_by("at", "id")


def task_evidence(task: Rectification) -> QuerySet[RectificationEvidence]:
    return task.evidence.order_by("uploaded_at", "id")


def evidence_get_for(*, user: User, task_pk: int, pk: int) -> RectificationEvidence:
    task = task_get_for(user=user, pk=task_pk)
    return get_in_scope_or_404(task.evidence.all(), pk=pk)  # type: ignore[no-any-return]


def follow_up_rating(task: Rectification) -> Rating | None:
    """The citizen's rating of the fix (回访评价), if given."""
    return Rating.objects.filter(follows_up_id=task.rating_id).first()


# --- Who is told, who can be reached ----------------------------------------------------------


def department_admins(department: Department, *, limit: int = 20) -> list[User]:
    """The department's administrators (told of a new task, an overdue one, a rejected appeal)."""
    return [
        s.user
        for s in Staff.objects.filter(
            department_id=department.pk,
            user__is_active=True,
            user__groups__name="department_admin",
        )
        .select_related("user")
        .distinct()[:limit]
    ]


def bureau_admins(department: Department, *, limit: int = 20) -> list[User]:
    """The administrators of the bureau (数据资源管理局) whose region holds the department: the
    county bureau for a town's office too (its region code starts with the bureau's prefix)."""
    code = department.region.code
    staff = (
        Staff.objects.filter(
            department__is_bureau=True,
            user__is_active=True,
            user__groups__name="bureau_admin",
        )
        .select_related("user", "department__region")
        .distinct()
    )
    return [s.user for s in staff if code.startswith(s.department.region.prefix)][:limit]


def rater_phone(rating: Rating) -> Any:
    """The real-name rater's phone (encrypted PersonalValue), given or from his account; None
    for an anonymous rating."""
    if rating.anonymous:
        return None
    if rating.rater_phone:
        return rating.rater_phone
    rater = rating.rater
    if rater is not None and rater.phone:
        return rater.phone
    return None


def rater_reachable(rating: Rating) -> bool:
    """Whether the rater can be asked to rate the fix: a real-name rating with a phone or an
    account (an anonymous one cannot)."""
    if rating.anonymous:
        return False
    if rater_phone(rating):
        return True
    rater = rating.rater
    return rater is not None and rater.user_id is not None
