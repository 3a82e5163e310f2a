"""Every write of a rectification task (差评整改): open, verify and call back, classify
(confirm / explain / appeal), rectify, the bureau's appeal decision, the follow-up, and the
escalation sweep.

Each transition locks the task row (select_for_update), checks the state machine
(rectification.workflow.RECTIFICATION) on what it locked, changes the task, its clock and the
rating in one transaction, and writes a line of the task's history, an audit event and the
messages to send (notifications outbox). Two handlers acting at once: the second finds the new
state and gets the machine's conflict (409). The deadline comes only from workdays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from yiwang.audit.services import audit_change, snapshot
from yiwang.common import uploads
from yiwang.common.crypto import sm3_hex
from yiwang.common.validators import validate_plain_text
from yiwang.evaluations.fields import Channel, Level, is_bad
from yiwang.evaluations.models import (
    Rating,
    Rectification,
    RectificationEvent,
    RectificationEvidence,
)
from yiwang.evaluations.rectification import selectors
from yiwang.evaluations.rectification.fields import (
    APPEALABLE,
    EVIDENCE_KINDS,
    EVIDENCE_MAX_FILES,
    OPEN_STATES,
    TEXT_MAX,
    AppealDecision,
    Classification,
    Escalation,
    FollowUpChannel,
    RectificationStatus,
    bureau_escalation_days,
    follow_up_link_days,
    rectification_days,
)
from yiwang.evaluations.rectification.workflow import RECTIFICATION
from yiwang.notifications.services import notify
from yiwang.workdays.models import PauseKind
from yiwang.workdays.selectors import add_working_days
from yiwang.workdays.services import clock_pause, clock_resume, clock_start, clock_stop

SUBJECT_TYPE = "evaluations.rectification"
FOLLOW_UP_SALT = "yiwang.evaluations.rectification.follow-up"
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024  # per file, as the case materials' default

S = RectificationStatus


def _today() -> dt.date:
    return timezone.localdate()


def _label(user: Any) -> str:
    if user is None:
        return "系统"
    staff = getattr(user, "staff", None)
    if staff is not None:
        return str(staff.full_name)
    applicant = getattr(user, "applicant", None)
    return str(applicant.name) if applicant is not None else user.get_username()


def _text(value: str, field: str, label: str, *, required: bool = True) -> str:
    """A handler's free text: required unless said, bounded, plain (errors keyed by `field`)."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"请填写{label}。"})
    if len(value) > TEXT_MAX:
        raise ValidationError({field: f"{label}不能超过 {TEXT_MAX} 个字。"})
    try:
        validate_plain_text(value, label)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    return value


def _state(task: Rectification) -> dict[str, Any]:
    return snapshot(
        task,
        [
            "status",
            "classification",
            "deadline",
            "escalation",
            "appeal_decision",
            "rectified_at",
            "followed_up_at",
        ],
    )


def _locked(task: Rectification) -> Rectification:
    """The task row, locked for this transaction (not the rating or department it joins)."""
    return (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("rating", "department__region", "clock")
        .get(pk=task.pk)
    )


def _event(
    task: Rectification,
    action: str,
    actor: Any,
    *,
    from_status: str,
    note: str = "",
    label: str = "",
) -> RectificationEvent:
    return RectificationEvent.objects.create(
        rectification=task,
        action=action,
        from_status=from_status,
        to_status=task.status,
        actor=actor,
        actor_label=label or _label(actor),
        note=note[:TEXT_MAX],
    )


def _sync_deadline(task: Rectification) -> None:
    if task.clock is not None:
        task.deadline = task.clock.deadline
        task.deadline_rule = task.clock.deadline_rule


def _subject_text(task: Rectification) -> str:
    """How messages name the rated service: the case number, else the window."""
    rating = task.rating
    if rating.case is not None:
        return f"办件 {rating.case.number}"
    if rating.window is not None:
        return f"窗口 {rating.window.name}"
    return "窗口服务"


def _finish(task: Rectification, actor: Any, before: dict[str, Any], action: str) -> None:
    task.save()
    audit_change(
        action=f"evaluations.rectification_{action}",
        obj=task,
        before=before,
        after=_state(task),
        actor=actor,
    )


def _check(task: Rectification, name: str, actor: Any) -> None:
    RECTIFICATION.check(name, task.status, actor)


# --- Opening ---------------------------------------------------------------------------------


