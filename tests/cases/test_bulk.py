"""The bulk path of applying (cases.bulk.Applications): the same plan through the services one call
at a time and through the bulk path leaves the same cases, history, materials, clocks, messages
and audit events (ids aside); an invalid step is refused with the services' error and the
batch writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from freezegun import freeze_time

from tests.cases.conftest import CaseWorld
from tests.common import files
from yiwang.audit.models import AuditEvent
from yiwang.audit.services import audit_batch, audit_verify
from yiwang.cases import services as cs
from yiwang.cases.bulk import Applications
from yiwang.cases.models import Case, CaseEvent, CaseMaterial
from yiwang.notifications.models import Message
from yiwang.workdays.models import Clock

PDF = files.pdf(pages=1)
MOMENT = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)


def _plan(world: CaseWorld, create: Any, upload: Any, paper: Any, submit: Any) -> None:
    """An online application with files and a counter application with paper originals (the
    综合窗口 clerk of another department), both submitted."""
    citizen = world.citizen
    online = create(
        item=world.item,
        applicant=citizen,
        actor=citizen.user,
        form=world.form(),
        delivery="ems",
        delivery_address={"recipient": "张三", "phone": "13800138000", "address": "人民路 1 号"},
    )
    upload(case=online, actor=citizen.user, order=1, file=PDF, file_name="申请书.pdf")
    upload(case=online, actor=citizen.user, order=1, file=PDF, file_name="申请书（新）.pdf")
    upload(case=online, actor=citizen.user, order=2, file=PDF, file_name="证明.pdf")
    submit(case=online, actor=citizen.user)
    counter = world.counter.user
    walk_in = create(
        item=world.item,
        applicant=world.stranger,
        actor=counter,
        form={**world.form(), "applicant_name": "李四"},
        channel="window",
    )
    paper(case=walk_in, actor=counter, order=1)
    paper(case=walk_in, actor=counter, order=2)
    submit(case=walk_in, actor=counter)


def _through_services(world: CaseWorld) -> None:
    with transaction.atomic():
        _plan(
            world, cs.case_create, cs.case_material_upload, cs.case_material_paper, cs.case_submit
        )


def _through_bulk(world: CaseWorld) -> list[Case]:
    with transaction.atomic(), audit_batch():
        bulk = Applications(2)
        _plan(world, bulk.create, bulk.upload, bulk.paper, bulk.submit)
        return bulk.flush()


def _records(cases: list[Case], since: int) -> dict[str, Any]:
    """What the cases left, with their ids and numbers replaced by their place."""
    names: dict[str, str] = {}
    for n, case in enumerate(cases):
        names[case.number] = f"<number {n}>"
        names[str(case.pk)] = f"<case {n}>"
    clocks = list(
        Clock.objects.filter(subject_id__in=[str(c.pk) for c in cases]).order_by("subject_id")
    )
    for n, clock in enumerate(clocks):
        names[str(clock.pk)] = f"<clock {n}>"

    def plain(value: Any) -> Any:  # the case numbers in texts
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, str):
            for case in cases:
                value = value.replace(case.number, names[case.number])
        return value

    def ident(value: Any) -> str:  # an id column
        return names.get(str(value), str(value))

    skip = {"id", "number", "detail_key"}
    rows = []
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]).order_by("pk"):
        row = {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields}
        row["pre_review_clock_id"] = ident(row["pre_review_clock_id"])
        rows.append({k: plain(str(v)) for k, v in row.items() if k not in skip})
    events = [
        plain(list(e))
        for e in CaseEvent.objects.filter(case__in=cases)
        .order_by("case_id", "id")
        .values_list("action", "label", "from_status", "to_status", "note", "actor_id", "at")
    ]
    materials = [
        plain([str(v) for v in m])
        for m in CaseMaterial.objects.filter(case__in=cases)
        .order_by("case_id", "id")
        .values_list(
            "order",
            "name",
            "file",
            "file_name",
            "content_type",
            "size",
            "digest",
            "paper",
            "current",
            "deferred",
            "uploaded_by_id",
            "uploaded_at",
        )
    ]
    clock_rows = [
        plain([ident(v) if i == 1 else str(v) for i, v in enumerate(c)])
        for c in Clock.objects.filter(pk__in=[c.pk for c in clocks])
        .order_by("subject_id")
        .values_list(
            "subject_type",
            "subject_id",
            "started_on",
            "limit_days",
            "start_rule",
            "deadline",
            "deadline_rule",
            "warnings",
            "stopped_on",
            "created_at",
        )
    ]
    messages = sorted(
        plain([ident(v) if i == 5 else str(v) for i, v in enumerate(m)])
        for m in Message.objects.filter(
            subject_type="cases.case", subject_id__in=[str(c.pk) for c in cases]
        ).values_list(
            "channel", "recipient_id", "phone_hash", "kind", "text", "subject_id", "next_attempt_at"
        )
    )
    audit = [
        plain([ident(v) if i == 5 else v for i, v in enumerate(e)])
        for e in AuditEvent.objects.filter(sequence__gt=since)
        .order_by("sequence")
        .values_list(
            "occurred_at", "kind", "actor_id", "action", "object_type", "object_id", "changes"
        )
    ]
    return {
        "cases": rows,
        "events": events,
        "materials": materials,
        "clocks": clock_rows,
        "messages": messages,
        "audit": audit,
    }


def _last_sequence() -> int:
    last = AuditEvent.objects.order_by("-sequence").first()
    return last.sequence if last else 0


def _file_names(records: dict[str, Any]) -> dict[str, Any]:
    # The storage adds a random suffix to the second file of the same name.
    for row in records["materials"]:
        row[2] = row[2].split("_")[0] if row[2] else row[2]
    return records


@freeze_time(MOMENT)
def test_bulk_applications_leave_what_the_services_leave(world):
    since = _last_sequence()
    _through_services(world)
    one_by_one = list(Case.objects.order_by("pk"))
    by_services = _records(one_by_one, since)

    since = _last_sequence()
    by_bulk = _records(_through_bulk(world), since)

    assert len(by_services["events"]) == 9 and len(by_services["clocks"]) == 2
    assert {m[0] for m in by_services["messages"]} == {"site"}  # the intake staff told
    assert [a[3] for a in by_services["audit"]] == [a[3] for a in by_bulk["audit"]]
    assert _file_names(by_bulk) == _file_names(by_services)
    assert audit_verify().ok


@freeze_time(MOMENT)
def test_an_invalid_step_is_refused_and_nothing_is_written(world):
    cases, events, audit = Case.objects.count(), CaseEvent.objects.count(), _last_sequence()
    citizen = world.citizen
    with pytest.raises(ValidationError) as caught, transaction.atomic(), audit_batch():
        bulk = Applications(2)
        case = bulk.create(item=world.item, applicant=citizen, actor=citizen.user)
        bulk.submit(case=case, actor=citizen.user)  # the form is empty, no material handed in
    assert "form.applicant_name" in caught.value.message_dict
    with pytest.raises(PermissionDenied), transaction.atomic(), audit_batch():
        bulk = Applications(1)
        case = bulk.create(item=world.item, applicant=citizen, actor=citizen.user)
        bulk.paper(case=case, actor=citizen.user, order=1)  # paper originals: staff only
    with pytest.raises(ValidationError) as caught, transaction.atomic(), audit_batch():
        bulk = Applications(1)
        case = bulk.create(
            item=world.item, applicant=citizen, actor=citizen.user, form=world.form()
        )
        bulk.upload(case=case, actor=citizen.user, order=3, file=PDF, file_name="执照.pdf")
    assert "无需提交" in str(caught.value)  # 免提交
    with pytest.raises(PermissionDenied), transaction.atomic(), audit_batch():
        bulk = Applications(1)
        bulk.create(item=world.item, applicant=world.stranger, actor=citizen.user)
    assert (Case.objects.count(), CaseEvent.objects.count(), _last_sequence()) == (
        cases,
        events,
        audit,
    )
    assert audit_verify().ok


@freeze_time(MOMENT)
def test_a_submitted_case_goes_on_through_the_services(world):
    (online, _walk_in) = _through_bulk(world)
    case = cs.case_accept(case=online, actor=world.clerk.user)
    assert case.status == "in_review" and case.promised_deadline is not None
    assert Clock.objects.get(pk=case.pre_review_clock_id).stopped_on == MOMENT.date()
    assert Case.objects.filter(pk__in=[online.pk, _walk_in.pk]).count() == 2
