"""Rate limits: 429 with a Chinese message beyond the configured attempts, per client address
and per account name, on every endpoint that takes a password or creates an account; counted
in the database so that every worker process sees the same count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse

from tests import factories as f
from yiwang.org import services
from yiwang.org.models import ApplicantKind, RateLimitCounter

TOO_MANY = "尝试次数过多"


@pytest.fixture
def low_limits(settings):
    settings.YIWANG_RATE_LIMIT_WINDOW_SECONDS = 600
    for name in ("SIGN_IN", "REGISTER", "PASSWORD_CHANGE"):
        setattr(settings, f"YIWANG_RATE_LIMIT_{name}_PER_ADDRESS", 4)
        setattr(settings, f"YIWANG_RATE_LIMIT_{name}_PER_ACCOUNT", 3)
    # Lockout out of the way: these tests are about the rate limit alone.
    settings.YIWANG_LOCKOUT_ATTEMPTS = 100
    return settings


@pytest.fixture
def clerk(db):
    return f.staff(f.department("县限流局"), ["window_clerk"], username="clerk")


def _assert_429(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    text = response.content.decode()
    assert "再试" in text  # the API's error shape may word it in seconds


def _assert_page_429(response) -> None:
    _assert_429(response)
    assert TOO_MANY in response.content.decode()


def _staff_sign_in(client, username="clerk", password="wrong", **extra):
    return client.post(
        reverse("org:sign-in"), {"username": username, "password": password}, **extra
    )


def test_staff_sign_in_per_account(client, clerk, low_limits):
    low_limits.YIWANG_RATE_LIMIT_SIGN_IN_PER_ADDRESS = 10
    for _ in range(3):
        assert _staff_sign_in(client).status_code == 200
    _assert_page_429(_staff_sign_in(client))
    # Even the right password waits for the window to end.
    _assert_page_429(_staff_sign_in(client, password=f.PASSWORD))
    # Another account from the same address is not yet limited.
    assert _staff_sign_in(client, username="someone").status_code == 200


def test_staff_sign_in_per_address(client, clerk, low_limits):
    for n in range(4):
        assert _staff_sign_in(client, username=f"user{n}").status_code == 200
    _assert_page_429(_staff_sign_in(client, username="user-next"))
    # Another address still signs in.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert _staff_sign_in(other, password=f.PASSWORD).status_code == 302


def test_the_window_ends(client, clerk, low_limits):
    for _ in range(3):
        _staff_sign_in(client)
    _assert_page_429(_staff_sign_in(client))
    # The counters' window is over (as if ten minutes had passed): counting starts again.
    RateLimitCounter.objects.update(window_start=F("window_start") - dt.timedelta(seconds=600))
    assert _staff_sign_in(client, password=f.PASSWORD).status_code == 302


def test_counters_live_in_the_database(client, clerk, low_limits):
    """Shared by all worker processes: the count is a database row, not process memory."""
    _staff_sign_in(client)
    _staff_sign_in(client)
    counts = sorted(RateLimitCounter.objects.values_list("scope", "count"))
    assert counts == [("sign_in", 2), ("sign_in", 2)]  # one per address, one per account
    # Neither the address nor the account name is stored in clear.
    for counter in RateLimitCounter.objects.all():
        assert "127.0.0.1" not in counter.key and "clerk" not in counter.key
    # Another process's attempts are counted with ours: simulate them in the row itself.
    RateLimitCounter.objects.update(count=3)
    _assert_page_429(_staff_sign_in(client))


def test_forwarded_address_only_when_trusted(client, clerk, low_limits, settings):
    settings.YIWANG_TRUST_X_FORWARDED_FOR = True
    for n in range(4):
        _staff_sign_in(client, username=f"u{n}", HTTP_X_FORWARDED_FOR="203.0.113.1")
    _assert_page_429(_staff_sign_in(client, username="u9", HTTP_X_FORWARDED_FOR="203.0.113.1"))
    assert (
        _staff_sign_in(client, username="u9", HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 200
    )
    settings.YIWANG_TRUST_X_FORWARDED_FOR = False
    # Untrusted, the header is ignored: every request counts for REMOTE_ADDR (127.0.0.1).
    for n in range(4):
        _staff_sign_in(client, username=f"v{n}", HTTP_X_FORWARDED_FOR=f"203.0.113.{10 + n}")
    _assert_page_429(_staff_sign_in(client, username="v9", HTTP_X_FORWARDED_FOR="203.0.113.99"))


def test_zero_switches_a_limit_off(client, clerk, low_limits):
    low_limits.YIWANG_RATE_LIMIT_SIGN_IN_PER_ACCOUNT = 0
    low_limits.YIWANG_RATE_LIMIT_SIGN_IN_PER_ADDRESS = 0
    for _ in range(6):
        assert _staff_sign_in(client).status_code == 200
    assert not RateLimitCounter.objects.exists()


def test_token_endpoint(client, clerk, low_limits):
    url = "/api/auth/token/"
    for _ in range(3):
        assert client.post(url, {"username": "clerk", "password": "x"}).status_code == 401
    response = client.post(url, {"username": "clerk", "password": f.PASSWORD})
    _assert_429(response)
    assert response["Content-Type"].startswith("application/json")


def test_token_endpoint_shares_the_staff_sign_in_count(client, clerk, low_limits):
    _staff_sign_in(client)
    _staff_sign_in(client)
    client.post("/api/auth/token/", {"username": "clerk", "password": "x"})
    _assert_429(client.post("/api/auth/token/", {"username": "clerk", "password": "x"}))


def test_citizen_sign_in(client, db, low_limits):
    services.applicant_register(
        kind=ApplicantKind.PERSON,
        name="张三",
        phone="13800000051",
        id_number=f.id_number(),
        password=f.PASSWORD,
    )
    url = reverse("org:citizen-sign-in")
    # The number written in different forms is still one account.
    for mobile in ("13800000051", "+8613800000051", "138 0000 0051"):
        assert client.post(url, {"mobile": mobile, "password": "x"}).status_code == 200
    _assert_page_429(client.post(url, {"mobile": "13800000051", "password": f.PASSWORD}))


def _register(client, phone: str, n: int):
    return client.post(
        reverse("org:citizen-register"),
        {
            "kind": "person",
            "name": "李四",
            "id_number": f.id_number(seq=n),
            "phone": phone,
            "password": f.PASSWORD,
        },
    )


def test_registration_per_address(client, db, low_limits):
    for n in range(4):
        assert _register(client, f"1380000006{n}", 100 + n).status_code == 302
    _assert_page_429(_register(client, "13800000069", 109))


def test_registration_per_phone(client, db, low_limits):
    for n in range(3):
        _register(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), "13800000071", 200 + n)
    _assert_page_429(_register(Client(REMOTE_ADDR="198.51.100.9"), "13800000071", 209))


def test_password_change(client, clerk, low_limits):
    client.force_login(clerk.user)
    url = reverse("org:password-change")
    for _ in range(3):
        response = client.post(
            url,
            {
                "old_password": "wrong",
                "new_password1": "Brand-new-2026",
                "new_password2": "Brand-new-2026",
            },
        )
        assert response.status_code == 200
    _assert_page_429(
        client.post(
            url,
            {
                "old_password": f.PASSWORD,
                "new_password1": "Brand-new-2026",
                "new_password2": "Brand-new-2026",
            },
        )
    )
    clerk.user.refresh_from_db()
    assert clerk.user.check_password(f.PASSWORD)


def test_page_429_is_the_chinese_error_page(client, clerk, low_limits):
    for _ in range(3):
        _staff_sign_in(client)
    response = _staff_sign_in(client)
    assert response["Content-Type"].startswith("text/html")
    assert "操作过于频繁" in response.content.decode()  # the error page's title


def test_admin_sign_in_shares_the_staff_sign_in_limit(client, clerk, low_limits):
    """/admin/login/ takes a staff password too: it may not be a way round the limit."""
    for _ in range(3):
        response = client.post("/admin/login/", {"username": "clerk", "password": "x"})
        assert response.status_code == 200
    _assert_page_429(client.post("/admin/login/", {"username": "clerk", "password": "x"}))
    assert client.get("/admin/login/").status_code == 200
