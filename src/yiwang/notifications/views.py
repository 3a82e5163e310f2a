"""我的消息: the signed-in user's site messages, in his own shell (workbench for staff, portal
for citizens and enterprises)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.notifications import selectors, services
from yiwang.org.models import UserKind

PAGE_SIZE = 30


@login_required
@require_http_methods(["GET", "HEAD"])
def message_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    page = Paginator(selectors.site_messages_for(user=user), PAGE_SIZE).get_page(  # type: ignore[arg-type]
        request.GET.get("page")
    )
    staff = getattr(user, "kind", "") == UserKind.STAFF
    return render(
        request,
        "notifications/messages.html",
        {
            "page": page,
            "base_template": "workbench/base.html" if staff else "portal/base.html",
            "unread": selectors.unread_count(user=user),  # type: ignore[arg-type]
        },
    )


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    services.messages_mark_read(user=request.user)
    return redirect("notifications:list")
