"""The case API (docs/api.md, "Cases"): every endpoint, every forbidden transition as 409, the
role as 403, scope isolation (another department's clerk and another citizen get 404 on every
case endpoint), uploads refused with nothing stored, the token by mobile number, and a
department's system account that pushes status for its own department only."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests import factories as f
from tests.cases.conftest import PASSWORD, CaseWorld, publish_item
from tests.common import files
from yiwang.cases import services as s
from yiwang.cases.fields import CaseStatus
from yiwang.cases.models import Case, CaseMaterial
from yiwang.cases.workflow import CASE
from yiwang.org import services as org
from yiwang.org.models import Staff, User, UserKind

PDF = files.pdf(pages=1)
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# A valid body for each transition endpoint (path → body): a refusal then comes from the state.
BODIES: dict[str, dict[str, Any] | None] = {
    "submit": None,
    "accept": {},
    "not-accept": {"reason": "不属于本部门职权范围"},
    "request-correction": {"entries": [{"order": 1, "note": "签字不清晰"}]},
    "resubmit": None,
    "withdraw": {},
    "advance": {},
    "decide": {"decision": "approve"},
    "pause": {"kind": "hearing", "reason": "申请人要求听证", "limit_days": 5},
    "resume": None,
    "extend": {"reason": "情况复杂"},
    "pay": None,
    "deliver": {"tracking_number": "EA123456789CN"},
    "hand-out": {"collected_by": "张三"},
    "archive": None,
}
ACTION_OF = {path: path.replace("-", "_") for path in BODIES}


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    return tmp_path / "media"


def as_(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(client: APIClient, case_id: int, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/cases/{case_id}/{path}/", body or {}, format="json")


def apply(world: CaseWorld, **extra: Any) -> dict[str, Any]:
    body = {"item": world.item.code, "form": world.form(), **extra}
    response = as_(world.citizen.user).post("/api/cases/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def upload(client: APIClient, case_id: int, order: int, data: bytes, name: str = "a.pdf") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/api/cases/{case_id}/materials/",
        {"material": order, "file": SimpleUploadedFile(name, data)},
        format="multipart",
    )


def submitted(world: CaseWorld) -> int:
    case = apply(world)
    citizen = as_(world.citizen.user)
    for order in (1, 2):
        assert upload(citizen, case["id"], order, PDF).status_code == 201
    assert post(citizen, case["id"], "submit").status_code == 200
    return case["id"]


def in_state(world: CaseWorld, state: str) -> int:
    """A case of the world's item in `state`, made through the services."""
    user = world.citizen.user
    case = s.case_create(item=world.item, applicant=world.citizen, actor=user, form=world.form())
    if state == CaseStatus.DRAFT:
        return case.pk
    if state == CaseStatus.WITHDRAWN:
        return s.case_withdraw(case=case, actor=user).pk
    for order in (1, 2):
        s.case_material_upload(case=case, actor=user, order=order, file=PDF, file_name="a.pdf")
    case = s.case_submit(case=case, actor=user)
    if state == CaseStatus.SUBMITTED:
        return case.pk
    if state == CaseStatus.CORRECTION:
        s.case_request_correction(
            case=case, actor=world.clerk.user, entries=[{"order": 1, "note": "模糊"}]
        )
        return case.pk
    if state == CaseStatus.NOT_ACCEPTED:
        return s.case_not_accept(case=case, actor=world.clerk.user, reason="不属于本部门").pk
    case = s.case_accept(case=case, actor=world.clerk.user)
    if state == CaseStatus.IN_REVIEW:
        return case.pk
    case = s.case_advance(case=case, actor=world.approver.user)
    case = s.case_decide(case=case, actor=world.approver.user, decision="approve")
    if state == CaseStatus.CONCLUDED:
        return case.pk
    case = s.case_hand_out(case=case, actor=world.clerk.user, collected_by="张三")
    if state == CaseStatus.DELIVERED:
        return case.pk
    return s.case_archive(case=case, actor=world.clerk.user).pk


def status_of(case_id: int) -> str:
    return Case.objects.get(pk=case_id).status


# --- applying ---------------------------------------------------------------------------------


