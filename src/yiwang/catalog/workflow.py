"""Catalogue lifecycle: which transitions exist and who may fire them.

Version: draft → submitted → (returned → submitted …) → approved → published → superseded.
Item: claimed → active (first publication) ⇄ suspended; any → withdrawn.
Department staff compile and submit their own department's items; bureau staff review, publish,
suspend and withdraw. Who may fire a transition is a Django permission (org.roles says which
roles hold it; a superuser holds every one); scope (which items a user may touch at all) is
applied by the selectors.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError

from yiwang.catalog.models import ItemStatus, VersionStatus
from yiwang.org.models import User

COMPILE = "catalog.compile_item"  # claim, edit, revise, submit, import
REVIEW = "catalog.review_item"  # return, approve; the bureau's catalogue work (一件事)
PUBLISH = "catalog.publish_item"  # publish, withdraw
SUSPEND = "catalog.suspend_item"  # suspend, resume


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    permission: str  # "app_label.codename"


VERSION_TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "submit",
            "提交审核",
            frozenset({VersionStatus.DRAFT, VersionStatus.RETURNED}),
            VersionStatus.SUBMITTED,
            COMPILE,
        ),
        Transition(
            "return",
            "退回修改",
            frozenset({VersionStatus.SUBMITTED}),
            VersionStatus.RETURNED,
            REVIEW,
        ),
        Transition(
            "approve",
            "审核通过",
            frozenset({VersionStatus.SUBMITTED}),
            VersionStatus.APPROVED,
            REVIEW,
        ),
        Transition(
            "publish",
            "发布",
            frozenset({VersionStatus.APPROVED}),
            VersionStatus.PUBLISHED,
            PUBLISH,
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
            SUSPEND,
        ),
        Transition(
            "resume",
            "恢复",
            frozenset({ItemStatus.SUSPENDED}),
            ItemStatus.ACTIVE,
            SUSPEND,
        ),
        Transition(
            "withdraw",
            "撤销",
            frozenset({ItemStatus.CLAIMED, ItemStatus.ACTIVE, ItemStatus.SUSPENDED}),
            ItemStatus.WITHDRAWN,
            PUBLISH,
        ),
    ]
}


def may(user: User | None, permission: str) -> bool:
    """No user is the system itself (commands, tasks, the demo loader): it may do anything."""
    return user is None or user.has_perm(permission)


def may_compile(user: User | None) -> bool:
    return may(user, COMPILE)


def may_review(user: User | None) -> bool:
    return may(user, REVIEW)


def check(
    transitions: dict[str, Transition], name: str, state: str, user: User | None, what: str
) -> Transition:
    """Raise unless `name` may fire from `state` for `user`; returns the transition."""
    transition = transitions[name]
    if state not in transition.sources:
        raise ValidationError(
            f"{what}当前为“{_label(state)}”，不能{transition.label}。", code="illegal_transition"
        )
    if not may(user, transition.permission):
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
    return [t for t in transitions.values() if state in t.sources and may(user, t.permission)]