@transaction.atomic
def rectification_open(*, rating: Rating, actor: Any = None) -> Rectification:
    """Open the task of a bad rating (差评) for the unit that handled it, with the deadline of
    YIWANG_RECTIFICATION_DAYS working days from the day of the rating; its administrators are
    told. A rating that is not bad, or is itself a follow-up (回访评价), opens none
    (ValidationError); a rating that has its task already gets that task back."""
    if rating.follows_up_id is not None or not is_bad(rating.level):
        raise ValidationError({"rating": "只有差评（不满意、非常不满意）需要整改。"})
    existing = Rectification.objects.filter(rating=rating).first()
    if existing is not None:
        return existing
    opened_on = timezone.localdate(rating.rated_at)
    task = Rectification(
        rating=rating,
        department_id=rating.department_id,
        opened_on=opened_on,
        deadline=opened_on,  # replaced from the clock below
    )
    try:
        with transaction.atomic():  # a concurrent opening of the same rating: keep theirs
            task.save()
    except IntegrityError:
        return Rectification.objects.get(rating=rating)
    task.clock = clock_start(
        subject_type=SUBJECT_TYPE,
        subject_id=task.pk,
        started_on=opened_on,
        limit_days=rectification_days(),
        actor=actor,
    )
    _sync_deadline(task)
    task.save(update_fields=["clock", "deadline", "deadline_rule"])
    _event(
        task,
        "open",
        actor,
        from_status="",
        note=f"{Level(rating.level).label}，整改期限 {task.deadline.isoformat()}",
    )
    audit_change(action="evaluations.rectification_open", obj=task, after=_state(task), actor=actor)
    notify(
        kind="rectification.opened",
        text=f"{_subject_text(task)}收到差评（{Level(rating.level).label}），请核实并于 "
        f"{task.deadline.isoformat()} 前完成整改。",
        recipients=selectors.department_admins(task.department),
        subject=task,
    )
    return task


def rating_received(*, rating: Rating, **kwargs: Any) -> None:
    """Receiver of evaluations.signals.rating_received (inside the rating's transaction): a bad
    rating that is not a follow-up opens its task, which commits or rolls back with it."""
    if rating.follows_up_id is None and is_bad(rating.level):
        rectification_open(rating=rating)


# --- Verify, classify, rectify ---------------------------------------------------------------


@transaction.atomic
def rectification_verify(
    *, task: Rectification, actor: Any, finding: str, contacted: bool, contact_note: str = ""
) -> Rectification:
    """核实并回电: what the department found, and whether it reached the rater by phone (a
    real-name rater must be called; an anonymous one cannot be)."""
    task = _locked(task)
    _check(task, "verify", actor)
    before = _state(task)
    task.finding = _text(finding, "finding", "核实情况")
    task.contact_note = _text(contact_note, "contact_note", "回电情况", required=contacted)
    if contacted and task.rating.anonymous:
        raise ValidationError({"contacted": "匿名评价没有联系方式，不能登记回电。"})
    if not contacted and not task.rating.anonymous and not task.contact_note:
        raise ValidationError(
            {"contact_note": "实名差评应回电评价人；未能联系上的，请在回电情况中说明原因。"}
        )
    task.contacted = contacted
    task.verified_at = timezone.now()
    task.verified_by = actor
    from_status = task.status
    task.status = S.VERIFIED
    _finish(task, actor, before, "verify")
    _event(task, "verify", actor, from_status=from_status, note=task.finding)
    return task


@transaction.atomic
def rectification_confirm(*, task: Rectification, actor: Any, note: str = "") -> Rectification:
    """定性：属实 — the department owes a rectification by the deadline."""
    task = _locked(task)
    _check(task, "confirm", actor)
    before = _state(task)
    note = _text(note, "note", "说明", required=False)
    task.classification = Classification.VALID
    from_status = task.status
    task.status = S.RECTIFYING
    _finish(task, actor, before, "confirm")
    _event(task, "confirm", actor, from_status=from_status, note=note)
    return task


def follow_up_token(task: Rectification) -> str:
    """The signed token of the citizen's follow-up link (own salt; expiry checked on reading)."""
    return signing.dumps({"r": task.pk}, salt=FOLLOW_UP_SALT, compress=True)


def follow_up_path(task: Rectification) -> str:
    return reverse("rectification-public:rate-fix", args=[follow_up_token(task)])


def follow_up_url(task: Rectification) -> str:
    """The absolute link (YIWANG_PUBLIC_BASE_URL) for the SMS."""
    from yiwang.catalog.guides.pdf import public_url

    return public_url(follow_up_path(task))


