"""Every write of ratings (好差评): a rating of a concluded case, of a served queue number, or of
a window, from any channel. Keyword-only, typed, atomic, audited.

"一次一评、一事一评": a second rating of the same case or visit is refused with one clear
sentence. The services lock the rated row first (the case, the queue number) so two requests
at once are serialised; the database's unique constraints (evaluations.models) hold even if
that were raced, and their IntegrityError becomes the same refusal.

After the row is stored, `rating_received` is sent inside the transaction (a receiver's writes
commit with the rating), and a rating at or below YIWANG_LOW_RATING_MAX queues the low-rating
hooks for after the commit (evaluations.hooks)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from yiwang.audit.services import audit_change
from yiwang.cases.models import Case
from yiwang.common.validators import validate_mobile
from yiwang.evaluations.fields import (
    COMMENT_MAX,
    DIMENSIONS,
    ONLINE_CASE_CHANNELS,
    Channel,
    DimensionSet,
    Level,
    Subject,
    low_rating_max,
)
from yiwang.evaluations.models import Rating
from yiwang.evaluations.signals import rating_received
from yiwang.hall.fields import TicketStatus
from yiwang.hall.models import Ticket
from yiwang.org.models import Applicant, Department, User, Window

DUPLICATE_CASE = "该办件已评价。按照“一次一评、一事一评”，同一办件只能评价一次。"
DUPLICATE_VISIT = "本次窗口服务已评价。按照“一次一评、一事一评”，同一次服务只能评价一次。"
NOT_CONCLUDED = "该办件尚未办结，办结后才能评价。"
NOT_SERVED = "该排队号尚未办理完毕，办理完毕后才能评价。"
NOT_YOURS = "只能评价本人的办件。"
# Channels a citizen uses himself (the others are a device at a window or a staff member).
CITIZEN_CHANNELS = frozenset({Channel.QR, Channel.PORTAL, Channel.APP, Channel.SMS})


@dataclass(frozen=True)
class RaterInput:
    """Who rates: `anonymous`, or real-name — the applicant known from the case or the account,
    else the name and mobile number he gives (optional; kept encrypted)."""

    anonymous: bool = False
    name: str = ""
    phone: str = ""


def _level(level: Any) -> int:
    try:
        value = int(level)
    except (TypeError, ValueError):
        value = 0
    if value not in Level.values:
        raise ValidationError(
            {"level": "请选择整体满意度：非常满意、满意、基本满意、不满意或非常不满意。"}
        )
    return value


def _scores(dimension_set: str, level: int, scores: Mapping[str, Any] | None) -> dict[str, int]:
    """The dimensions' levels: only the set's dimensions, each 1–5; the overall one is the
    rating's level. A dimension left out is not rated (a quick rating gives the overall only)."""
    allowed = dict(DIMENSIONS[dimension_set])
    clean: dict[str, int] = {"overall": level}
    for key, value in (scores or {}).items():
        if key not in allowed:
            raise ValidationError({"scores": f"评价维度“{key}”不属于本次评价，请刷新后重试。"})
        if key == "overall" or value in (None, ""):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if number not in Level.values:
            raise ValidationError({"scores": f"“{allowed[key]}”的评价应为 1 到 5 之间的等级。"})
        clean[key] = number
    return clean


def _comment(comment: str) -> str:
    field = Rating._meta.get_field("comment")
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX:
        raise ValidationError({"comment": f"评价内容最多 {COMMENT_MAX} 字。"})
    try:
        field.run_validators(text)
    except ValidationError as exc:
        raise ValidationError({"comment": exc.messages}) from None
    return text


def _rater(rater: RaterInput, known: Applicant | None) -> dict[str, Any]:
    if rater.anonymous:
        return {"anonymous": True}
    values: dict[str, Any] = {"anonymous": False, "rater": known}
    name = (rater.name or "").strip()
    if len(name) > 64:
        raise ValidationError({"rater_name": "评价人姓名最多 64 字。"})
    if name and known is None:
        values["rater_detail"] = {"name": name}
    if rater.phone:
        values["rater_phone"] = validate_mobile(rater.phone, field="评价人手机号码")
    elif known is not None and known.phone:
        values["rater_phone"] = known.phone  # the follow-up (回访) calls this number
    return values


def _handling_department(window: Window) -> Department:
    """The unit answerable for a window's service (谁办理、谁负责): the window's department, or
    for a 综合窗口 (no department of its own) the bureau of the hall's region."""
    if window.department_id is not None:
        return window.department  # type: ignore[return-value]
    bureau = Department.objects.filter(is_bureau=True, region_id=window.hall.region_id).first()
    if bureau is None:
        bureau = Department.objects.filter(is_bureau=True).order_by("region__code").first()
    if bureau is None:
        raise ValidationError({"window": f"窗口“{window}”没有所属部门，无法评价。"})
    return bureau