def test_a_citizen_applies_over_the_api_as_the_mobile_channel(world, media):
    body = apply(
        world,
        delivery={
            "method": "ems",
            "recipient": "张三",
            "phone": "13700137000",
            "address": "示范县城关镇人民路 1 号",
        },
    )
    assert body["status"] == "draft" and body["channel"] == "mobile"
    assert body["number"] and body["id"] and body["item"] == world.item.code
    assert body["department"] == world.dept.name and body["department_id"] == world.dept.pk
    # personal data masked everywhere: the applicant, the form, the EMS phone
    assert body["applicant"]["name"] == "张三"
    assert body["applicant"]["id_number"].count("*") == 10
    assert body["applicant"]["phone"] == "138****8000"
    assert body["form"]["applicant_phone"] == "138****8000"
    assert "*" in body["form"]["applicant_id_number"]
    assert body["delivery"]["method"] == "ems" and body["delivery"]["phone"] == "137****7000"
    text = str(body)
    assert "13800138000" not in text and world.form()["applicant_id_number"] not in text
    # the 免提交 material is listed as such; transitions offered to the applicant
    exempt = [m for m in body["required_materials"] if m["exempt"]]
    assert [m["order"] for m in exempt] == [3]
    assert {t["name"] for t in body["transitions"]} == {"submit", "withdraw"}
    assert body["history"][0]["who"] and body["history"][0]["to"] == "draft"


def test_a_citizen_may_not_pick_another_channel_or_applicant(world):
    client = as_(world.citizen.user)
    base = {"item": world.item.code, "form": world.form()}
    answer = client.post("/api/cases/", {**base, "channel": "window"}, format="json")
    assert answer.status_code == 422 and "channel" in answer.json()
    answer = client.post("/api/cases/", {**base, "applicant": world.stranger.pk}, format="json")
    assert answer.status_code == 422 and "applicant" in answer.json()
    answer = client.post("/api/cases/", {**base, "item": "999999999999"}, format="json")
    assert answer.status_code == 422 and CHINESE.search(answer.json()["item"][0])
    answer = client.post("/api/cases/", {**base, "form": {"applicant_phone": "123"}}, format="json")
    assert answer.status_code == 422 and "form.applicant_phone" in answer.json()
    answer = client.post("/api/cases/", {**base, "form": "x"}, format="json")
    assert answer.status_code == 400
    assert not Case.objects.exists()


