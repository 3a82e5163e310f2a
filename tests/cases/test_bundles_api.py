"""一件事 over the API: POST /api/cases/ with {"bundle": CODE} makes the parent case, the merged
materials go to /api/cases/bundles/{id}/materials/, submission starts stage 1, the detail shows
every child and one timeline (personal data masked), the lead department's head extends the joint
limit, and a caller out of scope gets 404 everywhere."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.cases.bundle_world import FORM, BundleWorld, approve, bundle_world, open_children
from tests.common import files
from yiwang.cases import bundles as b
from yiwang.cases.models import BundleCase
from yiwang.catalog.guides.bundles import material_equivalences

__all__ = ["bundle_world"]
PDF = files.pdf(pages=1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def created(world: BundleWorld) -> tuple[APIClient, dict]:
    client = client_for(world.citizen.user)
    response = client.post(
        "/api/cases/", {"bundle": world.bundle.code, "form": FORM}, format="json"
    )
    assert response.status_code == 201, response.content
    return client, response.json()


def test_apply_upload_submit_and_read_one_detail(bundle_world):
    client, data = created(bundle_world)
    assert data["status"] == "draft" and data["bundle_name"] == "开办餐饮店一件事"
    assert data["channel"] == "mobile"
    assert data["lead_department"] == "县市场监督管理局"
    assert data["form"]["applicant_id_number"] != FORM["applicant_id_number"]  # masked
    assert "13800138000" not in str(data)
    keys = [m["key"] for m in data["materials"] if not m["exempt"]]
    assert len(keys) == 4  # six asked by the items, four to hand in
    premises = next(m for m in data["materials"] if m["name"] == "经营场所使用证明")
    assert len(premises["items"]) == 3
    for key in keys:
        r = client.post(
            f"/api/cases/bundles/{data['id']}/materials/",
            {"material": key, "file": SimpleUploadedFile("m.pdf", PDF)},
            format="multipart",
        )
        assert r.status_code == 200, r.content
    r = client.post(f"/api/cases/bundles/{data['id']}/submit/")
    assert r.status_code == 200, r.content
    detail = r.json()
    assert detail["status"] == "in_progress" and detail["stage"] == 1
    (child,) = detail["children"]
    assert child["item_name"] == "个体工商户设立登记" and child["status"] == "submitted"
    assert [s["order"] for s in detail["stages"]] == [1, 2]
    assert [e["label"] for e in detail["timeline"]][-2:] == ["提交一件事申请", "阶段开始"]


def test_the_create_body_needs_an_item_or_a_bundle(bundle_world):
    client = client_for(bundle_world.citizen.user)
    for body in ({"form": FORM}, {"item": bundle_world.food.code, "bundle": "YJS-CY"}):
        r = client.post("/api/cases/", body, format="json")
        assert r.status_code == 422
    r = client.post("/api/cases/", {"bundle": "NOPE"}, format="json")
    assert r.status_code in (400, 422) and "一件事" in r.content.decode()


def test_a_bad_form_field_is_named(bundle_world):
    client = client_for(bundle_world.citizen.user)
    r = client.post(
        "/api/cases/",
        {"bundle": bundle_world.bundle.code, "form": {**FORM, "applicant_phone": "1"}},
        format="json",
    )
    assert r.status_code in (400, 422)
    assert "form.applicant_phone" in r.content.decode()


def test_submitting_without_materials_names_them(bundle_world):
    client, data = created(bundle_world)
    r = client.post(f"/api/cases/bundles/{data['id']}/submit/")
    assert r.status_code in (400, 422)
    assert "个体工商户登记申请书" in r.content.decode()


def test_out_of_scope_is_404_and_the_lead_department_sees_it(bundle_world):
    _client, data = created(bundle_world)
    path = f"/api/cases/bundles/{data['id']}/"
    for outsider in (bundle_world.stranger.user, bundle_world.fire_clerk.user):
        assert client_for(outsider).get(path).status_code == 404
        assert client_for(outsider).post(path + "submit/").status_code == 404
    assert client_for(bundle_world.market_approver.user).get(path).status_code == 200


def test_the_lead_head_extends_the_joint_limit_once(bundle_world):
    bundle_case = b.bundle_case_create(
        bundle=bundle_world.bundle,
        applicant=bundle_world.citizen,
        actor=bundle_world.citizen.user,
        form=FORM,
    )
    table = material_equivalences()
    for name in (
        "个体工商户登记申请书",
        "经营场所使用证明",
        "食品经营许可申请书",
        "消防安全检查申请表",
    ):
        b.bundle_material_upload(
            bundle_case=bundle_case,
            actor=bundle_world.citizen.user,
            key=b.material_key(name, table),
            file=PDF,
            file_name="m.pdf",
        )
    b.bundle_case_submit(bundle_case=bundle_case, actor=bundle_world.citizen.user)
    approve(bundle_world, open_children(bundle_case)[0])
    path = f"/api/cases/bundles/{bundle_case.pk}/extend/"
    body = {"reason": "需现场核查"}
    assert (
        client_for(bundle_world.market_clerk.user).post(path, body, format="json").status_code
        == 403
    )
    head = client_for(bundle_world.market_head.user)
    r = head.post(path, body, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["extended"] is True and r.json()["joint_limit_days"] == 60
    assert head.post(path, body, format="json").status_code == 409
    assert BundleCase.objects.get().extended


def test_a_draft_is_withdrawn(bundle_world):
    client, data = created(bundle_world)
    path = f"/api/cases/bundles/{data['id']}/withdraw/"
    assert client_for(bundle_world.stranger.user).post(path).status_code == 404
    answer = client.post(path)
    assert answer.status_code == 200 and answer.json()["status"] == "withdrawn"
    assert client.post(path).status_code == 409
