"""Rating invitations through the outbox (notifications.services.notify), or, inside
`invitations_into(writes)`, through a bulk path's `writes.notify` (evaluations.bulk.NewRatings:
the same messages, inserted with the batch)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from yiwang.cases.models import Case
from yiwang.evaluations.fields import token_days
from yiwang.evaluations.tokens import case_token, rating_url
from yiwang.notifications.services import notify
from yiwang.org.models import Applicant

INVITATION_KIND = "evaluations.invitation"


class Notifier(Protocol):
    def notify(self, **message: Any) -> Any: ...

    def holds_rating(self, case_id: int) -> bool:
        """Whether a rating of the case waits in the batch, not yet in the database."""
        ...


_INTO: ContextVar[Notifier | None] = ContextVar("yiwang.evaluations.invitations", default=None)


@contextmanager
def invitations_into(writes: Notifier) -> Iterator[None]:
    """The invitations queued meanwhile (in this context) go to `writes.notify` — which takes
    notify's arguments and writes the same messages in the same transaction — instead of being
    saved one by one."""
    token = _INTO.set(writes)
    try:
        yield
    finally:
        _INTO.reset(token)


def invitation_text(case: Case) -> str:
    department = case.department.short_name or case.department.name
    return (
        f"【{department}】您的办件 {case.number}（{case.version.name}）已办结，"
        f"请对本次服务作出评价：{rating_url(case_token(case.pk))}?via=sms"
        f"（{token_days()} 天内有效）"
    )


def _loaded(case: Case) -> bool:
    """Whether the case object holds what the invitation names (department, version, applicant
    and his account), so that nothing needs reading."""
    return (
        Case.department.is_cached(case)
        and Case.version.is_cached(case)
        and Case.applicant.is_cached(case)
        and (case.applicant.user_id is None or Applicant.user.is_cached(case.applicant))
    )


def invite_case(case_id: int, *, case: Case | None = None) -> None:
    """Queue the invitation of a just-concluded case: an SMS to the applicant's phone and a
    site message to his account. A 一件事 child or a case already rated gets none. `case`: the
    case as the decision just wrote it in this transaction (the history line's own object),
    used as it is when it holds the department, version and applicant — the decision has them
    at hand, and reading them again (with the applicant's personal data decrypted) was most of
    an invitation's cost; otherwise the case is read."""
    if case is None or case.pk != case_id or not _loaded(case):
        case = (
            Case.objects.select_related("department", "version", "applicant__user")
            .filter(pk=case_id)
            .first()
        )
    into = _INTO.get()
    if case is None or case.bundle_case_id is not None or case.ratings.exists():
        return
    if into is not None and into.holds_rating(case.pk):
        return
    applicant = case.applicant
    (notify if into is None else into.notify)(
        kind=INVITATION_KIND,
        text=invitation_text(case),
        recipients=[applicant.user] if applicant.user_id else [],
        phone=applicant.phone or "",
        subject=case,
    )