def test_staff_register_at_the_window_for_an_applicant(world):
    body = {"item": world.item.code, "form": world.form(), "applicant": world.citizen.pk}
    answer = as_(world.clerk.user).post("/api/cases/", body, format="json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["channel"] == "window"
    # 无差别受理: the 综合窗口 of another department registers this department's item
    answer = as_(world.counter.user).post(
        "/api/cases/", {**body, "channel": "kiosk"}, format="json"
    )
    assert answer.status_code == 201 and answer.json()["channel"] == "kiosk"
    # a 专窗 of another department may not
    answer = as_(world.other_clerk.user).post("/api/cases/", body, format="json")
    assert answer.status_code == 403 and CHINESE.search(answer.json()["detail"])
    # staff must name the applicant; 帮办代办 needs the consent
    answer = as_(world.clerk.user).post(
        "/api/cases/", {"item": world.item.code, "form": {}}, format="json"
    )
    assert answer.status_code == 422 and "applicant" in answer.json()
    answer = as_(world.clerk.user).post(
        "/api/cases/", {**body, "channel": "assisted"}, format="json"
    )
    assert answer.status_code == 422 and "consent" in answer.json()
    # an approver's role does not register applications
    answer = as_(world.approver.user).post("/api/cases/", body, format="json")
    assert answer.status_code == 403


def test_a_draft_is_changed_with_patch(world):
    case = apply(world, form={"applicant_name": "张三"})
    answer = as_(world.citizen.user).patch(
        f"/api/cases/{case['id']}/", {"form": {"shop_address": "人民路 2 号"}}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["form"] == {"applicant_name": "张三", "shop_address": "人民路 2 号"}
    s.case_withdraw(case=Case.objects.get(pk=case["id"]), actor=world.citizen.user)
    answer = as_(world.citizen.user).patch(
        f"/api/cases/{case['id']}/", {"form": {"shop_address": "x"}}, format="json"
    )
    assert answer.status_code == 409


# --- materials --------------------------------------------------------------------------------


def test_upload_a_material_and_download_it(world, media):
    case = apply(world)
    answer = upload(as_(world.citizen.user), case["id"], 1, PDF, "申请书.pdf")
    assert answer.status_code == 201, answer.content
    row = answer.json()
    assert row["order"] == 1 and row["name"] == "食品经营许可申请书"
    assert row["content_type"] == "application/pdf" and row["size"] == len(PDF)
    browser = Client()
    browser.force_login(world.citizen.user)
    download = browser.get(row["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    # another citizen may not download it
    browser.force_login(world.stranger.user)
    assert browser.get(row["download_url"]).status_code == 404


def _stored(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.mark.parametrize(
    "data",
    [b"<html><script>alert(1)</script></html>", b"MZ\x90\x00" + b"\x00" * 200],
    ids=["html", "exe"],
)
def test_a_file_of_the_wrong_type_by_content_is_refused_and_nothing_stored(world, media, data):
    case = apply(world)
    answer = upload(as_(world.citizen.user), case["id"], 1, data, "申请书.pdf")
    assert answer.status_code == 422, answer.content
    assert CHINESE.search(answer.json()["file"][0])
    assert not CaseMaterial.objects.exists() and _stored(media) == []


def test_a_too_large_file_is_refused_and_nothing_stored(world, media, settings):
    case = apply(world)
    settings.YIWANG_CASE_UPLOAD_MAX_BYTES = len(PDF) - 1
    answer = upload(as_(world.citizen.user), case["id"], 1, PDF)
    assert answer.status_code == 422 and "MB" in answer.json()["file"][0]
    # over the whole request's limit the gateway answers 413 before reading the body
    settings.YIWANG_CASE_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    settings.YIWANG_UPLOAD_MAX_BYTES = 1024
    answer = upload(as_(world.citizen.user), case["id"], 1, files.pdf(padding=4000))
    assert answer.status_code == 413 and CHINESE.search(answer.json()["detail"])
    assert not CaseMaterial.objects.exists() and _stored(media) == []


def test_exempt_and_unknown_materials_are_not_asked_for(world, media):
    case = apply(world)
    client = as_(world.citizen.user)
    answer = upload(client, case["id"], 3, PDF)
    assert answer.status_code == 422 and "无需提交" in answer.json()["material"][0]
    assert upload(client, case["id"], 9, PDF).status_code == 422
    answer = client.post(f"/api/cases/{case['id']}/materials/", {"material": 1}, format="json")
    assert answer.status_code == 415  # multipart only
    answer = client.post(f"/api/cases/{case['id']}/materials/", {"material": 1}, format="multipart")
    assert answer.status_code == 422 and answer.json() == {"file": ["请选择要上传的文件。"]}
    assert not CaseMaterial.objects.exists()


def test_paper_originals_are_recorded_at_the_window(world, media):
    clerk = as_(world.clerk.user)
    created = clerk.post(
        "/api/cases/",
        {"item": world.item.code, "form": world.form(), "applicant": world.citizen.pk},
        format="json",
    ).json()
    pk = created["id"]
    for order in (1, 2):
        answer = clerk.post(f"/api/cases/{pk}/materials/paper/", {"material": order}, format="json")
        assert answer.status_code == 200 and answer.json()["paper"] is True
        assert answer.json()["download_url"] is None
    answer = as_(world.citizen.user).post(
        f"/api/cases/{pk}/materials/paper/", {"material": 1}, format="json"
    )
    assert answer.status_code == 403
    answer = clerk.post(f"/api/cases/{pk}/materials/paper/", {"material": 3}, format="json")
    assert answer.status_code == 422  # 免提交
    answer = post(clerk, pk, "submit")
    assert answer.status_code == 200 and answer.json()["status"] == "submitted"
    assert answer.json()["channel"] == "window"


def test_a_commitment_is_verified_after_the_decision(world, media):
    pk = apply(world, commitment=True)["id"]
    citizen = as_(world.citizen.user)
    assert upload(citizen, pk, 1, PDF).status_code == 201
    # 告知承诺: the deferrable 经营场所使用证明 is covered by the commitment
    answer = post(citizen, pk, "submit")
    assert answer.status_code == 200 and answer.json()["commitment_signed_at"]
    assert post(as_(world.clerk.user), pk, "accept").status_code == 200
    approver = as_(world.approver.user)
    assert post(approver, pk, "verify", {"confirmed": True, "note": "x"}).status_code == 409
    post(approver, pk, "advance")
    answer = post(approver, pk, "decide", {"decision": "approve"})
    assert answer.json()["verification"]["status"] == "open"
    answer = post(as_(world.clerk.user), pk, "verify", {"confirmed": True, "note": "属实"})
    assert answer.status_code == 403
    answer = post(as_(world.head.user), pk, "verify", {"confirmed": False, "note": ""})
    assert answer.status_code == 400
    answer = post(as_(world.head.user), pk, "verify", {"confirmed": True, "note": "现场核查属实"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["verification"]["status"] == "confirmed"
    assert (
        post(as_(world.head.user), pk, "verify", {"confirmed": True, "note": "再"}).status_code
        == 409
    )


# --- the whole flow -------------------------------------------------------------------------


def test_the_whole_flow_over_the_api(world, media):
    citizen, clerk = as_(world.citizen.user), as_(world.clerk.user)
    approver, head = as_(world.approver.user), as_(world.head.user)
    case = apply(world)
    pk = case["id"]
    assert upload(citizen, pk, 1, PDF).status_code == 201
    answer = post(citizen, pk, "submit")
    assert answer.status_code == 200 and answer.json()["status"] == "submitted"
    assert {t["name"] for t in answer.json()["transitions"]} == {"withdraw"}
    answer = post(
        clerk,
        pk,
        "request-correction",
        {"entries": [{"order": 1, "note": "签字不清晰"}, {"name": "联系电话", "note": "补充"}]},
    )
    assert answer.status_code == 200 and answer.json()["status"] == "correction"
    assert answer.json()["corrections"][0]["entries"][0]["name"] == "食品经营许可申请书"
    assert [n["kind"] for n in answer.json()["notices"]] == ["correction"]
    # the same material cannot be asked for twice — but first the applicant resubmits
    assert post(citizen, pk, "resubmit").status_code == 422  # not re-uploaded yet
    assert upload(citizen, pk, 1, PDF).status_code == 201
    assert post(citizen, pk, "resubmit").json()["status"] == "submitted"
    answer = post(clerk, pk, "accept", {"deferred": [2], "note": "容缺受理"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "in_review" and body["accepted_on"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", body["legal_deadline"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", body["promised_deadline"])
    assert body["calendar_warning"] is None or CHINESE.search(body["calendar_warning"])
    assert body["step"] == "审查" and body["paused_working_days"] == 0
    assert any(m["deferred"] for m in body["materials"])
    assert post(approver, pk, "advance", {"note": "材料齐全"}).json()["step"] == "决定"
    answer = post(approver, pk, "pause", BODIES["pause"])
    assert answer.status_code == 200 and answer.json()["paused"] is True
    assert answer.json()["special_procedures"][0]["kind"] == "hearing"
    assert post(approver, pk, "decide", {"decision": "approve"}).status_code == 409  # paused
    assert post(approver, pk, "resume").json()["paused"] is False
    answer = post(head, pk, "extend", {"reason": "需要现场核查"})
    assert answer.status_code == 200 and answer.json()["extended"] is True
    assert answer.json()["legal_deadline"] > body["legal_deadline"]
    assert post(head, pk, "extend", {"reason": "再延"}).status_code == 409  # once only
    answer = post(
        approver,
        pk,
        "decide",
        {"decision": "refuse", "reason": "场所不符合要求", "basis": "《食品安全法》第三十五条"},
    )
    assert answer.status_code == 200 and answer.json()["status"] == "concluded"
    assert answer.json()["decision"] == "refuse"
    assert post(clerk, pk, "hand-out", {"collected_by": "张三"}).json()["status"] == "delivered"
    answer = post(clerk, pk, "archive")
    assert answer.status_code == 200 and answer.json()["status"] == "archived"
    history = answer.json()["history"]
    assert [h["to"] for h in history if h["action"] == "accept"] == ["in_review"]
    assert all({"who", "when", "from", "to", "note"} <= set(h) for h in history)
    assert history[-1]["from"] == "delivered" and history[-1]["to"] == "archived"
    # every notice has a working download
    browser = Client()
    browser.force_login(world.citizen.user)
    kinds = {n["kind"]: n["download_url"] for n in answer.json()["notices"]}
    assert {"correction", "acceptance", "refusal", "special_procedure", "extension"} <= set(kinds)
    assert browser.get(kinds["refusal"]).status_code == 200


def test_not_accept_withdraw_and_ems_delivery(world, media):
    clerk = as_(world.clerk.user)
    pk = submitted(world)
    answer = post(clerk, pk, "not-accept", {"reason": ""})
    assert answer.status_code == 400
    answer = post(clerk, pk, "not-accept", {"reason": "不属于本部门职权范围"})
    assert answer.status_code == 200 and answer.json()["status"] == "not_accepted"
    assert answer.json()["not_accepted_reason"] == "不属于本部门职权范围"
    draft = apply(world)
    answer = post(as_(world.citizen.user), draft["id"], "withdraw", {"reason": "不办了"})
    assert answer.status_code == 200 and answer.json()["status"] == "withdrawn"
    ems = apply(
        world,
        delivery={"method": "ems", "recipient": "张三", "phone": "13700137000", "address": "x 路"},
    )
    case = Case.objects.get(pk=ems["id"])
    for order in (1, 2):
        s.case_material_upload(
            case=case, actor=world.citizen.user, order=order, file=PDF, file_name="a.pdf"
        )
    case = s.case_accept(
        case=s.case_submit(case=case, actor=world.citizen.user), actor=world.clerk.user
    )
    case = s.case_decide(
        case=s.case_advance(case=case, actor=world.approver.user),
        actor=world.approver.user,
        decision="approve",
    )
    assert post(clerk, case.pk, "deliver", {"tracking_number": ""}).status_code == 422
    answer = post(clerk, case.pk, "deliver", {"tracking_number": "EA123456789CN"})
    assert answer.status_code == 200 and answer.json()["status"] == "delivered"
    assert answer.json()["delivery"]["tracking_number"] == "EA123456789CN"


def test_no_hand_out_before_payment(world, media):
    bureau = Staff.objects.get(user__username="bureau")
    item = publish_item(
        world.dept,
        bureau,
        world.clerk,
        name="食品经营许可（补证）",
        has_fee=True,
        fee_standard="工本费 10 元",
        fee_basis="《收费标准》",
    )
    case = s.case_create(
        item=item, applicant=world.citizen, actor=world.citizen.user, form=world.form()
    )
    for order in (1, 2):
        s.case_material_upload(
            case=case, actor=world.citizen.user, order=order, file=PDF, file_name="a.pdf"
        )
    case = s.case_accept(
        case=s.case_submit(case=case, actor=world.citizen.user), actor=world.clerk.user
    )
    case = s.case_advance(case=case, actor=world.approver.user)
    approver, clerk = as_(world.approver.user), as_(world.clerk.user)
    answer = post(approver, case.pk, "decide", {"decision": "approve"})
    assert answer.status_code == 422 and "fee" in answer.json()
    answer = post(approver, case.pk, "decide", {"decision": "approve", "fee": 10.5})
    assert answer.status_code == 200 and answer.json()["payment"]["status"] == "pending"
    assert answer.json()["payment"]["amount"] == "10.50"
    answer = post(clerk, case.pk, "hand-out", {"collected_by": "张三"})
    assert answer.status_code == 409 and "缴费" in answer.json()["detail"]
    answer = post(as_(world.citizen.user), case.pk, "pay")
    assert answer.status_code == 200 and answer.json()["payment_status"] == "paid"
    assert post(as_(world.citizen.user), case.pk, "pay").status_code == 409
    assert post(clerk, case.pk, "hand-out", {"collected_by": "张三"}).status_code == 200


# --- forbidden transitions: 409; roles: 403 ---------------------------------------------------

STATES = [
    CaseStatus.DRAFT,
    CaseStatus.SUBMITTED,
    CaseStatus.CORRECTION,
    CaseStatus.NOT_ACCEPTED,
    CaseStatus.IN_REVIEW,
    CaseStatus.CONCLUDED,
    CaseStatus.DELIVERED,
    CaseStatus.ARCHIVED,
    CaseStatus.WITHDRAWN,
]


@pytest.mark.parametrize("state", STATES)
def test_every_transition_the_state_does_not_allow_is_409(world, media, state):
    # one member of the department holding every case permission: only the state refuses
    everyone = f.staff(world.dept, ["window_clerk", "approver", "department_admin"])
    client = as_(everyone.user)
    pk = in_state(world, state)
    forbidden = [p for p in BODIES if state not in CASE.sources_of(ACTION_OF[p])]
    assert forbidden
    for path in forbidden:
        answer = post(client, pk, path, BODIES[path])
        assert answer.status_code == 409, (state, path, answer.content)
        assert CHINESE.search(answer.json()["detail"]), answer.json()
        assert status_of(pk) == state


def test_a_role_without_the_permission_is_403_even_when_the_state_forbids_too(world, media):
    pk = submitted(world)
    cases = [
        (world.citizen.user, "accept"),
        (world.citizen.user, "not-accept"),
        (world.approver.user, "accept"),
        (world.approver.user, "request-correction"),
        (world.clerk.user, "decide"),
        (world.clerk.user, "advance"),
        (world.clerk.user, "extend"),
        (world.approver.user, "extend"),
        (world.clerk.user, "pause"),
        (world.citizen.user, "archive"),
        (world.citizen.user, "hand-out"),
    ]
    for user, path in cases:
        answer = post(as_(user), pk, path, BODIES[path])
        assert answer.status_code == 403, (user, path, answer.content)
        assert CHINESE.search(answer.json()["detail"])
    assert status_of(pk) == CaseStatus.SUBMITTED
    # staff who have not yet set their own password reach no case
    fresh = f.staff(world.dept, ["window_clerk"], username="fresh", must_change_password=True)
    answer = as_(fresh.user).get(f"/api/cases/{pk}/")
    assert answer.status_code == 403 and "修改初始密码" in answer.json()["detail"]


# --- scope isolation ---------------------------------------------------------------------------


def _every_endpoint(pk: int) -> list[tuple[str, str, Any]]:
    return [
        ("get", f"/api/cases/{pk}/", None),
        ("patch", f"/api/cases/{pk}/", {"form": {"shop_address": "x"}}),
        ("post", f"/api/cases/{pk}/materials/", "upload"),
        ("post", f"/api/cases/{pk}/materials/paper/", {"material": 1}),
        ("post", f"/api/cases/{pk}/verify/", {"confirmed": True, "note": "属实"}),
        *[("post", f"/api/cases/{pk}/{path}/", body or {}) for path, body in BODIES.items()],
    ]


@pytest.mark.parametrize("who", ["other_clerk", "counter", "stranger"])
@pytest.mark.parametrize("state", [CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.IN_REVIEW])
def test_out_of_scope_is_404_on_every_case_endpoint(world, media, who, state):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pk = in_state(world, state)
    user = world.stranger.user if who == "stranger" else getattr(world, who).user
    client = as_(user)
    before = list(Case.objects.filter(pk=pk).values())
    events = Case.objects.get(pk=pk).events.count()
    for method, url, body in _every_endpoint(pk):
        if body == "upload":
            answer = client.post(
                url, {"material": 1, "file": SimpleUploadedFile("a.pdf", PDF)}, format="multipart"
            )
        elif method == "get":
            answer = client.get(url)
        else:
            answer = getattr(client, method)(url, body, format="json")
        assert answer.status_code == 404, (who, url, answer.content)
        assert answer.json() == {"detail": "未找到该办件。"}
        # a malformed body does not tell either
        if method != "get" and body != "upload":
            assert getattr(client, method)(url, {"x": [1]}, format="json").status_code == 404
    assert list(Case.objects.filter(pk=pk).values()) == before
    assert Case.objects.get(pk=pk).events.count() == events
    assert pk not in [row["id"] for row in client.get("/api/cases/").json()["results"]]


# --- lists ------------------------------------------------------------------------------------


def test_list_filters_and_pagination(world, media):
    draft = in_state(world, CaseStatus.DRAFT)
    accepted = in_state(world, CaseStatus.IN_REVIEW)
    Case.objects.filter(pk=accepted).update(ever_overdue=True)
    clerk = as_(world.clerk.user)

    def ids(query: str, client: APIClient = clerk) -> set[int]:
        answer = client.get(f"/api/cases/{query}")
        assert answer.status_code == 200, answer.content
        return {row["id"] for row in answer.json()["results"]}

    assert ids("") == {draft, accepted}
    assert ids("?status=in_review") == {accepted}
    assert ids("?overdue=true") == {accepted} and ids("?overdue=false") == {draft}
    assert ids(f"?department={world.dept.pk}") == {draft, accepted}
    assert ids(f"?department={world.other.pk}") == set()
    assert ids("?channel=online") == {draft, accepted} and ids("?channel=mobile") == set()
    assert ids(f"?item={world.item.code}") == {draft, accepted} and ids("?item=x") == set()
    assert ids("", as_(world.stranger.user)) == set()
    assert ids("", as_(world.citizen.user)) == {draft, accepted}
    page = clerk.get("/api/cases/?limit=1").json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]
    row = page["results"][0]
    assert {"id", "number", "status", "item", "department", "applicant", "channel"} <= set(row)
    for bad in ("?status=nope", "?overdue=1", "?department=0", "?channel=", "?limit=0"):
        answer = clerk.get(f"/api/cases/{bad}")
        assert answer.status_code == 400, bad
        assert all(CHINESE.search(m[0]) for m in answer.json().values()), answer.json()
    assert APIClient().get("/api/cases/").status_code == 401


# --- the token by mobile number -------------------------------------------------------------


def _token(username: str, password: str = PASSWORD) -> Any:
    return APIClient().post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


def test_a_citizen_gets_a_token_with_his_mobile_number_and_applies(world, media):
    answer = _token("138 0013 8000")
    assert answer.status_code == 200, answer.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    created = client.post(
        "/api/cases/", {"item": world.item.code, "form": world.form()}, format="json"
    )
    assert created.status_code == 201 and created.json()["channel"] == "mobile"
    assert created.json()["applicant"]["id"] == world.citizen.pk
    me = client.get("/api/org/me/").json()
    assert me["kind"] == "citizen"


def test_a_failed_mobile_token_request_tells_nothing(world):
    wrong = _token("13800138000", "wrong-password-1")
    unknown = _token("13600136000")
    staff_wrong = _token("clerk", "wrong-password-1")
    assert wrong.status_code == unknown.status_code == staff_wrong.status_code == 401
    assert wrong.json() == unknown.json() == staff_wrong.json()
    # the staff sign-in does not take a citizen's mobile number as a user name the other way
    assert _token("张三").status_code == 401


def test_mobile_token_requests_are_rate_limited(world, settings):
    settings.YIWANG_RATE_LIMIT_SIGN_IN_PER_ACCOUNT = 2
    settings.YIWANG_RATE_LIMIT_SIGN_IN_PER_ADDRESS = 100
    for _ in range(2):
        assert _token("13800138000", "wrong-password-1").status_code == 401
    answer = _token("13800138000")
    assert answer.status_code == 429 and CHINESE.search(answer.json()["detail"])
    assert answer.headers.get("Retry-After")


# --- a department's own approval system ------------------------------------------------------


@pytest.fixture
def push_client(world) -> APIClient:
    """The 市场监管局's approval system: a 对接系统 account of that department, signed in for
    a token the way the system would."""
    system = org.staff_create(
        username="scjg_approval_system",
        full_name="市场监管审批系统",
        department=world.dept,
        roles=["window_clerk", "approver"],
        password=PASSWORD,
        must_change_password=False,
        kind=UserKind.SYSTEM,
    )
    assert system.user.kind == UserKind.SYSTEM
    answer = _token("scjg_approval_system")
    assert answer.status_code == 200, answer.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    return client


def test_a_department_system_pushes_status_for_its_own_cases(world, media, push_client):
    pk = in_state(world, CaseStatus.SUBMITTED)
    assert push_client.get(f"/api/cases/{pk}/").status_code == 200
    for path, body in (("accept", {}), ("advance", {}), ("decide", {"decision": "approve"})):
        answer = post(push_client, pk, path, body)
        assert answer.status_code == 200, (path, answer.content)
    answer = post(push_client, pk, "hand-out", {"collected_by": "张三"})
    assert answer.json()["status"] == "delivered"
    history = answer.json()["history"]
    assert "市场监管审批系统" in {h["who"] for h in history}
    # it applies for no one
    answer = push_client.post(
        "/api/cases/",
        {"item": world.item.code, "form": {}, "applicant": world.citizen.pk},
        format="json",
    )
    assert answer.status_code == 403


def test_a_department_system_cannot_touch_another_departments_cases(world, media, push_client):
    bureau = Staff.objects.get(user__username="bureau")
    other_clerk = f.staff(world.other, ["window_clerk"], username="other_compiler")
    other_item = publish_item(world.other, bureau, other_clerk, name="户口迁移")
    case = s.case_create(
        item=other_item, applicant=world.citizen, actor=world.citizen.user, form=world.form()
    )
    for order in (1, 2):
        s.case_material_upload(
            case=case, actor=world.citizen.user, order=order, file=PDF, file_name="a.pdf"
        )
    case = s.case_submit(case=case, actor=world.citizen.user)
    for method, url, body in _every_endpoint(case.pk):
        if body == "upload":
            answer = push_client.post(url, {"material": 1}, format="multipart")
        elif method == "get":
            answer = push_client.get(url)
        else:
            answer = getattr(push_client, method)(url, body, format="json")
        assert answer.status_code == 404, (url, answer.content)
    assert status_of(case.pk) == CaseStatus.SUBMITTED
    own = in_state(world, CaseStatus.DRAFT)
    rows = push_client.get("/api/cases/").json()["results"]
    assert [r["id"] for r in rows] == [own]
    assert push_client.get(f"/api/cases/?department={world.other.pk}").json()["count"] == 0


# --- the calendar's warning -------------------------------------------------------------------


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


def _accepted_long_case(world: CaseWorld) -> int:
    bureau = Staff.objects.get(user__username="bureau")
    # more working days than a year has: the legal deadline falls in next year
    item = publish_item(
        world.dept, bureau, world.clerk, name="食品生产许可", legal_limit=260, promised_limit=20
    )
    user = world.citizen.user
    case = s.case_create(item=item, applicant=world.citizen, actor=user, form=world.form())
    for order in (1, 2):
        s.case_material_upload(case=case, actor=user, order=order, file=PDF, file_name="a.pdf")
    case = s.case_submit(case=case, actor=user)
    return s.case_accept(case=case, actor=world.clerk.user).pk


def test_the_case_carries_the_calendars_warning_for_an_unconfirmed_year(
    world, media, next_year_unconfirmed
):
    pk = _accepted_long_case(world)
    body = as_(world.citizen.user).get(f"/api/cases/{pk}/").json()
    assert body["legal_deadline"].startswith(str(next_year_unconfirmed))
    assert str(next_year_unconfirmed) in body["calendar_warning"]


@pytest.fixture
def years_confirmed():
    """This year's and next year's holiday tables confirmed (the cached calendar forgotten
    before and after; the rows go back with the test's transaction)."""
    from yiwang.workdays.models import CalendarYear
    from yiwang.workdays.selectors import clear_work_calendar_cache

    for year in (dt.date.today().year, dt.date.today().year + 1):
        CalendarYear.objects.update_or_create(year=year, defaults={"confirmed": True})
    clear_work_calendar_cache()
    yield
    clear_work_calendar_cache()


def test_no_calendar_warning_when_the_years_are_confirmed(world, media, years_confirmed):
    from yiwang.workdays.selectors import unconfirmed_years

    assert unconfirmed_years(dt.date.today()) == []
    pk = _accepted_long_case(world)
    assert as_(world.citizen.user).get(f"/api/cases/{pk}/").json()["calendar_warning"] is None