class Writes:
    """How the rating services read the rated case and store a rating: at once (NOW, every
    service), or into a bulk path's batch (evaluations.bulk.NewRatings), which reads the batch's
    cases together and inserts its ratings together. The checks are the same code either way."""

    def rated_case(self, case: Case) -> Case:
        """The case to rate, locked for the transaction (two ratings at once are serialised)."""
        return (
            Case.objects.select_for_update(of=("self",))
            .select_related("applicant", "department", "item")
            .get(pk=case.pk)
        )

    def case_rated(self, case: Case) -> bool:
        """Whether the case has its rating (一次一评) already."""
        return Rating.objects.filter(case=case, follows_up__isnull=True).exists()

    def insert(self, values: dict[str, Any]) -> Rating:
        """The new rating; IntegrityError if the database's constraints refuse it."""
        with transaction.atomic():  # a savepoint: the refusal leaves the outer work usable
            return Rating.objects.create(**values)

    def received(self, rating: Rating) -> None:
        """rating_received, inside the rating's transaction."""
        rating_received.send(sender=Rating, rating=rating)


NOW = Writes()


def _store(
    values: dict[str, Any], *, actor: User | None, duplicate: str, w: Writes = NOW
) -> Rating:
    try:
        rating = w.insert(values)
    except IntegrityError:
        raise ValidationError(duplicate, code="duplicate") from None
    audit_change(
        action="evaluations.rate",
        obj=rating,
        after={
            "subject": rating.subject,
            "channel": rating.channel,
            "level": rating.level,
            "anonymous": rating.anonymous,
            "department": rating.department.name,
        },
        actor=actor,
    )
    w.received(rating)
    if rating.level <= low_rating_max():
        from yiwang.evaluations.hooks import run_low_rating_hooks

        transaction.on_commit(lambda: run_low_rating_hooks(rating.pk))
    return rating


def _may_rate_case(case: Case, channel: str, actor: User | None) -> None:
    """Portal and app: only the case's own applicant. QR and SMS: whoever holds the signed link
    (it went to him). Hotline: staff with evaluations.enter_rating. Device: its window's case."""
    if channel in (Channel.PORTAL, Channel.APP):
        applicant = getattr(actor, "applicant", None) if actor is not None else None
        if applicant is None or applicant.pk != case.applicant_id:
            raise PermissionDenied(NOT_YOURS)
    elif channel == Channel.HOTLINE and (
        actor is None or not actor.has_perm("evaluations.enter_rating")
    ):
        raise PermissionDenied("没有录入热线评价的权限。")


@transaction.atomic
def rating_for_case(
    *,
    case: Case,
    channel: str,
    level: Any,
    scores: Mapping[str, Any] | None = None,
    comment: str = "",
    rater: RaterInput = RaterInput(),
    actor: User | None = None,
    window: Window | None = None,
) -> Rating:
    """Rate a concluded case (办件评价). The handling department is the case's; the window the
    case's acceptance window (or the rating device's `window`). Online cases are rated on the
    online dimensions, window cases on the offline ones. Real-name ratings name the case's
    applicant."""
    return _rate_case(
        case=case,
        channel=channel,
        level=level,
        scores=scores,
        comment=comment,
        rater=rater,
        actor=actor,
        window=window,
    )


def _rate_case(
    *,
    case: Case,
    channel: str,
    level: Any,
    scores: Mapping[str, Any] | None = None,
    comment: str = "",
    rater: RaterInput = RaterInput(),
    actor: User | None = None,
    window: Window | None = None,
    w: Writes = NOW,
) -> Rating:
    """rating_for_case's checks and rating, with `w` reading the case and storing the row
    (inside the caller's transaction)."""
    if channel not in Channel.values:
        raise ValidationError({"channel": "评价渠道不正确。"})
    locked = w.rated_case(case)
    _may_rate_case(locked, channel, actor)
    if channel == Channel.DEVICE and (window is None or locked.window_id != window.pk):
        raise PermissionDenied("该办件不是在本窗口受理的，不能在本窗口的评价器上评价。")
    if locked.concluded_on is None:
        raise ValidationError(NOT_CONCLUDED, code="not_concluded")
    if w.case_rated(locked):
        raise ValidationError(DUPLICATE_CASE, code="duplicate")
    value = _level(level)
    dimension_set = (
        DimensionSet.ONLINE if locked.channel in ONLINE_CASE_CHANNELS else DimensionSet.OFFLINE
    )
    values: dict[str, Any] = {
        "subject": Subject.CASE,
        "case": locked,
        "item": locked.item,
        "department": locked.department,
        "window_id": locked.window_id or (window.pk if window is not None else None),
        "channel": channel,
        "dimension_set": dimension_set,
        "level": value,
        "scores": _scores(dimension_set, value, scores),
        "comment": _comment(comment),
        "entered_by": actor if channel == Channel.HOTLINE else None,
        **_rater(rater, locked.applicant),
    }
    return _store(values, actor=actor, duplicate=DUPLICATE_CASE, w=w)


