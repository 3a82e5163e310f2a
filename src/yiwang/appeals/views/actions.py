"""The action forms of a ticket page and the service each one fires. Which forms are shown is
read from the state machine (appeals.workflow.TICKET.available) and the reader's department's
part in the current round (selectors.part_of_department); the services check everything again
on the row they lock, so a stale page only gets the service's refusal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yiwang.appeals import forms as f
from yiwang.appeals import selectors, services
from yiwang.appeals.dispatch import services as dispatch_services
from yiwang.appeals.fields import AssignmentRole, AssignmentStatus, ExtensionStatus
from yiwang.appeals.models import Ticket, TicketAssignment, TicketExtension
from yiwang.appeals.workflow import TICKET
from yiwang.org import selectors as org_selectors
from yiwang.org.models import Department, User

# The page's action names → their labels (marked: the page translates them) and forms.
LABELS = {
    "classify": gettext_noop("分类"),
    "dispatch": gettext_noop("派单"),
    "redispatch": gettext_noop("重新派单"),
    "sign_for": gettext_noop("签收"),
    "send_back": gettext_noop("退单"),
    "handle": gettext_noop("登记办理情况"),
    "pause": gettext_noop("暂停计时（等待诉求人）"),
    "resume": gettext_noop("恢复计时"),
    "reply_part": gettext_noop("协办反馈"),
    "reply": gettext_noop("答复诉求人"),
    "request_extension": gettext_noop("申请延期"),
    "decide_extension": gettext_noop("审核延期"),
    "follow_up": gettext_noop("回访"),
    "redo": gettext_noop("重办"),
    "close": gettext_noop("办结"),
    "remind": gettext_noop("催办"),
    "supervise": gettext_noop("督办"),
    "attach": gettext_noop("上传附件"),
    "merge": gettext_noop("合并到该工单"),
}
ACTIONS = frozenset(LABELS)
# History lines the services label without a transition (appeals.services.ACTION_LABELS),
# marked here: the pages translate every line's label.
EVENT_WORDS = (gettext_noop("受理登记"), gettext_noop("上传附件"), gettext_noop("已超期"))
# What the page tells after an action (marked).
DONE = {
    "classify": gettext_noop("已分类。"),
    "dispatch": gettext_noop("已派单。"),
    "redispatch": gettext_noop("已重新派单。"),
    "sign_for": gettext_noop("已签收。"),
    "send_back": gettext_noop("已退单，工单退回派单员重新派单。"),
    "handle": gettext_noop("已登记办理情况。"),
    "pause": gettext_noop("已暂停计时。"),
    "resume": gettext_noop("已恢复计时。"),
    "reply_part": gettext_noop("已向主办部门反馈。"),
    "reply": gettext_noop("已答复诉求人。"),
    "request_extension": gettext_noop("已提交延期申请，等待审核。"),
    "decide_extension": gettext_noop("已审核延期申请。"),
    "follow_up": gettext_noop("已记录回访结果。"),
    "redo": gettext_noop("已退回主办部门重办。"),
    "close": gettext_noop("工单已办结。"),
    "remind": gettext_noop("已催办。"),
    "supervise": gettext_noop("已督办。"),
    "attach": gettext_noop("附件已上传。"),
    "merge": gettext_noop("已合并。"),
}


@dataclass(frozen=True)
class ActionForm:
    name: str
    label: str
    form: Any


def department_of(user: User) -> Department | None:
    staff = org_selectors.staff_for_user(user)
    return staff.department if staff is not None else None


def pending_extension(ticket: Ticket) -> TicketExtension | None:
    return ticket.extensions.filter(status=ExtensionStatus.PENDING).first()


def make_form(name: str, user: User, data: Any = None, files: Any = None) -> Any:
    """The (prefixed) form of action `name`; a page holds several."""
    kwargs: dict[str, Any] = {"data": data, "prefix": name}
    if name in ("dispatch", "redispatch"):
        departments = org_selectors.departments_in_scope(user=user).order_by("name")
        return f.DispatchForm(departments=departments, **kwargs)
    if name == "attach":
        return f.AttachForm(files=files, **kwargs)
    form_class = {
        "classify": f.ClassifyForm,
        "send_back": f.SendBackForm,
        "handle": f.HandleForm,
        "pause": f.ReasonForm,
        "reply_part": f.ReplyForm,
        "reply": f.ReplyForm,
        "request_extension": f.ExtensionForm,
        "decide_extension": f.ExtensionDecideForm,
        "follow_up": f.FollowUpForm,
        "redo": f.ReasonForm,
        "merge": f.MergeForm,
    }.get(name)
    if form_class is not None:
        return form_class(**kwargs)
    if name in ("sign_for",):
        return f.EmptyForm(**kwargs)
    return f.NoteForm(**kwargs)


def available(ticket: Ticket, user: User, part: TicketAssignment | None) -> list[str]:
    """The actions the page offers `user` now, in the order of the work."""
    allowed = {t.name for t in TICKET.available(ticket.status, user)}
    names: list[str] = []
    if "classify" in allowed:
        names.append("classify")
    if "dispatch" in allowed:
        names.append("dispatch")
    if part is not None:
        lead = part.role == AssignmentRole.LEAD
        if part.status == AssignmentStatus.PENDING and (
            {"sign_for", "send_back"} & allowed if lead else {"sign_for_part"} & allowed
        ):
            names += ["sign_for", "send_back"]
        elif part.status == AssignmentStatus.SIGNED and lead and "reply" in allowed:
            names += ["reply", "handle", "resume" if ticket.paused else "pause"]
            if pending_extension(ticket) is None:
                names.append("request_extension")
        elif part.status == AssignmentStatus.SIGNED and not lead and "reply_part" in allowed:
            names.append("reply_part")
    if "decide_extension" in allowed and pending_extension(ticket) is not None:
        names.append("decide_extension")
    for name in ("follow_up", "close", "redo", "redispatch", "remind", "supervise"):
        if name in allowed:
            names.append(name)
    return names


def forms_for(ticket: Ticket, user: User, names: list[str], bound: Any = None) -> list[ActionForm]:
    rows = []
    for name in names:
        form = bound if bound is not None and bound.prefix == name else make_form(name, user)
        rows.append(ActionForm(name, _(LABELS[name]), form))
    return rows


def run(name: str, ticket: Ticket, user: User, data: dict[str, Any]) -> str:
    """Fire action `name` through its service; the message for the page."""
    if name == "classify":
        services.ticket_classify(
            ticket=ticket, actor=user, kind=data["kind"], urgent=data["urgent"], note=data["note"]
        )
    elif name in ("dispatch", "redispatch"):
        services.ticket_dispatch(
            ticket=ticket,
            actor=user,
            lead=data["lead"],
            assisting=list(data["assisting"]),
            instruction=data["instruction"],
        )
    elif name == "sign_for":
        services.ticket_sign_for(ticket=ticket, actor=user)
    elif name == "send_back":
        services.ticket_send_back(ticket=ticket, actor=user, reason=data["reason"])
    elif name == "handle":
        services.ticket_handle(
            ticket=ticket, actor=user, note=data["note"], feedback=data["feedback"]
        )
    elif name == "pause":
        services.ticket_pause(ticket=ticket, actor=user, reason=data["reason"])
    elif name == "resume":
        services.ticket_resume(ticket=ticket, actor=user, note=data["note"])
    elif name == "reply_part":
        services.ticket_reply_part(ticket=ticket, actor=user, reply=data["reply"])
    elif name == "reply":
        services.ticket_reply(ticket=ticket, actor=user, reply=data["reply"])
    elif name == "request_extension":
        services.ticket_extension_request(
            ticket=ticket, actor=user, days=data["days"], reason=data["reason"]
        )
    elif name == "decide_extension":
        extension = pending_extension(ticket)
        if extension is None:
            raise ValidationError(_("该工单没有待审核的延期申请。"), code="illegal_transition")
        services.ticket_extension_decide(
            extension=extension,
            actor=user,
            approve=data["decision"] == "approve",
            note=data["note"],
        )
    elif name == "follow_up":
        services.ticket_follow_up(
            ticket=ticket, actor=user, satisfaction=data["satisfaction"], note=data["note"]
        )
    elif name == "redo":
        services.ticket_redo(ticket=ticket, actor=user, reason=data["reason"])
    elif name == "close":
        services.ticket_close(ticket=ticket, actor=user, note=data["note"])
    elif name == "remind":
        services.ticket_remind(ticket=ticket, actor=user, note=data["note"])
    elif name == "supervise":
        services.ticket_supervise(ticket=ticket, actor=user, note=data["note"])
    elif name == "attach":
        for upload in data["attachments"]:
            services.ticket_attach(ticket=ticket, actor=user, file=upload, file_name=upload.name)
    elif name == "merge":
        # The ticket of the page is the duplicate; `into` names the ticket it repeats.
        into = selectors.ticket_get_for(user=user, pk=data["into"])
        dispatch_services.ticket_merge(ticket=ticket, into=into, actor=user, note=data["note"])
        return _("已将本工单合并到工单 %(number)s。") % {"number": into.number}
    return _(DONE[name])
