"""The rating API: a citizen's app rates his concluded case (201, then 409 for a second one;
another's case is 404); the window rating device, authenticated per window by its
"rating-device" API key, rates only its own window's visits and cases; no key, a revoked key and
an Open311 key are refused."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from rest_framework.test import APIClient

from tests.evaluations.test_ratings import visit
from yiwang.evaluations import tokens
from yiwang.evaluations.fields import Channel, Subject
from yiwang.evaluations.models import Rating
from yiwang.org import services as org
from yiwang.org.models import ApiKey


def app(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def device(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=secret)
    return client


@pytest.fixture
def device_key(world) -> str:
    _key, secret = org.api_key_create(
        name="7 号窗口评价器", scope="rating-device", window=world.clerk.window
    )
    return secret


# --- the app ----------------------------------------------------------------------------------


def test_the_app_rates_a_concluded_case_once(world, case):
    client = app(world.citizen.user)
    body = {"case": case.pk, "level": 5, "scores": {"convenience": 4}, "comment": "方便"}
    answer = client.post("/api/evaluations/ratings/", body, format="json")
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["channel"] == "app" and data["level"] == 5 and data["case_number"] == case.number
    assert data["scores"] == {"overall": 5, "convenience": 4}
    second = client.post("/api/evaluations/ratings/", {"case": case.pk, "level": 1}, format="json")
    assert second.status_code == 409
    assert "一次一评" in second.json()["detail"]
    mine = client.get("/api/evaluations/ratings/").json()
    assert [r["id"] for r in mine] == [data["id"]]


def test_the_app_cannot_rate_anothers_case(world, case):
    answer = app(world.stranger.user).post(
        "/api/evaluations/ratings/", {"case": case.pk, "level": 1}, format="json"
    )
    assert answer.status_code == 404
    assert not Rating.objects.exists()


def test_the_app_answers_bad_bodies_in_chinese(world, case):
    client = app(world.citizen.user)
    answer = client.post("/api/evaluations/ratings/", {"case": case.pk, "level": 9}, format="json")
    assert answer.status_code == 400 and "level" in answer.json()
    answer = client.post(
        "/api/evaluations/ratings/",
        {"case": case.pk, "level": 3, "scores": {"attitude": 3}},
        format="json",
    )
    assert answer.status_code == 422 and "scores" in answer.json()


def test_staff_are_not_the_app(world, case):
    answer = app(world.clerk.user).post(
        "/api/evaluations/ratings/", {"case": case.pk, "level": 5}, format="json"
    )
    assert answer.status_code == 403


# --- the window's rating device -----------------------------------------------------------------


def test_the_device_offers_the_last_served_visit_and_rates_it(world, device_key, monkeypatch):
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now)  # the same second: the same token
    served = visit(world)
    client = device(device_key)
    state = client.get("/api/evaluations/device/").json()
    assert state["window"]["id"] == world.clerk.window.pk
    assert state["pending"]["id"] == served.pk
    assert state["pending_qr"].endswith(f"/rate/{tokens.visit_token(served.pk)}/")
    answer = client.post(
        "/api/evaluations/device/",
        {"visit": served.pk, "level": 2, "scores": {"attitude": 1}},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    rating = Rating.objects.get(visit=served)
    assert rating.channel == Channel.DEVICE and rating.subject == Subject.VISIT
    assert client.get("/api/evaluations/device/").json()["pending"] is None
    again = client.post("/api/evaluations/device/", {"visit": served.pk, "level": 5}, format="json")
    assert again.status_code == 409


def test_the_device_cannot_rate_another_windows_visit(world, device_key):
    elsewhere = visit(world, window=world.other_clerk.window)
    answer = device(device_key).post(
        "/api/evaluations/device/", {"visit": elsewhere.pk, "level": 1}, format="json"
    )
    assert answer.status_code == 404
    assert not Rating.objects.exists()


def test_the_device_rates_a_case_accepted_at_its_window(world, case, device_key):
    client = device(device_key)
    answer = client.post(
        "/api/evaluations/device/", {"case_number": case.number, "level": 5}, format="json"
    )
    assert answer.status_code == 404  # applied online: not this window's
    case.window = world.clerk.window
    case.save(update_fields=["window"])
    answer = client.post(
        "/api/evaluations/device/", {"case_number": case.number, "level": 5}, format="json"
    )
    assert answer.status_code == 201
    assert Rating.objects.get(case=case).window == world.clerk.window


def test_the_device_rates_its_window(world, device_key):
    answer = device(device_key).post("/api/evaluations/device/", {"level": 4}, format="json")
    assert answer.status_code == 201
    assert Rating.objects.get().subject == Subject.WINDOW


def test_the_device_needs_its_key(world, device_key):
    assert APIClient().get("/api/evaluations/device/").status_code in (401, 403)
    assert device("not-a-key").get("/api/evaluations/device/").status_code in (401, 403)
    _key, open311 = org.api_key_create(name="Open311 客户端", scope="open311")
    assert device(open311).post(
        "/api/evaluations/device/", {"level": 1}, format="json"
    ).status_code in (401, 403)
    key = ApiKey.objects.get(scope="rating-device")
    org.api_key_revoke(key=key)
    answer = device(device_key).post("/api/evaluations/device/", {"level": 1}, format="json")
    assert answer.status_code in (401, 403)
    assert not Rating.objects.exists()


def test_a_signed_in_citizen_is_not_a_device(world):
    assert app(world.citizen.user).get("/api/evaluations/device/").status_code in (401, 403)


def test_the_schema_describes_the_endpoints(client, db):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/evaluations/ratings/" in paths and "/api/evaluations/device/" in paths
