"""Pages of rectification (差评整改): the department's queues, the task page with the actions
the caller may fire now, the bureau's rectification board, an appeal's evidence, and the
citizen's phone-friendly page to rate the fix (reached from his signed follow-up link, no
sign-in). Reads go through rectification.selectors (out of scope is 404), writes through
rectification.services; a refused action shows the service's Chinese message — a task someone
else acted on first answers 409 with the fresh page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from yiwang.common.http import stored_file_response
from yiwang.common.workflow import ILLEGAL
from yiwang.evaluations.fields import Level
from yiwang.evaluations.models import Rectification
from yiwang.evaluations.rectification import forms as rf
from yiwang.evaluations.rectification import selectors, services
from yiwang.evaluations.rectification.fields import Escalation, RectificationStatus
from yiwang.evaluations.rectification.presenters import subject_text
from yiwang.evaluations.rectification.workflow import (
    DECIDE_APPEAL,
    PAGE_ACTIONS,
    RECTIFICATION,
    VIEW,
)
from yiwang.insight.registry import compute_many
from yiwang.org.decorators import staff_page as org_staff_page
from yiwang.org.models import User
from yiwang.org.selectors import data_scope_for

PAGE_SIZE = 25
CONFLICT_CODES = frozenset({ILLEGAL, "duplicate"})
QUEUE_ORDER = ("verifying", "verified", "rectifying", "overdue", "appealed", "follow_up", "closed")
METRICS = (
    "evaluations.rectification_rate",
    "evaluations.on_time_rectification_rate",
    "evaluations.real_name_follow_up_rate",
)

staff_page = org_staff_page(
    not_staff=gettext_noop("差评整改仅供工作人员使用。"),
    may=lambda user: user.has_perm(VIEW),
    not_allowed=gettext_noop("您的角色不能查看差评整改。"),
)

# The queues' names (selectors.QUEUES), marked here: the pages translate them.
QUEUE_WORDS = (
    gettext_noop("待核实"),
    gettext_noop("待定性"),
    gettext_noop("整改中"),
    gettext_noop("申诉复核中"),
    gettext_noop("待回访"),
    gettext_noop("已超期"),
    gettext_noop("已办结"),
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _is_conflict(exc: ValidationError) -> bool:
    if hasattr(exc, "error_dict"):
        return False
    return any(getattr(e, "code", None) in CONFLICT_CODES for e in exc.error_list)


def _tabs(user: User) -> list[tuple[str, str, int]]:
    counts = selectors.queue_counts_for(user=user)
    return [(key, _(selectors.QUEUES[key][0]), counts.get(key, 0)) for key in QUEUE_ORDER]


def _row(task: Rectification) -> dict[str, Any]:
    return {
        "task": task,
        "subject": subject_text(task),
        "level": _(Level(task.rating.level).label),
        "status": _(RECTIFICATION.label(task.status)),
        "escalation": _(Escalation(task.escalation).label) if task.escalation else "",
    }


# --- Queues ----------------------------------------------------------------------------------


@staff_page
def queue(request: HttpRequest, queue: str = "verifying") -> HttpResponse:
    """A queue of the department's tasks, with every queue's count as tabs."""
    user = _user(request)
    if queue not in selectors.QUEUES:
        raise Http404(_("没有这个队列。"))
    page = Paginator(selectors.queue_for(user=user, queue=queue), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "evaluations/rectification/queue.html",
        {
            "queue": queue,
            "label": _(selectors.QUEUES[queue][0]),
            "page": page,
            "rows": [_row(t) for t in page],
            "tabs": _tabs(user),
        },
    )


# --- The task page ---------------------------------------------------------------------------


# History lines that are no transition of the machine, marked here: the pages translate them.
EVENT_WORDS = {
    "open": gettext_noop("收到差评，登记整改任务"),
    "escalate": gettext_noop("超期，已提醒部门管理员"),
    "escalate_bureau": gettext_noop("超期，已报数据资源局"),
}


def _action_label(name: str) -> str:
    return _(RECTIFICATION.transitions[name].label)


def _event_label(action: str) -> str:
    if action in EVENT_WORDS:
        return _(EVENT_WORDS[action])
    if action in RECTIFICATION.transitions:
        return _action_label(action)
    return action


def _form(name: str, data: Any = None, files: Any = None) -> Any:
    return rf.FORMS[name](data=data, files=files, prefix=name)


def _detail(
    request: HttpRequest,
    task: Rectification,
    *,
    bound: Any = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    names = [t.name for t in RECTIFICATION.available(task.status, user) if t.name in PAGE_ACTIONS]
    forms = []
    for name in names:
        form = bound if bound is not None and bound.prefix == name else _form(name)
        forms.append((name, _action_label(name), form))
    rating = task.rating
    return render(
        request,
        "evaluations/rectification/detail.html",
        {
            "task": task,
            "row": _row(task),
            "rating": rating,
            "rater_reachable": selectors.rater_reachable(rating),
            "history": [
                (
                    e,
                    _event_label(e.action),
                    _(RECTIFICATION.label(e.to_status)) if e.to_status else "",
                )
                for e in selectors.task_history(task)
            ],
            "evidence": selectors.task_evidence(task),
            "follow_up": selectors.follow_up_rating(task),
            "classification": _(task.get_classification_display()) if task.classification else "",
            "appeal_decision": _(task.get_appeal_decision_display())
            if task.appeal_decision
            else "",
            "action_forms": forms,
            "problem": problem,
            "overdue": selectors.is_overdue(task),
        },
        status=status,
    )


@staff_page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.task_get_for(user=_user(request), pk=pk))


def _run(name: str, task: Rectification, user: User, data: dict[str, Any]) -> str:
    if name == "verify":
        services.rectification_verify(
            task=task,
            actor=user,
            finding=data["finding"],
            contacted=data["contacted"],
            contact_note=data["contact_note"],
        )
        return _("已记录核实和回电情况，请定性。")
    if name == "confirm":
        services.rectification_confirm(task=task, actor=user, note=data["note"])
        return _("已确认差评属实，请在整改期限内完成整改。")
    if name == "rectify":
        task = services.rectification_rectify(task=task, actor=user, measures=data["measures"])
        if task.status == RectificationStatus.FOLLOW_UP:
            return _("整改已完成，已请评价人评价整改结果。")
        return _("整改已完成，任务已办结（匿名评价无法回访）。")
    if name == "explain":
        task = services.rectification_explain(
            task=task, actor=user, explanation=data["explanation"]
        )
        if task.status == RectificationStatus.FOLLOW_UP:
            return _("已解释说明，已请评价人评价处理结果。")
        return _("已解释说明，任务已办结（匿名评价无法回访）。")
    if name == "appeal":
        evidence = [(f.name, f) for f in data.get("evidence") or []]
        services.rectification_appeal(
            task=task,
            actor=user,
            classification=data["classification"],
            reason=data["reason"],
            evidence=evidence,
        )
        return _("申诉已提交数据资源局复核，复核期间整改期限暂停计算。")
    if name in ("uphold", "reject"):
        services.rectification_decide_appeal(
            task=task, actor=user, upheld=name == "uphold", note=data["note"]
        )
        if name == "uphold":
            return _("申诉成立：该评价认定为误评，不再计入差评，评价记录保留。")
        return _("申诉不成立：已退回部门整改。")
    if name == "record_follow_up":
        services.rectification_record_follow_up(
            task=task, actor=user, level=data["level"], comment=data["comment"]
        )
        return _("已登记电话回访评价，任务已办结。")
    raise Http404


@staff_page
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Fire one action from the task page: a conflict (someone acted first) is 409 with the
    fresh page; a field error the page with the form's errors (400); the role 403."""
    if action not in PAGE_ACTIONS:
        raise Http404
    user = _user(request)
    task = selectors.task_get_for(user=user, pk=pk)
    form = _form(action, data=request.POST, files=request.FILES)
    if not form.is_valid():
        return _detail(request, task, bound=form, status=400)
    try:
        message = _run(action, task, user, dict(form.cleaned_data))
    except PermissionDenied:
        raise
    except ValidationError as exc:
        fresh = selectors.task_get_for(user=user, pk=pk)
        if _is_conflict(exc):
            return _detail(request, fresh, problem="；".join(_messages_of(exc)), status=409)
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
        return _detail(request, fresh, bound=form, status=400)
    messages.success(request, message)
    return redirect("rectification:detail", pk=pk)


