"""Workbench pages of cases (办件): the queues in the caller's scope with their bulk actions,
the case page with the action forms the caller may fire now, and 窗口收件 (a clerk registers a
walk-in application). Reads go through cases.selectors (out of scope is 404), writes through
cases.services; a refused action shows the service's Chinese message — a case someone else
acted on first answers 409 with the fresh page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from yiwang.cases import bundle_selectors, presenters, selectors, services
from yiwang.cases import workbench_forms as wf
from yiwang.cases.fields import DELIVERY_FROM_CATALOG, CaseStatus, Delivery
from yiwang.cases.models import Case
from yiwang.cases.workflow import ACCEPT, CASE, VIEW
from yiwang.common.workflow import ILLEGAL
from yiwang.org import selectors as org_selectors
from yiwang.org.decorators import staff_page as org_staff_page
from yiwang.org.models import ApplicantKind, User
from yiwang.org.services import applicant_register

PAGE_SIZE = 25
CONFLICT_CODES = frozenset({ILLEGAL, "conflict"})
ARCHIVE_QUEUE = "archive"

# Chinese, marked: the error page shows them in the reader's language (common.errors).
staff_page = org_staff_page(
    not_staff=gettext_noop("办件工作台仅供工作人员使用。"),
    may=lambda user: user.has_perm(VIEW),
    not_allowed=gettext_noop("您的角色不能查看办件。"),
)
intake_page = org_staff_page(
    not_staff=gettext_noop("窗口收件仅供工作人员使用。"),
    may=lambda user: user.has_perm(ACCEPT),
    not_allowed=gettext_noop("您的角色不能受理申请。"),
)

# Queues as the workbench lists them: the selectors' queues, then 待归档. Each with the bulk
# actions a clerk would want there.
QUEUE_ORDER = ("intake", "correction", "review", "warning", "overdue", "hand_out", "unpaid")
BULK_ACTIONS: dict[str, tuple[str, ...]] = {
    "hand_out": ("hand_out", "deliver"),
    "unpaid": ("pay",),
    ARCHIVE_QUEUE: ("archive",),
}
BULK_LABELS = {
    "archive": gettext_noop("归档"),
    "deliver": gettext_noop("电子送达"),
    "hand_out": gettext_noop("窗口出件"),
    "pay": gettext_noop("确认缴费"),
}
# The queues' names (cases.selectors.QUEUES), marked here: the pages translate them.
QUEUE_WORDS = (
    gettext_noop("待受理"),
    gettext_noop("待补正"),
    gettext_noop("待审批"),
    gettext_noop("即将超期"),
    gettext_noop("已超期"),
    gettext_noop("待出件"),
    gettext_noop("待缴费"),
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _is_conflict(exc: ValidationError) -> bool:
    """A state that no longer allows the action (someone acted first): 409, not a form error."""
    if hasattr(exc, "error_dict"):
        return False
    return any(getattr(e, "code", None) in CONFLICT_CODES for e in exc.error_list)


def _queue_label(queue: str) -> str:
    if queue == ARCHIVE_QUEUE:
        return _("待归档")
    return _(selectors.QUEUES[queue][0])


def _queue_rows(user: User, queue: str) -> Any:
    if queue == ARCHIVE_QUEUE:
        return selectors.archivable_for(user=user)
    return selectors.queue_for(user=user, queue=queue)


# --- Queues --------------------------------------------------------------------------------


@staff_page
def index(request: HttpRequest) -> HttpResponse:
    """办件: every queue with its count, the clerk's unfinished window drafts, a case by its
    number."""
    user = _user(request)
    number = request.GET.get("number", "").strip()
    if number:
        try:
            case = selectors.case_by_number_for(user=user, number=number)
        except Http404:
            messages.error(request, _("未找到办件编号为 %(number)s 的办件。") % {"number": number})
        else:
            return redirect("cases:detail", pk=case.pk)
    counts = selectors.queue_counts_for(user=user)
    queues = [(key, _queue_label(key), counts.get(key, 0)) for key in QUEUE_ORDER]
    queues.append(
        (ARCHIVE_QUEUE, _queue_label(ARCHIVE_QUEUE), selectors.archivable_for(user=user).count())
    )
    return render(
        request,
        "cases/workbench/index.html",
        {
            "queues": queues,
            "number": number,
            "drafts": selectors.window_drafts_for(user=user)[:20] if user.has_perm(ACCEPT) else [],
        },
    )


@staff_page
def queue(request: HttpRequest, queue: str) -> HttpResponse:
    user = _user(request)
    if queue != ARCHIVE_QUEUE and queue not in selectors.QUEUES:
        raise Http404(_("没有这个队列。"))
    rows = _queue_rows(user, queue)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    bulk = [
        (name, _(BULK_LABELS[name]))
        for name in BULK_ACTIONS.get(queue, ())
        if user.has_perm(CASE.transitions[name].permission or ACCEPT)
    ]
    counts = selectors.queue_counts_for(user=user)
    return render(
        request,
        "cases/workbench/queue.html",
        {
            "queue": queue,
            "label": _queue_label(queue),
            "page": page,
            "bulk": bulk,
            "tabs": [(key, _queue_label(key), counts.get(key, 0)) for key in QUEUE_ORDER],
        },
    )


def _bulk_one(name: str, case: Case, user: User, collected_by: str) -> Any:
    if name == "archive":
        return services.case_archive(case=case, actor=user)
    if name == "deliver":
        return services.case_deliver(case=case, actor=user)
    if name == "hand_out":
        return services.case_hand_out(case=case, actor=user, collected_by=collected_by)
    if name == "pay":
        return services.case_pay(case=case, actor=user)
    raise Http404


@staff_page
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """A bulk action on the ticked cases, each through its service: what succeeded is
    counted, what failed is named case by case."""
    user = _user(request)
    form = wf.BulkForm(request.POST)
    back = request.POST.get("queue", "")
    target = (
        reverse("cases:queue", args=[back])
        if back == ARCHIVE_QUEUE or back in selectors.QUEUES
        else reverse("cases:index")
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(target)
    name = form.cleaned_data["action"]
    done: list[str] = []
    for pk in form.cleaned_data["cases"]:
        try:
            case = selectors.case_get_for(user=user, pk=pk)
        except Http404:
            messages.error(request, _("办件 #%(pk)s：未找到该办件。") % {"pk": pk})
            continue
        try:
            _bulk_one(name, case, user, form.cleaned_data["collected_by"])
        except (ValidationError, PermissionDenied) as exc:
            text = "；".join(_messages_of(exc)) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, f"{case.number}：{text}")
            continue
        done.append(case.number)
    if done:
        messages.success(
            request,
            _("%(action)s完成 %(count)d 件：%(numbers)s")
            % {"action": _(BULK_LABELS[name]), "count": len(done), "numbers": "、".join(done)},
        )
    return redirect(target)


# --- The case page -------------------------------------------------------------------------


def _delivery_choices(version: Any) -> list[tuple[str, str]]:
    offered = [
        DELIVERY_FROM_CATALOG[m]
        for m in version.delivery_methods or []
        if m in DELIVERY_FROM_CATALOG
    ] or [Delivery.PICKUP]
    return [(d.value, _(d.label)) for d in Delivery if d in offered]


def _action_form(
    name: str, case: Case, materials: list[Any], data: Any = None, files: Any = None
) -> Any:
    """The form of action `name` (prefixed by the action: a page holds several)."""
    kwargs: dict[str, Any] = {"data": data, "prefix": name}
    if name == "resubmit":
        request = case.corrections.filter(resolved_at__isnull=True).order_by("-requested_at")
        asked = {e.get("order") for c in request[:1] for e in c.entries}
        return wf.ResubmitForm(
            materials=[m for m in materials if m.order in asked], files=files, **kwargs
        )
    if name == "accept":
        deferrable = [m for m in materials if m.missing and m.deferrable and m.required]
        return wf.AcceptForm(deferrable=deferrable, **kwargs)
    if name == "request_correction":
        return wf.CorrectionForm(materials=materials, **kwargs)
    if name == "not_accept":
        return wf.NotAcceptForm(**kwargs)
    if name == "advance":
        return wf.NoteForm(**kwargs)
    if name == "decide":
        return wf.DecideForm(charges=bool(case.version.has_fee), **kwargs)
    if name == "pause":
        return wf.PauseForm(**kwargs)
    if name == "extend":
        return wf.ReasonForm(**kwargs)
    if name == "deliver":
        return wf.DeliverForm(**kwargs)
    if name == "hand_out":
        return wf.HandOutForm(**kwargs)
    if name == "verify":
        return wf.VerifyForm(**kwargs)
    return wf.EmptyForm(**kwargs)


# Action-form fields whose choices are the case vocabulary (Decision, SpecialProcedureKind):
# Chinese, marked where they are defined (cases.fields).
VOCABULARY_FIELDS = ("decision", "kind")


def _translate_choices(form: Any) -> Any:
    """The form with its vocabulary choices in the reader's language (values unchanged)."""
    for name in VOCABULARY_FIELDS:
        field = form.fields.get(name)
        if field is not None:
            field.choices = [(value, _(str(text))) for value, text in field.choices]
    return form


