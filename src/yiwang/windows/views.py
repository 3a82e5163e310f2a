"""Workbench pages of the front desk (综合窗口): the clerk's day (received, routed, waiting for
hand-out, handed out), the hall's hand-out queue with the hand-out form, and the back offices'
queues. Reads through windows.selectors (out of the desk's reach is 404), writes through
cases.services.case_hand_out; a refused hand-out shows the service's sentence."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yiwang.cases import services as case_services
from yiwang.cases.workflow import ACCEPT, VIEW
from yiwang.common.workflow import ILLEGAL
from yiwang.org.decorators import staff_page
from yiwang.org.models import User
from yiwang.windows import selectors
from yiwang.windows.fields import comprehensive_hand_out
from yiwang.windows.forms import DayForm, HandOutForm

front_desk_page = staff_page(
    not_staff=gettext_noop("前台工作台仅供工作人员使用。"),
    may=lambda user: user.has_perm(ACCEPT),
    not_allowed=gettext_noop("您的角色不能受理申请。"),
)
back_office_page = staff_page(
    not_staff=gettext_noop("后台队列仅供工作人员使用。"),
    may=lambda user: user.has_perm(VIEW),
    not_allowed=gettext_noop("您的角色不能查看办件。"),
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@front_desk_page
def day(request: HttpRequest) -> HttpResponse:
    form = DayForm(request.GET or None)
    on = timezone.localdate()
    if form.is_valid() and form.cleaned_data["day"]:
        on = form.cleaned_data["day"]
    view = selectors.day_view_for(user=_user(request), day=on)
    return render(
        request,
        "windows/day.html",
        {
            "form": form,
            "view": view,
            "today": on == timezone.localdate(),
            "comprehensive_hand_out": comprehensive_hand_out(),
        },
    )


@front_desk_page
def hand_out_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "windows/hand_out_queue.html",
        {
            "window": selectors.front_desk_window(user),
            "cases": selectors.hand_out_queue_for(user=user),
            "comprehensive_hand_out": comprehensive_hand_out(),
        },
    )


def _messages_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"__all__": exc.messages}


@front_desk_page
def hand_out(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = selectors.hand_out_case_for(user=user, pk=pk)
    status = 200
    if request.method == "POST":
        form = HandOutForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case_services.case_hand_out(
                    case=case,
                    actor=user,
                    collected_by=data["collected_by"],
                    collector_id_number=data["collector_id_number"],
                    id_checked=data["id_checked"],
                )
            except ValidationError as exc:
                status = 409 if getattr(exc, "code", None) == ILLEGAL else 422
                for field, errors in _messages_of(exc).items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            except PermissionDenied as exc:
                status = 403
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("办件 %(number)s 已出件，领取人：%(name)s。")
                    % {"number": case.number, "name": data["collected_by"]},
                )
                return redirect("windows:day")
        else:
            status = 422
    else:
        form = HandOutForm(initial={"collected_by": case.applicant.name})
    return render(
        request,
        "windows/hand_out.html",
        {"case": case, "form": form, "comprehensive_hand_out": comprehensive_hand_out()},
        status=status,
    )


@back_office_page
def back_office(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "windows/back_office.html",
        {"cases": selectors.back_office_for(user=_user(request))},
    )
