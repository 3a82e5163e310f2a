"""The case state machine (办件流程).

    draft ─submit→ submitted ─accept→ in_review ─decide→ concluded ─deliver / hand_out→ delivered
                     │  │   ↖resubmit─ correction                        └─archive→ archived
                     │  └request_correction→┘
                     └not_accept→ not_accepted ─archive→ archived
    draft / submitted / correction ─withdraw→ withdrawn

Inside in_review: advance (the next review step of the item's process), pause / resume (a
special procedure stops the clocks), extend (once, with the head's approval). pay records a
confirmed fee. The applicant submits, resubmits and withdraws his own case (the selectors decide
whose case it is); window clerks accept, request corrections, refuse to accept, deliver and hand
out; approvers review and decide; the department head approves an extension.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

from yiwang.cases.fields import CaseStatus as S
from yiwang.common.workflow import Machine, Transition

ACCEPT = "cases.accept_case"  # intake: pre-review, accept, correction, not accept, delivery
REVIEW = "cases.review_case"  # the review steps
DECIDE = "cases.decide_case"  # decision, special procedures
EXTEND = "cases.approve_extension"  # the head of the body (第四十二条)
VERIFY = "cases.verify_commitment"  # 告知承诺 verification
VIEW = "cases.view_case"  # staff see cases at all (queues, the case page), within their scope

_APPLICANT_OPEN = frozenset({S.DRAFT, S.SUBMITTED, S.CORRECTION})

# Labels stay Chinese (marked): the history records them, the API answers with them; pages and
# messages show them translated (common.workflow, the case views and templates).
CASE = Machine.of(
    _("办件"),
    S,
    [
        Transition("submit", _("提交申请"), frozenset({S.DRAFT}), S.SUBMITTED, None),
        Transition("accept", _("受理"), frozenset({S.SUBMITTED}), S.IN_REVIEW, ACCEPT),
        Transition("not_accept", _("不予受理"), frozenset({S.SUBMITTED}), S.NOT_ACCEPTED, ACCEPT),
        Transition(
            "request_correction",
            _("一次性告知补正"),
            frozenset({S.SUBMITTED}),
            S.CORRECTION,
            ACCEPT,
        ),
        Transition("resubmit", _("提交补正材料"), frozenset({S.CORRECTION}), S.SUBMITTED, None),
        Transition("withdraw", _("撤回申请"), _APPLICANT_OPEN, S.WITHDRAWN, None),
        Transition("advance", _("完成本环节"), frozenset({S.IN_REVIEW}), S.IN_REVIEW, REVIEW),
        Transition("decide", _("作出决定"), frozenset({S.IN_REVIEW}), S.CONCLUDED, DECIDE),
        Transition("pause", _("启动特别程序"), frozenset({S.IN_REVIEW}), S.IN_REVIEW, DECIDE),
        Transition("resume", _("结束特别程序"), frozenset({S.IN_REVIEW}), S.IN_REVIEW, DECIDE),
        Transition("extend", _("延长审批期限"), frozenset({S.IN_REVIEW}), S.IN_REVIEW, EXTEND),
        Transition("pay", _("确认缴费"), frozenset({S.CONCLUDED}), S.CONCLUDED, None),
        Transition("deliver", _("送达"), frozenset({S.CONCLUDED}), S.DELIVERED, ACCEPT),
        Transition("hand_out", _("窗口出件"), frozenset({S.CONCLUDED}), S.DELIVERED, ACCEPT),
        Transition(
            "archive",
            _("归档"),
            frozenset({S.NOT_ACCEPTED, S.DELIVERED, S.WITHDRAWN}),
            S.ARCHIVED,
            ACCEPT,
        ),
    ],
    translated_states=True,  # cases.fields marks them
)
