"""The ratings of the simulated cases: the applicant rates the concluded case (online on the
portal or the app, a counter case on the window's rating device or the QR code of his receipt),
and a bad rating's rectification task is verified, confirmed, rectified and the fix rated."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TypeVar

from yiwang.cases.models import Case
from yiwang.evaluations import services as ratings
from yiwang.evaluations.bulk import NewRatings
from yiwang.evaluations.fields import Channel as RatingChannel
from yiwang.evaluations.models import Rating, Rectification
from yiwang.evaluations.rectification import services as rectify
from yiwang.org.models import Applicant, User

from .plan import CasePlan

if TYPE_CHECKING:
    import datetime as dt

ONLINE = ("online", "mobile")

# The one-at-a-time rating, with the bulk path's name (evaluations.bulk.NewRatings).
SERVICES = SimpleNamespace(rate_case=ratings.rating_for_case)

Run = TypeVar("Run", bound=Callable[..., Any])


def ratings_in_bulk(run_batch: Run) -> Run:
    """For a runner's batch method: the batch's ratings and rating invitations go through the
    bulk path (evaluations.bulk.NewRatings: the services' checks and code, a few statements),
    written at the batch's end."""

    @functools.wraps(run_batch)
    def run(self: RatingSteps, *args: Any, **kwargs: Any) -> Any:
        bulk = NewRatings()
        self._bulk_ratings = bulk
        try:
            with bulk.invitations():
                done = run_batch(self, *args, **kwargs)
            bulk.flush()
            return done
        finally:
            self._bulk_ratings = None

    return run  # type: ignore[return-value]


class RatingSteps:
    """The rating steps of a case runner (cases.CaseRunner): `_at` moves its cursor."""

    day: int
    days: list[dt.date]
    _bulk_ratings: NewRatings | None = None

    def _at(self, day: int, *, gap: int = 20) -> bool:  # pragma: no cover - the runner's
        raise NotImplementedError

    def _ratings_read(self, cases: Iterable[tuple[CasePlan, Case]]) -> None:
        """In a batch (ratings_in_bulk): the cases about to be rated, their plan done with
        them, read at once."""
        if self._bulk_ratings is not None:
            self._bulk_ratings.read(case for plan, case in cases if plan.rated)

    def _rating(self, plan: CasePlan, case: Case, applicant: Applicant, handler: User) -> None:
        if plan.rated and self._at(self.day + plan.fix_lag - 1, gap=60):
            rating = self._rate(plan, case, applicant)
            if plan.bad:
                self._rectify(rating, handler)

    def _rate(self, plan: CasePlan, case: Case, applicant: Applicant) -> Rating:
        """The applicant rates the concluded case: online on the portal or the app, a counter
        case on the window's rating device (or the QR code of his receipt)."""
        ops = self._bulk_ratings or SERVICES
        level = plan.level
        comment = {1: "审批时间比承诺的长，多次催问。", 2: "材料要求前后说法不一。"}.get(level, "")
        if case.channel in ONLINE:
            channel = RatingChannel.APP if case.channel == "mobile" else RatingChannel.PORTAL
            return ops.rate_case(
                case=case, channel=channel, level=level, comment=comment, actor=applicant.user
            )
        if case.window_id is not None and plan.minute % 3:
            return ops.rate_case(
                case=case,
                channel=RatingChannel.DEVICE,
                level=level,
                comment=comment,
                window=case.window,
            )
        return ops.rate_case(case=case, channel=RatingChannel.QR, level=level, comment=comment)

    def _rectify(self, rating: Rating, handler: User) -> None:
        """The bad rating's task (opened with it): verified with a call the next working day,
        found valid, rectified two days later, and the fix rated by the citizen."""
        task = Rectification.objects.get(rating=rating)
        if not self._at(self.day + 1):
            return
        task = rectify.rectification_verify(
            task=task,
            actor=handler,
            finding="经核实，办理环节衔接不畅，属实。",
            contacted=not rating.anonymous,
            contact_note="已电话联系评价人，致歉并说明整改安排。" if not rating.anonymous else "",
        )
        task = rectify.rectification_confirm(task=task, actor=handler, note="列入整改。")
        if not self._at(self.day + 2):
            return
        task = rectify.rectification_rectify(
            task=task, actor=handler, measures="明确材料清单，一次性告知；专人跟踪办理时限。"
        )
        if task.status == "follow_up" and self._at(self.day + 1):
            rectify.rectification_rate_fix(task=task, level=4, comment="整改后满意。")
