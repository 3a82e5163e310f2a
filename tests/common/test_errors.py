"""Errors in Chinese: pages in the portal or workbench shell, JSON under /api/ — for Django's
400/403/404/500 and CSRF failures and for DRF's own errors (DEBUG off, as in production)."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory
from rest_framework import exceptions
from rest_framework.test import APIClient

from tests import factories as f
from yiwang.common import errors
from yiwang.common.api import exception_handler

pytestmark = [pytest.mark.urls("tests.common.error_urls")]

PORTAL_SHELL = 'class="portal-header"'
WORKBENCH_SHELL = 'class="wb-topbar"'
# Django's own error pages and debug output.
ENGLISH = (
    "Not Found",
    "Server Error",
    "Bad Request",
    "Forbidden",
    "Traceback",
    "CSRF verification failed",
    "boom",
)


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def page(response) -> str:
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    for english in ENGLISH:
        assert english not in body, english
    return body


# --- Pages ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_404_page_in_portal_shell(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = page(response)
    assert PORTAL_SHELL in body and WORKBENCH_SHELL not in body
    assert "页面不存在" in body and "您要找的内容不存在或已被移除。" in body
    assert 'href="/"' in body


@pytest.mark.django_db
def test_404_page_under_workbench_in_workbench_shell(client):
    response = client.get("/workbench/no/such/page/")
    assert response.status_code == 404
    body = page(response)
    assert WORKBENCH_SHELL in body and PORTAL_SHELL not in body
    assert "页面不存在" in body and "返回工作台首页" in body


@pytest.mark.django_db
def test_404_page_for_signed_in_staff_in_workbench_shell_with_their_navigation(client):
    staff = f.staff(f.department("县甲局"))
    client.force_login(staff.user)
    body = page(client.get("/no/such/page/"))
    assert WORKBENCH_SHELL in body
    assert staff.full_name in body  # the shell knows who is signed in


@pytest.mark.django_db
def test_403_page_shows_the_chinese_reason(client):
    response = client.get("/forbidden/chinese/")
    assert response.status_code == 403
    body = page(response)
    assert PORTAL_SHELL in body and "无权访问" in body and "只有数据资源局可以这样做。" in body


@pytest.mark.django_db
def test_403_page_replaces_an_english_reason(client):
    response = client.get("/workbench/forbidden/english/")
    assert response.status_code == 403
    body = page(response)
    assert WORKBENCH_SHELL in body and "您没有权限执行此操作。" in body
    assert "account locked" not in body


@pytest.mark.django_db
def test_400_page(client):
    response = client.get("/suspicious/")
    assert response.status_code == 400
    body = page(response)
    assert PORTAL_SHELL in body and "请求有误" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "shell"), [("/boom/", PORTAL_SHELL), ("/workbench/boom/", WORKBENCH_SHELL)]
)
def test_500_page_in_the_shell_without_internals(path, shell):
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 500
    body = page(response)
    assert shell in body and "系统出错了" in body and "系统暂时出现问题，请稍后再试。" in body
    assert "secret internals" not in body and "RuntimeError" not in body


def test_500_page_needs_no_database_session_or_user():
    """No `db` mark: pytest-django refuses every query, so this fails if the page makes one.
    The request is bare (no session, no user), as after a middleware failure."""
    for path, shell in (("/boom/", PORTAL_SHELL), ("/workbench/boom/", WORKBENCH_SHELL)):
        response = errors.server_error(RequestFactory().get(path))
        assert response.status_code == 500
        body = page(response)
        assert shell in body and "系统出错了" in body


def test_500_page_survives_a_broken_template(monkeypatch):
    def broken(name):
        raise RuntimeError("template storage is gone")

    monkeypatch.setattr(errors.loader, "get_template", broken)
    response = errors.server_error(RequestFactory().get("/boom/"))
    assert response.status_code == 500
    body = page(response)
    assert "系统出错了" in body and "返回首页" in body


@pytest.mark.django_db
def test_csrf_failure_page_portal():
    response = Client(enforce_csrf_checks=True).post("/accounts/sign-in/", {"username": "x"})
    assert response.status_code == 403
    body = page(response)
    assert PORTAL_SHELL in body
    assert "页面已过期" in body and "请刷新页面后重试" in body


@pytest.mark.django_db
def test_csrf_failure_page_workbench():
    client = Client(enforce_csrf_checks=True)
    client.force_login(f.staff(f.department("县甲局")).user)
    response = client.post("/workbench/", {})
    assert response.status_code == 403
    body = page(response)
    assert WORKBENCH_SHELL in body and "页面已过期" in body


# --- API: always JSON, always Chinese ---------------------------------------------------------


def api_error(response, status: int) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    detail = json.loads(response.content)["detail"]
    assert errors.chinese_or_none(detail), detail
    return detail


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_path_is_json_404(method):
    response = getattr(Client(), method)("/api/no/such/endpoint/")
    assert api_error(response, 404) == "请求的资源不存在。"


@pytest.mark.django_db
def test_api_500_is_json():
    response = Client(raise_request_exception=False).get("/api/boom/")
    assert api_error(response, 500) == "系统暂时出现问题，请稍后再试。"
    assert "secret internals" not in response.content.decode()


def test_csrf_failure_view_under_api_is_json():
    response = errors.csrf_failure(
        RequestFactory().post("/api/echo/"), reason="CSRF cookie not set."
    )
    assert "页面已过期" in api_error(response, 403)


@pytest.mark.django_db
def test_api_session_request_without_csrf_token_is_chinese_json():
    """DRF checks CSRF itself for session requests and says "CSRF Failed: …" in English."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(f.staff(f.department("县甲局")).user)
    response = client.post("/api/echo/", {"a": "1"}, format="json")
    assert "页面已过期" in api_error(response, 403)


