"""Every read of ratings that is more than a `get`, with the data scope applied (out of scope is
404), and what the rating pages need to know about a token's subject."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from yiwang.cases.models import Case
from yiwang.evaluations.fields import DIMENSIONS, ONLINE_CASE_CHANNELS, DimensionSet
from yiwang.evaluations.models import Rating
from yiwang.evaluations.tokens import FORGED, token_read, token_refusal
from yiwang.hall.models import Ticket
from yiwang.org.models import User, Window
from yiwang.org.selectors import data_scope_for

RATING_NOT_FOUND = "没有找到该评价。"


@dataclass(frozen=True)
class RatingTarget:
    """What a rating link names, read for the rating page: exactly one of case, visit, window;
    `rated` is the existing rating (一次一评) or None; `rateable` is false with `reason` when
    it cannot be rated yet (a case not concluded, a queue number not served)."""

    case: Case | None
    visit: Ticket | None
    window: Window | None
    rated: Rating | None
    rateable: bool
    reason: str
    dimension_set: str

    @property
    def dimensions(self) -> tuple[tuple[str, str], ...]:
        return DIMENSIONS[self.dimension_set]

    @property
    def title(self) -> str:
        if self.case is not None:
            return str(self.case.version.name)
        if self.window is not None:
            return str(self.window)
        return ""

    @property
    def department_name(self) -> str:
        if self.case is not None:
            return str(self.case.department.name)
        window = self.window
        if window is not None and window.department is not None:
            return str(window.department.name)
        return str(window.hall.name) if window is not None else ""


def service_rating_of_case(case: Case) -> Rating | None:
    return Rating.objects.filter(case=case, follows_up__isnull=True).first()


def case_target(case: Case) -> RatingTarget:
    rated = service_rating_of_case(case)
    concluded = case.concluded_on is not None
    return RatingTarget(
        case=case,
        visit=None,
        window=case.window,
        rated=rated,
        rateable=concluded and rated is None,
        reason="" if concluded else "该办件尚未办结，办结后才能评价。",
        dimension_set=DimensionSet.ONLINE
        if case.channel in ONLINE_CASE_CHANNELS
        else DimensionSet.OFFLINE,
    )


def target_for_token(token: str) -> RatingTarget:
    """The subject of a rating link; a ValidationError (field "token") for a forged or expired
    token, or one naming a row that no longer exists."""
    subject = token_read(token)
    if subject.kind == "c":
        case = (
            Case.objects.select_related("version", "department", "window__hall")
            .filter(pk=subject.pk)
            .first()
        )
        if case is None:
            raise token_refusal(FORGED, "forged")
        return case_target(case)
    if subject.kind == "v":
        visit = (
            Ticket.objects.select_related("window__hall", "window__department")
            .filter(pk=subject.pk)
            .first()
        )
        if visit is None or visit.window is None:
            raise token_refusal(FORGED, "forged")
        rated = Rating.objects.filter(visit=visit, follows_up__isnull=True).first()
        served = visit.status == "done"
        return RatingTarget(
            case=None,
            visit=visit,
            window=visit.window,
            rated=rated,
            rateable=served and rated is None,
            reason="" if served else "该排队号尚未办理完毕，办理完毕后才能评价。",
            dimension_set=DimensionSet.OFFLINE,
        )
    window = Window.objects.select_related("hall", "department").filter(pk=subject.pk).first()
    if window is None:
        raise token_refusal(FORGED, "forged")
    return RatingTarget(
        case=None,
        visit=None,
        window=window,
        rated=None,
        rateable=window.active,
        reason="" if window.active else "该窗口已停用。",
        dimension_set=DimensionSet.OFFLINE,
    )


def ratings_for(
    *,
    user: User,
    level_max: int | None = None,
    channel: str | None = None,
    department: int | None = None,
) -> QuerySet[Rating]:
    """The ratings of the departments in `user`'s data scope, newest first (follow-ups too,
    each marked by `follows_up`)."""
    rows = data_scope_for(user).filter(
        Rating.objects.select_related("department", "case", "window__hall", "item")
    )
    if level_max is not None:
        rows = rows.filter(level__lte=level_max)
    if channel:
        rows = rows.filter(channel=channel)
    if department:
        rows = rows.filter(department_id=department)
    return rows


def rating_get_for(*, user: User, pk: int) -> Rating:
    try:
        return ratings_for(user=user).get(pk=int(pk))
    except (Rating.DoesNotExist, ValueError, OverflowError):
        raise Http404(RATING_NOT_FOUND) from None


def ratings_of_applicant(*, user: User) -> QuerySet[Rating]:
    """A citizen's own real-name ratings (the app's list)."""
    applicant = getattr(user, "applicant", None)
    if applicant is None:
        return Rating.objects.none()
    return Rating.objects.filter(rater=applicant).select_related("case", "department")


def device_pending_visit(window: Window) -> Ticket | None:
    """The queue number a window's rating device offers for rating: the one it served last
    today, if it is not rated yet."""
    from django.utils import timezone

    last = (
        Ticket.objects.filter(window=window, status="done", day=timezone.localdate())
        .order_by("-finished_at", "-id")
        .first()
    )
    if last is None or Rating.objects.filter(visit=last, follows_up__isnull=True).exists():
        return None
    return last


def device_case(window: Window, number: str) -> Case:
    """A case accepted at `window`, by its number (the device's case rating); else 404."""
    case = Case.objects.filter(number=number, window=window).first()
    if case is None:
        raise Http404("没有找到在本窗口受理的该办件。")
    return case


def device_visit(window: Window, pk: int) -> Ticket:
    visit = Ticket.objects.filter(pk=pk, window=window).first()
    if visit is None:
        raise Http404("没有找到本窗口的该排队号。")
    return visit
