"""org.ApiKey: created with its secret shown once (only the digest kept), found by secret and
scope, revoked at once; the DRF authentication and the `yiwang apikey` command."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.test import APIRequestFactory

from tests import factories as f
from yiwang.audit.models import AuditEvent
from yiwang.org import selectors, services
from yiwang.org.auth import (
    HasApiKey,
    Open311KeyAuthentication,
    RatingDeviceKeyAuthentication,
)
from yiwang.org.models import ApiKey, ApiKeyScope

pytestmark = pytest.mark.django_db


@pytest.fixture
def window():
    return f.window(f.hall(name="县政务服务中心"), f.department("县甲局"))


def test_create_keeps_only_the_digest_and_finds_the_key_by_secret(window):
    key, secret = services.api_key_create(name="城市 App", scope=ApiKeyScope.OPEN311)
    assert secret.startswith("ywk_") and len(secret) > 40
    stored = ApiKey.objects.get(pk=key.pk)
    assert secret not in (stored.digest, stored.prefix) and secret.startswith(stored.prefix)
    assert selectors.api_key_for(secret, ApiKeyScope.OPEN311) == key
    # Wrong scope, a wrong secret, an empty one: nobody.
    assert selectors.api_key_for(secret, ApiKeyScope.RATING_DEVICE) is None
    assert selectors.api_key_for(secret + "x", ApiKeyScope.OPEN311) is None
    assert selectors.api_key_for("", ApiKeyScope.OPEN311) is None
    event = AuditEvent.objects.get(action="org.api_key_create")
    assert secret not in str(event.changes)


def test_rating_device_key_is_bound_to_its_window(window):
    with pytest.raises(ValidationError) as exc:
        services.api_key_create(name="评价器", scope=ApiKeyScope.RATING_DEVICE)
    assert "必须绑定一个窗口" in str(exc.value)
    with pytest.raises(ValidationError):
        services.api_key_create(name="App", scope=ApiKeyScope.OPEN311, window=window)
    _key, secret = services.api_key_create(
        name="评价器", scope=ApiKeyScope.RATING_DEVICE, window=window
    )
    assert selectors.api_key_for(secret, ApiKeyScope.RATING_DEVICE).window == window


def test_the_database_refuses_a_device_key_without_a_window():
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiKey.objects.create(name="x", scope=ApiKeyScope.RATING_DEVICE, digest="d", prefix="p")


def test_a_revoked_key_is_refused_and_cannot_be_revoked_twice():
    key, secret = services.api_key_create(name="App", scope=ApiKeyScope.OPEN311)
    services.api_key_revoke(key=key, reason="泄露")
    assert selectors.api_key_for(secret, ApiKeyScope.OPEN311) is None
    with pytest.raises(ValidationError) as exc:
        services.api_key_revoke(key=key)
    assert "已于" in str(exc.value)
    assert AuditEvent.objects.filter(action="org.api_key_revoke").count() == 1


def test_touch_writes_last_used_at_at_most_once_a_minute(settings):
    settings.YIWANG_API_KEY_TOUCH_SECONDS = 60
    key, _ = services.api_key_create(name="App", scope=ApiKeyScope.OPEN311)
    services.api_key_touch(key=key)
    first = ApiKey.objects.get(pk=key.pk).last_used_at
    assert first is not None
    services.api_key_touch(key=key)
    assert ApiKey.objects.get(pk=key.pk).last_used_at == first
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    key.refresh_from_db()
    services.api_key_touch(key=key)
    assert ApiKey.objects.get(pk=key.pk).last_used_at > first - dt.timedelta(seconds=1)


def _drf_request(**extra):
    from rest_framework.request import Request

    return Request(APIRequestFactory().get("/x", **extra))


def test_authentication_by_header_and_scope(window):
    device, device_secret = services.api_key_create(
        name="评价器", scope=ApiKeyScope.RATING_DEVICE, window=window
    )
    _, open311_secret = services.api_key_create(name="App", scope=ApiKeyScope.OPEN311)
    auth = RatingDeviceKeyAuthentication()
    user, found = auth.authenticate(_drf_request(HTTP_X_API_KEY=device_secret))
    assert found == device and found.window == window and not user.is_authenticated
    user, found = auth.authenticate(_drf_request(HTTP_AUTHORIZATION=f"ApiKey {device_secret}"))
    assert found == device
    assert auth.authenticate(_drf_request()) is None
    # An Open311 key does not open the rating device's door, nor the other way round.
    with pytest.raises(AuthenticationFailed):
        auth.authenticate(_drf_request(HTTP_X_API_KEY=open311_secret))
    with pytest.raises(AuthenticationFailed):
        Open311KeyAuthentication().authenticate(_drf_request(HTTP_X_API_KEY=device_secret))
    assert ApiKey.objects.get(pk=device.pk).last_used_at is not None


def test_open311_key_as_api_key_parameter_and_has_api_key():
    from rest_framework.request import Request

    key, secret = services.api_key_create(name="App", scope=ApiKeyScope.OPEN311)
    request = Request(
        APIRequestFactory().post("/x", {"api_key": secret}, format="multipart"),
        parsers=[MultiPartParser()],
    )
    _, found = Open311KeyAuthentication().authenticate(request)
    assert found == key
    # Never in a write's URL (access logs): refused even when it is right.
    request = Request(APIRequestFactory().post(f"/x?api_key={secret}"), parsers=[FormParser()])
    with pytest.raises(AuthenticationFailed) as exc:
        Open311KeyAuthentication().authenticate(request)
    assert "网址" in str(exc.value.detail)
    # A read needs no key: one in its URL is ignored.
    assert (
        Open311KeyAuthentication().authenticate(
            Request(APIRequestFactory().get("/x", {"api_key": secret}))
        )
        is None
    )
    request.auth = found
    assert HasApiKey().has_permission(request, None)
    request.auth = None
    assert not HasApiKey().has_permission(request, None)


def _command(*args):
    out = StringIO()
    call_command("apikey", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_command_create_prints_the_key_on_its_last_line_then_list_and_revoke(window):
    lines = _command("create", "--name", "城市 App", "--scope", "open311")
    secret = lines[-1]
    key = selectors.api_key_for(secret, ApiKeyScope.OPEN311)
    assert key is not None and key.name == "城市 App"
    lines = _command(
        "create", "--name", "1 号评价器", "--scope", "rating-device",
        "--window", f"县政务服务中心/{window.number}",
    )  # fmt: skip
    assert selectors.api_key_for(lines[-1], ApiKeyScope.RATING_DEVICE).window == window
    # Just the number, when one hall alone has it.
    lines = _command(
        "create", "--name", "2 号", "--scope", "rating-device", "--window", window.number
    )
    assert selectors.api_key_for(lines[-1], ApiKeyScope.RATING_DEVICE).window == window
    listing = "\n".join(_command("list"))
    assert key.prefix in listing and secret not in listing
    _command("revoke", str(key.pk))
    assert selectors.api_key_for(secret, ApiKeyScope.OPEN311) is None
    assert key.prefix not in "\n".join(_command("list"))
    assert key.prefix in "\n".join(_command("list", "--all"))
    assert ApiKey.objects.get(pk=key.pk).revoked_at <= timezone.now()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "--name", "x", "--scope", "rating-device"], "必须绑定一个窗口"),
        (["create", "--name", "x", "--scope", "rating-device", "--window", "无此厅/9"], "不存在"),
        (["create", "--name", " ", "--scope", "open311"], "名称"),
        (["revoke", "999999"], "没有编号为 999999"),
        (["create", "--name", "x", "--scope", "bogus"], "用途“bogus”不存在"),
    ],
)
def test_command_refusals_are_one_sentence(args, message):
    with pytest.raises(CommandError) as exc:
        _command(*args)
    assert message in str(exc.value)


# --- 证照归集 keys: bound to the department whose licences they send ---------------------------


def test_license_gather_key_is_bound_to_a_department():
    department = f.department("县丙局")
    _key, secret = services.api_key_create(
        name="丙局业务系统", scope=ApiKeyScope.LICENSE_GATHER, department=department
    )
    assert selectors.api_key_for(secret, ApiKeyScope.LICENSE_GATHER).department == department
    assert (
        AuditEvent.objects.filter(action="org.api_key_create").last().changes["department"]["after"]
        == department.pk
    )
    with pytest.raises(ValidationError, match="必须绑定一个部门"):
        services.api_key_create(name="x", scope=ApiKeyScope.LICENSE_GATHER)
    with pytest.raises(ValidationError, match="只有证照归集的密钥可以绑定部门"):
        services.api_key_create(name="x", scope=ApiKeyScope.OPEN311, department=department)


def test_the_database_refuses_a_gather_key_without_its_department_and_others_with_one():
    department = f.department("县丁局")
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiKey.objects.create(name="x", scope=ApiKeyScope.LICENSE_GATHER, digest="a" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiKey.objects.create(
            name="x", scope=ApiKeyScope.OPEN311, department=department, digest="b" * 64
        )


def test_a_key_of_another_scope_is_forbidden_for_gathering_not_unknown():
    from rest_framework.exceptions import PermissionDenied as Forbidden
    from rest_framework.request import Request

    from yiwang.org.auth import LicenseGatherKeyAuthentication

    _key, secret = services.api_key_create(name="App", scope=ApiKeyScope.OPEN311)
    request = APIRequestFactory().post("/x", HTTP_X_API_KEY=secret)
    with pytest.raises(Forbidden):
        LicenseGatherKeyAuthentication().authenticate(Request(request))
    with pytest.raises(AuthenticationFailed):
        LicenseGatherKeyAuthentication().authenticate(
            Request(APIRequestFactory().post("/x", HTTP_X_API_KEY="ywk_unknown"))
        )


def test_command_creates_a_gather_key_for_a_department_by_name_or_number():
    department = f.department("县戊局")
    lines = _command(
        "create", "--name", "戊局系统", "--scope", "license-gather", "--department", "县戊局"
    )
    key = selectors.api_key_for(lines[-1], ApiKeyScope.LICENSE_GATHER)
    assert key.department == department and "部门 县戊局" in lines[0]
    lines = _command(
        "create",
        "--name",
        "戊局二",
        "--scope",
        "license-gather",
        "--department",
        str(department.pk),
    )
    assert selectors.api_key_for(lines[-1], ApiKeyScope.LICENSE_GATHER).department == department
    assert "县戊局" in "\n".join(_command("list"))
    with pytest.raises(CommandError, match="部门“无此局”不存在"):
        _command("create", "--name", "x", "--scope", "license-gather", "--department", "无此局")
    with pytest.raises(CommandError, match="必须绑定一个部门"):
        _command("create", "--name", "x", "--scope", "license-gather")
