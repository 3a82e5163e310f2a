"""Licences issued on a case's approval: when a case's "decide" history line is written
(cases.services._decide, after the decision is saved), the licences its item produces are
issued in the same transaction (licenses.issuing). Listening to the case's history keeps the
case services unaware of licences."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from yiwang.cases.models import CaseEvent


@receiver(post_save, sender=CaseEvent, dispatch_uid="licenses.issue_on_approval")
def issue_on_approval(sender: Any, instance: CaseEvent, created: bool, **kwargs: Any) -> None:
    if not created or instance.action != "decide":
        return
    from yiwang.licenses import issuing

    case = instance.case
    if case.decision != issuing.APPROVE or not issuing.types_for_item(case.item_id).exists():
        return
    issuing.issue_for_case(case, actor=instance.actor)
