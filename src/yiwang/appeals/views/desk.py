"""The bureau's dispatch desk (派单台): tickets to classify or dispatch (with dispatch help's
suggested departments), those sent back for a re-dispatch, those past their deadline, the
extension requests to decide, answered tickets waiting for the follow-up, and likely duplicates
with their merge action. Lists come from appeals.selectors and appeals.dispatch.selectors; the
actions post to the ticket page's action view (views.workbench.act)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yiwang.appeals import selectors
from yiwang.appeals.dispatch import selectors as dispatch_selectors
from yiwang.appeals.views import actions
from yiwang.appeals.views.workbench import rows_with_colour
from yiwang.appeals.workflow import DISPATCH
from yiwang.org.decorators import staff_page as org_staff_page
from yiwang.org.models import User

PAGE_SIZE = 25
# Tickets of the 待派单 list checked for duplicates on the 疑似重复 tab (the oldest first); each
# check reads a month of tickets, so the tab looks at a bounded number.
DUPLICATE_CHECKS = 30

desk_page = org_staff_page(
    not_staff=gettext_noop("派单台仅供工作人员使用。"),
    may=lambda user: user.has_perm(DISPATCH),
    not_allowed=gettext_noop("您的角色不能派单。"),
)

TABS = (
    ("unassigned", gettext_noop("待派单")),
    ("sent_back", gettext_noop("已退单")),
    ("overdue", gettext_noop("已超期")),
    ("extensions", gettext_noop("延期申请")),
    ("follow_up", gettext_noop("待回访")),
    ("duplicates", gettext_noop("疑似重复")),
)
TAB_KEYS = frozenset(key for key, _label in TABS)


@dataclass(frozen=True)
class DuplicateRow:
    ticket: Any
    duplicates: list[Any]


def _lists(user: User) -> dict[str, Any]:
    return {
        "unassigned": selectors.desk_unassigned(user=user),
        "sent_back": selectors.desk_sent_back(user=user),
        "overdue": selectors.desk_overdue(user=user),
        "extensions": selectors.desk_extensions(user=user),
        "follow_up": selectors.follow_up_queue(user=user),
    }


def _duplicate_rows(user: User) -> list[DuplicateRow]:
    rows = []
    for ticket in selectors.desk_unassigned(user=user).order_by("registered_at", "id")[
        :DUPLICATE_CHECKS
    ]:
        found = dispatch_selectors.duplicates_of(ticket, user=user)
        if found:
            rows.append(DuplicateRow(ticket, found[:5]))
    return rows


@desk_page
def desk(request: HttpRequest, tab: str = "unassigned") -> HttpResponse:
    if tab not in TAB_KEYS:
        raise Http404(_("没有这个列表。"))
    user = _user(request)
    lists = _lists(user)
    counts = {key: rows.count() for key, rows in lists.items()}
    context: dict[str, Any] = {
        "tab": tab,
        "label": _(dict(TABS)[tab]),
        "tabs": [(key, _(label), counts.get(key)) for key, label in TABS],
    }
    if tab == "duplicates":
        context["duplicate_rows"] = _duplicate_rows(user)
        context["merge_form"] = actions.make_form("merge", user)
    else:
        page = Paginator(lists[tab], PAGE_SIZE).get_page(request.GET.get("page"))
        context["page"] = page
        if tab == "extensions":
            context["extension_rows"] = [(e, _decide_form(e, user)) for e in page.object_list]
        else:
            suggest = tab in ("unassigned", "sent_back")
            context["rows"] = [
                (ticket, colour, _best(ticket, user) if suggest else None)
                for ticket, colour in rows_with_colour(page.object_list)
            ]
    return render(request, "appeals/workbench/desk.html", context)


def _decide_form(extension: Any, user: User) -> Any:
    form = actions.make_form("decide_extension", user)
    form.auto_id = f"ext{extension.pk}-%s"  # one form per row: ids of their own
    return form


def _best(ticket: Any, user: User) -> Any:
    """Dispatch help's best guess for a classified ticket (one click dispatches there)."""
    if not ticket.kind:
        return None
    found = dispatch_selectors.suggestions_for(ticket, user=user)
    return found[0] if found else None


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]
