"""The limits that apply to a ticket (working days): the bureau's SlaLimit rows, most specific
first, else the settings' defaults; emergency tickets the urgent setting. One home for the
rule: services, pages and the API read limits only from here."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from yiwang.appeals.fields import (
    default_feedback_days,
    default_handling_days,
    sign_for_days,
    urgent_days,
)
from yiwang.appeals.models import SlaLimit


@dataclass(frozen=True)
class Limits:
    sign_for_days: int
    handling_days: int
    feedback_days: int | None
    rule: str  # which row (or default) gave them, for the deadline's explanation


def limits_for(*, source: str, kind: str, urgent: bool = False) -> Limits:
    """The limits of a ticket of `source` and `kind`: (source, kind), (source, any), (any,
    kind), (any, any), else the settings; urgent: the same-day limit for sign-for and handling
    (the feedback limit stays)."""
    rows = {
        (row.source, row.kind): row
        for row in SlaLimit.objects.filter(
            Q(source=source) | Q(source=""), Q(kind=kind) | Q(kind="")
        )
    }
    row = next(
        (rows[key] for key in ((source, kind), (source, ""), ("", kind), ("", "")) if key in rows),
        None,
    )
    if row is not None:
        limits = Limits(row.sign_for_days, row.handling_days, row.feedback_days, str(row))
    else:
        limits = Limits(
            sign_for_days(),
            default_handling_days(kind, source),
            default_feedback_days(source),
            "默认时限",
        )
    if urgent:
        same = urgent_days()
        return Limits(
            min(same, limits.sign_for_days),
            min(same, limits.handling_days),
            limits.feedback_days,
            f"{limits.rule} · 紧急",
        )
    return limits
