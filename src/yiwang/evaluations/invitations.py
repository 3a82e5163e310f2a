"""Rating invitations through the outbox (notifications.services.notify)."""

from __future__ import annotations

from yiwang.cases.models import Case
from yiwang.evaluations.fields import token_days
from yiwang.evaluations.tokens import case_token, rating_url
from yiwang.notifications.services import notify

INVITATION_KIND = "evaluations.invitation"


def invitation_text(case: Case) -> str:
    department = case.department.short_name or case.department.name
    return (
        f"【{department}】您的办件 {case.number}（{case.version.name}）已办结，"
        f"请对本次服务作出评价：{rating_url(case_token(case.pk))}?via=sms"
        f"（{token_days()} 天内有效）"
    )


def invite_case(case_id: int) -> None:
    """Queue the invitation of a just-concluded case: an SMS to the applicant's phone and a
    site message to his account. A 一件事 child or a case already rated gets none."""
    case = (
        Case.objects.select_related("department", "version", "applicant__user")
        .filter(pk=case_id)
        .first()
    )
    if case is None or case.bundle_case_id is not None or case.ratings.exists():
        return
    applicant = case.applicant
    notify(
        kind=INVITATION_KIND,
        text=invitation_text(case),
        recipients=[applicant.user] if applicant.user_id else [],
        phone=applicant.phone or "",
        subject=case,
    )
