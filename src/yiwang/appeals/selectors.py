"""Every read of tickets with the data scope applied (out of scope is 404), the queues, the
dispatch desk's lists and who is told."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from yiwang.appeals.fields import (
    DEPARTMENT_STATUSES,
    LIVE_ASSIGNMENT_STATUSES,
    AssignmentStatus,
    ExtensionStatus,
    TicketStatus,
)
from yiwang.appeals.models import (
    SlaLimit,
    Ticket,
    TicketAssignment,
    TicketEvent,
    TicketExtension,
    TicketImport,
)
from yiwang.org import selectors as org_selectors
from yiwang.org.models import Department, Staff, User, UserKind


def _base() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("lead_department", "centre", "handling_clock")


def tickets_for(*, user: User) -> QuerySet[Ticket]:
    """The tickets `user` may see: region-scoped staff those received by a bureau of their
    region or assigned to one of its departments; department staff those their department
    received or was ever assigned (any round, so a department still sees what it sent back);
    a citizen or enterprise his own; anyone else none."""
    if not getattr(user, "is_authenticated", False):
        return Ticket.objects.none()
    if user.kind in (UserKind.STAFF, UserKind.SYSTEM):
        scope = org_selectors.data_scope_for(user)
        if scope.everything:
            return _base()
        if scope.nothing:
            return Ticket.objects.none()
        assigned = TicketAssignment.objects.filter(ticket=OuterRef("pk")).filter(
            scope.department_q()
        )
        return _base().filter(scope.department_q("centre") | Q(Exists(assigned)))
    return _base().filter(applicant__user=user)


def ticket_get_for(*, user: User, pk: int | str) -> Ticket:
    """One ticket the user may see, else 404 (also for ids out of range or malformed)."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise Http404(gettext("未找到该记录。")) from None
    if not 0 < key < 2**63:
        raise Http404(gettext("未找到该记录。"))
    return org_selectors.get_in_scope_or_404(tickets_for(user=user), pk=key)


def ticket_by_number_for(*, user: User, number: str) -> Ticket:
    return org_selectors.get_in_scope_or_404(tickets_for(user=user), number=number)


def tickets_of_citizen(*, user: User) -> QuerySet[Ticket]:
    """我的诉求: the signed-in citizen's or enterprise's own tickets, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Ticket.objects.none()
    return _base().filter(applicant__user=user).order_by("-registered_at", "-id")


def ticket_timeline(ticket: Ticket, *, public_only: bool = False) -> QuerySet[TicketEvent]:
    """The ticket's history, oldest first; for the applicant only the lines meant for him."""
    events = ticket.events.select_related("department")
    return events.filter(public=True) if public_only else events


def ticket_assignments(ticket: Ticket) -> QuerySet[TicketAssignment]:
    """Every round's parts, the current round first."""
    return ticket.assignments.select_related("department").order_by("-round", "role", "id")


def ticket_live_parts(ticket: Ticket) -> QuerySet[TicketAssignment]:
    """The current round's live parts (lead first)."""
    return (
        ticket.assignments.filter(round=ticket.dispatch_count, status__in=LIVE_ASSIGNMENT_STATUSES)
        .select_related("department")
        .order_by("role", "id")
    )


def part_of_department(ticket: Ticket, department: Department | None) -> TicketAssignment | None:
    """The department's live part in the current round, if any (for its buttons)."""
    if department is None:
        return None
    return ticket_live_parts(ticket).filter(department=department).first()


def department_queue(*, user: User, department: Department | None = None) -> QuerySet[Ticket]:
    """The department's ticket queue: tickets whose current round has a live part for it,
    soonest deadline first (the pages colour them with sla_colour)."""
    department = department or _department_of(user)
    if department is None:
        return Ticket.objects.none()
    live = TicketAssignment.objects.filter(
        ticket=OuterRef("pk"),
        round=OuterRef("dispatch_count"),
        department=department,
        status__in=[AssignmentStatus.PENDING, AssignmentStatus.SIGNED],
    )
    return (
        tickets_for(user=user)
        .filter(Exists(live), status__in=DEPARTMENT_STATUSES)
        .order_by("deadline", "registered_at", "id")
    )


def _department_of(user: User) -> Department | None:
    staff = org_selectors.staff_for_user(user)
    return staff.department if staff is not None else None


# --- The dispatch desk ---------------------------------------------------------------------


