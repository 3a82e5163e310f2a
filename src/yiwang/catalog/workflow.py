"""Catalogue lifecycle: which transitions exist and who may fire them.

Version: draft → submitted → (returned → submitted …) → approved → published → superseded.
Item: claimed → active (first publication) ⇄ suspended; any → withdrawn.
Department staff compile and submit their own department's items; bureau staff review, publish,
suspend and withdraw. Scope (which items a user may touch at all) is applied by the selectors.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError

from yiwang.catalog.models import ItemStatus, VersionStatus
from yiwang.org.models import User
from yiwang.org.roles import Role

COMPILER_ROLES = frozenset(
    {Role.DEPARTMENT_ADMIN, Role.WINDOW_CLERK, Role.APPROVER, Role.BUREAU_ADMIN, Role.SYSTEM_ADMIN}
)
REVIEWER_ROLES = frozenset({Role.BUREAU_ADMIN, Role.SYSTEM_ADMIN})


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]


VERSION_TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "submit",
            "提交审核",
            frozenset({VersionStatus.DRAFT, VersionStatus.RETURNED}),
            VersionStatus.SUBMITTED,
            COMPILER_ROLES,
        ),
        Transition(
            "return",
            "退回修改",
            frozenset({VersionStatus.SUBMITTED}),
            VersionStatus.RETURNED,
            REVIEWER_ROLES,
        ),
        Transition(
            "approve",
            "审核通过",
            frozenset({VersionStatus.SUBMITTED}),
            VersionStatus.APPROVED,
            REVIEWER_ROLES,
        ),
        Transition(
            "publish",
            "发布",
            frozenset({VersionStatus.APPROVED}),
            VersionStatus.PUBLISHED,
            REVIEWER_ROLES,
        ),
    ]
}

ITEM_TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "suspend",
            "暂停",
            frozenset({ItemStatus.ACTIVE}),
            ItemStatus.SUSPENDED,
            REVIEWER_ROLES | {Role.DEPARTMENT_ADMIN},
        ),
        Transition(
            "resume",
            "恢复",
            frozenset({ItemStatus.SUSPENDED}),
            ItemStatus.ACTIVE,
            REVIEWER_ROLES | {Role.DEPARTMENT_ADMIN},
        ),
        Transition(
            "withdraw",
            "撤销",
            frozenset({ItemStatus.CLAIMED, ItemStatus.ACTIVE, ItemStatus.SUSPENDED}),
            ItemStatus.WITHDRAWN,
            REVIEWER_ROLES,
        ),
    ]
}


def _system(user: User | None) -> bool:
    return user is None or user.is_superuser


def may_compile(user: User | None) -> bool:
    return _system(user) or bool(user.role_codes & COMPILER_ROLES)  # type: ignore[union-attr]


def may_review(user: User | None) -> bool:
    return _system(user) or bool(user.role_codes & REVIEWER_ROLES)  # type: ignore[union-attr]


def check(
    transitions: dict[str, Transition], name: str, state: str, user: User | None, what: str
) -> Transition:
    """Raise unless `name` may fire from `state` for `user`; returns the transition."""
    transition = transitions[name]
    if state not in transition.sources:
        raise ValidationError(
            f"{what}当前为“{_label(state)}”，不能{transition.label}。", code="illegal_transition"
        )
    if not _system(user) and not (user.role_codes & transition.roles):  # type: ignore[union-attr]
        raise PermissionDenied(f"您的角色不能{transition.label}。")
    return transition


def _label(state: str) -> str:
    for choices in (VersionStatus, ItemStatus):
        if state in choices.values:
            return str(choices(state).label)
    return state


def available(
    transitions: dict[str, Transition], state: str, user: User | None
) -> list[Transition]:
    """Transitions the user could fire now (for buttons on pages and links in the API)."""
    return [
        t
        for t in transitions.values()
        if state in t.sources and (_system(user) or user.role_codes & t.roles)  # type: ignore[union-attr]
    ]
