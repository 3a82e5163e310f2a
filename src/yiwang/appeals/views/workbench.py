"""Workbench pages of tickets (诉求工单): the department's queue with its SLA colours, the ticket
page with the action forms the reader may fire now (sign for, send back, reply, extension …;
the bureau's dispatch, follow-up and close), its history, parts and attachments. Reads go
through appeals.selectors (out of scope is 404), writes through appeals.services (views.actions);
a ticket someone else acted on first answers 409 with the fresh page."""

from __future__ import annotations

import os
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST, require_safe

from yiwang.appeals import selectors
from yiwang.appeals.dispatch import selectors as dispatch_selectors
from yiwang.appeals.fields import DESK_STATUSES
from yiwang.appeals.models import Ticket
from yiwang.appeals.views import actions
from yiwang.appeals.workflow import DISPATCH, VIEW
from yiwang.common.http import stored_file_response
from yiwang.common.workflow import ILLEGAL
from yiwang.org.decorators import staff_page as org_staff_page
from yiwang.org.models import User

PAGE_SIZE = 25
CONFLICT_CODES = frozenset({ILLEGAL, "conflict"})

staff_page = org_staff_page(
    not_staff=gettext_noop("诉求工单仅供工作人员使用。"),
    may=lambda user: user.has_perm(VIEW),
    not_allowed=gettext_noop("您的角色不能查看诉求工单。"),
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def is_conflict(exc: ValidationError) -> bool:
    """A state that no longer allows the action (someone acted first): 409, not a form error."""
    if hasattr(exc, "error_dict"):
        return False
    return any(getattr(e, "code", None) in CONFLICT_CODES for e in exc.error_list)


def rows_with_colour(tickets: Any) -> list[tuple[Ticket, str]]:
    """The page's tickets with their SLA colour (selectors.sla_colour)."""
    return [(t, selectors.sla_colour(t)) for t in tickets]


# --- The department's queue -----------------------------------------------------------------


@staff_page
def index(request: HttpRequest) -> HttpResponse:
    """诉求工单: a ticket by its number, else the reader's queue (the bureau: the desk)."""
    user = _user(request)
    number = request.GET.get("number", "").strip()
    if number:
        try:
            ticket = selectors.ticket_by_number_for(user=user, number=number)
        except Http404:
            messages.error(request, _("未找到编号为 %(number)s 的工单。") % {"number": number})
        else:
            return redirect("appeals:detail", pk=ticket.pk)
    if user.has_perm(DISPATCH):
        return redirect("appeals:desk")
    return redirect("appeals:queue")


@staff_page
def queue(request: HttpRequest) -> HttpResponse:
    """The tickets waiting for the reader's department (to sign for, to handle), soonest
    deadline first, each coloured green / amber / red by its deadline."""
    user = _user(request)
    page = Paginator(selectors.department_queue(user=user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "appeals/workbench/queue.html",
        {
            "page": page,
            "rows": rows_with_colour(page.object_list),
            "department": actions.department_of(user),
        },
    )


# --- The ticket page ------------------------------------------------------------------------


def detail_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    bound: Any = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    """The ticket page; `bound` is the action form that was refused, shown with its errors."""
    user = _user(request)
    department = actions.department_of(user)
    part = selectors.part_of_department(ticket, department)
    names = actions.available(ticket, user, part)
    desk = ticket.status in DESK_STATUSES and user.has_perm(DISPATCH)
    suggestions = dispatch_selectors.suggestions_for(ticket, user=user) if desk else []
    duplicates = dispatch_selectors.duplicates_of(ticket, user=user)[:10] if desk else []
    may_attach = ticket.status not in ("closed", "merged")
    return render(
        request,
        "appeals/workbench/detail.html",
        {
            "ticket": ticket,
            "colour": selectors.sla_colour(ticket),
            "part": part,
            "parts": selectors.ticket_assignments(ticket),
            "history": selectors.ticket_timeline(ticket),
            "attachments": ticket.attachments.all(),
            "extensions": ticket.extensions.select_related("department"),
            "action_forms": actions.forms_for(ticket, user, names, bound),
            "suggestions": suggestions,
            "duplicates": duplicates,
            "merge_form": actions.make_form("merge", user) if desk else None,
            "attach_form": (bound if bound is not None and bound.prefix == "attach" else None)
            or (actions.make_form("attach", user) if may_attach else None),
            "problem": problem,
        },
        status=status,
    )


@staff_page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return detail_page(request, selectors.ticket_get_for(user=_user(request), pk=pk))


@staff_page
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Fire one action from the ticket page (or the desk). Refused by the state (someone acted
    first): 409 with the message and the fresh page; by a field: the page with the form's
    errors (400); by the role or the department: 403 (PermissionDenied, answered by
    staff_page)."""
    if action not in actions.ACTIONS:
        raise Http404
    user = _user(request)
    ticket = selectors.ticket_get_for(user=user, pk=pk)
    form = actions.make_form(action, user, data=request.POST, files=request.FILES)
    if not form.is_valid():
        return detail_page(request, ticket, bound=form, status=400)
    try:
        text = actions.run(action, ticket, user, dict(form.cleaned_data))
    except ValidationError as exc:
        fresh = selectors.ticket_get_for(user=user, pk=pk)
        if is_conflict(exc):
            return detail_page(request, fresh, problem="；".join(messages_of(exc)), status=409)
        form.add_service_errors(exc)
        return detail_page(request, fresh, bound=form, status=400)
    messages.success(request, text)
    if action == "merge":
        return redirect("appeals:detail", pk=form.cleaned_data["into"])
    back = request.POST.get("next", "")
    if back in ("desk", "queue"):
        return redirect(f"appeals:{back}")
    return redirect("appeals:detail", pk=ticket.pk)


@staff_page
@require_safe
def attachment(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    ticket = selectors.ticket_get_for(user=_user(request), pk=pk)
    row = ticket.attachments.filter(pk=file_pk).first()
    if row is None:
        raise Http404(_("未找到该记录。"))
    return stored_file_response(row.file, file_stem(ticket, row))


def file_stem(ticket: Ticket, row: Any) -> str:
    """The download's name without its extension (the stored bytes give the type)."""
    return os.path.splitext(row.file_name)[0] or f"{ticket.number}-{row.pk}"
