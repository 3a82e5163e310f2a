"""The counter's page (/workbench/hall/): the clerk's window — call the next number, finish or
mark 过号 — the queue waiting for it, walk-in numbers (现场取号) and appointment check-in
(签到) for his hall, and today's numbers. Staff who serve the counter (cases.accept_case).
排队指标: the hall's registered figures for the reader's data scope (cases.view_case).
开放预约时段: open slots for a hall of the reader's data scope (hall.open_slots)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from yiwang.hall import selectors, services
from yiwang.hall.fields import screen_refresh_seconds
from yiwang.hall.forms import SlotPeriodForm
from yiwang.hall.metrics import definition_text
from yiwang.insight.registry import Figure, all_metrics, compute_many
from yiwang.org.decorators import staff_page as org_staff_page
from yiwang.org.selectors import data_scope_for

CALL = "cases.accept_case"
VIEW = "cases.view_case"  # who sees the hall's figures: the staff who see cases
OPEN_SLOTS = "hall.open_slots"

counter_page = org_staff_page(
    not_staff=gettext_noop("叫号台仅供工作人员使用。"),
    may=lambda user: user.has_perm(CALL),
    not_allowed=gettext_noop("您的角色不能取号或叫号。"),
)
slots_page = org_staff_page(
    not_staff=gettext_noop("开放预约时段仅供工作人员使用。"),
    may=lambda user: user.has_perm(OPEN_SLOTS),
    not_allowed=gettext_noop("您的角色不能开放预约时段。"),
)
figures_page = org_staff_page(
    not_staff=gettext_noop("排队指标仅供工作人员使用。"),
    may=lambda user: user.has_perm(VIEW),
    not_allowed=gettext_noop("您的角色不能查看排队指标。"),
)


def _refusal(exc: ValidationError) -> str:
    return " ".join(_(m) for m in exc.messages)


@counter_page
def index(request: HttpRequest) -> HttpResponse:
    window = selectors.window_of(request.user)  # type: ignore[arg-type]
    context: dict[str, object] = {"window": window, "refresh": screen_refresh_seconds()}
    if window is not None:
        context.update(
            serving=selectors.serving_at(window),
            waiting=list(selectors.waiting_for(window)[:20]),
            tickets=list(selectors.tickets_today(window.hall).order_by("-issued_at", "-id")[:30]),
            groups=list(selectors.groups_open()),
        )
    return render(request, "hall/workbench/index.html", context)


def _window_or_back(request: HttpRequest):  # type: ignore[no-untyped-def]
    window = selectors.window_of(request.user)  # type: ignore[arg-type]
    if window is None:
        messages.error(request, _("您不在任何窗口，不能取号或叫号。"))
    return window


@require_POST
@counter_page
def call_next(request: HttpRequest) -> HttpResponse:
    window = _window_or_back(request)
    if window is not None:
        try:
            ticket = services.ticket_call_next(window=window, actor=request.user)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, _refusal(exc))
        else:
            if ticket is None:
                messages.info(request, _("没有等候的号。"))
            else:
                messages.success(
                    request,
                    _("请 %(code)s 号到 %(window)s 号窗口。")
                    % {"code": ticket.code, "window": window.number},
                )
    return redirect("hall:index")


@require_POST
@counter_page
def finish(request: HttpRequest) -> HttpResponse:
    window = _window_or_back(request)
    if window is not None:
        missed = request.POST.get("missed") == "1"
        try:
            ticket = services.ticket_finish(
                window=window,
                actor=request.user,  # type: ignore[arg-type]
                missed=missed,
            )
        except ValidationError as exc:
            messages.error(request, _refusal(exc))
        else:
            text = _("%(code)s 号已过号。") if missed else _("%(code)s 号已办结。")
            messages.success(request, text % {"code": ticket.code})
    return redirect("hall:index")


@require_POST
@counter_page
def take(request: HttpRequest) -> HttpResponse:
    window = _window_or_back(request)
    if window is not None:
        group = selectors.groups_open().filter(code=request.POST.get("group", "")[:32]).first()
        if group is None:
            messages.error(request, _("请选择事项分组。"))
        else:
            ticket = services.ticket_take(hall=window.hall, group=group, actor=request.user)  # type: ignore[arg-type]
            messages.success(request, _("已取号 %(code)s。") % {"code": ticket.code})
    return redirect("hall:index")


@require_POST
@counter_page
def check_in(request: HttpRequest) -> HttpResponse:
    window = _window_or_back(request)
    if window is not None:
        try:
            ticket = services.booking_check_in(
                hall=window.hall,
                code=request.POST.get("code", "")[:16],
                actor=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            messages.error(request, _refusal(exc))
        else:
            messages.success(request, _("签到成功，排队号 %(code)s。") % {"code": ticket.code})
    return redirect("hall:index")


@dataclass(frozen=True)
class ShownFigure:
    """A hall figure as the page shows it: name, unit, 口径 and group labels translated."""

    figure: Figure

    @property
    def key(self) -> str:
        return self.figure.metric.key

    @property
    def name(self) -> str:
        return _(self.figure.metric.name)

    @property
    def unit(self) -> str:
        unit = self.figure.metric.unit
        return _(unit) if unit else ""

    @property
    def text(self) -> str:
        return self.figure.text

    @property
    def missing(self) -> bool:
        return self.figure.value is None

    @property
    def definition(self) -> str:
        return definition_text(self.figure.metric)

    @property
    def rows(self) -> list[tuple[str, int]]:
        return [(_(label), n) for label, n in self.figure.rows]

    @property
    def breakdown(self) -> bool:
        return self.figure.metric.kind == "breakdown"


@figures_page
def figures(request: HttpRequest) -> HttpResponse:
    """The appointment and waiting-time figures for the user's data scope, each with its 口径."""
    scope = data_scope_for(request.user)  # type: ignore[arg-type]
    shown = [ShownFigure(f) for f in compute_many([m.key for m in all_metrics("hall")], scope)]
    return render(
        request,
        "hall/workbench/figures.html",
        {
            "scope": scope,
            "figures": [f for f in shown if not f.breakdown],
            "breakdowns": [f for f in shown if f.breakdown],
        },
    )


@slots_page
def slots(request: HttpRequest) -> HttpResponse:
    """Open slots over a period (services.slots_open_period) for a hall of the user's scope;
    below the form, the coming slots of those halls."""
    halls = selectors.halls_for(request.user).order_by("region__code", "name")  # type: ignore[arg-type]
    form = SlotPeriodForm(
        request.POST if request.method == "POST" else None,
        halls=halls,
        groups=selectors.groups_open().order_by("code"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made, skipped = services.slots_open_period(
                hall=data["hall"],
                group=data["group"],
                first=data["first"],
                last=data["last"],
                periods=data["times"],
                capacity=data["capacity"],
                non_working_only=data["non_working_only"],
                actor=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                _("已开放预约时段 %(made)s 个，已存在 %(skipped)s 个。")
                % {"made": made, "skipped": skipped},
            )
            return redirect("hall:slots")
    coming = selectors.slots_coming(halls)
    return render(request, "hall/workbench/slots.html", {"form": form, "coming": coming})