def desk_unassigned(*, user: User) -> QuerySet[Ticket]:
    """To classify or dispatch (待分类, 待派单), oldest first; urgent ones first."""
    return (
        tickets_for(user=user)
        .filter(status__in=[TicketStatus.REGISTERED, TicketStatus.PENDING_DISPATCH])
        .order_by("-urgent", "registered_at", "id")
    )


def desk_sent_back(*, user: User) -> QuerySet[Ticket]:
    """Sent back by their lead department, waiting for a re-dispatch."""
    return tickets_for(user=user).filter(status=TicketStatus.SENT_BACK).order_by("updated_at")


def desk_overdue(*, user: User, today: dt.date | None = None) -> QuerySet[Ticket]:
    """Held by a department past the deadline (paused ones are not running late)."""
    today = today or timezone.localdate()
    return (
        tickets_for(user=user)
        .filter(status__in=DEPARTMENT_STATUSES, paused=False, deadline__lt=today)
        .order_by("deadline", "id")
    )


def desk_extensions(*, user: User) -> QuerySet[TicketExtension]:
    """Extension requests waiting for the bureau's decision."""
    return (
        TicketExtension.objects.filter(
            status=ExtensionStatus.PENDING, ticket__in=tickets_for(user=user)
        )
        .select_related("ticket", "department")
        .order_by("requested_at", "id")
    )


def extension_get_for(*, user: User, pk: int) -> TicketExtension:
    return org_selectors.get_in_scope_or_404(
        TicketExtension.objects.filter(ticket__in=tickets_for(user=user)).select_related("ticket"),
        pk=pk,
    )


def follow_up_queue(*, user: User) -> QuerySet[Ticket]:
    """Answered tickets waiting for the follow-up (回访) or closing."""
    return (
        tickets_for(user=user)
        .filter(status__in=[TicketStatus.REPLIED, TicketStatus.FOLLOWED_UP])
        .order_by("replied_at", "id")
    )


def sla_colour(ticket: Ticket, *, today: dt.date | None = None) -> str:
    """green / amber / red for a department's queue: red past the deadline (or the sign-for
    deadline for an unsigned ticket), amber on the deadline day or the working day before it,
    green otherwise; "" when no clock runs."""
    from yiwang.workdays.selectors import working_days_between

    today = today or timezone.localdate()
    if ticket.status not in DEPARTMENT_STATUSES or ticket.deadline is None:
        return ""
    if ticket.paused:
        return "green"
    due = ticket.deadline
    if ticket.status == TicketStatus.DISPATCHED and ticket.sign_deadline is not None:
        due = min(due, ticket.sign_deadline)
    if today > due:
        return "red"
    if working_days_between(today, due).days <= 1:
        return "amber"
    return "green"


def sla_limit_list() -> QuerySet[SlaLimit]:
    return SlaLimit.objects.order_by("source", "kind")


def import_list(*, user: User) -> QuerySet[TicketImport]:
    if not user.has_perm("appeals.register_ticket"):
        return TicketImport.objects.none()
    return TicketImport.objects.order_by("-created_at", "-id")


def import_get_for(*, user: User, pk: int) -> TicketImport:
    return org_selectors.get_in_scope_or_404(import_list(user=user), pk=pk)


# --- Who is told (notifications) ----------------------------------------------------------


def _holders(permission: str) -> Q:
    app_label, codename = permission.split(".")
    perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return Q(user__groups__permissions__in=perm) | Q(user__user_permissions__in=perm)


def handling_staff(department: Department | int, *, limit: int = 20) -> list[User]:
    """A department's staff who handle tickets (dispatches, reminders, supervision)."""
    department_id = department if isinstance(department, int) else department.pk
    staff = (
        Staff.objects.filter(department_id=department_id, user__is_active=True)
        .filter(_holders("appeals.handle_ticket"))
        .select_related("user")
        .distinct()[:limit]
    )
    return [s.user for s in staff]


def dispatch_staff(centre_id: int, *, limit: int = 20) -> list[User]:
    """The bureau's dispatchers (send-backs, extension requests)."""
    staff = (
        Staff.objects.filter(department_id=centre_id, user__is_active=True)
        .filter(_holders("appeals.dispatch_ticket"))
        .select_related("user")
        .distinct()[:limit]
    )
    return [s.user for s in staff]
