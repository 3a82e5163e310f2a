"""The ticket state machine (诉求流程, 国办发〔2020〕53号: 受理 → 派单 → 签收 → 办理 → 答复 → 督办 →
办结 → 回访).

    registered ─classify→ pending_dispatch ─dispatch→ dispatched ─sign_for→ handling ─reply→ replied
    dispatched ─send_back→ sent_back ─dispatch→ dispatched; dispatched/handling ─redispatch→ …
    replied ─follow_up→ followed_up ─close→ closed; replied/followed_up ─redo→ handling
    replied ─close→ closed (without a follow-up, e.g. an anonymous caller)
    open tickets ─merge→ merged (a duplicate, appeals.dispatch)

Inside dispatched / handling: handle (progress, first feedback), pause / resume (waiting on
the citizen), request / decide an extension, remind (催办) and supervise (督办). Assisting
departments sign for and answer their part (sign_for_part, send_back_part, reply_part) without
moving the ticket. The bureau's clerks register, classify and follow up; the bureau dispatches,
re-dispatches, reminds, supervises and decides extensions; departments sign for, send back,
handle and reply. A citizen follows up his own ticket (rates the reply) — the services check it
is his.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

from yiwang.appeals.fields import DEPARTMENT_STATUSES, DESK_STATUSES
from yiwang.appeals.fields import TicketStatus as S
from yiwang.common.workflow import Machine, Transition

REGISTER = "appeals.register_ticket"
DISPATCH = "appeals.dispatch_ticket"
HANDLE = "appeals.handle_ticket"
FOLLOW_UP = "appeals.follow_up_ticket"
DECIDE_EXTENSION = "appeals.decide_extension"
MANAGE_SLA = "appeals.manage_sla"
VIEW = "appeals.view_ticket"

_DEPT = frozenset(DEPARTMENT_STATUSES)
_HANDLING = frozenset({S.HANDLING})
_PARTS = frozenset({S.DISPATCHED, S.HANDLING, S.REPLIED})

TICKET = Machine.of(
    _("诉求工单"),
    S,
    [
        Transition(
            "classify",
            _("分类"),
            frozenset({S.REGISTERED, S.PENDING_DISPATCH}),
            S.PENDING_DISPATCH,
            REGISTER,
        ),
        Transition(
            "dispatch",
            _("派单"),
            frozenset({S.PENDING_DISPATCH, S.SENT_BACK}),
            S.DISPATCHED,
            DISPATCH,
        ),
        Transition("redispatch", _("重新派单"), _DEPT, S.DISPATCHED, DISPATCH),
        Transition("sign_for", _("签收"), frozenset({S.DISPATCHED}), S.HANDLING, HANDLE),
        Transition("send_back", _("退单"), frozenset({S.DISPATCHED}), S.SENT_BACK, HANDLE),
        Transition("sign_for_part", _("签收"), _PARTS, S.DISPATCHED, HANDLE),
        Transition("send_back_part", _("退单"), _PARTS, S.DISPATCHED, HANDLE),
        Transition("reply_part", _("协办反馈"), _PARTS, S.HANDLING, HANDLE),
        Transition("handle", _("办理"), _HANDLING, S.HANDLING, HANDLE),
        Transition("pause", _("暂停计时（等待诉求人）"), _HANDLING, S.HANDLING, HANDLE),
        Transition("resume", _("恢复计时"), _HANDLING, S.HANDLING, HANDLE),
        Transition("request_extension", _("申请延期"), _HANDLING, S.HANDLING, HANDLE),
        Transition("decide_extension", _("审核延期"), _DEPT, S.HANDLING, DECIDE_EXTENSION),
        Transition("reply", _("答复"), _HANDLING, S.REPLIED, HANDLE),
        Transition("follow_up", _("回访"), frozenset({S.REPLIED}), S.FOLLOWED_UP, None),
        Transition("redo", _("重办"), frozenset({S.REPLIED, S.FOLLOWED_UP}), S.HANDLING, FOLLOW_UP),
        Transition("close", _("办结"), frozenset({S.REPLIED, S.FOLLOWED_UP}), S.CLOSED, FOLLOW_UP),
        Transition("remind", _("催办"), _DEPT, S.HANDLING, DISPATCH),
        Transition("supervise", _("督办"), _DEPT, S.HANDLING, DISPATCH),
        Transition(
            "merge", _("合并重复诉求"), frozenset({*DESK_STATUSES, *_DEPT}), S.MERGED, DISPATCH
        ),
    ],
    translated_states=True,
)

# Transitions that leave the ticket's status as it was (their `target` is only nominal).
IN_PLACE = frozenset(
    {
        "sign_for_part",
        "send_back_part",
        "reply_part",
        "handle",
        "pause",
        "resume",
        "request_extension",
        "decide_extension",
        "remind",
        "supervise",
    }
)
