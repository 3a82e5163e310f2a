"""Low-rating hooks shipped with rectification, for YIWANG_LOW_RATING_HOOKS (evaluations.hooks
calls each with the committed rating). The task itself is not a hook: every bad rating opens
one (receivers). These are for what a county wants on top."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from yiwang.evaluations.fields import Level
from yiwang.evaluations.rectification import selectors
from yiwang.notifications.services import notify


def tell_bureau(rating: Any) -> None:
    """Tell the bureau's administrators of a low rating at once (not only when its task is
    overdue): `yiwang.evaluations.rectification.hooks.tell_bureau`."""
    if rating.follows_up_id is not None:
        return
    subject = (
        f"办件 {rating.case.number}" if rating.case_id else f"{rating.department.name}窗口服务"
    )
    with transaction.atomic():
        notify(
            kind="rectification.low_rating",
            text=f"{rating.department.name}：{subject}收到“{Level(rating.level).label}”评价。",
            recipients=selectors.bureau_admins(rating.department),
            subject=rating,
        )