@pytest.mark.django_db
def test_drf_messages_are_chinese():
    api = APIClient()
    assert api_error(api.get("/api/org/me/"), 401) == "身份认证信息未提供。"
    assert "不被允许" in api_error(api.put("/api/org/regions/"), 405)
    assert "媒体类型" in api_error(api.post("/api/echo/", "x", content_type="text/plain"), 415)
    response = api.post("/api/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"username": ["该字段是必填项。"], "password": ["该字段是必填项。"]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "该字段是必填项。"),
        ({"name": []}, "不是有效的字符串。"),
        ({"name": "四个字符"}, "请确保这个字段不能超过 3 个字符。"),
        ({"name": None}, "该字段不能为 null。"),
    ],
)
def test_drf_field_messages_are_chinese(body, message):
    response = APIClient().post("/api/validate/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"name": [message]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ('{"username": ', "application/json", "请求体不是有效的 JSON（第 1 行第 14 列）。"),
        ('{"a": NaN}', "application/json", "请求体不是有效的 JSON（不能有 NaN 或 Infinity）。"),
        (b"\xff\xfe", "application/json", "请求体不是有效的 utf-8 文本。"),
        ("[]", "application/x-www-form-urlencoded", "请求体不是有效的表单（每一项应为 名称=值）。"),
        (
            b"--B\r\n[]--B--\r\n",
            "multipart/form-data; boundary=B",
            "请求体不是有效的 multipart/form-data 表单。",
        ),
    ],
)
def test_malformed_bodies_are_400_in_chinese(body, content_type, expected):
    """Before: DRF's "JSON parse error - Expecting value…", and a `[]` form or multipart body
    taken for an empty form (200)."""
    response = APIClient().post("/api/echo/", body, content_type=content_type)
    assert api_error(response, 400) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("a=1&b=", "application/x-www-form-urlencoded"),
        ("=empty-name&a=1", "application/x-www-form-urlencoded"),
        ("", "application/x-www-form-urlencoded"),
        (
            b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--B--\r\n',
            "multipart/form-data; boundary=B",
        ),
        (b"--B--\r\n", "multipart/form-data; boundary=B"),
    ],
)
def test_well_formed_forms_still_parse(body, content_type):
    response = APIClient().post("/api/echo/", body, content_type=content_type)
    assert response.status_code == 200, response.content


def test_throttled_says_how_long_in_chinese():
    response = exception_handler(exceptions.Throttled(wait=2.2), {})
    assert response is not None and response.status_code == 429
    assert response.data == {"detail": "操作过于频繁，请 3 秒后再试。"}
    assert response["Retry-After"] == "3"


@pytest.mark.parametrize(
    ("exc", "status", "expected"),
    [
        (exceptions.NotFound("No ServiceItem matches the given query."), 404, "请求的资源不存在。"),
        (exceptions.PermissionDenied("account locked"), 403, "您没有权限执行此操作。"),
        (exceptions.ValidationError({"n": ["A valid biginteger is required."]}), 400, None),
    ],
)
def test_english_details_are_replaced(exc, status, expected):
    response = exception_handler(exc, {})
    assert response is not None and response.status_code == status
    if expected is None:
        assert response.data == {"n": ["格式不正确。"]}
    else:
        assert response.data == {"detail": expected}


def test_django_404_and_403_with_english_messages_become_chinese():
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    assert exception_handler(Http404("No Item matches the given query."), {}).data == {
        "detail": "请求的资源不存在。"
    }
    assert exception_handler(PermissionDenied("您的角色不能认领事项。"), {}).data == {
        "detail": "您的角色不能认领事项。"
    }


def test_an_english_401_gets_the_401_sentence():
    response = exception_handler(exceptions.AuthenticationFailed("Invalid token."), {})
    assert response is not None and response.status_code == 401
    assert response.data == {"detail": "请先登录，或提供有效的令牌。"}


def test_render_error_default_messages_for_every_status():
    for status in (400, 403, 404, 405, 413, 429, 500):
        api = errors.render_error(RequestFactory().get("/api/x/"), status)
        assert api.status_code == status
        assert errors.chinese_or_none(api.content.decode("utf-8"))
        html = errors.render_error(RequestFactory().get("/x/"), status, robust=True)
        assert html.status_code == status and errors.chinese_or_none(html.content.decode())


def test_render_error_keeps_the_given_message():
    response = errors.render_error(
        RequestFactory().post("/api/upload/"), 413, "文件不能超过 10 MB。"
    )
    assert response.status_code == 413
    assert response.content.decode() == '{"detail": "文件不能超过 10 MB。"}'
