"""The rectification state machine (差评整改流程).

    verifying ─verify→ verified ─confirm→ rectifying ─rectify→ follow_up ─rate_fix→ closed
                          │   └─rectify (当即整改)──────────────↗ ↑   └record_follow_up↗
                          ├─explain (无法律依据，解释说明)────────┘
                          └─appeal (误评/恶意差评)→ appealed ─uphold→ closed
                                                         └─reject→ rectifying

rectify and explain lead to follow_up when the citizen can be reached for the follow-up (a
real-name rating with a phone or an account), otherwise straight to closed (an anonymous rating
has no one to ask). The sweep's escalation of an overdue task changes no state (services).
Department staff verify, classify, rectify and record a phone follow-up; the bureau decides
appeals; the citizen rates the fix through his signed link (no permission: the link is the
authority).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

from yiwang.common.workflow import Machine, Transition
from yiwang.evaluations.rectification.fields import RectificationStatus as S

VIEW = "evaluations.view_rectification"  # the queue, the task page, the bureau's board
HANDLE = "evaluations.handle_rectification"  # the handling unit: verify, classify, rectify
DECIDE_APPEAL = "evaluations.decide_rectification_appeal"  # the bureau: 申诉复核

RECTIFICATION = Machine.of(
    _("整改任务"),
    S,
    [
        Transition("verify", _("核实并回电"), frozenset({S.VERIFYING}), S.VERIFIED, HANDLE),
        Transition("confirm", _("确认属实"), frozenset({S.VERIFIED}), S.RECTIFYING, HANDLE),
        Transition(
            "rectify", _("完成整改"), frozenset({S.VERIFIED, S.RECTIFYING}), S.FOLLOW_UP, HANDLE
        ),
        Transition("explain", _("解释说明"), frozenset({S.VERIFIED}), S.FOLLOW_UP, HANDLE),
        Transition("appeal", _("申诉复核"), frozenset({S.VERIFIED}), S.APPEALED, HANDLE),
        Transition("uphold", _("申诉成立"), frozenset({S.APPEALED}), S.CLOSED, DECIDE_APPEAL),
        Transition("reject", _("申诉不成立"), frozenset({S.APPEALED}), S.RECTIFYING, DECIDE_APPEAL),
        Transition(
            "record_follow_up", _("登记电话回访"), frozenset({S.FOLLOW_UP}), S.CLOSED, HANDLE
        ),
        Transition("rate_fix", _("评价整改结果"), frozenset({S.FOLLOW_UP}), S.CLOSED, None),
    ],
    translated_states=True,
)

# What a page offers as buttons: never the sweep's mark.
PAGE_ACTIONS = (
    "verify",
    "confirm",
    "rectify",
    "explain",
    "appeal",
    "uphold",
    "reject",
    "record_follow_up",
)
