"""Org API: scope isolation, masking in every response, audited reveal, token auth."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from tests import factories as f
from yiwang.audit.models import AuditEvent
from yiwang.org import services
from yiwang.org.models import ApplicantKind


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def applicant(db):
    return services.applicant_register(
        kind=ApplicantKind.PERSON,
        name="赵六",
        phone="13812345678",
        id_number=f.id_number("19850315", 42),
    )


def test_staff_api_scope_isolation(api, two_departments):
    t = two_departments
    api.force_authenticate(t.clerk_a.user)
    body = api.get("/api/org/staff/").json()
    assert [row["id"] for row in body["results"]] == [t.clerk_a.pk]
    assert api.get(f"/api/org/staff/{t.clerk_b.pk}/").status_code == 404
    assert api.get(f"/api/org/staff/{t.clerk_a.pk}/").status_code == 200
    assert api.get(f"/api/org/windows/{t.window_b.pk}/").status_code == 404
    api.force_authenticate(t.clerk_b.user)
    assert api.get(f"/api/org/staff/{t.clerk_a.pk}/").status_code == 404


def test_token_auth_for_systems(api, two_departments):
    token = services.api_token_issue(user=t_user(two_departments))
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/org/me/").json()["scope"]["kind"] == "region"
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get("/api/org/me/").status_code == 401


def t_user(t):
    return t.bureau_admin.user


def test_obtain_token_with_password(api, two_departments):
    response = api.post("/api/auth/token/", {"username": "clerk_a", "password": f.PASSWORD})
    assert response.status_code == 200 and response.json()["token"]
    # Only a digest is stored, so a token cannot be handed out twice: each request issues one.
    again = api.post("/api/auth/token/", {"username": "clerk_a", "password": f.PASSWORD})
    assert again.json()["token"] != response.json()["token"]
    assert AuditEvent.objects.filter(action="org.api_token_issue").count() == 2
    for token in (response.json()["token"], again.json()["token"]):
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api.get("/api/org/me/").json()["username"] == "clerk_a"
    api.credentials()
    assert (
        api.post("/api/auth/token/", {"username": "clerk_a", "password": "nope"}).status_code == 401
    )


def test_anonymous_cannot_list_staff(api, two_departments):
    assert api.get("/api/org/staff/").status_code in (401, 403)


def test_every_api_response_is_masked(api, two_departments, applicant):
    """Walk every list and detail endpoint as the bureau admin: no clear ID or phone appears."""
    t = two_departments
    secrets = ["13900000001", "13900000002", "13812345678", applicant.id_number.reveal()]
    api.force_authenticate(t.bureau_admin.user)
    root = api.get("/api/org/").json()
    seen = 0
    for url in root.values():
        body = api.get(url).json()
        text = json.dumps(body, ensure_ascii=False)
        for secret in secrets:
            assert secret not in text, (url, secret)
        for row in body.get("results", []):
            detail = api.get(f"{url}{row['id']}/")
            assert detail.status_code == 200
            for secret in secrets:
                assert secret not in detail.content.decode()
            seen += 1
    assert seen >= 5
    text = json.dumps(api.get(f"/api/org/applicants/{applicant.pk}/").json(), ensure_ascii=False)
    assert "138****5678" in text and "3411**********" in text
    audit_text = api.get("/api/audit/events/")
    if audit_text.status_code == 200:
        for secret in secrets:
            assert secret not in audit_text.content.decode()


def test_reveal_api_needs_reason_and_permission(api, two_departments, applicant):
    t = two_departments
    url = f"/api/org/applicants/{applicant.pk}/reveal/"
    api.force_authenticate(t.bureau_admin.user)
    assert api.post(url, {"field": "id_number", "reason": ""}).status_code == 400
    response = api.post(url, {"field": "phone", "reason": "电话回访"})
    assert response.status_code == 200 and response.json()["value"] == "13812345678"
    event = AuditEvent.objects.filter(kind="access").latest("sequence")
    assert (event.reason, event.actor) == ("电话回访", t.bureau_admin.user)

    leader = f.staff(t.bureau, ["leader"])
    api.force_authenticate(leader.user)
    count = AuditEvent.objects.filter(kind="access").count()
    assert api.post(url, {"field": "phone", "reason": "电话回访"}).status_code == 403
    assert AuditEvent.objects.filter(kind="access").count() == count


def test_applicants_hidden_from_non_serving_department_staff(api, two_departments, applicant):
    t = two_departments
    approver_only = f.staff(t.a, ["department_admin"])
    api.force_authenticate(approver_only.user)
    assert api.get(f"/api/org/applicants/{applicant.pk}/").status_code == 404


def test_staff_who_must_change_password_is_refused(api, two_departments):
    newbie = f.staff(two_departments.a, ["approver"], must_change_password=True)
    api.force_authenticate(newbie.user)
    response = api.get("/api/org/staff/")
    assert response.status_code == 403
    assert "修改初始密码" in response.json()["detail"]
