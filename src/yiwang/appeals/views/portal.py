"""我的诉求 (/my/appeals/): a signed-in citizen or enterprise submits an appeal with attachments,
follows each of his tickets on a timeline (the history lines meant for him), reads the reply and
rates it (回访满意度: 不满意 sends it back for redo). Each sees only his own tickets (the selectors:
another's is 404). No business rules here: appeals.services checks and writes."""

from __future__ import annotations

import os

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from yiwang.appeals import selectors, services
from yiwang.appeals.fields import TicketSource, TicketStatus
from yiwang.appeals.forms import PortalTicketForm, RateForm, attachment_pairs
from yiwang.appeals.models import Ticket
from yiwang.cases.views.portal import applicant_page
from yiwang.common.http import stored_file_response
from yiwang.org.models import User

PAGE_SIZE = 20


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _own(request: HttpRequest, pk: int) -> Ticket:
    """The citizen's own ticket, else 404."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise Http404(_("未找到该记录。")) from None
    found = selectors.tickets_of_citizen(user=_user(request)).filter(pk=key).first()
    if found is None:
        raise Http404(_("未找到该记录。"))
    return found


@applicant_page
def ticket_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.tickets_of_citizen(user=_user(request)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "appeals/portal/list.html", {"page": page})


@applicant_page
def submit(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = PortalTicketForm(request.POST if posted else None, request.FILES if posted else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.ticket_register(
                    actor=_user(request),
                    source=TicketSource.PORTAL,
                    kind=data["kind"],
                    title=data["title"],
                    content=data["content"],
                    address=data["address"],
                    attachments=attachment_pairs(data["attachments"]),
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request,
                    _("诉求已提交，工单编号 %(number)s。我们将尽快办理并答复您。")
                    % {"number": ticket.number},
                )
                return redirect("appeals-portal:detail", pk=ticket.pk)
    return render(request, "appeals/portal/submit.html", {"form": form}, status=status)


def _detail(
    request: HttpRequest, ticket: Ticket, *, form: RateForm | None = None, status: int = 200
) -> HttpResponse:
    rating = ticket.status == TicketStatus.REPLIED
    return render(
        request,
        "appeals/portal/detail.html",
        {
            "ticket": ticket,
            "timeline": selectors.ticket_timeline(ticket, public_only=True),
            "attachments": ticket.attachments.all(),
            "rate_form": form or (RateForm() if rating else None),
        },
        status=status,
    )


@applicant_page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _own(request, pk))


@applicant_page
@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    """The citizen rates the reply (the follow-up, 回访)."""
    ticket = _own(request, pk)
    form = RateForm(request.POST)
    if not form.is_valid():
        return _detail(request, ticket, form=form, status=400)
    try:
        services.ticket_follow_up(
            ticket=ticket,
            actor=_user(request),
            satisfaction=form.cleaned_data["satisfaction"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _detail(request, _own(request, pk), form=form, status=400)
    if form.cleaned_data["satisfaction"] == "dissatisfied":
        messages.success(request, _("感谢您的评价。您对答复不满意，工单已退回办理部门重新办理。"))
    else:
        messages.success(request, _("感谢您的评价。"))
    return redirect("appeals-portal:detail", pk=ticket.pk)


@applicant_page
@require_safe
def attachment(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    ticket = _own(request, pk)
    row = ticket.attachments.filter(pk=file_pk).first()
    if row is None:
        raise Http404(_("未找到该记录。"))
    return stored_file_response(
        row.file, os.path.splitext(row.file_name)[0] or f"{ticket.number}-{row.pk}"
    )
