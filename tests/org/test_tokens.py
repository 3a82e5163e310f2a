"""API tokens and sessions: tokens expire, are stored as digests only, and end — with the
sessions — on password change, lockout and deactivation."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests import factories as f
from yiwang.audit.models import AuditEvent
from yiwang.common.crypto import sm3_hex
from yiwang.org import services
from yiwang.org.auth import TOKEN_EXPIRED, TOKEN_INVALID
from yiwang.org.models import ApiToken, User

NEW_PASSWORD = "Brand-new-2026"


@pytest.fixture
def clerk(db):
    return f.staff(f.department("县令牌局"), ["window_clerk"], username="clerk")


def _me(token: str) -> tuple[int, dict]:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get("/api/org/me/")
    return response.status_code, response.json()


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="yiwang.org.auth.StaffPasswordBackend")
    assert client.get(reverse("workbench:home")).status_code == 200
    return client


def _still_signed_in(client: Client) -> bool:
    response = client.get(reverse("workbench:home"))
    return response.status_code == 200


def test_a_token_works_until_it_expires(clerk, settings):
    settings.YIWANG_API_TOKEN_HOURS = 2
    token = services.api_token_issue(user=clerk.user)
    assert _me(token)[0] == 200
    stored = ApiToken.objects.get(user=clerk.user)
    assert dt.timedelta(hours=1, minutes=59) < stored.expires_at - timezone.now()
    assert stored.expires_at - timezone.now() <= dt.timedelta(hours=2)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    status, body = _me(token)
    assert status == 401 and body["detail"] == TOKEN_EXPIRED


def test_unknown_and_malformed_tokens_are_401_in_chinese(db):
    status, body = _me("not-a-real-token")
    assert status == 401 and body["detail"] == TOKEN_INVALID
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token two parts")
    response = api.get("/api/org/me/")
    assert response.status_code == 401 and "令牌格式不正确" in response.json()["detail"]
    assert response["WWW-Authenticate"] == "Token"


def test_the_database_holds_only_a_digest_of_the_token(clerk):
    token = services.api_token_issue(user=clerk.user)
    stored = ApiToken.objects.get(user=clerk.user)
    assert stored.digest == sm3_hex(token.encode()) and stored.digest != token
    # Nowhere in the token table or the audit trail is the token itself.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")  # noqa: S608 — our table
        rows = cursor.fetchall()
    assert rows and not any(token in str(value) for row in rows for value in row)
    events = AuditEvent.objects.filter(action="org.api_token_issue")
    assert events.count() == 1
    assert token not in str(list(events.values()))


def test_password_change_revokes_tokens_and_ends_other_sessions(clerk):
    token = services.api_token_issue(user=clerk.user)
    other = _signed_in(clerk.user)
    this = Client()
    this.post(reverse("org:sign-in"), {"username": "clerk", "password": f.PASSWORD})
    response = this.post(
        reverse("org:password-change"),
        {"old_password": f.PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert _me(token)[0] == 401
    assert not ApiToken.objects.filter(user=clerk.user).exists()
    assert not _still_signed_in(other)
    # update_session_auth_hash keeps the session that changed the password.
    assert _still_signed_in(this)
    assert AuditEvent.objects.filter(action="org.api_tokens_revoke", reason="修改密码").exists()


def test_password_reset_revokes_tokens(clerk):
    token = services.api_token_issue(user=clerk.user)
    other = _signed_in(clerk.user)
    services.password_reset(user=clerk.user, new_password=NEW_PASSWORD)
    assert _me(token)[0] == 401
    assert not _still_signed_in(other)


def test_lockout_revokes_tokens_and_ends_every_session(clerk, settings):
    settings.YIWANG_LOCKOUT_ATTEMPTS = 3
    token = services.api_token_issue(user=clerk.user)
    first, second = _signed_in(clerk.user), _signed_in(clerk.user)
    attacker = Client()
    for _ in range(3):
        attacker.post(reverse("org:sign-in"), {"username": "clerk", "password": "wrong"})
    clerk.user.refresh_from_db()
    assert clerk.user.locked_until is not None
    assert _me(token)[0] == 401
    assert not ApiToken.objects.filter(user=clerk.user).exists()
    assert not _still_signed_in(first) and not _still_signed_in(second)
    assert AuditEvent.objects.filter(action="org.api_tokens_revoke", reason="账号锁定").exists()


def test_deactivation_revokes_tokens_and_ends_every_session(clerk):
    token = services.api_token_issue(user=clerk.user)
    session = _signed_in(clerk.user)
    admin = f.staff(clerk.department, ["department_admin"], username="dept_admin")
    services.account_deactivate(user=clerk.user, actor=admin.user, reason="调离")
    clerk.user.refresh_from_db()
    assert not clerk.user.is_active
    assert _me(token)[0] == 401
    assert not ApiToken.objects.filter(user=clerk.user).exists()
    assert not _still_signed_in(session)
    event = AuditEvent.objects.get(action="org.account_deactivate")
    assert event.actor == admin.user and event.reason == "调离"


def test_deactivation_needs_the_permission_and_the_scope(clerk):
    other_department_admin = f.staff(f.department("县别局"), ["department_admin"])
    with pytest.raises(PermissionDenied, match="数据范围"):
        services.account_deactivate(user=clerk.user, actor=other_department_admin.user)
    clerk.user.refresh_from_db()
    assert clerk.user.is_active


def test_a_token_of_a_locked_or_inactive_account_is_refused_even_if_left_behind(clerk):
    """Revocation is the rule; the authentication also checks, for accounts changed by hand."""
    token = services.api_token_issue(user=clerk.user)
    User.objects.filter(pk=clerk.user.pk).update(is_active=False)
    assert _me(token) == (401, {"detail": TOKEN_INVALID})
    User.objects.filter(pk=clerk.user.pk).update(
        is_active=True, locked_until=timezone.now() + dt.timedelta(minutes=5)
    )
    assert _me(token)[0] == 401


def test_issuing_removes_the_accounts_expired_tokens(clerk):
    services.api_token_issue(user=clerk.user)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    services.api_token_issue(user=clerk.user)
    assert ApiToken.objects.filter(user=clerk.user).count() == 1


def test_migration_moves_clear_authtoken_rows_to_digests(clerk):
    """Migration 0002 turns DRF authtoken's clear-text rows into digests and drops the table."""
    migration = __import__(
        "yiwang.org.migrations.0002_api_tokens", fromlist=["move_authtoken_rows"]
    )
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id bigint NOT NULL,"
            " created timestamp with time zone NOT NULL)"
            if connection.vendor == "postgresql"
            else "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY,"
            " user_id integer NOT NULL, created datetime NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, user_id, created) VALUES (%s, %s, %s)",
            [old_key, clerk.user.pk, timezone.now()],
        )
    # The function needs only the editor's connection and execute (SQLite's real editor refuses
    # to open inside the test's transaction).
    editor = SimpleNamespace(connection=connection, execute=connection.cursor().execute)
    migration.move_authtoken_rows(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    assert ApiToken.objects.get(user=clerk.user).digest == sm3_hex(old_key.encode())
    # The integration holding the old key keeps working until the new expiry.
    assert _me(old_key)[0] == 200
