"""The bulk path of new cases (cases.bulk.NewCases): the same plan through the services one call at
a time and through the bulk path leaves the same cases, history, materials, clocks, notices,
routings, hand-outs, messages and audit events (ids aside); an invalid step is refused with the
services' error and the batch writes nothing."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from tests import factories
from tests.cases.conftest import CaseWorld
from tests.common import files
from tests.licenses.conftest import issuer  # noqa: F401 (fixture)
from yiwang.audit.models import AuditEvent
from yiwang.audit.services import audit_batch, audit_verify
from yiwang.cases import services as cs
from yiwang.cases.bulk import NewCases
from yiwang.cases.models import Case, CaseEvent, CaseMaterial, CaseNotice
from yiwang.licenses import exemption
from yiwang.licenses import services as licences
from yiwang.licenses.models import LicenseMaterial
from yiwang.notifications.models import Message
from yiwang.windows.models import HandOut, Routing
from yiwang.workdays.models import Clock

PDF = files.pdf(pages=1)
MOMENT = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)


SERVICES = SimpleNamespace(
    create=cs.case_create,
    upload=cs.case_material_upload,
    paper=cs.case_material_paper,
    submit=cs.case_submit,
    accept=cs.case_accept,
    advance=cs.case_advance,
    decide=cs.case_decide,
    deliver=cs.case_deliver,
    hand_out=cs.case_hand_out,
    not_accept=cs.case_not_accept,
    withdraw=cs.case_withdraw,
)


def _plan(world: CaseWorld, ops: Any) -> None:
    """An online application with files, accepted at the department's window, reviewed,
    approved and sent by EMS; a counter application with paper originals taken in by the
    综合窗口 clerk of another department (routed to the back office), refused and handed out."""
    citizen = world.citizen
    online = ops.create(
        item=world.item,
        applicant=citizen,
        actor=citizen.user,
        form=world.form(),
        delivery="ems",
        delivery_address={"recipient": "张三", "phone": "13800138000", "address": "人民路 1 号"},
    )
    ops.upload(case=online, actor=citizen.user, order=1, file=PDF, file_name="申请书.pdf")
    ops.upload(case=online, actor=citizen.user, order=1, file=PDF, file_name="申请书（新）.pdf")
    ops.upload(case=online, actor=citizen.user, order=2, file=PDF, file_name="证明.pdf")
    ops.submit(case=online, actor=citizen.user)
    ops.accept(case=online, actor=world.clerk.user, note="材料齐全")
    ops.advance(case=online, actor=world.approver.user, note="符合条件")
    ops.decide(case=online, actor=world.approver.user, decision="approve", reason="符合法定条件")
    ops.deliver(case=online, actor=world.clerk.user, tracking_number="EMS1234567890CN")
    counter = world.counter.user
    walk_in = ops.create(
        item=world.item,
        applicant=world.stranger,
        actor=counter,
        form={**world.form(), "applicant_name": "李四"},
        channel="window",
    )
    ops.paper(case=walk_in, actor=counter, order=1)
    ops.paper(case=walk_in, actor=counter, order=2)
    ops.submit(case=walk_in, actor=counter)
    ops.accept(case=walk_in, actor=counter)
    ops.advance(case=walk_in, actor=world.approver.user)
    ops.decide(
        case=walk_in,
        actor=world.approver.user,
        decision="refuse",
        reason="经营场所不符合要求。",
        basis="《食品经营许可管理办法》第十一条",
    )
    ops.hand_out(case=walk_in, actor=counter, collected_by="李四")


def _through_services(world: CaseWorld) -> None:
    with transaction.atomic():
        _plan(world, SERVICES)


def _through_bulk(world: CaseWorld) -> list[Case]:
    with transaction.atomic(), audit_batch():
        bulk = NewCases()
        _plan(world, bulk)
        return bulk.flush()


def _records(cases: list[Case], since: int) -> dict[str, Any]:
    """What the cases left, with their ids and numbers replaced by their place."""
    names: dict[str, str] = {}
    for n, case in enumerate(cases):
        names[case.number] = f"<number {n}>"
        names[str(case.pk)] = f"<case {n}>"
    clocks = list(
        Clock.objects.filter(subject_id__in=[str(c.pk) for c in cases]).order_by("subject_id", "id")
    )
    clock_names = {str(clock.pk): f"<clock {n}>" for n, clock in enumerate(clocks)}

    def plain(value: Any) -> Any:  # the case numbers in texts
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, str):
            for case in cases:
                value = value.replace(case.number, names[case.number])
            value = re.sub(r"https?://\S+", "<link>", value)  # a rating link signs the id
        return value

    def ident(value: Any) -> str:  # a case id column
        return names.get(str(value), str(value))

    def clock(value: Any) -> str:  # a clock id column
        return clock_names.get(str(value), str(value))

    def object_id(kind: str, value: str) -> str:  # an audit event's object
        if kind == "cases.case":
            return ident(value)
        return clock(value) if kind == "workdays.clock" else f"<{kind}>"

    skip = {"id", "number", "detail_key"}
    rows = []
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]).order_by("pk"):
        row = {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields}
        for name in ("pre_review_clock_id", "legal_clock_id", "promised_clock_id"):
            row[name] = clock(row[name])
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
        .order_by("subject_id", "id")
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
        plain([*e[:5], object_id(e[4], e[5]), e[6]])
        for e in AuditEvent.objects.filter(sequence__gt=since)
        .order_by("sequence")
        .values_list(
            "occurred_at", "kind", "actor_id", "action", "object_type", "object_id", "changes"
        )
    ]
    notices = [
        plain([n.kind, n.number, n.content])
        for n in CaseNotice.objects.filter(case__in=cases).order_by("case_id", "id")
    ]
    routings = [
        [ident(r.case_id), r.window_id, r.hall_id, r.department_id, r.routed_by_id, r.routed_at]
        for r in Routing.objects.filter(case__in=cases).order_by("case_id")
    ]
    hand_outs = [
        [ident(h.case_id), h.window_id, h.clerk_id, h.handed_at, h.collector_name, h.id_checked]
        for h in HandOut.objects.filter(case__in=cases).order_by("case_id")
    ]
    return {
        "notices": notices,
        "routings": routings,
        "hand_outs": hand_outs,
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
        row[2] = re.sub(r"_[A-Za-z0-9]{7}(?=\.\w+$)", "", row[2]) if row[2] else row[2]
    return records


@freeze_time(MOMENT)
def test_bulk_applications_leave_what_the_services_leave(world):
    since = _last_sequence()
    _through_services(world)
    one_by_one = list(Case.objects.order_by("pk"))
    by_services = _records(one_by_one, since)

    since = _last_sequence()
    by_bulk = _records(_through_bulk(world), since)

    assert [row["status"] for row in by_services["cases"]] == ["delivered", "delivered"]
    assert len(by_services["clocks"]) == 6 and len(by_services["notices"]) == 4
    assert len(by_services["routings"]) == 1 and len(by_services["hand_outs"]) == 1
    kinds = {m[3] for m in by_services["messages"]}
    assert {"case.submitted", "case.accepted", "case.concluded", "case.delivered"} <= kinds
    assert [a[3] for a in by_services["audit"]] == [a[3] for a in by_bulk["audit"]]
    assert _file_names(by_bulk) == _file_names(by_services)
    assert audit_verify().ok


@freeze_time(MOMENT)
def test_an_invalid_step_is_refused_and_nothing_is_written(world):
    cases, events, audit = Case.objects.count(), CaseEvent.objects.count(), _last_sequence()
    citizen = world.citizen
    with pytest.raises(ValidationError) as caught, transaction.atomic(), audit_batch():
        bulk = NewCases()
        case = bulk.create(item=world.item, applicant=citizen, actor=citizen.user)
        bulk.submit(case=case, actor=citizen.user)  # the form is empty, no material handed in
    assert "form.applicant_name" in caught.value.message_dict
    with pytest.raises(PermissionDenied), transaction.atomic(), audit_batch():
        bulk = NewCases()
        case = bulk.create(item=world.item, applicant=citizen, actor=citizen.user)
        bulk.paper(case=case, actor=citizen.user, order=1)  # paper originals: staff only
    with pytest.raises(ValidationError) as caught, transaction.atomic(), audit_batch():
        bulk = NewCases()
        case = bulk.create(
            item=world.item, applicant=citizen, actor=citizen.user, form=world.form()
        )
        bulk.upload(case=case, actor=citizen.user, order=3, file=PDF, file_name="执照.pdf")
    assert "无需提交" in str(caught.value)  # 免提交
    with pytest.raises(ValidationError) as caught, transaction.atomic(), audit_batch():
        bulk = NewCases()
        case = bulk.create(
            item=world.item, applicant=citizen, actor=citizen.user, form=world.form()
        )
        for order in (1, 2):
            bulk.upload(case=case, actor=citizen.user, order=order, file=PDF, file_name="a.pdf")
        bulk.submit(case=case, actor=citizen.user)  # written at once (see cases.bulk)
        bulk.accept(case=case, actor=world.clerk.user)
        bulk.decide(case=case, actor=world.approver.user, decision="approve")  # 审查 not done
    assert "尚未完成“审查”环节" in str(caught.value)
    with pytest.raises(PermissionDenied), transaction.atomic(), audit_batch():
        bulk = NewCases()
        bulk.create(item=world.item, applicant=world.stranger, actor=citizen.user)
    assert (Case.objects.count(), CaseEvent.objects.count(), _last_sequence()) == (
        cases,
        events,
        audit,
    )
    assert audit_verify().ok


@freeze_time(MOMENT)
def test_a_case_of_the_batch_goes_on_through_the_services(world):
    citizen = world.citizen
    with transaction.atomic(), audit_batch():
        bulk = NewCases()
        case = bulk.create(
            item=world.item, applicant=citizen, actor=citizen.user, form=world.form()
        )
        for order in (1, 2):
            bulk.upload(case=case, actor=citizen.user, order=order, file=PDF, file_name="a.pdf")
        bulk.submit(case=case, actor=citizen.user)
        (case,) = bulk.flush()
    case = cs.case_accept(case=case, actor=world.clerk.user)
    assert case.status == "in_review" and case.promised_deadline is not None
    assert Clock.objects.get(pk=case.pre_review_clock_id).stopped_on == MOMENT.date()
    # A case the batch did not create is refused by it (it goes through the services).
    with pytest.raises(ValueError), transaction.atomic():
        NewCases().advance(case=case, actor=world.approver.user)
    assert audit_verify().ok


SERVICES.request_correction = cs.case_request_correction
SERVICES.resubmit = cs.case_resubmit
SERVICES.open_correction = cs.NOW.open_correction


def _corrected(world: CaseWorld, ops: Any, frozen: Any) -> None:
    """补正 online (a material and a point of the form asked for, the file handed in again days
    later, resubmitted, accepted, approved); at the counter (the paper original superseded,
    resubmitted by the clerk, accepted); and an online application withdrawn while its
    correction is asked for."""
    citizen, counter = world.citizen, world.counter.user

    def on(day: int) -> None:
        frozen.move_to(MOMENT + dt.timedelta(days=day))

    on(0)
    online = ops.create(item=world.item, applicant=citizen, actor=citizen.user, form=world.form())
    for order in (1, 2):
        ops.upload(case=online, actor=citizen.user, order=order, file=PDF, file_name="a.pdf")
    ops.submit(case=online, actor=citizen.user)
    walk_in = ops.create(
        item=world.item,
        applicant=world.stranger,
        actor=counter,
        form=world.form(),
        channel="window",
    )
    for order in (1, 2):
        ops.paper(case=walk_in, actor=counter, order=order)
    ops.submit(case=walk_in, actor=counter)
    dropped = ops.create(item=world.item, applicant=citizen, actor=citizen.user, form=world.form())
    for order in (1, 2):
        ops.upload(case=dropped, actor=citizen.user, order=order, file=PDF, file_name="b.pdf")
    ops.submit(case=dropped, actor=citizen.user)
    on(1)
    ops.request_correction(
        case=online,
        actor=world.clerk.user,
        entries=[{"order": 1, "note": "请盖章。"}, {"name": "联系地址", "note": "请补充。"}],
        note="一次性告知",
    )
    ops.request_correction(case=walk_in, actor=counter, entries=[{"order": 2, "note": "请签字。"}])
    ops.request_correction(
        case=dropped, actor=world.clerk.user, entries=[{"order": 2, "note": "x"}]
    )
    on(6)
    assert [e["order"] for e in ops.open_correction(online).entries] == [1, None]
    ops.upload(case=online, actor=citizen.user, order=1, file=PDF, file_name="盖章.pdf")
    ops.resubmit(case=online, actor=citizen.user)
    ops.paper(case=walk_in, actor=counter, order=2)
    ops.resubmit(case=walk_in, actor=counter)
    ops.withdraw(case=dropped, actor=citizen.user, reason="暂不办理")
    on(7)
    ops.accept(case=online, actor=world.clerk.user)
    ops.accept(case=walk_in, actor=counter)
    ops.advance(case=online, actor=world.approver.user)
    ops.decide(case=online, actor=world.approver.user, decision="approve", reason="符合法定条件")


def test_corrections_in_bulk_leave_what_the_services_leave(world):
    from yiwang.cases.models import CorrectionRequest
    from yiwang.workdays.models import ClockPause

    def extra(cases: list[Case]) -> dict[str, Any]:
        order = {c.pk: n for n, c in enumerate(cases)}
        return {
            "requests": sorted(
                [
                    order[r.case_id],
                    r.entries,
                    r.note,
                    r.requested_by_id,
                    r.requested_at,
                    r.resolved_at,
                ]
                for r in CorrectionRequest.objects.filter(case__in=cases)
            ),
            "pauses": sorted(
                [order[int(p.clock.subject_id)], p.started_on, p.ended_on, p.kind, p.reason]
                for p in ClockPause.objects.filter(clock__subject_id__in=[str(c.pk) for c in cases])
            ),
        }

    since = _last_sequence()
    with freeze_time(MOMENT) as frozen, transaction.atomic():
        _corrected(world, SERVICES, frozen)
    one_by_one = list(Case.objects.order_by("pk"))
    by_services = {**_records(one_by_one, since), **extra(one_by_one)}
    since = _last_sequence()
    with freeze_time(MOMENT) as frozen, transaction.atomic(), audit_batch():
        bulk = NewCases()
        _corrected(world, bulk, frozen)
        made = bulk.flush()
    by_bulk = {**_records(made, since), **extra(made)}
    assert [row["status"] for row in by_services["cases"]] == [
        "concluded",
        "in_review",
        "withdrawn",
    ]
    assert len(by_services["requests"]) == 3 and len(by_services["pauses"]) == 3
    assert all(p[2] is not None for p in by_services["pauses"])  # resumed, or ended on withdrawal
    assert {"case.correction", "case.resubmitted"} <= {m[3] for m in by_services["messages"]}
    assert "暂停 1 次" in by_services["clocks"][0][6]  # the pre-review deadline counts the pause
    assert _file_names(by_bulk) == _file_names(by_services)
    assert audit_verify().ok


def test_a_correction_the_services_refuse_is_refused_in_bulk(world):
    with freeze_time(MOMENT) as frozen:
        _refused_corrections(world, frozen)


def _refused_corrections(world: CaseWorld, frozen: Any) -> None:
    cases, events, audit = Case.objects.count(), CaseEvent.objects.count(), _last_sequence()
    citizen = world.citizen

    def submitted(bulk: NewCases) -> Case:
        case = bulk.create(
            item=world.item, applicant=citizen, actor=citizen.user, form=world.form()
        )
        for order in (1, 2):
            bulk.upload(case=case, actor=citizen.user, order=order, file=PDF, file_name="a.pdf")
        case = bulk.submit(case=case, actor=citizen.user)
        frozen.tick(60)  # the correction is asked for later than the files came
        return case

    asked = [{"order": 1, "note": "请盖章。"}]
    with pytest.raises(ValidationError) as caught, transaction.atomic(), audit_batch():
        bulk = NewCases()
        bulk.request_correction(case=submitted(bulk), actor=world.clerk.user, entries=[])
    assert "一次性告知" in str(caught.value)
    with pytest.raises(PermissionDenied), transaction.atomic(), audit_batch():
        bulk = NewCases()
        bulk.request_correction(case=submitted(bulk), actor=citizen.user, entries=asked)
    with pytest.raises(ValidationError) as caught, transaction.atomic(), audit_batch():
        bulk = NewCases()
        case = submitted(bulk)
        bulk.request_correction(case=case, actor=world.clerk.user, entries=asked)
        bulk.resubmit(case=case, actor=citizen.user)  # the stamped file not handed in again
    assert "请先重新提交" in str(caught.value)
    with pytest.raises(ValidationError) as caught, transaction.atomic(), audit_batch():
        bulk = NewCases()
        case = submitted(bulk)
        bulk.request_correction(case=case, actor=world.clerk.user, entries=asked)
        bulk.upload(case=case, actor=citizen.user, order=1, file=PDF, file_name="c.pdf")
        bulk.resubmit(case=case, actor=citizen.user)
        bulk.request_correction(case=case, actor=world.clerk.user, entries=asked)  # again
    assert caught.value.error_dict["entries"][0].code == "repeated_correction"
    with pytest.raises(ValidationError) as caught, transaction.atomic(), audit_batch():
        bulk = NewCases()
        case = submitted(bulk)
        bulk.request_correction(case=case, actor=world.clerk.user, entries=asked)
        bulk.accept(case=case, actor=world.clerk.user)  # waiting for the correction
    assert caught.value.code == "illegal_transition"
    assert (Case.objects.count(), CaseEvent.objects.count(), _last_sequence()) == (
        cases,
        events,
        audit,
    )
    assert audit_verify().ok


PREMISES = "经营场所使用证明"
FORM = "食品经营许可申请书"


def _ended_at_intake(world: CaseWorld, ops: Any) -> None:
    """An online application 不予受理 at pre-review; a counter one withdrawn by the applicant."""
    citizen = world.citizen
    online = ops.create(item=world.item, applicant=citizen, actor=citizen.user, form=world.form())
    for order in (1, 2):
        ops.upload(case=online, actor=citizen.user, order=order, file=PDF, file_name="a.pdf")
    ops.submit(case=online, actor=citizen.user)
    ops.not_accept(case=online, actor=world.clerk.user, reason="申请事项不属于本部门职权范围。")
    counter = world.counter.user
    walk_in = ops.create(
        item=world.item, applicant=citizen, actor=counter, form=world.form(), channel="window"
    )
    for order in (1, 2):
        ops.paper(case=walk_in, actor=counter, order=order)
    ops.submit(case=walk_in, actor=counter)
    ops.withdraw(case=walk_in, actor=citizen.user, reason="暂不办理")


@freeze_time(MOMENT)
def test_not_accepted_and_withdrawn_in_bulk_leave_what_the_services_leave(world):
    since = _last_sequence()
    with transaction.atomic():
        _ended_at_intake(world, SERVICES)
    by_services = _records(list(Case.objects.order_by("pk")), since)
    since = _last_sequence()
    with transaction.atomic(), audit_batch():
        bulk = NewCases()
        _ended_at_intake(world, bulk)
        made = bulk.flush()
    by_bulk = _records(made, since)
    assert [row["status"] for row in by_services["cases"]] == ["not_accepted", "withdrawn"]
    assert [n[0] for n in by_services["notices"]] == ["non_acceptance"]
    assert all(c[8] != "None" for c in by_services["clocks"])  # the pre-review clocks stopped
    assert "case.not_accepted" in {m[3] for m in by_services["messages"]}
    assert _file_names(by_bulk) == _file_names(by_services)
    assert audit_verify().ok


@freeze_time(MOMENT)
def test_a_refusal_or_withdrawal_the_services_refuse_is_refused_in_bulk(world):
    cases, events, audit = Case.objects.count(), CaseEvent.objects.count(), _last_sequence()
    citizen = world.citizen

    def submitted(bulk: NewCases) -> Case:
        case = bulk.create(
            item=world.item, applicant=citizen, actor=citizen.user, form=world.form()
        )
        for order in (1, 2):
            bulk.upload(case=case, actor=citizen.user, order=order, file=PDF, file_name="a.pdf")
        return bulk.submit(case=case, actor=citizen.user)

    with pytest.raises(ValidationError) as caught, transaction.atomic(), audit_batch():
        bulk = NewCases()
        bulk.not_accept(case=submitted(bulk), actor=world.clerk.user, reason=" ")
    assert "不予受理的理由" in str(caught.value)
    with pytest.raises(PermissionDenied), transaction.atomic(), audit_batch():
        bulk = NewCases()
        bulk.not_accept(case=submitted(bulk), actor=citizen.user, reason="不属于本部门职权。")
    with pytest.raises(ValidationError) as caught, transaction.atomic(), audit_batch():
        bulk = NewCases()
        case = bulk.accept(case=submitted(bulk), actor=world.clerk.user)
        bulk.not_accept(case=case, actor=world.clerk.user, reason="不属于本部门职权。")
    assert caught.value.code == "illegal_transition"
    with pytest.raises(ValidationError) as caught, transaction.atomic(), audit_batch():
        bulk = NewCases()
        case = bulk.accept(case=submitted(bulk), actor=world.clerk.user)
        bulk.withdraw(case=case, actor=citizen.user)  # accepted: no longer withdrawn
    assert caught.value.code == "illegal_transition"
    with pytest.raises(ValidationError) as caught, transaction.atomic(), audit_batch():
        bulk = NewCases()
        case = bulk.not_accept(case=submitted(bulk), actor=world.clerk.user, reason="不属于。")
        bulk.withdraw(case=case, actor=citizen.user)  # ended already
    assert caught.value.code == "illegal_transition"
    assert (Case.objects.count(), CaseEvent.objects.count(), _last_sequence()) == (
        cases,
        events,
        audit,
    )
    assert audit_verify().ok


def test_licence_links_are_read_once_in_a_batch_and_again_when_changed(world, issuer):  # noqa: F811
    deed = licences.license_type_create(
        code=factories.uscc() + "001", name="不动产权证书", department=issuer
    )
    licences.license_material_link(license_type=deed, material_name=PREMISES)
    names = [PREMISES, FORM, f" {PREMISES} "]
    uncached = exemption.linked_types(names)
    assert uncached == {PREMISES: deed}
    with exemption.linked_types_cached():
        assert exemption.linked_types(names) == uncached
        with CaptureQueriesContext(connection) as queries:
            assert exemption.linked_types(names) == uncached  # from memory
            assert exemption.linked_types([FORM]) == {}  # not linked: remembered too
        assert len(queries) == 0
        # A link made or removed through the services is seen at once.
        licences.license_material_link(license_type=deed, material_name=FORM)
        assert exemption.linked_types(names) == {PREMISES: deed, FORM: deed}
        licences.license_material_unlink(material_name=PREMISES)
        assert exemption.linked_types(names) == {FORM: deed}
    # Outside the block every call reads (a link written by other means is seen too).
    LicenseMaterial.objects.filter(material_name=FORM).delete()
    assert exemption.linked_types(names) == {}
    with CaptureQueriesContext(connection) as queries:
        exemption.linked_types(names)
    assert len(queries) == 1