@transaction.atomic
def rating_for_visit(
    *,
    visit: Ticket,
    channel: str,
    level: Any,
    scores: Mapping[str, Any] | None = None,
    comment: str = "",
    rater: RaterInput = RaterInput(),
    actor: User | None = None,
    window: Window | None = None,
) -> Rating:
    """Rate one served queue number (窗口服务评价): a visit to a window, with or without a case.
    The window and department are the ones that served it. A device rates only its own
    window's visits."""
    if channel not in Channel.values or channel in (Channel.PORTAL, Channel.SMS):
        raise ValidationError({"channel": "评价渠道不正确。"})
    if channel == Channel.HOTLINE and (
        actor is None or not actor.has_perm("evaluations.enter_rating")
    ):
        raise PermissionDenied("没有录入热线评价的权限。")
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("window__hall", "window__department")
        .get(pk=visit.pk)
    )
    if locked.status != TicketStatus.DONE or locked.window is None:
        raise ValidationError(NOT_SERVED, code="not_served")
    if window is not None and locked.window_id != window.pk:
        raise PermissionDenied("该排队号不是在本窗口办理的，不能在本窗口评价。")
    if Rating.objects.filter(visit=locked, follows_up__isnull=True).exists():
        raise ValidationError(DUPLICATE_VISIT, code="duplicate")
    value = _level(level)
    known = getattr(actor, "applicant", None) if channel == Channel.APP else None
    values: dict[str, Any] = {
        "subject": Subject.VISIT,
        "visit": locked,
        "department": _handling_department(locked.window),
        "window": locked.window,
        "channel": channel,
        "dimension_set": DimensionSet.OFFLINE,
        "level": value,
        "scores": _scores(DimensionSet.OFFLINE, value, scores),
        "comment": _comment(comment),
        "entered_by": actor if channel == Channel.HOTLINE else None,
        **_rater(rater, known),
    }
    return _store(values, actor=actor, duplicate=DUPLICATE_VISIT)


@transaction.atomic
def rating_for_window(
    *,
    window: Window,
    channel: str,
    level: Any,
    scores: Mapping[str, Any] | None = None,
    comment: str = "",
    rater: RaterInput = RaterInput(),
    actor: User | None = None,
) -> Rating:
    """Rate a window itself from its printed QR code (窗口评价): no case or queue number to
    name, so nothing to rate twice; the page is rate-limited per client address instead."""
    if channel not in (Channel.QR, Channel.DEVICE):
        raise ValidationError({"channel": "评价渠道不正确。"})
    window = Window.objects.select_related("hall", "department").get(pk=window.pk)
    if not window.active:
        raise ValidationError({"window": f"窗口“{window}”已停用，不能评价。"})
    value = _level(level)
    values: dict[str, Any] = {
        "subject": Subject.WINDOW,
        "window": window,
        "department": _handling_department(window),
        "channel": channel,
        "dimension_set": DimensionSet.OFFLINE,
        "level": value,
        "scores": _scores(DimensionSet.OFFLINE, value, scores),
        "comment": _comment(comment),
        **_rater(rater, None),
    }
    return _store(values, actor=actor, duplicate="该窗口评价已提交。")


@transaction.atomic
def rating_mark_mistaken(*, rating: Rating, actor: User | None, reason: str) -> Rating:
    """The bureau upheld an appeal that a bad rating was a mistake (申诉复核成立): it stays on
    record but leaves the bad-rating figures. Called by evaluations.rectification; one home for
    the flag so every figure reads the same."""
    locked = Rating.objects.select_for_update().get(pk=rating.pk)
    if locked.mistaken:
        return locked
    locked.mistaken = True
    locked.save(update_fields=["mistaken"])
    audit_change(
        action="evaluations.mistaken",
        obj=locked,
        before={"mistaken": False},
        after={"mistaken": True},
        actor=actor,
        reason=reason[:200],
    )
    return locked


@transaction.atomic
def rating_follow_up(
    *,
    bad: Rating,
    channel: str,
    level: Any,
    comment: str = "",
    actor: User | None = None,
) -> Rating:
    """The citizen's rating of the fix of a bad rating (回访评价): a rating that `follows_up`
    the bad one, of the same subject, once. It counts in no rating figure (it rates the fix,
    not the service); evaluations.rectification reads it to close the task."""
    if channel not in Channel.values:
        raise ValidationError({"channel": "评价渠道不正确。"})
    locked = Rating.objects.select_for_update().get(pk=bad.pk)
    if locked.follows_up_id is not None:
        raise ValidationError("回访评价不能再次回访。", code="illegal_transition")
    if locked.follow_ups.exists():
        raise ValidationError("该差评的整改已评价，只能评价一次。", code="duplicate")
    value = _level(level)
    values: dict[str, Any] = {
        "subject": locked.subject,
        "case_id": locked.case_id,
        "visit_id": locked.visit_id,
        "item_id": locked.item_id,
        "department_id": locked.department_id,
        "window_id": locked.window_id,
        "channel": channel,
        "dimension_set": locked.dimension_set,
        "level": value,
        "scores": {"overall": value},
        "comment": _comment(comment),
        "anonymous": locked.anonymous,
        "rater_id": locked.rater_id,
        "rater_detail": locked.rater_detail,
        "rater_phone": locked.rater_phone,
        "entered_by": actor if channel == Channel.HOTLINE else None,
        "follows_up": locked,
    }
    return _store(values, actor=actor, duplicate="该差评的整改已评价，只能评价一次。")
