"""Sign-ins and sign-outs, successful or not, of staff and citizens, are in the audit trail —
with the reason for a failure, the client address, and never a clear mobile number."""

from __future__ import annotations

import json

import pytest

from tests import factories as f
from yiwang.audit.models import AuditEvent
from yiwang.org import services
from yiwang.org.models import ApplicantKind

PHONE = "13812345678"


@pytest.fixture
def clerk(db):
    return f.staff(f.department("县甲局"), ["window_clerk"], username="clerk")


@pytest.fixture
def citizen(db):
    return services.applicant_register(
        kind=ApplicantKind.PERSON,
        name="张三",
        phone=PHONE,
        id_number=f.id_number(),
        password=f.PASSWORD,
    )


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _after(event: AuditEvent, key: str):  # type: ignore[no-untyped-def]
    return event.changes[key]["after"]


def test_staff_sign_in_and_sign_out_are_audited(client, clerk):
    response = client.post(
        "/accounts/sign-in/",
        {"username": "clerk", "password": f.PASSWORD},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302
    [event] = _events("org.sign_in")
    assert event.actor_id == clerk.user_id
    assert event.object_id == str(clerk.user_id)
    assert _after(event, "result") == "success"
    assert _after(event, "channel") == "staff"
    assert event.client_address == "198.51.100.7"

    client.post("/accounts/sign-out/", REMOTE_ADDR="198.51.100.7")
    [out] = _events("org.sign_out")
    assert out.actor_id == clerk.user_id and _after(out, "result") == "success"


@pytest.mark.parametrize(
    ("username", "password", "reason"),
    [("nobody", f.PASSWORD, "unknown_account"), ("clerk", "wrong-password", "wrong_password")],
)
def test_failed_staff_sign_in_records_why_but_the_page_does_not_say(
    client, clerk, username, password, reason
):
    response = client.post(
        "/accounts/sign-in/", {"username": username, "password": password}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    [event] = _events("org.sign_in_failed")
    assert _after(event, "result") == "failure"
    assert _after(event, "reason") == reason
    assert _after(event, "username") == username
    assert event.client_address == "10.0.0.9"
    assert event.actor_id is None
    assert event.object_id == ("" if reason == "unknown_account" else str(clerk.user_id))


def test_locked_account_failure_is_recorded_as_locked(client, clerk, settings):
    settings.YIWANG_LOCKOUT_ATTEMPTS = 2
    for _ in range(3):
        client.post("/accounts/sign-in/", {"username": "clerk", "password": "wrong"})
    reasons = [_after(e, "reason") for e in _events("org.sign_in_failed")]
    assert reasons[0] == "wrong_password"
    assert reasons[-1] == "locked"
    assert _events("org.account_locked")


def test_citizen_sign_in_success_and_failure_never_store_the_clear_mobile(client, citizen):
    client.post("/accounts/citizen/sign-in/", {"mobile": PHONE, "password": "wrong-password"})
    client.post("/accounts/citizen/sign-in/", {"mobile": "13900000000", "password": "whatever"})
    response = client.post("/accounts/citizen/sign-in/", {"mobile": PHONE, "password": f.PASSWORD})
    assert response.status_code == 302
    client.post("/accounts/sign-out/")

    failed = _events("org.sign_in_failed")
    assert [_after(e, "reason") for e in failed] == ["wrong_password", "unknown_account"]
    assert _after(failed[0], "username") == "138****5678"
    assert all(_after(e, "channel") == "citizen" for e in failed)
    [ok] = _events("org.sign_in")
    assert ok.actor_id == citizen.user_id and _after(ok, "channel") == "citizen"
    assert _events("org.sign_out")
    everything = json.dumps(
        list(AuditEvent.objects.values("actor_label", "object_label", "changes", "reason")),
        ensure_ascii=False,
    )
    assert PHONE not in everything and "13900000000" not in everything


def test_a_mistyped_number_as_user_name_is_masked_too(client, clerk):
    client.post("/accounts/sign-in/", {"username": "1381234567", "password": "x"})
    [event] = _events("org.sign_in_failed")
    assert "1381234567" not in json.dumps(event.changes) + event.object_label


def test_admin_sign_in_is_audited(client, db):
    from yiwang.org.models import User

    User.objects.create_superuser("root", password=f.PASSWORD)
    client.post("/admin/login/", {"username": "root", "password": "nope"})
    client.post("/admin/login/", {"username": "root", "password": f.PASSWORD})
    assert [_after(e, "reason") for e in _events("org.sign_in_failed")] == ["wrong_password"]
    assert len(_events("org.sign_in")) == 1


def test_a_staff_user_name_that_is_a_phone_is_masked_as_actor(client, db):
    f.staff(f.department(), ["window_clerk"], username=PHONE)
    client.post("/accounts/sign-in/", {"username": PHONE, "password": f.PASSWORD})
    [event] = _events("org.sign_in")
    assert event.actor_label == "138****5678"
