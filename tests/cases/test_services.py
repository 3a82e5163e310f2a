"""Case services: every transition, and every forbidden one; the licensing law's clocks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.cases.conftest import CaseWorld, publish_item
from tests.common import files
from yiwang.cases import services as s
from yiwang.cases.fields import CaseStatus, Channel, Delivery, NoticeKind, WarningLevel
from yiwang.cases.models import Case
from yiwang.cases.workflow import CASE
from yiwang.notifications.models import Message
from yiwang.workdays.selectors import add_working_days, working_days_between

PDF = files.pdf(pages=1)


def _today(monkeypatch, day: dt.date) -> None:
    monkeypatch.setattr("yiwang.cases.services._today", lambda: day)


def draft(world: CaseWorld, **extra) -> Case:
    return s.case_create(
        item=world.item,
        applicant=world.citizen,
        actor=world.citizen.user,
        form=world.form(),
        delivery=extra.pop("delivery", Delivery.PICKUP),
        **extra,
    )


def submitted(world: CaseWorld, *, all_materials: bool = True, **extra) -> Case:
    case = draft(world, **extra)
    s.case_material_upload(
        case=case, actor=world.citizen.user, order=1, file=PDF, file_name="申请书.pdf"
    )
    if all_materials:
        s.case_material_upload(
            case=case, actor=world.citizen.user, order=2, file=PDF, file_name="证明.pdf"
        )
    return s.case_submit(case=case, actor=world.citizen.user)


def accepted(world: CaseWorld, **extra) -> Case:
    return s.case_accept(case=submitted(world, **extra), actor=world.clerk.user)


def concluded(world: CaseWorld, **extra) -> Case:
    case = accepted(world, **extra)
    case = s.case_advance(case=case, actor=world.approver.user)
    return s.case_decide(case=case, actor=world.approver.user, decision="approve")


# --- applying -------------------------------------------------------------------------------


def test_a_citizen_applies_online_and_submits(world):
    case = draft(world)
    assert case.status == CaseStatus.DRAFT and case.channel == Channel.ONLINE
    assert case.number.startswith(dt.date.today().strftime("%Y%m%d"))
    # 免提交 (营业执照, order 3) is not asked for
    with pytest.raises(ValidationError, match="无需提交"):
        s.case_material_upload(
            case=case, actor=world.citizen.user, order=3, file=PDF, file_name="a.pdf"
        )
    with pytest.raises(ValidationError, match="食品经营许可申请书"):
        s.case_submit(case=case, actor=world.citizen.user)
    s.case_material_upload(
        case=case, actor=world.citizen.user, order=1, file=PDF, file_name="a.pdf"
    )
    # the deferrable 经营场所使用证明 may follow (容缺)
    case = s.case_submit(case=case, actor=world.citizen.user)
    assert case.status == CaseStatus.SUBMITTED and case.received_on == dt.date.today()
    assert case.pre_review_clock.limit_days == 5
    assert [e.action for e in case.events.all()] == ["create", "material", "submit"]
    assert {e.actor_label for e in case.events.all()} == {"张三"}  # the applicant, by name
    # the department's clerks are told
    assert Message.objects.filter(kind="case.submitted", recipient=world.clerk.user).exists()


def test_the_form_is_checked_by_field_type(world):
    bad = {**world.form(), "applicant_id_number": "340104199001011230"}
    with pytest.raises(ValidationError) as err:
        draft(world, form=bad) if False else s.case_create(
            item=world.item, applicant=world.citizen, actor=world.citizen.user, form=bad
        )
    assert "form.applicant_id_number" in err.value.message_dict
    with pytest.raises(ValidationError, match="没有这些栏目"):
        s.case_create(
            item=world.item, applicant=world.citizen, actor=world.citizen.user, form={"x": "1"}
        )
    # an incomplete form may be saved, not submitted
    case = s.case_create(
        item=world.item,
        applicant=world.citizen,
        actor=world.citizen.user,
        form={"applicant_name": "张三"},
    )
    s.case_material_upload(
        case=case, actor=world.citizen.user, order=1, file=PDF, file_name="a.pdf"
    )
    with pytest.raises(ValidationError) as err:
        s.case_submit(case=case, actor=world.citizen.user)
    assert "form.applicant_phone" in err.value.message_dict


def test_the_form_data_is_encrypted_at_rest(world):
    from django.db import connection

    case = draft(world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT form_data FROM cases_case WHERE id = %s", [case.pk])
        raw = cursor.fetchone()[0]
    assert "张三" not in raw and world.form()["applicant_id_number"] not in raw
    assert Case.objects.get(pk=case.pk).form_data["applicant_name"] == "张三"


def test_a_citizen_cannot_apply_for_someone_else(world):
    with pytest.raises(PermissionDenied):
        s.case_create(item=world.item, applicant=world.stranger, actor=world.citizen.user)


def test_delivery_must_be_offered_and_ems_needs_an_address(world):
    with pytest.raises(ValidationError) as err:
        draft(world, delivery=Delivery.EMS)
    assert "delivery.recipient" in err.value.message_dict
    case = draft(
        world,
        delivery=Delivery.EMS,
        delivery_address={"recipient": "张三", "phone": "13800138000", "address": "人民路 1 号"},
    )
    assert case.delivery_address["recipient"] == "张三"


def test_bad_uploads_are_refused_and_nothing_is_stored(world, settings, tmp_path):
    case = draft(world)
    with pytest.raises(ValidationError, match="不是可识别"):
        s.case_material_upload(
            case=case, actor=world.citizen.user, order=1, file=b"hello", file_name="a.pdf"
        )
    html = b"<html><script>alert(1)</script></html>"
    with pytest.raises(ValidationError):
        s.case_material_upload(
            case=case, actor=world.citizen.user, order=1, file=html, file_name="a.pdf"
        )
    settings.YIWANG_CASE_UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="上限"):
        s.case_material_upload(
            case=case, actor=world.citizen.user, order=1, file=PDF, file_name="a.pdf"
        )
    assert case.materials.count() == 0


def test_a_reupload_supersedes_but_keeps_the_earlier_file(world):
    case = draft(world)
    first = s.case_material_upload(
        case=case, actor=world.citizen.user, order=1, file=PDF, file_name="a.pdf"
    )
    second = s.case_material_upload(
        case=case, actor=world.citizen.user, order=1, file=files.pdf(pages=2), file_name="b.pdf"
    )
    first.refresh_from_db()
    assert not first.current and first.file and second.current
    assert case.materials.count() == 2


# --- window intake ------------------------------------------------------------------------


def test_a_comprehensive_window_registers_another_departments_item(world):
    case = s.case_create(
        item=world.item, applicant=world.citizen, actor=world.counter.user, form=world.form()
    )
    assert case.channel == Channel.WINDOW and case.window == world.counter.window
    s.case_material_paper(case=case, actor=world.counter.user, order=1)
    s.case_material_paper(case=case, actor=world.counter.user, order=2)
    case = s.case_submit(case=case, actor=world.counter.user)
    assert case.visits == 1


def test_a_dedicated_window_takes_only_its_departments_items(world):
    with pytest.raises(PermissionDenied, match="综合窗口"):
        s.case_create(item=world.item, applicant=world.citizen, actor=world.other_clerk.user)


def test_assisted_cases_record_the_helper_and_the_consent(world):
    with pytest.raises(ValidationError, match="授权"):
        s.case_create(
            item=world.item,
            applicant=world.citizen,
            actor=world.clerk.user,
            channel=Channel.ASSISTED,
        )
    case = s.case_create(
        item=world.item,
        applicant=world.citizen,
        actor=world.clerk.user,
        channel=Channel.ASSISTED,
        consent="申请人当面授权代办",
    )
    assert case.assisted_by == world.clerk.user and case.consent == "申请人当面授权代办"


# --- intake decisions ---------------------------------------------------------------------------


def test_accept_starts_the_legal_and_promised_clocks(world):
    case = accepted(world)
    today = dt.date.today()
    assert case.status == CaseStatus.IN_REVIEW and case.accepted_on == today
    assert case.legal_deadline == add_working_days(today, 20).date
    assert case.promised_deadline == add_working_days(today, 10).date
    assert case.pre_review_clock.stopped_on == today
    assert case.notices.filter(kind=NoticeKind.ACCEPTANCE).count() == 1
    assert Message.objects.filter(kind="case.accepted", recipient=world.citizen.user).exists()


def test_accept_with_a_deferred_material(world):
    case = submitted(world, all_materials=False)
    with pytest.raises(ValidationError, match="容缺"):
        s.case_accept(case=case, actor=world.clerk.user)
    case = s.case_accept(case=case, actor=world.clerk.user, deferred=[2])
    row = case.materials.get(order=2, deferred=True)
    assert row.supply_due == add_working_days(dt.date.today(), 5).date
    # the applicant supplies it later
    s.case_material_upload(
        case=case, actor=world.citizen.user, order=2, file=PDF, file_name="证明.pdf"
    )
    assert case.materials.get(order=2, current=True).file


def test_only_clerks_accept(world):
    case = submitted(world)
    with pytest.raises(PermissionDenied):
        s.case_accept(case=case, actor=world.citizen.user)
    with pytest.raises(PermissionDenied):
        s.case_accept(case=case, actor=world.approver.user)


def test_not_accepted_needs_reasons_and_tells_the_rights(world):
    case = submitted(world)
    with pytest.raises(ValidationError):
        s.case_not_accept(case=case, actor=world.clerk.user, reason=" ")
    case = s.case_not_accept(case=case, actor=world.clerk.user, reason="不属于本部门职权范围")
    notice = case.notices.get(kind=NoticeKind.NON_ACCEPTANCE)
    assert "行政复议" in notice.content["rights"]
    assert s.case_archive(case=case, actor=world.clerk.user).status == CaseStatus.ARCHIVED


def test_correction_lists_everything_once_and_stops_the_clock(world):
    case = submitted(world)
    request = s.case_request_correction(
        case=case,
        actor=world.clerk.user,
        entries=[
            {"order": 1, "note": "申请书未签字"},
            {"name": "经营场所照片", "note": "请补充门头照片"},
        ],
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CORRECTION and len(request.entries) == 2
    assert case.pre_review_clock.pauses.filter(ended_on__isnull=True).exists()
    # resubmitting needs a new file for every material named
    with pytest.raises(ValidationError, match="食品经营许可申请书"):
        s.case_resubmit(case=case, actor=world.citizen.user)
    s.case_material_upload(
        case=case, actor=world.citizen.user, order=1, file=PDF, file_name="签字.pdf"
    )
    case = s.case_resubmit(case=case, actor=world.citizen.user)
    assert case.status == CaseStatus.SUBMITTED
    assert not case.pre_review_clock.pauses.filter(ended_on__isnull=True).exists()
    # a second request for the same material is refused
    with pytest.raises(ValidationError, match="不能再次要求补正同一材料") as err:
        s.case_request_correction(
            case=case, actor=world.clerk.user, entries=[{"order": 1, "note": "x"}]
        )
    assert err.value.error_dict["entries"][0].code == "repeated_correction"


def test_an_empty_correction_request_is_refused(world):
    with pytest.raises(ValidationError, match="一次性告知"):
        s.case_request_correction(case=submitted(world), actor=world.clerk.user, entries=[])


def test_the_applicant_may_withdraw_until_accepted(world):
    case = submitted(world)
    assert s.case_withdraw(case=case, actor=world.citizen.user).status == CaseStatus.WITHDRAWN
    with pytest.raises(ValidationError) as err:
        s.case_withdraw(case=accepted(world), actor=world.citizen.user)
    assert err.value.code == "illegal_transition"


def test_staff_withdraw_for_the_applicant_only_with_the_window_s_role(world):
    case = submitted(world)
    with pytest.raises(PermissionDenied, match="撤回"):
        s.case_withdraw(case=case, actor=world.approver.user, reason="申请人要求")
    case.refresh_from_db()
    assert (
        case.status == CaseStatus.SUBMITTED
        and not case.events.filter(to_status=CaseStatus.WITHDRAWN).exists()
    )
    case = s.case_withdraw(case=case, actor=world.clerk.user, reason="申请人到窗口要求撤回")
    assert case.status == CaseStatus.WITHDRAWN


# --- review and decision --------------------------------------------------------------------


def test_review_steps_then_decision(world):
    case = accepted(world)
    with pytest.raises(ValidationError, match="审查"):
        s.case_decide(case=case, actor=world.approver.user, decision="approve")
    case = s.case_advance(case=case, actor=world.approver.user, note="材料齐全")
    with pytest.raises(ValidationError, match="决定环节"):
        s.case_advance(case=case, actor=world.approver.user)
    case = s.case_decide(case=case, actor=world.approver.user, decision="approve")
    assert case.status == CaseStatus.CONCLUDED and case.concluded_on == dt.date.today()
    assert case.legal_clock.stopped_on == dt.date.today()
    assert case.delivery_deadline == add_working_days(dt.date.today(), 10).date
    assert case.notices.filter(kind=NoticeKind.APPROVAL).exists()
    # commitment not chosen: no verification
    assert not hasattr(case, "verification") or case.verification is None


def test_refusal_needs_reason_and_basis(world):
    case = s.case_advance(case=accepted(world), actor=world.approver.user)
    with pytest.raises(ValidationError):
        s.case_decide(
            case=case, actor=world.approver.user, decision="refuse", reason="场所不符合要求"
        )
    case = s.case_decide(
        case=case,
        actor=world.approver.user,
        decision="refuse",
        reason="经营场所与有毒有害场所距离不足",
        basis="《食品经营许可和备案管理办法》第十二条",
    )
    assert "行政诉讼" in case.notices.get(kind=NoticeKind.REFUSAL).content["rights"]


def test_special_procedure_pauses_and_moves_the_deadline(world, monkeypatch):
    start = dt.date(2026, 9, 21)  # Monday
    _today(monkeypatch, start)
    case = accepted(world)
    promised = case.promised_deadline
    _today(monkeypatch, dt.date(2026, 9, 23))
    s.case_pause(
        case=case, actor=world.approver.user, kind="expert_review", reason="专家评审", limit_days=5
    )
    case.refresh_from_db()
    assert case.paused
    with pytest.raises(ValidationError, match="特别程序"):
        s.case_advance(case=case, actor=world.approver.user)
    # across the National Day holiday (10-01 – 10-07; make-up Sun 09-20, Sat 10-10)
    _today(monkeypatch, dt.date(2026, 10, 9))
    case = s.case_resume(case=case, actor=world.approver.user)
    # paused: the working days after 09-23 up to 10-09 — 24, 28, 29, 30 September and 8, 9
    # October (25 September is 中秋, 1–7 October the National Day holiday)
    assert working_days_between(dt.date(2026, 9, 23), dt.date(2026, 10, 9)).days == 6
    assert case.promised_deadline == add_working_days(start, 10 + 6).date
    assert case.promised_deadline > promised
    assert not case.paused


def test_extension_once_by_the_head(world):
    case = accepted(world)
    with pytest.raises(PermissionDenied):
        s.case_extend(case=case, actor=world.approver.user, reason="需现场核查")
    legal = case.legal_deadline
    case = s.case_extend(case=case, actor=world.head.user, reason="需现场核查")
    assert case.legal_deadline == add_working_days(legal, 10).date
    assert case.notices.filter(kind=NoticeKind.EXTENSION).exists()
    with pytest.raises(ValidationError, match="只能延长一次"):
        s.case_extend(case=case, actor=world.head.user, reason="再延")


def test_an_instant_item_concludes_at_intake(world):
    item = publish_item(
        world.dept,
        _bureau(world),
        world.clerk,
        name="食品经营许可（注销）",
        handling_kind="instant",
        promised_limit=0,
    )
    case = s.case_create(
        item=item, applicant=world.citizen, actor=world.clerk.user, form=world.form()
    )
    s.case_material_paper(case=case, actor=world.clerk.user, order=1)
    s.case_material_paper(case=case, actor=world.clerk.user, order=2)
    case = s.case_submit(case=case, actor=world.clerk.user)
    case = s.case_accept(case=case, actor=world.clerk.user)
    assert case.status == CaseStatus.CONCLUDED and case.decision == "approve"


def _bureau(world):
    from yiwang.org.models import Staff

    return Staff.objects.get(user__username="bureau")


# --- fees and delivery -------------------------------------------------------------------------


def test_no_hand_out_before_payment(world):
    item = publish_item(
        world.dept,
        _bureau(world),
        world.clerk,
        name="食品经营许可（补证）",
        has_fee=True,
        fee_standard="工本费 10 元",
        fee_basis="《收费标准》",
    )
    case = s.case_create(
        item=item, applicant=world.citizen, actor=world.citizen.user, form=world.form()
    )
    s.case_material_upload(
        case=case, actor=world.citizen.user, order=1, file=PDF, file_name="a.pdf"
    )
    s.case_material_upload(
        case=case, actor=world.citizen.user, order=2, file=PDF, file_name="b.pdf"
    )
    case = s.case_accept(
        case=s.case_submit(case=case, actor=world.citizen.user), actor=world.clerk.user
    )
    case = s.case_advance(case=case, actor=world.approver.user)
    with pytest.raises(ValidationError, match="应缴金额"):
        s.case_decide(case=case, actor=world.approver.user, decision="approve")
    case = s.case_decide(case=case, actor=world.approver.user, decision="approve", fee="10.00")
    assert case.payment.amount == Decimal("10.00")
    with pytest.raises(ValidationError, match="缴费确认前") as err:
        s.case_hand_out(case=case, actor=world.clerk.user, collected_by="张三")
    assert err.value.code == "illegal_transition"
    payment = s.case_pay(case=case, actor=world.citizen.user)
    assert payment.status == "paid" and payment.reference.startswith("DEMO")
    case = s.case_hand_out(case=case, actor=world.clerk.user, collected_by="张三")
    assert case.status == CaseStatus.DELIVERED and case.collected_by == "张三"


def test_delivery_by_ems_needs_a_tracking_number(world):
    case = concluded(
        world,
        delivery=Delivery.EMS,
        delivery_address={"recipient": "张三", "phone": "13800138000", "address": "人民路 1 号"},
    )
    with pytest.raises(ValidationError):
        s.case_deliver(case=case, actor=world.clerk.user)
    case = s.case_deliver(case=case, actor=world.clerk.user, tracking_number="1234567890123")
    assert case.status == CaseStatus.DELIVERED and case.tracking_number == "1234567890123"


def test_commitment_opens_a_verification(world):
    case = concluded(world, commitment=True)
    assert case.commitment_digest and "承诺" in case.commitment_text
    assert case.verification.status == "open"
    v = s.case_verify(case=case, actor=world.approver.user, confirmed=True, note="现场核查属实")
    assert v.status == "confirmed"


# --- the sweep ---------------------------------------------------------------------------


def test_deemed_acceptance_after_five_working_days(world, monkeypatch):
    received = dt.date(2026, 9, 28)  # Monday before National Day
    _today(monkeypatch, received)
    case = submitted(world)
    # five working days: 09-29, 09-30, 10-08, 10-09, 10-10 (make-up Saturday)
    report = s.cases_sweep(today=dt.date(2026, 10, 10))
    assert report.deemed_accepted == 0
    report = s.cases_sweep(today=dt.date(2026, 10, 11))
    case.refresh_from_db()
    assert report.deemed_accepted == 1
    assert case.status == CaseStatus.IN_REVIEW and case.deemed_accepted
    assert case.accepted_on == received  # from the day the materials were received
    assert case.events.filter(action="deemed_accept", note__contains="第三十二条").exists()


def test_a_correction_request_stops_deemed_acceptance(world, monkeypatch):
    _today(monkeypatch, dt.date(2026, 9, 28))
    case = submitted(world)
    s.case_request_correction(
        case=case, actor=world.clerk.user, entries=[{"order": 1, "note": "x"}]
    )
    assert s.cases_sweep(today=dt.date(2026, 11, 30)).deemed_accepted == 0


def test_warning_and_overdue_and_ever_overdue(world, monkeypatch):
    start = dt.date(2026, 11, 2)
    _today(monkeypatch, start)
    case = accepted(world)
    assert case.warn_on == add_working_days(start, 8).date  # 80% of 10
    report = s.cases_sweep(today=case.warn_on)
    case.refresh_from_db()
    assert report.warned == 1 and case.warning == WarningLevel.WARNING
    late = add_working_days(case.promised_deadline, 1).date
    report = s.cases_sweep(today=late)
    case.refresh_from_db()
    assert report.overdue == 1 and case.warning == WarningLevel.OVERDUE and case.ever_overdue
    assert Message.objects.filter(kind="case.overdue", recipient=world.head.user).exists()
    # concluding late keeps it counted as overdue
    _today(monkeypatch, late)
    case = s.case_advance(case=case, actor=world.approver.user)
    case = s.case_decide(case=case, actor=world.approver.user, decision="approve")
    assert case.ever_overdue
    assert s.cases_sweep(today=late).overdue == 0


def test_deferred_material_is_chased_once(world, monkeypatch):
    _today(monkeypatch, dt.date(2026, 11, 2))
    case = s.case_accept(
        case=submitted(world, all_materials=False), actor=world.clerk.user, deferred=[2]
    )
    due = case.materials.get(deferred=True).supply_due
    assert s.cases_sweep(today=due).chased == 0
    assert s.cases_sweep(today=due + dt.timedelta(days=1)).chased == 1
    assert s.cases_sweep(today=due + dt.timedelta(days=2)).chased == 0


# --- the machine ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASE.transitions))
def test_every_transition_is_refused_from_a_state_that_does_not_allow_it(world, name):
    transition = CASE.transitions[name]
    state = next(st for st in CaseStatus.values if st not in transition.sources)
    with pytest.raises(ValidationError) as err:
        CASE.check(name, state, None)
    assert err.value.code == "illegal_transition"


def test_illegal_transitions_through_the_services_are_conflicts(world):
    case = draft(world)
    for call in (
        lambda: s.case_accept(case=case, actor=world.clerk.user),
        lambda: s.case_decide(case=case, actor=world.approver.user, decision="approve"),
        lambda: s.case_hand_out(case=case, actor=world.clerk.user, collected_by="x"),
        lambda: s.case_resubmit(case=case, actor=world.citizen.user),
    ):
        with pytest.raises(ValidationError) as err:
            call()
        assert err.value.code == "illegal_transition"


# --- reads the workbench relies on ------------------------------------------------------------


def test_queue_counts_include_warning_and_overdue(world):
    from yiwang.cases import selectors

    case = accepted(world)
    Case.objects.filter(pk=case.pk).update(warning=WarningLevel.OVERDUE)
    counts = selectors.queue_counts_for(user=world.clerk.user)
    assert counts["overdue"] == 1 and counts["warning"] == 0 and counts["review"] == 1
    assert selectors.queue_counts_for(user=world.other_clerk.user)["overdue"] == 0


def test_a_comprehensive_window_clerk_keeps_seeing_the_cases_he_registered(world):
    from yiwang.cases import selectors

    case = s.case_create(
        item=world.item, applicant=world.citizen, actor=world.counter.user, form=world.form()
    )
    assert selectors.case_get_for(user=world.counter.user, pk=case.pk) == case
    online = draft(world)
    with pytest.raises(Exception, match="未找到"):
        selectors.case_get_for(user=world.counter.user, pk=online.pk)


def test_the_roles_carry_the_view_case_permission(world):
    from yiwang.org.models import User

    # a fresh instance: permissions as the database grants them, not as a cache holds them
    for staff in (world.clerk, world.approver, world.head):
        assert User.objects.get(pk=staff.user.pk).has_perm("cases.view_case")


def test_a_corrected_paper_original_at_the_window_lets_the_case_be_resubmitted(world):
    case = s.case_create(
        item=world.item, applicant=world.citizen, actor=world.clerk.user, form=world.form()
    )
    s.case_material_paper(case=case, actor=world.clerk.user, order=1)
    s.case_material_paper(case=case, actor=world.clerk.user, order=2)
    case = s.case_submit(case=case, actor=world.clerk.user)
    s.case_request_correction(
        case=case, actor=world.clerk.user, entries=[{"order": 1, "note": "缺少签字"}]
    )
    with pytest.raises(ValidationError, match="食品经营许可申请书"):
        s.case_resubmit(case=case, actor=world.clerk.user)
    s.case_material_paper(case=case, actor=world.clerk.user, order=1)
    with pytest.raises(PermissionDenied, match="代申请人"):
        s.case_resubmit(case=case, actor=world.approver.user)  # not at the window
    case = s.case_resubmit(case=case, actor=world.clerk.user)
    assert case.status == CaseStatus.SUBMITTED
    # the original first handed in is kept, superseded
    rows = case.materials.filter(order=1)
    assert rows.count() == 2 and rows.filter(current=True, paper=True).count() == 1


def test_a_superuser_sees_every_case_and_a_clerk_his_scope_and_what_he_registered(world):
    from tests import factories as f
    from yiwang.cases import selectors
    from yiwang.org.models import User

    online = draft(world)
    walk_in = s.case_create(
        item=world.item, applicant=world.citizen, actor=world.counter.user, form=world.form()
    )
    root = f.staff(world.other, ["department_admin"], username="root")
    User.objects.filter(pk=root.user_id).update(is_superuser=True)
    everyone = {online.pk, walk_in.pk}
    assert (
        set(
            selectors.cases_for(user=User.objects.get(pk=root.user_id)).values_list("pk", flat=True)
        )
        == everyone
    )
    assert set(selectors.cases_for(user=world.clerk.user).values_list("pk", flat=True)) == everyone
    # the 综合窗口 clerk of another department: the one he registered only
    assert list(selectors.cases_for(user=world.counter.user).values_list("pk", flat=True)) == [
        walk_in.pk
    ]
    assert not selectors.cases_for(user=world.other_clerk.user).exists()
