"""What the case API answers, built from the selectors' reads: plain data in the shapes
cases.api.serializers declares. Personal data is masked here, once, for every answer."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from yiwang.cases.fields import PERSONAL_FORM_TYPES, CaseStatus, Channel
from yiwang.cases.models import Case, CaseMaterial
from yiwang.cases.selectors import CaseRecord
from yiwang.cases.services import review_steps
from yiwang.cases.workflow import CASE
from yiwang.common.masking import mask
from yiwang.org.models import Applicant, User
from yiwang.workdays.selectors import clock_paused_working_days


def action_path(case: Case, name: str) -> str:
    """The POST path of transition `name` (not_accept → /api/cases/12/not-accept/)."""
    return reverse(f"cases-api:cases-{name.replace('_', '-')}", args=[case.pk])


def _masked(value: Any, kind: str) -> str:
    text = str(value or "")
    return mask(kind, text) if text else ""


def applicant_data(applicant: Applicant) -> dict[str, Any]:
    # str() of an encrypted personal value is its masked form.
    return {
        "id": applicant.pk,
        "kind": applicant.kind,
        "name": applicant.name,
        "id_number": str(applicant.id_number or ""),
        "uscc": applicant.uscc,
        "phone": str(applicant.phone or ""),
    }


def _summary_stable(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "status": case.status,
        "status_label": CASE.label(case.status),
        "item": case.item.code,
        "item_name": case.version.name,
        "department_id": case.department_id,
        "channel": case.channel,
        "channel_label": str(Channel(case.channel).label),
        "submitted_at": case.submitted_at,
        "accepted_on": case.accepted_on,
        "legal_deadline": case.legal_deadline,
        "promised_deadline": case.promised_deadline,
        "warning": case.warning,
        "ever_overdue": case.ever_overdue,
        "created_at": case.created_at,
    }


def summary(case: Case) -> dict[str, Any]:
    """A case in a list."""
    return {
        **_summary_stable(case),
        "department": case.department.name,
        "applicant": applicant_data(case.applicant),
    }


def _form(case: Case) -> dict[str, str]:
    kinds = {f.get("key"): f.get("type", "text") for f in case.version.form_fields or []}
    out = {}
    for key, value in (case.form_data or {}).items():
        kind = PERSONAL_FORM_TYPES.get(str(kinds.get(key, "text")))
        out[key] = _masked(value, kind) if kind else str(value)
    return out


def _clock_figures(record: CaseRecord) -> tuple[int, str | None]:
    """Working days paused, and the calendar warning of the case's running clocks (a year
    without a confirmed holiday table), or None."""
    case = record.case
    clocks = [c for c in (case.legal_clock, case.promised_clock) if c is not None]
    if not clocks and case.pre_review_clock is not None and case.status == CaseStatus.SUBMITTED:
        clocks = [case.pre_review_clock]
    paused = (
        clock_paused_working_days(case.legal_clock, pauses=record.legal_pauses)
        if case.legal_clock
        else 0
    )
    warnings: list[str] = []
    for clock in clocks:
        for text in clock.warnings or []:
            if text not in warnings:
                warnings.append(str(text))
    return paused, ("；".join(warnings) if warnings else None)


def material(case: Case, row: CaseMaterial) -> dict[str, Any]:
    return {
        "id": row.pk,
        "order": row.order,
        "name": row.name,
        "file_name": row.file_name,
        "content_type": row.content_type,
        "size": row.size,
        "paper": row.paper,
        "deferred": row.deferred,
        "supply_due": row.supply_due,
        "uploaded_at": row.uploaded_at,
        "download_url": reverse("cases-files:material", args=[case.pk, row.pk])
        if row.file
        else None,
    }


def _verification(case: Case) -> dict[str, Any] | None:
    found = getattr(case, "verification", None)  # the reverse one-to-one, when there is one
    if found is None:
        return None
    return {
        "due_on": found.due_on,
        "status": found.status,
        "note": found.note,
        "done_at": found.done_at,
    }


def live(case: Case, user: User) -> dict[str, Any]:
    """The parts of the detail read on every request, never from the snapshot (a rename of the
    department or an edit of the applicant does not touch the case; the transitions depend on
    the caller): `case` needs pk, status, updated_at, department.name and the applicant."""
    return {
        "department": case.department.name,
        "applicant": applicant_data(case.applicant),
        "transitions": [
            {"name": t.name, "label": t.label, "path": action_path(case, t.name)}
            for t in CASE.available(case.status, user)
        ],
        "updated_at": case.updated_at,
    }


def detail(record: CaseRecord, user: User) -> dict[str, Any]:
    """Everything the caller may see of a case (read through the selectors, with its child
    rows: selectors.case_record): the stored part and the live part."""
    return {**stable(record), **live(record.case, user)}


def stable(record: CaseRecord) -> dict[str, Any]:
    """The detail without its live part: what cases.snapshots stores."""
    case = record.case
    steps = review_steps(case.version, record.steps)
    address = case.delivery_address or {}
    paused_days, calendar_warning = _clock_figures(record)
    payment = getattr(case, "payment", None) if case.payment_status else None
    data = _summary_stable(case)
    data.update(
        {
            "form": _form(case),
            "delivery": {
                "method": case.delivery,
                "recipient": str(address.get("recipient", "")),
                "phone": _masked(address.get("phone"), "phone"),
                "address": str(address.get("address", "")),
                "tracking_number": case.tracking_number,
                "collected_by": case.collected_by,
                "delivered_at": case.delivered_at,
            },
            "commitment": case.commitment,
            "commitment_signed_at": case.commitment_signed_at,
            "received_on": case.received_on,
            "deemed_accepted": case.deemed_accepted,
            "not_accepted_reason": case.not_accepted_reason,
            "step": steps[case.step].name
            if case.status == CaseStatus.IN_REVIEW and case.step < len(steps)
            else None,
            "paused": case.paused,
            "paused_working_days": paused_days,
            "extended": case.extended,
            "extension_reason": case.extension_reason,
            "delivery_deadline": case.delivery_deadline,
            "calendar_warning": calendar_warning,
            "decision": case.decision,
            "decision_reason": case.decision_reason,
            "decision_basis": case.decision_basis,
            "concluded_on": case.concluded_on,
            "fee_amount": case.fee_amount,
            "payment_status": case.payment_status,
            "payment": {
                "amount": payment.amount,
                "basis": payment.basis,
                "status": payment.status,
                "paid_at": payment.paid_at,
            }
            if payment is not None
            else None,
            "history": [
                {
                    "who": event.actor_label or "系统",
                    "when": event.at,
                    "action": event.action,
                    "label": event.label,
                    "from": event.from_status,
                    "to": event.to_status,
                    "note": event.note,
                }
                for event in record.history
            ],
            "materials": [material(case, row) for row in record.materials],
            "required_materials": [
                {
                    "order": m.order,
                    "name": m.name,
                    "required": m.required,
                    "deferrable": m.deferrable,
                    "exempt": m.exempt,
                }
                for m in record.required_materials
            ],
            "notices": [
                {
                    "id": notice.pk,
                    "kind": notice.kind,
                    "kind_label": notice.get_kind_display(),
                    "number": notice.number,
                    "issued_at": notice.issued_at,
                    "download_url": reverse("cases-files:notice", args=[case.pk, notice.pk]),
                }
                for notice in record.notices
            ],
            "corrections": [
                {
                    "entries": request.entries,
                    "note": request.note,
                    "requested_at": request.requested_at,
                    "resolved_at": request.resolved_at,
                }
                for request in record.corrections
            ],
            "special_procedures": [
                {
                    "kind": p.kind,
                    "reason": p.reason,
                    "limit_days": p.limit_days,
                    "started_on": p.started_on,
                    "due_on": p.due_on,
                    "ended_on": p.ended_on,
                }
                for p in record.special_procedures
            ],
            "verification": _verification(case),
        }
    )
    return data
