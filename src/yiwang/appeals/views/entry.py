"""The clerk's entry form (诉求登记): a 12345 call, a visit to the 涉企服务窗口 or the 办不成事
反映窗口 (or another clerk-typed source) registered through appeals.services.ticket_register;
the ticket then waits on the dispatch desk."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yiwang.appeals import selectors, services
from yiwang.appeals.forms import EntryForm, attachment_pairs
from yiwang.appeals.workflow import REGISTER
from yiwang.org.decorators import staff_page as org_staff_page
from yiwang.org.models import User

entry_page = org_staff_page(
    not_staff=gettext_noop("诉求登记仅供工作人员使用。"),
    may=lambda user: user.has_perm(REGISTER),
    not_allowed=gettext_noop("您的角色不能登记诉求。"),
)


@entry_page
def entry(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    source = request.GET.get("source", "")
    form = EntryForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"source": source} if source else None,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.ticket_register(
                    actor=user,
                    source=data["source"],
                    external_number=data["external_number"],
                    kind=data["kind"],
                    urgent=data["urgent"],
                    applicant_name=data["applicant_name"],
                    applicant_phone=data["applicant_phone"],
                    anonymous=data["anonymous"],
                    title=data["title"],
                    content=data["content"],
                    address=data["address"],
                    attachments=attachment_pairs(data["attachments"]),
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            except PermissionDenied:
                raise
            else:
                messages.success(request, _("已登记工单 %(number)s。") % {"number": ticket.number})
                if "again" in request.POST:
                    return redirect(f"{request.path}?source={ticket.source}")
                try:
                    selectors.ticket_get_for(user=user, pk=ticket.pk)
                except Http404:  # a window clerk outside the centre's scope: the next entry
                    return redirect(f"{request.path}?source={ticket.source}")
                return redirect("appeals:detail", pk=ticket.pk)
    return render(request, "appeals/workbench/entry.html", {"form": form}, status=status)
