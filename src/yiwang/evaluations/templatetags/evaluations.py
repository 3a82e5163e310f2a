"""{% case_rating case %}: the 评价 box of a case page on 我的办件 — the rating given, or the link
to rate a concluded case. Kept here so the case pages need one line, not the rating rules."""

from __future__ import annotations

from typing import Any

from django import template

from yiwang.evaluations.selectors import service_rating_of_case

register = template.Library()


@register.inclusion_tag("evaluations/portal/_case_rating.html")
def case_rating(case: Any) -> dict[str, Any]:
    concluded = case.concluded_on is not None
    return {
        "case": case,
        "concluded": concluded,
        "rating": service_rating_of_case(case) if concluded else None,
    }
