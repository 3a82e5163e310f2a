"""Every write of the front desk (综合窗口): the routing of a case accepted there to its
department's back office, and the hand-out record with the desk rule of 综合窗口出件.

Both are called by cases.services inside the case's own transaction, on the case row it has
locked (case_accept, case_hand_out): the case's state is the case app's, the front desk only
records where it went and who took the result away."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from yiwang.audit.services import audit_change
from yiwang.cases.models import Case
from yiwang.common.masking import mask_id_number
from yiwang.common.personal import PersonalValue
from yiwang.common.validators import validate_id_number
from yiwang.org.models import User, Window, WindowKind
from yiwang.windows import selectors
from yiwang.windows.fields import comprehensive_hand_out
from yiwang.windows.models import HandOut, Routing

WRONG_DESK = "本县实行综合窗口出件：办件结果只能在综合窗口领取，不能在部门窗口出件。"
WRONG_HALL = "该办件在{hall}受理，请在该大厅的综合窗口出件。"
COLLECTOR_ID = "领取人身份证号码"


def intake_window(case: Case) -> Window | None:
    """The 综合窗口 a case came in at: its own intake window, or — a child of a 一件事 taken in
    at the front desk — the window of the clerk who registered the bundle."""
    if case.window_id:
        window = Window.objects.filter(pk=case.window_id).first()
        return window if window is not None and window.kind == WindowKind.COMPREHENSIVE else None
    if getattr(case, "bundle_case_id", None) is not None:
        return selectors.front_desk_window(case.created_by)
    return None


@transaction.atomic
def routing_record(*, case: Case, actor: User) -> Routing | None:
    """前台受理 → 后台审批: a case accepted at a 综合窗口 goes to its department's back office
    (the department's 待审批 queue); a 一件事 taken in there sends each child case to its
    department as its stage starts (cases.services.case_submit). The routing remembers the
    hall, whose front desk hands the result out. A case taken in elsewhere is not routed
    (None); a case is routed once."""
    window = intake_window(case)
    if window is None:
        return None
    existing = Routing.objects.filter(case=case).first()
    if existing is not None:
        return existing
    routing = routing_row(case=case, window=window, actor=actor)
    routing.save()
    audit_route(routing, case=case, window=window, actor=actor)
    return routing


def routing_row(*, case: Case, window: Window, actor: User) -> Routing:
    """The routing of `case`, taken in at `window`, unsaved (a bulk path inserts it)."""
    now = timezone.now()
    return Routing(
        case=case,
        window=window,
        hall_id=window.hall_id,
        department_id=case.department_id,
        routed_by=actor,
        routed_at=now,
        routed_on=timezone.localdate(now),
    )


def audit_route(routing: Routing, *, case: Case, window: Window, actor: User) -> None:
    audit_change(
        action="windows.route",
        obj=routing,
        after={"case": case.number, "window": str(window.number), "department": case.department_id},
        actor=actor,
    )


def check_hand_out_desk(*, case: Case, actor: User) -> Window | None:
    """The desk rule of 综合窗口出件: when the county runs it, only a clerk at a 综合窗口 of the
    hall that serves the case hands its result out (a superuser may act anywhere). Returns the
    clerk's front-desk window (None elsewhere)."""
    window = selectors.front_desk_window(actor)
    if not comprehensive_hand_out() or actor.is_superuser:
        return window
    if window is None:
        raise PermissionDenied(WRONG_DESK)
    if not selectors.serves(window, case):
        routing = Routing.objects.select_related("hall").filter(case=case).first()
        hall = routing.hall.name if routing is not None else "办理部门所在地"
        raise PermissionDenied(WRONG_HALL.format(hall=hall))
    return window


def _collector_id(number: str) -> str:
    number = (number or "").strip()
    if not number:
        return ""
    try:
        return validate_id_number(number, COLLECTOR_ID)
    except ValidationError as exc:
        raise ValidationError({"collector_id_number": exc.messages}) from None


@transaction.atomic
def hand_out_record(
    *,
    case: Case,
    actor: User,
    collector_name: str,
    collector_id_number: str = "",
    id_checked: bool = False,
    at: dt.datetime | None = None,
) -> HandOut:
    """出件记录 of the locked `case` (cases.services.case_hand_out calls it before the case
    moves): who, when, at which window, to whom, and whether the collector's ID was checked.
    Under 综合窗口出件 the desk rule applies and the ID check is required, with the number."""
    record = hand_out_row(
        case=case,
        actor=actor,
        collector_name=collector_name,
        collector_id_number=collector_id_number,
        id_checked=id_checked,
        at=at,
    )
    record.save()
    audit_hand_out(record, case=case, actor=actor)
    return record


def hand_out_row(
    *,
    case: Case,
    actor: User,
    collector_name: str,
    collector_id_number: str = "",
    id_checked: bool = False,
    at: dt.datetime | None = None,
) -> HandOut:
    """hand_out_record's checks and record, unsaved (a bulk path inserts it)."""
    check_hand_out_desk(case=case, actor=actor)
    number = _collector_id(collector_id_number)
    if comprehensive_hand_out():
        if not id_checked:
            raise ValidationError({"id_checked": "请核验领取人的身份证件后再出件。"})
        if not number:
            raise ValidationError({"collector_id_number": f"请填写{COLLECTOR_ID}。"})
    if number and not id_checked:
        raise ValidationError({"id_checked": "填写了领取人身份证号码，请勾选“已核验身份证件”。"})
    staff = getattr(actor, "staff", None)
    at = at or timezone.now()
    record = HandOut(
        case=case,
        window_id=staff.window_id if staff is not None else None,
        clerk=actor,
        handed_at=at,
        handed_on=timezone.localdate(at),
        collector_name=collector_name,
        collector_id_number=number,
        id_checked=bool(id_checked),
    )
    record.full_clean(exclude=["case", "clerk", "window", "collector_id_number"])
    return record


def audit_hand_out(record: HandOut, *, case: Case, actor: User) -> None:
    value = record.collector_id_number  # a PersonalValue once saved (str() would be masked)
    number = value.reveal() if isinstance(value, PersonalValue) else str(value or "")
    audit_change(
        action="windows.hand_out",
        obj=record,
        after={
            "case": case.number,
            "window": record.window_id,
            "collector": record.collector_name,
            "collector_id_number": mask_id_number(number) if number else "",
            "id_checked": record.id_checked,
        },
        actor=actor,
    )