def _run(name: str, case: Case, user: User, data: dict[str, Any]) -> str:
    """Fire action `name` through its service; the message for the page."""
    if name == "accept":
        case = services.case_accept(
            case=case, actor=user, deferred=data.get("deferred") or [], note=data["note"]
        )
        if case.status == CaseStatus.CONCLUDED:
            return _("已受理并当场办结（即办件）。")
        return _("已受理，承诺办结期限 %(day)s。") % {"day": case.promised_deadline or "—"}
    if name == "request_correction":
        services.case_request_correction(
            case=case, actor=user, entries=data["entries"], note=data["note"]
        )
        return _("已一次性告知补正，补正告知书已出具。")
    if name == "not_accept":
        services.case_not_accept(case=case, actor=user, reason=data["reason"])
        return _("已决定不予受理，不予受理通知书已出具。")
    if name == "advance":
        services.case_advance(case=case, actor=user, note=data["note"])
        return _("本环节已完成。")
    if name == "decide":
        services.case_decide(
            case=case,
            actor=user,
            decision=data["decision"],
            reason=data["reason"],
            basis=data["basis"],
            fee=data.get("fee") or None,
        )
        return _("已作出决定，办件已办结。")
    if name == "pause":
        services.case_pause(
            case=case,
            actor=user,
            kind=data["kind"],
            reason=data["reason"],
            limit_days=data["limit_days"],
        )
        return _("已启动特别程序，办理时限暂停计算。")
    if name == "resume":
        services.case_resume(case=case, actor=user)
        return _("特别程序已结束，办理时限恢复计算。")
    if name == "extend":
        services.case_extend(case=case, actor=user, reason=data["reason"])
        return _("已批准延长审批期限。")
    if name == "pay":
        services.case_pay(case=case, actor=user)
        return _("已确认缴费到账。")
    if name == "deliver":
        services.case_deliver(case=case, actor=user, tracking_number=data["tracking_number"])
        return _("已送达。")
    if name == "hand_out":
        services.case_hand_out(
            case=case,
            actor=user,
            collected_by=data["collected_by"],
            collector_id_number=data["collector_id_number"],
            id_checked=data["id_checked"],
        )
        return _("已出件。")
    if name == "resubmit":
        for key, value in data.items():
            kind, _sep, order = key.partition("_")
            if kind == "scan" and value:
                services.case_material_upload(
                    case=case, actor=user, order=int(order), file=value, file_name=value.name
                )
        for key, value in data.items():
            kind, _sep, order = key.partition("_")
            if kind == "paper" and value:
                services.case_material_paper(case=case, actor=user, order=int(order))
        services.case_resubmit(case=case, actor=user)
        return _("补正材料已登记，申请已重新提交，请预审。")
    if name == "archive":
        services.case_archive(case=case, actor=user)
        return _("已归档。")
    if name == "verify":
        services.case_verify(case=case, actor=user, confirmed=data["confirmed"], note=data["note"])
        return _("已记录承诺核查结论。")
    raise Http404


