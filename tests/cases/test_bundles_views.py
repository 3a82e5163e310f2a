"""The portal's 一件事 pages: the guide's 在线申请 leads to the one application form; a draft is
kept; a bad field is named at 400 with nothing submitted; another citizen's bundle is 404; staff
are sent to the workbench; 我的办件 lists the bundle."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.cases.bundle_world import FORM, BundleWorld, bundle_world
from yiwang.cases import bundles as b
from yiwang.cases.models import BundleCase, Case

__all__ = ["bundle_world"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def signed_in(applicant) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(applicant.user)
    return client


def apply_path(world: BundleWorld) -> str:
    return f"/my/cases/bundles/apply/{world.bundle.code}/"


def test_the_guide_button_leads_to_the_bundle_application(bundle_world, client):
    page = client.get(f"/guide/bundle/{bundle_world.bundle.code}/")
    assert apply_path(bundle_world) in page.content.decode()
    answer = client.get(apply_path(bundle_world))
    assert answer.status_code == 302 and "/accounts/citizen/sign-in/" in answer["Location"]


def test_save_a_draft_and_come_back(bundle_world):
    client = signed_in(bundle_world.citizen)
    body = {f"form_{k}": v for k, v in FORM.items() if k != "floor_area"}
    answer = client.post(apply_path(bundle_world), {**body, "action": "save"})
    assert answer.status_code == 302
    draft = BundleCase.objects.get()
    assert draft.status == "draft" and draft.form_data["shop_address"] == FORM["shop_address"]
    page = client.get(apply_path(bundle_world)).content.decode()
    assert FORM["shop_address"] in page  # the draft's values
    assert FORM["applicant_id_number"] not in page  # personal values only masked
    client.post(apply_path(bundle_world), {"form_floor_area": "80", "action": "save"})
    assert BundleCase.objects.count() == 1
    assert BundleCase.objects.get().form_data["floor_area"] == "80"


def test_a_bad_field_or_missing_materials_are_named(bundle_world):
    client = signed_in(bundle_world.citizen)
    answer = client.post(
        apply_path(bundle_world), {"form_applicant_phone": "12", "action": "submit"}
    )
    assert answer.status_code == 400
    assert "联系电话" in answer.content.decode()
    body = {f"form_{k}": v for k, v in FORM.items()}
    answer = client.post(apply_path(bundle_world), {**body, "action": "submit"})
    assert answer.status_code == 400
    assert "请先提交：个体工商户登记申请书" in answer.content.decode()
    assert not Case.objects.exists()


def test_another_citizens_bundle_is_404_and_staff_go_to_the_workbench(bundle_world):
    bundle_case = b.bundle_case_create(
        bundle=bundle_world.bundle,
        applicant=bundle_world.citizen,
        actor=bundle_world.citizen.user,
        form=FORM,
    )
    path = f"/my/cases/bundles/{bundle_case.pk}/"
    assert signed_in(bundle_world.citizen).get(path).status_code == 200
    assert signed_in(bundle_world.stranger).get(path).status_code == 404
    staff = Client()
    staff.force_login(bundle_world.market_clerk.user)
    assert staff.get(path).status_code == 302
    listing = signed_in(bundle_world.citizen).get("/my/cases/").content.decode()
    assert "开办餐饮店一件事" in listing and bundle_case.number in listing
    assert (
        "开办餐饮店一件事"
        not in signed_in(bundle_world.stranger).get("/my/cases/").content.decode()
    )


def test_an_unknown_bundle_is_404(bundle_world):
    assert signed_in(bundle_world.citizen).get("/my/cases/bundles/apply/NOPE/").status_code == 404
