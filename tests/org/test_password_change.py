"""The old password on the password-change page counts towards the sign-in lockout: guessing
it with a stolen session ends in a lock, the session and every token ending with it."""

from __future__ import annotations

import pytest
from django.contrib.auth.signals import user_login_failed
from django.test import Client
from django.urls import reverse

from tests import factories as f
from yiwang.org import services
from yiwang.org.auth import STAFF_SIGN_IN_FAILED
from yiwang.org.models import ApiToken, ApplicantKind

NEW = "Brand-new-2026"
CHANGE = "/accounts/password/"


@pytest.fixture
def clerk(db):
    return f.staff(f.department("县改密局"), ["window_clerk"], username="clerk")


def _change(client, old: str):
    return client.post(CHANGE, {"old_password": old, "new_password1": NEW, "new_password2": NEW})


def test_wrong_old_passwords_share_the_sign_in_counter(client, clerk):
    Client().post(reverse("org:sign-in"), {"username": "clerk", "password": "wrong"})
    client.force_login(clerk.user)
    response = _change(client, "wrong")
    assert response.status_code == 200 and "原密码不正确" in response.content.decode()
    clerk.user.refresh_from_db()
    assert clerk.user.failed_sign_in_count == 2


def test_the_change_page_locks_and_signs_out(client, clerk, settings):
    settings.YIWANG_LOCKOUT_ATTEMPTS = 3
    token = services.api_token_issue(user=clerk.user)
    elsewhere = Client()
    elsewhere.force_login(clerk.user)
    client.force_login(clerk.user)
    seen = []
    user_login_failed.connect(
        lambda sender, credentials, **kw: seen.append(credentials), dispatch_uid="t-pw", weak=False
    )
    try:
        assert _change(client, "wrong-1").status_code == 200
        assert _change(client, "wrong-2").status_code == 200
        response = _change(client, "wrong-3")
    finally:
        user_login_failed.disconnect(dispatch_uid="t-pw")
    assert response.status_code == 302 and response.url == reverse("org:sign-in")
    assert [c["username"] for c in seen] == ["clerk"] * 3
    clerk.user.refresh_from_db()
    assert clerk.user.locked_until is not None
    assert "_auth_user_id" not in client.session
    # Every session and token of the account has ended.
    assert elsewhere.get(reverse("workbench:home")).status_code == 302
    assert not ApiToken.objects.filter(user=clerk.user).exists()
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/org/me/").status_code == 401
    # Signing in again, even with the right password, gives the one failure message.
    response = client.post(reverse("org:sign-in"), {"username": "clerk", "password": f.PASSWORD})
    assert STAFF_SIGN_IN_FAILED in response.content.decode()
    clerk.user.refresh_from_db()
    assert clerk.user.check_password(f.PASSWORD)


def test_the_right_old_password_resets_the_counter(client, clerk):
    client.force_login(clerk.user)
    _change(client, "wrong")
    assert _change(client, f.PASSWORD).status_code == 302
    clerk.user.refresh_from_db()
    assert clerk.user.failed_sign_in_count == 0 and clerk.user.check_password(NEW)


def test_a_citizen_locked_on_the_change_page_goes_to_the_citizen_sign_in(client, db, settings):
    settings.YIWANG_LOCKOUT_ATTEMPTS = 1
    applicant = services.applicant_register(
        kind=ApplicantKind.PERSON,
        name="陈二",
        phone="13800000101",
        id_number=f.id_number(),
        password=f.PASSWORD,
    )
    client.force_login(applicant.user)
    seen = []
    user_login_failed.connect(
        lambda sender, credentials, **kw: seen.append(credentials),
        dispatch_uid="t-pw-c",
        weak=False,
    )
    try:
        response = _change(client, "wrong")
    finally:
        user_login_failed.disconnect(dispatch_uid="t-pw-c")
    assert response.status_code == 302 and response.url == reverse("org:citizen-sign-in")
    # Reported with the mobile number, as the citizen sign-in reports it.
    assert seen == [{"mobile": "13800000101"}]