@staff_page
def evidence(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    row = selectors.evidence_get_for(user=_user(request), task_pk=pk, pk=evidence_pk)
    # Typed from the stored bytes, sandboxed and private, like every other download.
    stem = row.file_name.rsplit(".", 1)[0] if "." in row.file_name else row.file_name
    return stored_file_response(row.file, stem, "evidence")


# --- The bureau's board ----------------------------------------------------------------------


@staff_page
def board(request: HttpRequest) -> HttpResponse:
    """整改看板: the three figures for the reader's scope, per department the open, overdue,
    escalated, appealed and closed tasks, the appeals awaiting the bureau and the tasks
    escalated to it."""
    user = _user(request)
    scope = data_scope_for(user)
    return render(
        request,
        "evaluations/rectification/board.html",
        {
            "figures": compute_many(METRICS, scope),
            "scope_label": scope.label,
            "departments": selectors.board_rows_for(user=user),
            "appeals": [_row(t) for t in selectors.appeals_for(user=user)[:50]],
            "escalated": [_row(t) for t in selectors.escalated_for(user=user)[:50]],
            "may_decide": user.has_perm(DECIDE_APPEAL),
        },
    )


# --- The citizen's rating of the fix ---------------------------------------------------------


def rate_fix(request: HttpRequest, token: str) -> HttpResponse:
    """回访评价: the citizen rates how his bad rating was handled, from the signed link sent to
    him (no sign-in). A forged or expired link is refused with one sentence."""
    try:
        task = services.task_for_token(token)
    except ValidationError as exc:
        return render(
            request,
            "evaluations/rectification/rate_fix.html",
            {"refused": _messages_of(exc)[0]},
            status=404,
        )
    context: dict[str, Any] = {"task": task, "subject": subject_text(task)}
    if task.status != RectificationStatus.FOLLOW_UP:
        context["done"] = True
        return render(request, "evaluations/rectification/rate_fix.html", context)
    form = rf.RateFixForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rectification_rate_fix(
                task=task,
                level=form.cleaned_data["level"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            if _is_conflict(exc):
                context["done"] = True
                return render(request, "evaluations/rectification/rate_fix.html", context)
            form.add_error(None, _messages_of(exc))
        else:
            context.update(done=True, thanks=True)
            return render(request, "evaluations/rectification/rate_fix.html", context)
    context.update(
        form=form,
        measures=task.measures or task.explanation,
        status=400 if request.method == "POST" else 200,
    )
    return render(
        request, "evaluations/rectification/rate_fix.html", context, status=context["status"]
    )