def task_for_token(token: str) -> Rectification:
    """The task a follow-up link names; ValidationError (one sentence) if forged or expired."""
    try:
        data = signing.loads(token, salt=FOLLOW_UP_SALT, max_age=follow_up_link_days() * 86400)
    except signing.SignatureExpired:
        raise ValidationError({"token": "回访链接已过期，请联系办理部门。"}) from None
    except signing.BadSignature:
        raise ValidationError({"token": "回访链接无效。"}) from None
    task = selectors.task_by_pk(data.get("r") if isinstance(data, dict) else None)
    if task is None:
        raise ValidationError({"token": "回访链接无效。"})
    return task


def _ask_for_follow_up(task: Rectification, what: str) -> None:
    """Send the rater the follow-up link: by SMS to his phone, and to his account's messages."""
    rating = task.rating
    phone = selectors.rater_phone(rating)
    account = rating.rater.user if rating.rater is not None else None
    notify(
        kind="rectification.follow_up",
        text=f"您对{_subject_text(task)}的评价已{what}，请对处理结果进行评价：{follow_up_url(task)}",
        recipients=[account] if account is not None else [],
        phone=phone or "",
        subject=task,
    )


def _after_handling(task: Rectification, actor: Any, what: str) -> None:
    """Rectified or explained: stop the clock; follow up with a reachable rater, else close."""
    today = _today()
    if task.clock is not None and task.clock.stopped_on is None:
        task.clock = clock_stop(clock=task.clock, on=max(today, task.clock.started_on), actor=actor)
        _sync_deadline(task)
    if selectors.rater_reachable(task.rating):
        task.status = S.FOLLOW_UP
        _ask_for_follow_up(task, what)
    else:
        task.status = S.CLOSED
        task.closed_at = timezone.now()


@transaction.atomic
def rectification_rectify(*, task: Rectification, actor: Any, measures: str) -> Rectification:
    """完成整改: the measures taken. From 待定性 it is a simple case rectified at once (属实). Past
    the deadline it is rectified late (曾超期). Then the follow-up, or closed (anonymous)."""
    task = _locked(task)
    _check(task, "rectify", actor)
    before = _state(task)
    task.measures = _text(measures, "measures", "整改措施")
    task.classification = Classification.VALID
    task.rectified_at = timezone.now()
    task.rectified_by = actor
    if _today() > task.deadline:
        task.ever_overdue = True
    from_status = task.status
    _after_handling(task, actor, "整改")
    _finish(task, actor, before, "rectify")
    _event(task, "rectify", actor, from_status=from_status, note=task.measures)
    return task


@transaction.atomic
def rectification_explain(*, task: Rectification, actor: Any, explanation: str) -> Rectification:
    """定性：诉求无法律依据 — the explanation given to the rater; then the follow-up."""
    task = _locked(task)
    _check(task, "explain", actor)
    before = _state(task)
    task.explanation = _text(explanation, "explanation", "解释说明")
    task.classification = Classification.NO_BASIS
    from_status = task.status
    _after_handling(task, actor, "核实并解释说明")
    _finish(task, actor, before, "explain")
    _event(task, "explain", actor, from_status=from_status, note=task.explanation)
    return task


# --- Appeal (申诉复核) -------------------------------------------------------------------------


def _evidence_data(file: IO[bytes] | bytes, file_name: str) -> tuple[bytes, str]:
    data = (
        file[: EVIDENCE_MAX_BYTES + 1]
        if isinstance(file, bytes)
        else file.read(EVIDENCE_MAX_BYTES + 1)
    )
    if len(data) > EVIDENCE_MAX_BYTES:
        raise ValidationError(
            {"evidence": f"证据文件“{file_name}”超过 {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB。"}
        )
    try:
        kind = uploads.inspect(data)
    except uploads.UploadRejected as exc:
        raise ValidationError({"evidence": f"证据文件“{file_name}”{exc.reason}。"}) from None
    if kind not in EVIDENCE_KINDS:
        raise ValidationError(
            {"evidence": f"证据文件“{file_name}”请使用 PDF、JPEG、PNG、docx 或 xlsx 格式。"}
        )
    return data, kind


