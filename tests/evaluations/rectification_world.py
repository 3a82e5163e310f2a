"""Builders for the rectification tests: a bad rating of a concluded case (which opens its task
through rating_received), the bureau's administrator, evidence files."""

from __future__ import annotations

from typing import Any

from tests.cases.conftest import CaseWorld
from tests.common import files
from tests.evaluations.conftest import concluded_case
from yiwang.evaluations import services as ratings
from yiwang.evaluations.fields import Channel
from yiwang.evaluations.models import Rating, Rectification
from yiwang.evaluations.services import RaterInput
from yiwang.org.models import User

PDF = files.pdf(pages=1)


def bureau_user() -> User:
    return User.objects.get(username="bureau")


def bad_rating(
    world: CaseWorld, *, level: int = 1, anonymous: bool = False, **extra: Any
) -> Rating:
    """A QR rating of a new concluded case of world.citizen (real-name unless told)."""
    case = concluded_case(world)
    return ratings.rating_for_case(
        case=case,
        channel=Channel.QR,
        level=level,
        comment=extra.pop("comment", "窗口让我跑了三趟"),
        rater=RaterInput(anonymous=anonymous),
        **extra,
    )


def task_of(rating: Rating) -> Rectification:
    return Rectification.objects.select_related("rating", "department__region", "clock").get(
        rating=rating
    )
