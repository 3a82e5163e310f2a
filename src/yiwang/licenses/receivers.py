"""Licences and cases. Issued on a case's approval: when a case's "decide" history line is written
(cases.services._decide, after the decision is saved), the licences its item produces are
issued in the same transaction (licenses.issuing). Listening to the case's history keeps the
case services unaware of licences. Attached on a case's submission (免提交): the materials the
applicant's valid licences stand in for are recorded as uses (licenses.exemption)."""

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


@receiver(post_save, sender=CaseEvent, dispatch_uid="licenses.attach_on_submission")
def attach_on_submission(sender: Any, instance: CaseEvent, created: bool, **kwargs: Any) -> None:
    # 免提交: the materials a valid licence of the applicant stands in for are attached through
    # a recorded use when the case is submitted (or resubmitted after a correction).
    if not created or instance.action not in ("submit", "resubmit"):
        return
    from yiwang.licenses import exemption

    exemption.attach_case_licences(instance.case, actor=instance.actor)