@transaction.atomic
def rectification_appeal(
    *,
    task: Rectification,
    actor: Any,
    classification: str,
    reason: str,
    evidence: Sequence[tuple[str, IO[bytes] | bytes]],
) -> Rectification:
    """申诉复核: the department holds the rating mistaken (误评) or malicious (恶意差评) and asks
    the bureau, with at least one file of evidence (name, content). The clock pauses while the
    bureau decides; the bureau's administrators are told."""
    task = _locked(task)
    _check(task, "appeal", actor)
    before = _state(task)
    if classification not in APPEALABLE:
        raise ValidationError({"classification": "申诉只能认定为误评或恶意差评。"})
    task.appeal_reason = _text(reason, "reason", "申诉理由")
    if not evidence:
        raise ValidationError({"evidence": "申诉复核须上传至少一份证据材料。"})
    if len(evidence) > EVIDENCE_MAX_FILES:
        raise ValidationError({"evidence": f"证据材料最多 {EVIDENCE_MAX_FILES} 份。"})
    stored = []
    for index, (name, file) in enumerate(evidence, start=1):
        data, kind = _evidence_data(file, name)
        row = RectificationEvidence(
            rectification=task,
            file_name=uploads_safe_name(name),
            content_type=uploads.content_type_for(kind),
            size=len(data),
            digest=sm3_hex(data),
            uploaded_by=actor,
        )
        row.file.save(
            f"rectification-{task.pk}-{index}.{uploads.KINDS[kind].extension}",
            ContentFile(data),
            save=False,
        )
        stored.append(row)
    for row in stored:
        row.save()
    task.classification = classification
    task.appealed_at = timezone.now()
    if task.clock is not None and task.clock.stopped_on is None:
        clock_pause(
            clock=task.clock,
            on=max(_today(), task.clock.started_on),
            reason="差评申诉复核",
            kind=PauseKind.ON_HOLD,
            actor=actor,
        )
        task.clock.refresh_from_db()
        _sync_deadline(task)
    from_status = task.status
    task.status = S.APPEALED
    _finish(task, actor, before, "appeal")
    _event(
        task,
        "appeal",
        actor,
        from_status=from_status,
        note=f"{Classification(classification).label}：{task.appeal_reason}",
    )
    notify(
        kind="rectification.appealed",
        text=f"{task.department.name}对{_subject_text(task)}的差评提出申诉复核，请审核。",
        recipients=selectors.bureau_admins(task.department),
        subject=task,
    )
    return task


def uploads_safe_name(file_name: str) -> str:
    """The uploader's file name as shown: no direction controls, at most 200 characters."""
    from yiwang.common.validators import BIDI_CONTROLS

    return "".join(c for c in (file_name or "") if c not in BIDI_CONTROLS)[:200] or "证据"


@transaction.atomic
def rectification_decide_appeal(
    *, task: Rectification, actor: Any, upheld: bool, note: str
) -> Rectification:
    """The bureau's decision (复核结论). Upheld (申诉成立): the rating is marked mistaken — it
    leaves the bad-rating count (差评数) but stays on record — and the task closes. Rejected
    (申诉不成立): the rating is valid, the clock runs again and the department rectifies."""
    task = _locked(task)
    _check(task, "uphold" if upheld else "reject", actor)
    before = _state(task)
    task.appeal_note = _text(note, "note", "复核意见")
    task.appeal_decided_at = timezone.now()
    task.appeal_decided_by = actor
    from_status = task.status
    if upheld:
        from yiwang.evaluations.services import rating_mark_mistaken

        task.appeal_decision = AppealDecision.UPHELD
        rating_mark_mistaken(rating=task.rating, actor=actor, reason=task.appeal_note)
        if task.clock is not None and task.clock.stopped_on is None:
            task.clock = clock_stop(clock=task.clock, on=_today(), actor=actor)
            _sync_deadline(task)
        task.status = S.CLOSED
        task.closed_at = timezone.now()
    else:
        task.appeal_decision = AppealDecision.REJECTED
        task.classification = Classification.VALID
        if task.clock is not None and task.clock.stopped_on is None:
            task.clock = clock_resume(clock=task.clock, on=_today(), actor=actor)
            _sync_deadline(task)
        task.status = S.RECTIFYING
    _finish(task, actor, before, "uphold" if upheld else "reject")
    _event(
        task,
        "uphold" if upheld else "reject",
        actor,
        from_status=from_status,
        note=task.appeal_note,
    )
    if not upheld:
        notify(
            kind="rectification.appeal_rejected",
            text=f"{_subject_text(task)}差评的申诉不成立，请于 {task.deadline.isoformat()} "
            "前完成整改。",
            recipients=selectors.department_admins(task.department),
            subject=task,
        )
    return task


# --- Follow-up (回访) --------------------------------------------------------------------------


