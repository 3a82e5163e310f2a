"""The workbench's rating pages (/workbench/evaluations/): the ratings of the reader's data scope
(evaluations.view_rating), and 热线评价录入 — a caller's rating of his case typed in by hotline
staff (evaluations.enter_rating)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yiwang.cases import selectors as case_selectors
from yiwang.evaluations import selectors, services
from yiwang.evaluations.fields import BAD_LEVEL_MAX, Channel
from yiwang.evaluations.forms import HotlineForm, RatingForm
from yiwang.org.decorators import staff_page

VIEW = "evaluations.view_rating"
ENTER = "evaluations.enter_rating"
PAGE_SIZE = 30

list_page = staff_page(
    not_staff=gettext_noop("评价记录仅供工作人员查看。"),
    may=lambda user: user.has_perm(VIEW),
    not_allowed=gettext_noop("您的角色不能查看评价记录。"),
)
hotline_page = staff_page(
    not_staff=gettext_noop("热线评价录入仅供工作人员使用。"),
    may=lambda user: user.has_perm(ENTER),
    not_allowed=gettext_noop("您的角色不能录入热线评价。"),
)


@list_page
def rating_list(request: HttpRequest) -> HttpResponse:
    bad_only = request.GET.get("bad") == "1"
    channel = request.GET.get("channel") or None
    if channel not in Channel.values:
        channel = None
    rows = selectors.ratings_for(
        user=request.user,  # type: ignore[arg-type]
        level_max=BAD_LEVEL_MAX if bad_only else None,
        channel=channel,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/workbench/list.html",
        {
            "page": page,
            "ratings": page.object_list,
            "bad_only": bad_only,
            "channel": channel or "",
            "channels": Channel.choices,
        },
    )


@hotline_page
def hotline(request: HttpRequest) -> HttpResponse:
    """Step 1: the case number; step 2 (with `case`): the rating, stored as channel 热线."""
    lookup = HotlineForm(request.GET or None)  # the rating posts back to ?case_number=…
    case = None
    if lookup.is_bound and lookup.is_valid():
        number = lookup.cleaned_data["case_number"].strip()
        case = case_selectors.cases_for(user=request.user).filter(number=number).first()  # type: ignore[arg-type]
        if case is None:
            lookup.add_error("case_number", _("没有找到编号为 %(n)s 的办件。") % {"n": number})
    target = selectors.case_target(case) if case is not None else None
    form = None
    if target is not None:
        posted = request.method == "POST" and "level" in request.POST
        form = RatingForm(request.POST if posted else None, dimension_set=target.dimension_set)
        if posted and target.rateable and form.is_valid():
            data = form.cleaned_data
            try:
                services.rating_for_case(
                    case=case,  # type: ignore[arg-type]
                    channel=Channel.HOTLINE,
                    level=data["level"],
                    scores=form.scores(),
                    comment=data.get("comment", ""),
                    rater=services.RaterInput(anonymous=bool(data.get("anonymous"))),
                    actor=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("热线评价已录入。"))
                return redirect("evaluations:list")
    return render(
        request,
        "evaluations/workbench/hotline.html",
        {"lookup": lookup, "case": case, "target": target, "form": form},
        status=422 if request.method == "POST" and form is not None and form.errors else 200,
    )


@list_page
def window_codes(request: HttpRequest) -> HttpResponse:
    """评价二维码: each active window of the reader's scope with its rating QR, to print and
    post at the window (valid YIWANG_RATING_WINDOW_TOKEN_DAYS days: reprint within them)."""
    from yiwang.evaluations.fields import window_token_days
    from yiwang.evaluations.qr import window_rating_qr
    from yiwang.org.selectors import window_list_for

    windows = window_list_for(user=request.user).filter(active=True)  # type: ignore[arg-type]
    rows = [(window, window_rating_qr(window.pk)) for window in windows]
    return render(
        request,
        "evaluations/workbench/window_codes.html",
        {"rows": rows, "days": window_token_days()},
    )
