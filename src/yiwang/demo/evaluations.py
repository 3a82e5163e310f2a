"""The demo county's ratings (好差评): good and middling ratings from every channel — the demo
company's case from the app, a window case from the window's rating device, another entered by
the 12345 hotline — of the previous working day's served numbers (device and QR, one anonymous)
and of two windows from their QR posters, through evaluations.services. Bad ratings and their
rectification tasks are seeded after these (demo/rectification.py), on what is left unrated.
Once only: skipped when the county already has a good rating."""

from __future__ import annotations

from yiwang.cases.models import Case
from yiwang.evaluations import services
from yiwang.evaluations.fields import Channel
from yiwang.evaluations.models import Rating
from yiwang.hall.models import Ticket, TicketStatus
from yiwang.org.models import User, Window

# (level, scores, comment, anonymous) for the served numbers, in order
VISITS: tuple[tuple[int, dict[str, int], str, bool], ...] = (
    (5, {"efficiency": 5, "service": 5, "attitude": 5}, "工作人员很耐心，一次就办好了。", False),
    (4, {"attitude": 5}, "", False),
    (5, {}, "", True),
    (3, {"efficiency": 3}, "排队时间稍长。", False),
    (4, {}, "", False),
)


def seed_ratings() -> dict[str, int]:
    if Rating.objects.filter(follows_up__isnull=True, level__gte=3).exists():
        return {}
    made = 0
    concluded = Case.objects.filter(concluded_on__isnull=False).select_related("applicant__user")
    # the demo company's online case, from the app (its own account)
    company_case = concluded.filter(channel="online", applicant__kind="legal_person").first()
    if company_case is not None and company_case.applicant.user is not None:
        services.rating_for_case(
            case=company_case,
            channel=Channel.APP,
            level=4,
            scores={"efficiency": 4, "guide": 5, "convenience": 4, "usability": 4},
            comment="网上申请很方便，办事指南写得清楚。",
            actor=company_case.applicant.user,
        )
        made += 1
    window_cases = list(concluded.filter(window__isnull=False).order_by("-id")[:2])
    if window_cases:  # rated on the device of the window that took it in
        case = window_cases[0]
        services.rating_for_case(
            case=case,
            channel=Channel.DEVICE,
            level=5,
            scores={"service": 5, "attitude": 5},
            window=case.window,
        )
        made += 1
    bureau = User.objects.filter(username="bureau").first()
    if len(window_cases) > 1 and bureau is not None:  # by telephone, typed in by the bureau
        services.rating_for_case(
            case=window_cases[1],
            channel=Channel.HOTLINE,
            level=4,
            comment="来电评价：一次告知清楚。",
            actor=bureau,
        )
        made += 1
    visits = Ticket.objects.filter(status=TicketStatus.DONE).exclude(window=None).order_by("id")
    for visit, (level, scores, comment, anonymous) in zip(visits, VISITS, strict=False):
        services.rating_for_visit(
            visit=visit,
            channel=Channel.DEVICE if level >= 4 else Channel.QR,
            level=level,
            scores=scores,
            comment=comment,
            rater=services.RaterInput(anonymous=anonymous),
            window=visit.window,
        )
        made += 1
    for window in Window.objects.filter(active=True).order_by("hall_id", "number")[:2]:
        services.rating_for_window(
            window=window,
            channel=Channel.QR,
            level=5,
            comment="窗口环境整洁，指引清楚。",
            rater=services.RaterInput(anonymous=True),
        )
        made += 1
    return {"评价": made} if made else {}
