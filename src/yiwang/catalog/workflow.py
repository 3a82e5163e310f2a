"""Catalogue lifecycle: which transitions exist and who may fire them.

Version: draft → submitted → (returned → submitted …) → approved → published → superseded.
Item: claimed → active (first publication) ⇄ suspended; any → withdrawn.
Department staff compile and submit their own department's items; bureau staff review, publish,
suspend and withdraw. Who may fire a transition is a Django permission (org.roles says which
roles hold it; a superuser holds every one); scope (which items a user may touch at all) is
applied by the selectors.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

from yiwang.catalog.models import ItemStatus, VersionStatus
from yiwang.common.workflow import Machine, Transition, may
from yiwang.org.models import User

COMPILE = "catalog.compile_item"  # claim, edit, revise, submit, import
REVIEW = "catalog.review_item"  # return, approve; the bureau's catalogue work (一件事)
PUBLISH = "catalog.publish_item"  # publish, withdraw
SUSPEND = "catalog.suspend_item"  # suspend, resume


# Labels stay Chinese (marked): pages and messages show them translated (gettext, {% translate %}).
VERSION = Machine.of(
    _("版本"),
    VersionStatus,
    [
        Transition(
            "submit",
            _("提交审核"),
            frozenset({VersionStatus.DRAFT, VersionStatus.RETURNED}),
            VersionStatus.SUBMITTED,
            COMPILE,
        ),
        Transition(
            "return",
            _("退回修改"),
            frozenset({VersionStatus.SUBMITTED}),
            VersionStatus.RETURNED,
            REVIEW,
        ),
        Transition(
            "approve",
            _("审核通过"),
            frozenset({VersionStatus.SUBMITTED}),
            VersionStatus.APPROVED,
            REVIEW,
        ),
        Transition(
            "publish",
            _("发布"),
            frozenset({VersionStatus.APPROVED}),
            VersionStatus.PUBLISHED,
            PUBLISH,
        ),
    ],
)

ITEM = Machine.of(
    _("事项"),
    ItemStatus,
    [
        Transition(
            "suspend",
            _("暂停"),
            frozenset({ItemStatus.ACTIVE}),
            ItemStatus.SUSPENDED,
            SUSPEND,
        ),
        Transition(
            "resume",
            _("恢复"),
            frozenset({ItemStatus.SUSPENDED}),
            ItemStatus.ACTIVE,
            SUSPEND,
        ),
        Transition(
            "withdraw",
            _("撤销"),
            frozenset({ItemStatus.CLAIMED, ItemStatus.ACTIVE, ItemStatus.SUSPENDED}),
            ItemStatus.WITHDRAWN,
            PUBLISH,
        ),
    ],
)


def may_compile(user: User | None) -> bool:
    return may(user, COMPILE)


def may_review(user: User | None) -> bool:
    return may(user, REVIEW)
