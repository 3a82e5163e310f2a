"""The case workbench pages: queues in the caller's scope (another department's clerk sees
none of them, and its case page is 404), the case page (personal data masked, previews, the
actions the caller may fire), actions refused by permission (403) or by the state because
someone acted first (409, shown politely), 窗口收件 at a 综合窗口 and at a 专窗, bulk actions
with per-case failures, and the counts on the workbench home."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cases.conftest import ID_NUMBER, CaseWorld
from tests.common import files
from yiwang.cases import services as s
from yiwang.cases.fields import CaseStatus, Delivery
from yiwang.cases.models import Case, CorrectionRequest

PDF = files.pdf(pages=1)
PNG = files.png()


@pytest.fixture(autouse=True)
def _calendar_confirmed(monkeypatch):
    # The home page's calendar warning is not what these tests look at.
    monkeypatch.setattr("yiwang.workbench.views.calendar_unconfirmed_years", lambda today: [])


def submitted(world: CaseWorld, *, image: bool = False, **extra) -> Case:
    citizen = world.citizen.user
    case = s.case_create(
        item=world.item,
        applicant=world.citizen,
        actor=citizen,
        form=world.form(),
        delivery=extra.pop("delivery", Delivery.PICKUP),
        **extra,
    )
    s.case_material_upload(case=case, actor=citizen, order=1, file=PDF, file_name="申请书.pdf")
    s.case_material_upload(
        case=case,
        actor=citizen,
        order=2,
        file=PNG if image else PDF,
        file_name="证明.png" if image else "证明.pdf",
    )
    return s.case_submit(case=case, actor=citizen)


def accepted(world: CaseWorld, **extra) -> Case:
    return s.case_accept(case=submitted(world, **extra), actor=world.clerk.user)


def concluded(world: CaseWorld, **extra) -> Case:
    case = s.case_advance(case=accepted(world, **extra), actor=world.approver.user)
    return s.case_decide(case=case, actor=world.approver.user, decision="approve")


def detail_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def act_url(case: Case, action: str) -> str:
    return reverse("cases:act", args=[case.pk, action])


# --- queues and scope -------------------------------------------------------------------------


def test_the_departments_clerk_sees_the_case_in_his_queue(client, world):
    case = submitted(world)
    client.force_login(world.clerk.user)
    html = client.get(reverse("cases:queue", args=["intake"])).content.decode()
    assert case.number in html and detail_url(case) in html
    index = client.get(reverse("cases:index")).content.decode()
    assert 'data-queue="intake"' in index and reverse("cases:queue", args=["intake"]) in index


def test_another_departments_clerk_sees_none_of_it(client, world):
    case = submitted(world)
    client.force_login(world.other_clerk.user)
    for queue in ("intake", "review", "warning", "overdue", "hand_out", "correction", "unpaid"):
        html = client.get(reverse("cases:queue", args=[queue])).content.decode()
        assert case.number not in html
        assert 'data-testid="queue-empty"' in html
    assert client.get(detail_url(case)).status_code == 404
    response = client.post(act_url(case, "accept"), {"seen_status": "submitted"})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    # nor by its number
    response = client.get(reverse("cases:index"), {"number": case.number})
    assert response.status_code == 200 and "未找到" in response.content.decode()


def test_a_case_is_found_by_its_number(client, world):
    case = submitted(world)
    client.force_login(world.clerk.user)
    response = client.get(reverse("cases:index"), {"number": case.number})
    assert response.status_code == 302 and response["Location"] == detail_url(case)


def test_an_unknown_queue_is_404_and_citizens_have_no_workbench(client, world):
    client.force_login(world.clerk.user)
    assert client.get(reverse("cases:queue", args=["nothing"])).status_code == 404
    case = submitted(world)
    client.force_login(world.citizen.user)
    assert client.get(detail_url(case)).status_code == 403
    assert client.get(reverse("cases:index")).status_code == 403


# --- the case page -------------------------------------------------------------------------


def test_the_case_page_masks_personal_data_and_previews_images(client, world):
    case = submitted(world, image=True)
    client.force_login(world.clerk.user)
    html = client.get(detail_url(case)).content.decode()
    # the applicant's and the form's ID number and phone only masked
    assert ID_NUMBER not in html and "13800138000" not in html
    assert f"{ID_NUMBER[:4]}**********{ID_NUMBER[-4:]}" in html
    assert "138****8000" in html
    # the image inline, through the download URL; the PDF as a link
    png = case.materials.get(order=2, current=True)
    pdf = case.materials.get(order=1, current=True)
    png_url = reverse("cases-files:material", args=[case.pk, png.pk])
    assert f'<img src="{png_url}"' in html
    assert reverse("cases-files:material", args=[case.pk, pdf.pk]) in html
    assert "免提交" in html  # 营业执照 is not asked for
    # the clerk's actions now: accept, correction, not accept — not the approver's
    for action in ("accept", "request_correction", "not_accept"):
        assert f'data-action="{action}"' in html
    for action in ("decide", "advance", "extend"):
        assert f'data-action="{action}"' not in html
    # the reveal goes through the audited applicant page
    assert reverse("org:applicant-detail", args=[case.applicant.pk]) in html


def test_the_approver_sees_the_review_step_then_the_decision(client, world):
    case = accepted(world)
    client.force_login(world.approver.user)
    html = client.get(detail_url(case)).content.decode()
    assert 'data-action="advance"' in html and 'data-action="decide"' not in html
    assert 'data-action="pause"' in html and 'data-action="extend"' not in html
    assert client.post(act_url(case, "advance"), {"advance-note": "材料齐全"}).status_code == 302
    html = client.get(detail_url(case)).content.decode()
    assert 'data-action="decide"' in html and 'data-action="advance"' not in html
    # the clocks: accepted today, deadlines, nothing paused
    assert case.promised_deadline.isoformat() in html
    assert case.legal_deadline.isoformat() in html


def test_accept_from_the_page_with_a_deferred_material(client, world):
    citizen = world.citizen.user
    case = s.case_create(item=world.item, applicant=world.citizen, actor=citizen, form=world.form())
    s.case_material_upload(case=case, actor=citizen, order=1, file=PDF, file_name="a.pdf")
    case = s.case_submit(case=case, actor=citizen)
    client.force_login(world.clerk.user)
    html = client.get(detail_url(case)).content.decode()
    assert "经营场所使用证明" in html and 'name="accept-deferred"' in html
    # without the 容缺 choice the service refuses, naming the material; nothing changes
    response = client.post(act_url(case, "accept"), {"seen_status": "submitted"})
    assert response.status_code == 400
    assert "经营场所使用证明" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    response = client.post(
        act_url(case, "accept"), {"seen_status": "submitted", "accept-deferred": ["2"]}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    assert case.materials.get(order=2, current=True).deferred


def test_a_correction_lists_materials_and_free_points_at_once(client, world):
    case = submitted(world)
    client.force_login(world.clerk.user)
    response = client.post(
        act_url(case, "request_correction"),
        {
            "seen_status": "submitted",
            "request_correction-m_1": "on",
            "request_correction-n_1": "缺少申请人签字",
            "request_correction-x_name_1": "经营场所照片",
            "request_correction-x_note_1": "请补充门头照片",
        },
    )
    assert response.status_code == 302
    request = CorrectionRequest.objects.get(case=case)
    assert request.entries == [
        {"order": 1, "name": "食品经营许可申请书", "note": "缺少申请人签字"},
        {"order": None, "name": "经营场所照片", "note": "请补充门头照片"},
    ]
    case.refresh_from_db()
    assert case.status == CaseStatus.CORRECTION
    html = client.get(detail_url(case)).content.decode()
    assert "缺少申请人签字" in html and "补正告知书" in html


def test_a_correction_with_nothing_listed_is_refused_on_the_form(client, world):
    case = submitted(world)
    client.force_login(world.clerk.user)
    response = client.post(act_url(case, "request_correction"), {"seen_status": "submitted"})
    assert response.status_code == 400
    assert "一次性告知" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_a_refusal_needs_its_reason_and_legal_basis(client, world):
    case = s.case_advance(case=accepted(world), actor=world.approver.user)
    client.force_login(world.approver.user)
    response = client.post(act_url(case, "decide"), {"decide-decision": "refuse"})
    assert response.status_code == 400
    assert "不予许可的理由" in response.content.decode()
    response = client.post(
        act_url(case, "decide"),
        {
            "decide-decision": "refuse",
            "decide-reason": "经营场所不符合要求",
            "decide-basis": "《食品经营许可管理办法》第十一条",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CONCLUDED and case.decision == "refuse"


def test_actions_are_refused_by_permission(client, world):
    case = accepted(world)
    # a clerk cannot decide or do a review step
    client.force_login(world.clerk.user)
    for action, data in (("advance", {}), ("extend", {"extend-reason": "情况复杂"})):
        response = client.post(act_url(case, action), data)
        assert response.status_code == 403, action
        assert "您的角色不能" in response.content.decode()
    # an approver cannot extend: only the head approves an extension
    client.force_login(world.approver.user)
    response = client.post(act_url(case, "extend"), {"extend-reason": "情况复杂"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.step == 0 and not case.extended
    client.force_login(world.head.user)
    assert client.post(act_url(case, "extend"), {"extend-reason": "情况复杂"}).status_code == 302
    case.refresh_from_db()
    assert case.extended


def test_someone_else_acting_first_is_409_with_the_fresh_page(client, world):
    case = submitted(world)
    client.force_login(world.clerk.user)
    client.get(detail_url(case))
    # another clerk of the department accepts the case in the meantime
    s.case_accept(case=case, actor=world.clerk.user)
    response = client.post(
        act_url(case, "not_accept"), {"seen_status": "submitted", "not_accept-reason": "不符合"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "其他工作人员已先处理了该办件" in html and "审查中" in html
    assert 'data-testid="conflict"' in html
    # the fresh page: the actions of the new state
    assert 'data-action="not_accept"' not in html
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW


def test_an_unknown_action_is_404(client, world):
    case = submitted(world)
    client.force_login(world.clerk.user)
    assert client.post(act_url(case, "submit")).status_code == 404
    assert client.get(act_url(case, "accept")).status_code == 405


def test_a_special_procedure_pauses_and_shows_on_the_page(client, world):
    case = accepted(world)
    client.force_login(world.approver.user)
    response = client.post(
        act_url(case, "pause"),
        {"pause-kind": "expert_review", "pause-reason": "需专家现场评审", "pause-limit_days": "10"},
    )
    assert response.status_code == 302
    html = client.get(detail_url(case)).content.decode()
    assert 'data-testid="procedure"' in html and "需专家现场评审" in html
    assert 'data-action="resume"' in html and 'data-action="advance"' not in html
    assert client.post(act_url(case, "resume")).status_code == 302
    case.refresh_from_db()
    assert not case.paused


def test_hand_out_then_archive(client, world):
    case = concluded(world)
    client.force_login(world.clerk.user)
    html = client.get(detail_url(case)).content.decode()
    assert 'data-action="hand_out"' in html and 'data-action="deliver"' not in html
    response = client.post(act_url(case, "hand_out"), {"hand_out-collected_by": ""})
    assert response.status_code == 400
    assert (
        client.post(act_url(case, "hand_out"), {"hand_out-collected_by": "张三"}).status_code == 302
    )
    assert client.post(act_url(case, "archive")).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ARCHIVED and case.collected_by == "张三"


# --- bulk actions ----------------------------------------------------------------------------


def test_bulk_archive_reports_each_case_that_failed(client, world):
    done = [concluded(world) for _ in range(2)]
    for case in done:
        s.case_hand_out(case=case, actor=world.clerk.user, collected_by="张三")
    open_case = submitted(world)
    client.force_login(world.clerk.user)
    html = client.get(reverse("cases:queue", args=["archive"])).content.decode()
    assert all(c.number in html for c in done) and 'data-testid="bulk-actions"' in html
    response = client.post(
        reverse("cases:bulk"),
        {"action": "archive", "queue": "archive", "cases": [*(c.pk for c in done), open_case.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "归档完成 2 件" in html
    assert f"{open_case.number}：办件当前为“待受理”，不能归档。" in html
    assert {Case.objects.get(pk=c.pk).status for c in done} == {CaseStatus.ARCHIVED}
    assert Case.objects.get(pk=open_case.pk).status == CaseStatus.SUBMITTED


def test_bulk_actions_skip_cases_out_of_scope(client, world):
    case = concluded(world)
    s.case_hand_out(case=case, actor=world.clerk.user, collected_by="张三")
    client.force_login(world.other_clerk.user)
    response = client.post(
        reverse("cases:bulk"), {"action": "archive", "cases": [case.pk]}, follow=True
    )
    assert "未找到该办件" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DELIVERED


def test_bulk_hand_out_records_the_collector(client, world):
    cases = [concluded(world) for _ in range(2)]
    client.force_login(world.clerk.user)
    response = client.post(
        reverse("cases:bulk"),
        {"action": "hand_out", "queue": "hand_out", "cases": [c.pk for c in cases]},
        follow=True,
    )
    assert "请登记领取人姓名" in response.content.decode()
    client.post(
        reverse("cases:bulk"),
        {
            "action": "hand_out",
            "queue": "hand_out",
            "collected_by": "代办人王五",
            "cases": [c.pk for c in cases],
        },
    )
    assert {Case.objects.get(pk=c.pk).collected_by for c in cases} == {"代办人王五"}


# --- 窗口收件 -----------------------------------------------------------------------------


def test_a_comprehensive_window_registers_and_accepts_another_departments_item(client, world):
    client.force_login(world.counter.user)
    intake = reverse("cases:intake")
    html = client.post(
        intake, {"step": "find", "kind": "person", "id_number": ID_NUMBER}
    ).content.decode()
    assert 'data-testid="intake-applicant"' in html and ID_NUMBER not in html
    assert str(world.item) in html  # 无差别受理: another department's item is offered
    response = client.post(
        intake,
        {
            "step": "start",
            "applicant": world.citizen.pk,
            "item": world.item.pk,
            "channel": "window",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.department == world.dept and case.window == world.counter.window
    # prefilled from the applicant: the personal fields are kept but shown masked
    page = client.get(response["Location"]).content.decode()
    assert ID_NUMBER not in page and "13800138000" not in page
    response = client.post(
        response["Location"],
        {
            "form_applicant_name": "张三",
            "form_applicant_id_number": "",
            "form_applicant_phone": "",
            "form_shop_address": "示范县城关镇人民路 1 号",
            "delivery": "pickup",
            "paper_1": "on",
            "paper_2": "on",
            "submit": "1",
        },
    )
    assert response.status_code == 302 and response["Location"] == detail_url(case)
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW and case.visits == 1
    assert case.form_data["applicant_id_number"] == ID_NUMBER
    assert set(case.materials.filter(paper=True).values_list("order", flat=True)) == {1, 2}
    # the counter keeps the case he registered in view; the department's approver sees it too
    assert client.get(detail_url(case)).status_code == 200
    client.force_login(world.approver.user)
    assert case.number in client.get(reverse("cases:queue", args=["review"])).content.decode()


def test_a_dedicated_window_offers_only_its_departments_items(client, world):
    client.force_login(world.other_clerk.user)
    html = client.post(
        reverse("cases:intake"), {"step": "find", "kind": "person", "id_number": ID_NUMBER}
    ).content.decode()
    assert str(world.item) not in html
    response = client.post(
        reverse("cases:intake"),
        {"step": "start", "applicant": world.citizen.pk, "item": world.item.pk},
    )
    assert response.status_code == 400 and not Case.objects.exists()


def test_a_walk_in_not_yet_registered_is_registered_at_the_window(client, world):
    from tests import factories

    client.force_login(world.clerk.user)
    number = factories.id_number("19770707")
    html = client.post(
        reverse("cases:intake"), {"step": "find", "kind": "person", "id_number": number}
    ).content.decode()
    assert 'data-testid="intake-register"' in html
    html = client.post(
        reverse("cases:intake"),
        {
            "step": "register",
            "kind": "person",
            "name": "王五",
            "phone": "13700137000",
            "id_number": number,
        },
    ).content.decode()
    assert 'data-testid="intake-start"' in html and "王五" in html


def test_assisted_intake_needs_the_consent(client, world):
    client.force_login(world.clerk.user)
    response = client.post(
        reverse("cases:intake"),
        {
            "step": "start",
            "applicant": world.citizen.pk,
            "item": world.item.pk,
            "channel": "assisted",
        },
    )
    assert response.status_code == 400 and "授权" in response.content.decode()
    response = client.post(
        reverse("cases:intake"),
        {
            "step": "start",
            "applicant": world.citizen.pk,
            "item": world.item.pk,
            "channel": "assisted",
            "consent": "申请人当面授权代办",
        },
    )
    assert response.status_code == 302
    assert Case.objects.get().assisted_by == world.clerk.user


def test_incomplete_intake_stays_a_draft_with_the_errors(client, world):
    client.force_login(world.clerk.user)
    client.post(
        reverse("cases:intake"),
        {
            "step": "start",
            "applicant": world.citizen.pk,
            "item": world.item.pk,
            "channel": "window",
        },
    )
    case = Case.objects.get()
    url = reverse("cases:intake-case", args=[case.pk])
    response = client.post(
        url,
        {
            "form_applicant_name": "张三",
            "form_shop_address": "",
            "delivery": "pickup",
            "submit": "1",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "经营场所" in html
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    # a scan is uploaded and checked by content
    bad = client.post(
        url,
        {
            "form_applicant_name": "张三",
            "form_shop_address": "人民路 1 号",
            "delivery": "pickup",
            "scan_1": _upload("a.pdf", b"not a pdf at all"),
        },
    )
    assert bad.status_code == 400 and not case.materials.exclude(file="").exists()


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_intake_is_for_clerks_only(client, world):
    client.force_login(world.approver.user)
    assert client.get(reverse("cases:intake")).status_code == 403


# --- the workbench home and navigation -------------------------------------------------------


def test_the_home_page_counts_the_queues_of_each_role(client, world):
    waiting = [submitted(world) for _ in range(2)]
    accepted(world)
    client.force_login(world.clerk.user)
    html = client.get("/workbench/").content.decode()
    assert "办件待受理" in html and "2 件待处理" in html
    assert reverse("cases:queue", args=["intake"]) in html
    assert all(detail_url(c) in html for c in waiting)
    assert "办件待审批" not in html  # the clerk does not review
    client.force_login(world.approver.user)
    html = client.get("/workbench/").content.decode()
    assert "办件待审批" in html and "办件待受理" not in html
    # another department's clerk has nothing waiting
    client.force_login(world.other_clerk.user)
    html = client.get("/workbench/").content.decode()
    assert "办件待受理" not in html and "暂无待办事项" in html


def test_the_navigation_has_the_case_section(client, world):
    client.force_login(world.clerk.user)
    html = client.get(reverse("cases:index")).content.decode()
    assert 'id="nav-cases"' in html and reverse("cases:intake") in html
    client.force_login(world.approver.user)
    html = client.get(reverse("cases:index")).content.decode()
    assert reverse("cases:intake") not in html
    assert reverse("cases:queue", args=["review"]) in html


# --- fees, EMS, 告知承诺, 即办件, enterprises -----------------------------------------------


def _bureau():
    from yiwang.org.models import Staff

    return Staff.objects.get(user__username="bureau")


def _walk_in(client, world, item) -> Case:
    """A clerk registers a walk-in for `item` with both paper originals and submits it."""
    client.force_login(world.clerk.user)
    client.post(
        reverse("cases:intake"),
        {"step": "start", "applicant": world.citizen.pk, "item": item.pk, "channel": "window"},
    )
    case = Case.objects.get(item=item)
    response = client.post(
        reverse("cases:intake-case", args=[case.pk]),
        {
            "form_applicant_name": "张三",
            "form_shop_address": "人民路 1 号",
            "delivery": "pickup",
            "paper_1": "on",
            "paper_2": "on",
            "submit": "1",
        },
        follow=True,
    )
    assert response.status_code == 200
    case.refresh_from_db()
    return case


def test_a_fee_is_asked_at_the_decision_and_confirmed_before_hand_out(client, world):
    from tests.cases.conftest import publish_item

    item = publish_item(
        world.dept,
        _bureau(),
        world.clerk,
        name="食品经营许可（补证）",
        has_fee=True,
        fee_standard="工本费 10 元",
        fee_basis="《收费标准》",
    )
    case = s.case_advance(case=_walk_in(client, world, item), actor=world.approver.user)
    client.force_login(world.approver.user)
    html = client.get(detail_url(case)).content.decode()
    assert 'name="decide-fee"' in html and "工本费 10 元" in html
    response = client.post(act_url(case, "decide"), {"decide-decision": "approve"})
    assert response.status_code == 400 and "请填写应缴金额" in response.content.decode()
    response = client.post(
        act_url(case, "decide"), {"decide-decision": "approve", "decide-fee": "10.00"}
    )
    assert response.status_code == 302
    client.force_login(world.clerk.user)
    html = client.get(reverse("cases:queue", args=["unpaid"])).content.decode()
    assert case.number in html
    html = client.get(detail_url(case)).content.decode()
    assert 'data-action="pay"' in html
    # before the payment the hand-out is refused: a state conflict, answered 409
    response = client.post(act_url(case, "hand_out"), {"hand_out-collected_by": "张三"})
    assert response.status_code == 409 and "缴费确认前不能出件" in response.content.decode()
    assert client.post(act_url(case, "pay")).status_code == 302
    assert (
        client.post(act_url(case, "hand_out"), {"hand_out-collected_by": "张三"}).status_code == 302
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.DELIVERED and case.payment_status == "paid"


def test_ems_delivery_needs_the_tracking_number(client, world):
    case = concluded(
        world,
        delivery=Delivery.EMS,
        delivery_address={"recipient": "张三", "phone": "13800138000", "address": "人民路 1 号"},
    )
    client.force_login(world.clerk.user)
    html = client.get(detail_url(case)).content.decode()
    assert 'data-action="deliver"' in html and 'data-action="hand_out"' not in html
    assert "13800138000" not in html
    response = client.post(act_url(case, "deliver"), {"deliver-tracking_number": ""})
    assert response.status_code == 400 and "邮件号" in response.content.decode()
    response = client.post(act_url(case, "deliver"), {"deliver-tracking_number": "EA123456789CN"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.DELIVERED and case.tracking_number == "EA123456789CN"


def test_a_commitment_is_verified_from_the_case_page(client, world):
    case = s.case_advance(case=accepted(world, commitment=True), actor=world.approver.user)
    case = s.case_decide(case=case, actor=world.approver.user, decision="approve")
    client.force_login(world.clerk.user)
    assert 'data-action="verify"' not in client.get(detail_url(case)).content.decode()
    client.force_login(world.approver.user)
    html = client.get(detail_url(case)).content.decode()
    assert 'data-action="verify"' in html and "待核查" in html
    response = client.post(
        act_url(case, "verify"), {"verify-confirmed": "1", "verify-note": "现场核查属实"}
    )
    assert response.status_code == 302
    case.verification.refresh_from_db()
    assert case.verification.status == "confirmed"
    assert 'data-action="verify"' not in client.get(detail_url(case)).content.decode()


def test_an_instant_item_concludes_at_the_window(client, world):
    from tests.cases.conftest import publish_item

    item = publish_item(
        world.dept,
        _bureau(),
        world.clerk,
        name="食品经营许可（注销）",
        handling_kind="instant",
        promised_limit=0,
    )
    case = _walk_in(client, world, item)
    assert case.status == CaseStatus.CONCLUDED and case.decision == "approve"
    html = client.get(detail_url(case)).content.decode()
    assert "准予许可决定书" in html


def test_an_enterprise_is_found_by_its_credit_code(client, world):
    from tests import factories
    from yiwang.org import services as org

    code = factories.uscc()
    company = org.applicant_register(
        kind="legal_person",
        name="示范县某某餐饮有限公司",
        phone="13600136000",
        uscc=code,
        legal_representative="赵六",
        legal_representative_id_number=factories.id_number("19800808"),
    )
    client.force_login(world.clerk.user)
    html = client.post(
        reverse("cases:intake"), {"step": "find", "kind": "legal_person", "uscc": code.lower()}
    ).content.decode()
    assert 'data-testid="intake-applicant"' in html and company.name in html


@pytest.fixture
def next_year_unconfirmed():
    """Next year's holiday table not yet confirmed (restored, and the cached calendar
    forgotten, afterwards)."""
    from django.utils import timezone

    from yiwang.workdays.models import CalendarYear
    from yiwang.workdays.selectors import clear_work_calendar_cache

    year = timezone.localdate().year + 1
    before = list(CalendarYear.objects.filter(year=year).values_list("pk", "confirmed"))
    CalendarYear.objects.filter(year=year).update(confirmed=False)
    clear_work_calendar_cache()
    yield year
    for pk, confirmed in before:
        CalendarYear.objects.filter(pk=pk).update(confirmed=confirmed)
    clear_work_calendar_cache()


def test_the_clock_carries_the_calendars_warning_for_an_unconfirmed_year(
    client, world, next_year_unconfirmed
):
    from tests.cases.conftest import publish_item

    # more working days than a year has: the legal deadline falls in next year
    item = publish_item(
        world.dept, _bureau(), world.clerk, name="食品生产许可", legal_limit=260, promised_limit=20
    )
    case = _walk_in(client, world, item)
    assert case.legal_deadline.year == next_year_unconfirmed
    html = client.get(detail_url(case)).content.decode()
    assert 'data-testid="calendar-warning"' in html
    assert str(next_year_unconfirmed) in html.split('data-testid="calendar-warning"')[1]


def test_the_item_choice_is_narrowed_by_what_the_clerk_types(client, world):
    client.force_login(world.counter.user)
    url = reverse("cases:intake-items")
    html = client.get(url, {"q": "食品"}, headers={"HX-Request": "true"}).content.decode()
    assert str(world.item) in html and 'name="item"' in html and "<html" not in html
    html = client.get(url, {"q": world.item.code[:6]}).content.decode()
    assert str(world.item) in html
    html = client.get(url, {"q": "户口"}).content.decode()
    assert str(world.item) not in html and 'data-testid="no-items"' in html
    # a 专窗 of another department finds none of the 市场监管局's items
    client.force_login(world.other_clerk.user)
    assert str(world.item) not in client.get(url, {"q": "食品"}).content.decode()


def test_a_window_draft_links_back_to_its_intake(client, world):
    client.force_login(world.clerk.user)
    client.post(
        reverse("cases:intake"),
        {
            "step": "start",
            "applicant": world.citizen.pk,
            "item": world.item.pk,
            "channel": "window",
        },
    )
    case = Case.objects.get()
    intake_url = reverse("cases:intake-case", args=[case.pk])
    assert intake_url in client.get(detail_url(case)).content.decode()
    assert intake_url in client.get(reverse("cases:index")).content.decode()
    # once submitted, the intake page sends the clerk to the case page
    s.case_material_paper(case=case, actor=world.clerk.user, order=1)
    s.case_material_paper(case=case, actor=world.clerk.user, order=2)
    s.case_update(case=case, actor=world.clerk.user, form={"shop_address": "人民路 1 号"})
    s.case_submit(case=case, actor=world.clerk.user)
    response = client.get(intake_url)
    assert response.status_code == 302 and response["Location"] == detail_url(case)


def test_the_window_records_the_corrected_materials_and_resubmits(client, world):
    case = submitted(world)
    s.case_request_correction(
        case=case,
        actor=world.clerk.user,
        entries=[{"order": 1, "note": "缺少签字"}, {"order": 2, "note": "证明过期"}],
    )
    client.force_login(world.approver.user)
    assert 'data-action="resubmit"' not in client.get(detail_url(case)).content.decode()
    assert client.post(act_url(case, "resubmit")).status_code == 403
    client.force_login(world.clerk.user)
    html = client.get(detail_url(case)).content.decode()
    assert 'data-action="resubmit"' in html and 'name="resubmit-paper_1"' in html
    # only one of the two: refused, naming the other
    response = client.post(act_url(case, "resubmit"), {"resubmit-paper_1": "on"})
    assert response.status_code == 400 and "经营场所使用证明" in response.content.decode()
    response = client.post(
        act_url(case, "resubmit"),
        {"resubmit-paper_1": "on", "resubmit-scan_2": _upload("证明.pdf", PDF)},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert case.materials.get(order=2, current=True).file_name == "证明.pdf"