def _detail(
    request: HttpRequest,
    case: Case,
    *,
    bound: Any = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    """The case page; `bound` is the action form that was refused, shown with its errors."""
    from yiwang.licenses.exemption import case_material_uses  # 免提交 by a licence

    user = _user(request)
    version = case.version
    materials = presenters.staff_material_rows(
        version.materials.all(),
        selectors.case_materials(case, current_only=False),
        case_material_uses(case),
    )
    procedure = case.special_procedures.filter(ended_on__isnull=True).first()
    verification = getattr(case, "verification", None) if hasattr(case, "verification") else None
    steps = services.review_steps(version)
    actions = presenters.staff_actions(
        case,
        user,
        last_step=case.step >= len(steps) - 1,
        verification_open=verification is not None and verification.status == "open",
    )
    forms = []
    for name in actions:
        form = bound if bound is not None and bound.prefix == name else None
        form = form or _translate_choices(_action_form(name, case, materials))
        forms.append((name, _action_label(name), form))
    applicant = case.applicant
    bundle_case, bundle_visible = bundle_selectors.bundle_of_case(user=user, case=case)
    may_reveal = (
        user.has_perm("audit.reveal_personal_data")
        and org_selectors.applicant_list_for(user=user).filter(pk=applicant.pk).exists()
    )
    return render(
        request,
        "cases/workbench/detail.html",
        {
            "case": case,
            "version": version,
            "applicant": applicant,
            "may_reveal": may_reveal,
            "form_rows": presenters.form_rows(version.form_fields or [], case.form_data or {}),
            "materials": materials,
            "history": presenters.staff_history(selectors.case_history(case), applicant=applicant),
            "clock": presenters.clock_facts(case, procedure=procedure),
            "notices": selectors.case_notices(case),
            "corrections": case.corrections.order_by("requested_at", "id"),
            "procedures": case.special_procedures.order_by("started_on", "id"),
            "payment": getattr(case, "payment", None) if hasattr(case, "payment") else None,
            "verification": verification,
            "steps": steps,
            "action_forms": forms,
            "problem": problem,
            "status_label": presenters.status_label(case.status),
            "channel_label": presenters.channel_label(case.channel),
            "delivery_address": case.delivery_address or {},
            "bundle_case": bundle_case,
            "bundle_visible": bundle_visible,
        },
        status=status,
    )


def _action_label(name: str) -> str:
    if name == "verify":
        return _("承诺核查")
    if name == "resubmit":
        return _("窗口登记补正材料")
    return presenters.action_label(name)


@staff_page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(user=_user(request), pk=pk)
    return _detail(request, case)


ACTIONS = frozenset({*presenters.STAFF_ACTIONS, "verify", "resubmit"})


@staff_page
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Fire one action from the case page. Refused by the state (someone acted first): 409
    with the message and the fresh page; by a field: the page with the form's errors (400);
    by the role: 403 (PermissionDenied, answered by staff_page)."""
    if action not in ACTIONS:
        raise Http404
    user = _user(request)
    case = selectors.case_get_for(user=user, pk=pk)
    seen = request.POST.get("seen_status", "")
    from yiwang.licenses.exemption import case_material_uses  # 免提交 by a licence

    materials = presenters.staff_material_rows(
        case.version.materials.all(),
        selectors.case_materials(case, current_only=False),
        case_material_uses(case),
    )
    form = _translate_choices(
        _action_form(action, case, materials, data=request.POST, files=request.FILES)
    )
    if not form.is_valid():
        return _detail(request, case, bound=form, status=400)
    data = dict(form.cleaned_data)
    if action == "request_correction":
        data["entries"] = form.entries()
    try:
        text = _run(action, case, user, data)
    except ValidationError as exc:
        fresh = selectors.case_get_for(user=user, pk=pk)
        if _is_conflict(exc):
            problem = "；".join(_messages_of(exc))
            if seen and seen != fresh.status:
                problem = (
                    _("其他工作人员已先处理了该办件（现为“%(status)s”），您的操作未执行。")
                    % {"status": presenters.status_label(fresh.status)}
                    + problem
                )
            return _detail(request, fresh, problem=problem, status=409)
        _add_errors(form, exc)
        return _detail(request, fresh, bound=form, status=400)
    messages.success(request, text)
    return redirect("cases:detail", pk=case.pk)


def _add_errors(form: Any, exc: ValidationError) -> None:
    """A service's errors on the form: on the field it names when the form has it, else at
    the top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        if key in form.fields:
            form.add_error(key, errors)
        else:
            form.add_error(None, errors)


# --- 窗口收件 -----------------------------------------------------------------------------


def _intake(request: HttpRequest, **context: Any) -> HttpResponse:
    user = _user(request)
    context.setdefault("find_form", wf.ApplicantFindForm())
    context.setdefault("drafts", selectors.window_drafts_for(user=user)[:20])
    staff = org_selectors.staff_for_user(user)
    context["window"] = staff.window if staff is not None and staff.window_id else None
    return render(
        request, "cases/workbench/intake.html", context, status=context.pop("status", 200)
    )


def _start_form(user: User, data: Any = None) -> wf.IntakeStartForm:
    return wf.IntakeStartForm(data, items=selectors.intake_items_for(user=user))


@intake_page
def intake_items(request: HttpRequest) -> HttpResponse:
    """The item choice narrowed by what the clerk typed (htmx swaps it into 窗口收件)."""
    query = request.GET.get("q", "")[:100]
    form = wf.IntakeStartForm(items=selectors.intake_items_for(user=_user(request), query=query))
    return render(request, "cases/workbench/_item_select.html", {"field": form["item"]})


@intake_page
def intake(request: HttpRequest) -> HttpResponse:
    """窗口收件 in three steps: find the applicant (by ID number or USCC, posted — never in a
    URL) or register him, choose the item and the channel, then fill in the draft."""
    user = _user(request)
    if request.method != "POST":
        return _intake(request)
    step = request.POST.get("step", "")
    if step == "find":
        find = wf.ApplicantFindForm(request.POST)
        if not find.is_valid():
            return _intake(request, find_form=find, status=400)
        kind = find.cleaned_data["kind"]
        applicant = selectors.applicant_find_for(
            user=user,
            id_number=find.cleaned_data["id_number"] if kind == ApplicantKind.PERSON else "",
            uscc=find.cleaned_data["uscc"] if kind == ApplicantKind.LEGAL_PERSON else "",
        )
        if applicant is None:
            register = wf.ApplicantRegisterForm(
                initial={
                    "kind": kind,
                    "id_number": find.cleaned_data["id_number"],
                    "uscc": find.cleaned_data["uscc"],
                }
            )
            return _intake(request, find_form=find, register_form=register, not_found=True)
        return _intake(request, applicant=applicant, start_form=_start_form(user))
    if step == "register":
        register = wf.ApplicantRegisterForm(request.POST)
        if not register.is_valid():
            return _intake(request, register_form=register, status=400)
        try:
            applicant = applicant_register(**register.cleaned_data, actor=user)
        except ValidationError as exc:
            _add_errors(register, exc)
            return _intake(request, register_form=register, status=400)
        messages.success(request, _("已登记申请人 %(name)s。") % {"name": applicant.name})
        return _intake(request, applicant=applicant, start_form=_start_form(user))
    if step == "start":
        applicant = org_selectors.applicant_get_for(
            user=user, pk=_int(request.POST.get("applicant"))
        )
        start = _start_form(user, request.POST)
        if not start.is_valid():
            return _intake(request, applicant=applicant, start_form=start, status=400)
        item = selectors.intake_items_for(user=user).filter(pk=start.cleaned_data["item"]).first()
        if item is None:
            start.add_error("item", _("请选择可受理的事项。"))
            return _intake(request, applicant=applicant, start_form=start, status=400)
        try:
            case = services.case_create(
                item=item,
                applicant=applicant,
                actor=user,
                form=selectors.form_prefill(version=item.published_version, applicant=applicant),
                channel=start.cleaned_data["channel"],
                consent=start.cleaned_data["consent"],
            )
        except ValidationError as exc:
            _add_errors(start, exc)
            return _intake(request, applicant=applicant, start_form=start, status=400)
        return redirect("cases:intake-case", pk=case.pk)
    raise Http404


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _application_form(case: Case, materials: list[Any], data: Any = None, files: Any = None) -> Any:
    version = case.version
    form = wf.IntakeApplicationForm(
        data,
        files,
        form_fields=list(version.form_fields or []),
        stored=dict(case.form_data or {}),
        materials=materials,
        delivery_choices=_delivery_choices(version),
        commitment_allowed=bool(version.commitment_based),
        initial={
            "delivery": case.delivery,
            "commitment": case.commitment,
            "recipient": (case.delivery_address or {}).get("recipient", ""),
            "address": (case.delivery_address or {}).get("address", ""),
        },
    )
    return form


@intake_page
def intake_case(request: HttpRequest, pk: int) -> HttpResponse:
    """The walk-in's draft: the form, the delivery, the paper materials received or scans;
    保存 keeps it, 提交并受理 submits it and accepts it at once (an instant item concludes)."""
    user = _user(request)
    case = selectors.case_get_for(user=user, pk=pk)
    if case.status != CaseStatus.DRAFT:
        return redirect("cases:detail", pk=case.pk)
    materials = _rows(case)
    if request.method != "POST":
        form = _application_form(case, materials)
        return _intake_case(request, case, form, materials)
    form = _application_form(case, materials, request.POST, request.FILES)
    if not form.is_valid():
        return _intake_case(request, case, form, materials, status=400)
    try:
        _save_application(case, user, form, materials)
    except ValidationError as exc:
        _add_application_errors(form, exc)
        case = selectors.case_get_for(user=user, pk=pk)
        return _intake_case(request, case, form, _rows(case), status=400)
    if "submit" not in request.POST:
        messages.success(request, _("已保存。"))
        return redirect("cases:intake-case", pk=case.pk)
    deferred = [m.order for m in materials if request.POST.get(f"defer_{m.order}")]
    try:
        case = services.case_submit(case=case, actor=user)
    except ValidationError as exc:
        _add_application_errors(form, exc)
        case = selectors.case_get_for(user=user, pk=pk)
        return _intake_case(request, case, form, _rows(case), status=400)
    try:
        case = services.case_accept(case=case, actor=user, deferred=deferred)
    except ValidationError as exc:
        messages.error(
            request,
            _("申请已提交，但未能受理：%(reason)s") % {"reason": "；".join(_messages_of(exc))},
        )
        return redirect("cases:detail", pk=case.pk)
    if case.status == CaseStatus.CONCLUDED:
        messages.success(request, _("已受理并当场办结（即办件）。"))
    else:
        messages.success(
            request,
            _("已受理，办件编号 %(number)s，承诺办结期限 %(day)s。")
            % {"number": case.number, "day": case.promised_deadline or "—"},
        )
    return redirect("cases:detail", pk=case.pk)


def _rows(case: Case) -> list[Any]:
    """The intake page's materials: with the applicant's valid licences that stand in (免提交;
    attached through a recorded use, the clerk as actor, when the case is submitted —
    licenses.receivers), so those are not in the paper checklist."""
    from yiwang.licenses.exemption import version_licence_materials  # 免提交 by a licence

    return presenters.staff_material_rows(
        case.version.materials.all(),
        selectors.case_materials(case, current_only=False),
        version_licence_materials(case.version, case.applicant),
    )


def _save_application(case: Case, user: User, form: Any, materials: list[Any]) -> None:
    data = form.cleaned_data
    delivery = data["delivery"]
    services.case_update(
        case=case,
        actor=user,
        form=form.form_values(),
        delivery=delivery,
        delivery_address=form.address_values() if delivery == Delivery.EMS else None,
        commitment=data.get("commitment") if "commitment" in form.fields else None,
    )
    for row in materials:
        if not row.asked:
            continue
        upload = data.get(f"scan_{row.order}")
        if upload:
            services.case_material_upload(
                case=case, actor=user, order=row.order, file=upload, file_name=upload.name
            )
        received = bool(data.get(f"paper_{row.order}"))
        before = row.paper and not upload  # a new scan starts a new row, paper not yet ticked
        if received != before and (received or row.current is not None):
            services.case_material_paper(case=case, actor=user, order=row.order, received=received)


def _add_application_errors(form: Any, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        name = key.replace("form.", "form_", 1) if key.startswith("form.") else key
        name = {"delivery.recipient": "recipient", "delivery.phone": "recipient_phone"}.get(
            name, name
        )
        name = "address" if name == "delivery.address" else name
        if name in form.fields:
            form.add_error(name, errors)
        else:
            form.add_error(None, errors)


def _intake_case(
    request: HttpRequest, case: Case, form: Any, materials: list[Any], *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "cases/workbench/intake_case.html",
        {
            "case": case,
            "form": form,
            "materials": [
                (
                    row,
                    form[f"paper_{row.order}"] if row.asked else None,
                    form[f"scan_{row.order}"] if row.asked else None,
                )
                for row in materials
            ],
            "form_fields": [form[f"form_{key}"] for key in form.form_keys],
            "channel_label": presenters.channel_label(case.channel),
        },
        status=status,
    )
