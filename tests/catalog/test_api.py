"""Catalogue API: public reads of published items and bundles; the scoped staff lifecycle."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from yiwang.catalog import services

from .conftest import claim_ready, publish


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def published(world):
    item = claim_ready(world)
    publish(world, item.versions.get())
    item.refresh_from_db()
    return item


def test_public_list_and_detail(api, world, published):
    draft_only = services.item_claim(
        base=world.base,
        department=world.other,
        region=world.other.region,
        actor=world.reviewer.user,
    )
    body = api.get("/api/catalog/items/").json()
    codes = [row["code"] for row in body["results"]]
    assert codes == [published.code]  # drafts are not public
    assert draft_only.code not in codes
    detail = api.get(f"/api/catalog/items/{published.code}/").json()
    assert detail["version"]["promised_limit"] == 10
    assert [m["name"] for m in detail["version"]["materials"]] == ["食品经营许可申请书", "营业执照"]
    assert api.get(f"/api/catalog/items/{draft_only.code}/").status_code == 404


def test_public_filters(api, published):
    assert api.get("/api/catalog/items/", {"item_type": "licensing"}).json()["count"] == 1
    assert api.get("/api/catalog/items/", {"item_type": "filing"}).json()["count"] == 0
    assert api.get("/api/catalog/items/", {"max_visits": 0}).json()["count"] == 0
    assert api.get("/api/catalog/items/", {"name": "食品"}).json()["count"] == 1
    assert api.get("/api/catalog/items/", {"item_type": "nonsense"}).status_code == 400


def test_staff_lifecycle_over_the_api(api, world, published):
    api.force_authenticate(world.clerk.user)
    version = api.post(
        f"/api/catalog/manage/items/{published.pk}/revise/",
        {"reason": "压缩承诺时限"},
        format="json",
    ).json()
    assert version["number"] == 2 and version["status"] == "draft"
    response = api.patch(
        f"/api/catalog/manage/versions/{version['id']}/", {"promised_limit": 30}, format="json"
    )
    assert response.status_code == 422
    assert "承诺时限不能超过法定时限" in str(response.json())
    response = api.patch(
        f"/api/catalog/manage/versions/{version['id']}/",
        {
            "promised_limit": 5,
            "materials": [{"name": "食品经营许可申请书"}],
            "reason": "压缩承诺时限",
        },
        format="json",
    )
    assert response.status_code == 200
    assert [m["name"] for m in response.json()["materials"]] == ["食品经营许可申请书"]
    assert api.post(f"/api/catalog/manage/versions/{version['id']}/submit/").status_code == 200
    # The clerk cannot approve.
    assert api.post(f"/api/catalog/manage/versions/{version['id']}/approve/").status_code == 403
    api.force_authenticate(world.reviewer.user)
    response = api.post(
        f"/api/catalog/manage/versions/{version['id']}/return/", {"comment": ""}, format="json"
    )
    assert response.status_code == 400
    assert api.post(f"/api/catalog/manage/versions/{version['id']}/approve/").status_code == 200
    assert (
        api.post(f"/api/catalog/manage/versions/{version['id']}/publish/").json()["status"]
        == "published"
    )
    assert api.get(f"/api/catalog/items/{published.code}/").json()["promised_limit"] == 5


def test_staff_scope_is_enforced(api, world, published):
    api.force_authenticate(world.other_clerk.user)
    assert api.get("/api/catalog/manage/items/").json()["count"] == 0
    assert api.get(f"/api/catalog/manage/items/{published.pk}/").status_code == 404
    version_id = published.published_version_id
    assert api.get(f"/api/catalog/manage/versions/{version_id}/").status_code == 404
    assert (
        api.post(
            f"/api/catalog/manage/items/{published.pk}/suspend/", {"reason": "x"}, format="json"
        ).status_code
        == 404
    )


def test_claim_over_the_api(api, world):
    api.force_authenticate(world.clerk.user)
    response = api.post(
        "/api/catalog/manage/items/claim/",
        {"base_code": "nope", "department": world.dept.pk},
        format="json",
    )
    assert response.status_code == 404 and "基本目录" in str(response.json())
    response = api.post(
        "/api/catalog/manage/items/claim/",
        {"base_code": world.base.code, "department": world.other.pk},
        format="json",
    )
    assert response.status_code == 404 and "数据范围" in str(response.json())
    response = api.post(
        "/api/catalog/manage/items/claim/",
        {"base_code": world.base.code, "department": world.dept.pk},
        format="json",
    )
    assert response.status_code == 201 and response.json()["status"] == "claimed"
    response = api.post(
        "/api/catalog/manage/items/claim/",
        {"base_code": world.base.code, "department": world.dept.pk},
        format="json",
    )
    assert response.status_code == 409 and "已认领" in str(response.json())


def test_anonymous_cannot_manage(api, published):
    assert api.get("/api/catalog/manage/items/").status_code == 401


def test_bundles_api(api, world, published):
    services.bundle_create(
        code="YJS900",
        name="测试一件事",
        lead_department=world.bureau,
        stages=[[published]],
        actor=world.reviewer.user,
    )
    assert api.get("/api/catalog/bundles/").json()["count"] == 0  # not yet published
    from yiwang.catalog.models import Bundle

    services.bundle_publish(bundle=Bundle.objects.get(code="YJS900"), actor=world.reviewer.user)
    body = api.get("/api/catalog/bundles/YJS900/").json()
    assert body["stages"][0]["items"][0]["code"] == published.code
    assert api.get("/api/catalog/bundles/NOPE/").status_code == 404


def test_an_empty_revision_is_refused_over_the_api(api, world, published):
    """422 with the Chinese reason (a business rule, see docs/api.md); the version stays a
    draft and out of the review queue."""
    api.force_authenticate(world.clerk.user)
    version = api.post(
        f"/api/catalog/manage/items/{published.pk}/revise/", {"reason": "复核"}, format="json"
    ).json()
    response = api.post(f"/api/catalog/manage/versions/{version['id']}/submit/")
    assert response.status_code == 422
    assert "v2 与 v1 相比没有任何变化，不能提交审核" in str(response.json())
    assert api.get(f"/api/catalog/manage/versions/{version['id']}/").json()["status"] == "draft"


# --- The implementation-list elements (issue 7 §3) --------------------------------------------


def test_list_elements_over_the_api_and_the_derived_flags(api, world, published):
    detail = api.get(f"/api/catalog/items/{published.code}/").json()
    assert detail["service_scope"] == "county" and detail["cross_province"] is False
    version = detail["version"]
    assert (version["cross_province"], version["in_province"]) == (False, False)
    assert version["intermediaries"] == [] and version["result_sample_url"] is None
    assert version["result_name"] == published.base.name  # the claim default
    assert version["exercise_level"] == "county"

    api.force_authenticate(world.clerk.user)
    draft = api.post(
        f"/api/catalog/manage/items/{published.pk}/revise/", {"reason": "跨省通办"}, format="json"
    ).json()
    response = api.patch(
        f"/api/catalog/manage/versions/{draft['id']}/",
        {
            "service_scope": "national",
            "service_objects": ["natural_person"],
            "delivery_methods": ["mail", "electronic"],
            "online_depth": 4,
            "visits": 0,
            "intermediaries": [{"name": "房屋安全鉴定", "charged": True, "fee_basis": "按面积"}],
            "reason": "全国通办",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["fully_online"] is True  # 四级 = 全程网办 (aligned)
    assert (body["cross_province"], body["in_province"]) == (True, True)
    assert body["intermediaries"] == [
        {
            "order": 1,
            "name": "房屋安全鉴定",
            "required": True,
            "charged": True,
            "fee_basis": "按面积",
        }
    ]
    # the former flags are read-only: a client sending one changes nothing
    api.patch(
        f"/api/catalog/manage/versions/{draft['id']}/",
        {"cross_province": False, "reason": "x"},
        format="json",
    )
    assert api.get(f"/api/catalog/manage/versions/{draft['id']}/").json()["cross_province"]
    for step in ("submit",):
        api.post(f"/api/catalog/manage/versions/{draft['id']}/{step}/", format="json")
    api.force_authenticate(world.reviewer.user)
    for step in ("approve", "publish"):
        assert (
            api.post(f"/api/catalog/manage/versions/{draft['id']}/{step}/", {}, format="json")
        ).status_code == 200
    api.force_authenticate(None)
    assert api.get("/api/catalog/items/", {"cross_province": "true"}).json()["count"] == 1
    assert api.get("/api/catalog/items/", {"cross_province": "false"}).json()["count"] == 0
    assert api.get("/api/catalog/items/", {"service_scope": "national"}).json()["count"] == 1
    assert api.get("/api/catalog/items/", {"service_scope": "county"}).json()["count"] == 0
    assert api.get("/api/catalog/items/", {"service_scope": "nowhere"}).status_code == 400


def test_an_unknown_service_object_is_a_schema_error(api, world, published):
    api.force_authenticate(world.clerk.user)
    draft = api.post(
        f"/api/catalog/manage/items/{published.pk}/revise/", {"reason": "x"}, format="json"
    ).json()
    response = api.patch(
        f"/api/catalog/manage/versions/{draft['id']}/",
        {"service_objects": ["alien"]},
        format="json",
    )
    assert response.status_code == 400 and "service_objects" in str(response.json())
