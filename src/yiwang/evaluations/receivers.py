"""The SMS rating invitation (评价邀请): when a case is concluded (its "decide" history line is
written, cases.services), the applicant gets a message with his signed rating link, through the
outbox and in the same transaction as the decision. Listening to the case's history keeps the
case services unaware of ratings. A 一件事 child is not invited per case (the bundle tells the
applicant of its result once, and he rates each case on 我的办件 or from its notice's QR)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from yiwang.cases.models import CaseEvent


@receiver(post_save, sender=CaseEvent, dispatch_uid="evaluations.invite_on_conclusion")
def invite_on_conclusion(sender: Any, instance: CaseEvent, created: bool, **kwargs: Any) -> None:
    if not created or instance.action != "decide" or not settings.YIWANG_RATING_SMS_INVITATION:
        return
    from yiwang.evaluations.invitations import invite_case

    # The decision's own case object, when the history line holds it (cases.services and the
    # bulk path build the line from the case they have just written).
    invite_case(
        instance.case_id, case=instance.case if CaseEvent.case.is_cached(instance) else None
    )
