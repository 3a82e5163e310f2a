"""Sign-in rules: lockout, forced password change, idle sessions, citizen sign-in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from yiwang.audit.models import AuditEvent
from yiwang.org import services
from yiwang.org.auth import CITIZEN_SIGN_IN_FAILED, STAFF_SIGN_IN_FAILED
from yiwang.org.models import ApplicantKind, User

SIGN_IN = "/accounts/sign-in/"


@pytest.fixture
def clerk(db):
    return f.staff(f.department("县测试局"), ["window_clerk"], username="clerk")


def _try(client, password: str, username: str = "clerk"):
    return client.post(SIGN_IN, {"username": username, "password": password})


def test_staff_sign_in_lands_on_workbench(client, clerk):
    response = _try(client, f.PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("workbench:home")


def test_five_failures_lock_the_account_for_thirty_minutes(client, clerk):
    for attempt in range(1, 5):
        response = _try(client, "wrong-password")
        assert STAFF_SIGN_IN_FAILED in response.content.decode()
        clerk.user.refresh_from_db()
        assert clerk.user.failed_sign_in_count == attempt
        assert clerk.user.locked_until is None
    response = _try(client, "wrong-password")
    assert STAFF_SIGN_IN_FAILED in response.content.decode()
    clerk.user.refresh_from_db()
    remaining = clerk.user.locked_until - timezone.now()
    assert dt.timedelta(minutes=29) < remaining <= dt.timedelta(minutes=30)
    assert AuditEvent.objects.filter(
        action="org.account_locked", object_id=str(clerk.user.pk)
    ).exists()
    # Even the right password is refused while locked.
    response = _try(client, f.PASSWORD)
    assert response.status_code == 200
    assert STAFF_SIGN_IN_FAILED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lock_expires(client, clerk):
    for _ in range(5):
        _try(client, "wrong-password")
    User.objects.filter(pk=clerk.user.pk).update(
        locked_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert _try(client, f.PASSWORD).status_code == 302


def test_success_resets_the_counter(client, clerk):
    for _ in range(4):
        _try(client, "wrong-password")
    assert _try(client, f.PASSWORD).status_code == 302
    clerk.user.refresh_from_db()
    assert clerk.user.failed_sign_in_count == 0


def test_lockout_numbers_are_settings(client, clerk, settings):
    settings.YIWANG_LOCKOUT_ATTEMPTS = 2
    settings.YIWANG_LOCKOUT_MINUTES = 5
    _try(client, "x")
    _try(client, "x")
    clerk.user.refresh_from_db()
    assert clerk.user.locked_until is not None
    assert clerk.user.locked_until - timezone.now() <= dt.timedelta(minutes=5)


def test_lockout_also_guards_the_api_token_endpoint(client, clerk):
    for _ in range(5):
        client.post("/api/auth/token/", {"username": "clerk", "password": "nope"})
    response = client.post("/api/auth/token/", {"username": "clerk", "password": f.PASSWORD})
    assert response.status_code == 401
    clerk.user.refresh_from_db()
    assert clerk.user.locked_until is not None


def test_first_sign_in_forces_password_change(client, db):
    staff = f.staff(
        f.department("县首登局"), ["approver"], username="newbie", must_change_password=True
    )
    assert _try(client, f.PASSWORD, "newbie").status_code == 302
    response = client.get(reverse("workbench:home"))
    assert response.status_code == 302 and response.url == reverse("org:password-change")
    response = client.post(
        reverse("org:password-change"),
        {"old_password": f.PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert "至少需要 8 个字符" in response.content.decode()
    response = client.post(
        reverse("org:password-change"),
        {
            "old_password": f.PASSWORD,
            "new_password1": "Brand-new-2026",
            "new_password2": "Brand-new-2026",
        },
    )
    assert response.status_code == 302
    staff.user.refresh_from_db()
    assert not staff.user.must_change_password
    assert staff.user.check_password("Brand-new-2026")
    assert client.get(reverse("workbench:home")).status_code == 200


def test_idle_session_ends(client, clerk, settings):
    assert settings.SESSION_COOKIE_AGE == settings.YIWANG_SESSION_IDLE_MINUTES * 60 == 1800
    assert settings.SESSION_SAVE_EVERY_REQUEST
    _try(client, f.PASSWORD)
    assert client.get(reverse("workbench:home")).status_code == 200
    session = Session.objects.get()
    assert session.expire_date - timezone.now() > dt.timedelta(minutes=29)
    # 31 minutes without a request: the session has expired server-side.
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(minutes=1))
    response = client.get(reverse("workbench:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("org:sign-in"))


def test_citizen_signs_in_with_mobile(client, db):
    services.applicant_register(
        kind=ApplicantKind.PERSON,
        name="张三",
        phone="13800000021",
        id_number=f.id_number(),
        password=f.PASSWORD,
    )
    response = client.post(
        reverse("org:citizen-sign-in"), {"mobile": "13800000021", "password": "bad-password"}
    )
    assert CITIZEN_SIGN_IN_FAILED in response.content.decode()
    response = client.post(
        reverse("org:citizen-sign-in"), {"mobile": "13800000021", "password": f.PASSWORD}
    )
    assert response.status_code == 302 and response.url == reverse("portal:home")
    # A citizen account cannot use the staff sign-in.
    user = User.objects.get(kind="citizen")
    client.logout()
    assert _try(client, f.PASSWORD, user.username).status_code == 200


def test_citizen_registration_page(client, db):
    response = client.post(
        reverse("org:citizen-register"),
        {
            "kind": "person",
            "name": "李四",
            "id_number": f.with_wrong_check(f.id_number()),
            "phone": "13800000031",
            "password": f.PASSWORD,
        },
    )
    assert "居民身份证号码校验位不正确" in response.content.decode()
    response = client.post(
        reverse("org:citizen-register"),
        {
            "kind": "person",
            "name": "李四",
            "id_number": f.id_number(),
            "phone": "13800000031",
            "password": f.PASSWORD,
        },
    )
    # Not signed in: the answer must be the same when the number was registered already.
    assert response.status_code == 302 and response.url == reverse("org:citizen-sign-in")
    assert not client.session.get("_auth_user_id")
    response = client.post(
        reverse("org:citizen-sign-in"), {"mobile": "13800000031", "password": f.PASSWORD}
    )
    assert response.status_code == 302 and client.session.get("_auth_user_id")


def test_next_parameter_cannot_redirect_off_site(client, clerk):
    response = client.post(
        SIGN_IN + "?next=https://evil.example/",
        {"username": "clerk", "password": f.PASSWORD, "next": "https://evil.example/"},
    )
    assert response.url == reverse("workbench:home")