def _follow_up_rating(
    task: Rectification, *, level: Any, comment: str, channel: str, entered_by: Any
) -> Rating:
    """The rating of the fix, stored by the ratings' own service (one home for ratings)."""
    from yiwang.evaluations.services import rating_follow_up

    return rating_follow_up(
        bad=task.rating, channel=channel, level=level, comment=comment, actor=entered_by
    )


def _close_followed_up(
    task: Rectification, actor: Any, rating: Rating, channel: str, action: str
) -> Rectification:
    before = _state(task)
    from_status = task.status
    task.follow_up_channel = channel
    task.followed_up_at = timezone.now()
    task.status = S.CLOSED
    task.closed_at = task.followed_up_at
    _finish(task, actor, before, action)
    note = f"回访评价：{Level(rating.level).label}"
    if rating.comment:
        note += f"；{rating.comment}"
    # The citizen rating from his link has no account here: the line names him as the rater.
    _event(task, action, actor, from_status=from_status, note=note, label="" if actor else "评价人")
    return task


@transaction.atomic
def rectification_rate_fix(*, task: Rectification, level: int, comment: str = "") -> Rectification:
    """The citizen rates the fix through his signed follow-up link (回访评价): a rating that
    follows up the bad one (it counts in no rating figure), and the task closes."""
    task = _locked(task)
    _check(task, "rate_fix", None)
    rating = _follow_up_rating(
        task, level=level, comment=comment, channel=Channel.SMS, entered_by=None
    )
    return _close_followed_up(task, None, rating, FollowUpChannel.LINK, "rate_fix")


@transaction.atomic
def rectification_record_follow_up(
    *, task: Rectification, actor: Any, level: int, comment: str = ""
) -> Rectification:
    """A handler records the rater's rating of the fix given on the phone (电话回访)."""
    task = _locked(task)
    _check(task, "record_follow_up", actor)
    rating = _follow_up_rating(
        task, level=level, comment=comment, channel=Channel.HOTLINE, entered_by=actor
    )
    return _close_followed_up(task, actor, rating, FollowUpChannel.PHONE, "record_follow_up")


# --- The escalation sweep --------------------------------------------------------------------


@dataclass
class SweepReport:
    department: int = 0  # told the department's administrators
    bureau: int = 0  # told the bureau


def rectifications_sweep(*, today: dt.date | None = None) -> SweepReport:
    """Overdue tasks (the rectification still owed past the deadline; an appeal's pause does not
    count) escalate: on the first day past the deadline the department's administrators are
    told (曾超期); YIWANG_RECTIFICATION_BUREAU_DAYS working days past it, the bureau. Each level
    once per task, each task in its own short transaction."""
    today = today or _today()
    report = SweepReport()
    due = Rectification.objects.filter(
        status__in=OPEN_STATES, deadline__lt=today, escalation__lt=Escalation.BUREAU
    ).values_list("pk", flat=True)
    for pk in due:
        with transaction.atomic():
            task = _locked(Rectification(pk=pk))
            if task.status not in OPEN_STATES or task.deadline >= today:
                continue
            before = _state(task)
            bureau_on = add_working_days(task.deadline, bureau_escalation_days()).date
            target = Escalation.BUREAU if today > bureau_on else Escalation.DEPARTMENT
            if target <= task.escalation:
                continue
            reached = task.escalation
            task.ever_overdue = True
            task.escalation = target
            task.escalated_at = timezone.now()
            _finish(task, None, before, "escalate")
            if reached < Escalation.DEPARTMENT:  # a sweep that missed days tells both at once
                text = (
                    f"{_subject_text(task)}的差评整改已超过期限 {task.deadline.isoformat()}，"
                    "请督促尽快整改。"
                )
                _event(task, "escalate", None, from_status=task.status, note=text)
                notify(
                    kind="rectification.escalated",
                    text=text,
                    recipients=selectors.department_admins(task.department),
                    subject=task,
                )
                report.department += 1
            if target == Escalation.BUREAU:
                text = (
                    f"{task.department.name}对{_subject_text(task)}的差评整改超过期限 "
                    f"{task.deadline.isoformat()} 已逾 {bureau_escalation_days()} 个工作日，"
                    "请督办。"
                )
                _event(task, "escalate_bureau", None, from_status=task.status, note=text)
                notify(
                    kind="rectification.escalated",
                    text=text,
                    recipients=selectors.bureau_admins(task.department),
                    subject=task,
                )
                report.bureau += 1
    return report
