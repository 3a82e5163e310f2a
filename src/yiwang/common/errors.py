"""Error answers for people and for programs, in Chinese, in the platform's own look.

One renderer, `render_error`, used by Django's error handlers (400, 403, 404, 500, CSRF failure),
by middleware that refuses a request (too large, too many) and by anything else that must answer
with an error outside a DRF view: under ``/api/`` it is the API's own error shape
``{"detail": "…"}``; elsewhere it is a page in the workbench shell (workbench paths and signed-in
staff) or the portal shell (everyone else). Never a traceback, never Django's English page."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)


def api_prefix() -> str:
    """Where the API is mounted: the API root's URL."""
    return reverse("api-root")


def workbench_prefix() -> str:
    """Where the workbench is mounted: the workbench home's URL."""
    return reverse("workbench:home")


# What a person reads on the page (title, sentence); the API uses the sentence.
TITLES = {
    400: gettext_lazy("请求有误"),
    403: gettext_lazy("无权访问"),
    404: gettext_lazy("页面不存在"),
    405: gettext_lazy("请求方式不支持"),
    413: gettext_lazy("提交的内容过大"),
    429: gettext_lazy("操作过于频繁"),
    500: gettext_lazy("系统出错了"),
}
MESSAGES = {
    400: gettext_lazy("请求有误，无法处理，请检查后重试。"),
    403: gettext_lazy("您没有权限执行此操作。"),
    404: gettext_lazy("您要找的内容不存在或已被移除。"),
    405: gettext_lazy("不支持该请求方式。"),
    413: gettext_lazy("提交的内容过大，请减小后重试。"),
    429: gettext_lazy("操作过于频繁，请稍后再试。"),
    500: gettext_lazy("系统暂时出现问题，请稍后再试。"),
}
API_MESSAGES = {
    401: gettext_lazy("请先登录，或提供有效的令牌。"),
    404: gettext_lazy("请求的资源不存在。"),
    406: gettext_lazy("无法按请求的格式返回内容。"),
    409: gettext_lazy("与记录当前状态冲突。"),
    415: gettext_lazy("不支持该请求体格式。"),
    422: gettext_lazy("数据违反业务规则。"),
}
CSRF_TITLE = gettext_lazy("页面已过期")
CSRF_MESSAGE = gettext_lazy("页面已过期或请求来源无法验证，请刷新页面后重试。")

_CJK = re.compile(r"[\u3400-\u9fff]")


def is_api_path(path: str) -> bool:
    return path == api_prefix().rstrip("/") or path.startswith(api_prefix())


def chinese_or_none(message: object) -> str | None:
    """A message fit to show a user: ours are Chinese; Django's and libraries' internals
    ("No Item matches the given query.", "account locked") are English and say nothing useful."""
    text = str(message or "").strip()
    return text if _CJK.search(text) else None


def default_message(status: int, *, api: bool = False) -> str:
    if api and status in API_MESSAGES:
        return str(API_MESSAGES[status])
    if status in MESSAGES:
        return str(MESSAGES[status])
    return str(MESSAGES[500] if status >= 500 else MESSAGES[400])


def _uses_workbench_shell(request: HttpRequest, *, look_up_user: bool) -> bool:
    if request.path.startswith(workbench_prefix()):
        return True
    if not look_up_user:
        return False
    from yiwang.org.selectors import is_staff_user

    try:
        return is_staff_user(request.user)  # type: ignore[attr-defined]
    except Exception:  # no session or database: the portal shell will do
        return False


def render_error(
    request: HttpRequest,
    status: int,
    message: str | None = None,
    *,
    title: str | None = None,
    robust: bool = False,
) -> HttpResponse:
    """The error answer for `request`: JSON ``{"detail": message}`` under /api/, else the
    Chinese error page in the right shell. `message` defaults to the status's sentence, the
    page's `title` to the status's title.

    `robust` (the 500 handler) renders without the request's context: no session, user or
    database is touched, so a broken database or middleware cannot break the error page too."""
    path = getattr(request, "path", "") or ""
    if is_api_path(path):
        return JsonResponse(
            {"detail": message or default_message(status, api=True)},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    workbench = _uses_workbench_shell(request, look_up_user=not robust)
    context: dict[str, Any] = {
        "status": status,
        "title": title or TITLES.get(status) or TITLES[500 if status >= 500 else 400],
        # Our sentences are Chinese, marked where they are written: the page says them in the
        # reader's language (the API, above, answers with them as they are).
        "message": _(message) if message else default_message(status),
        "base_template": "workbench/base.html" if workbench else "portal/base.html",
        "home_url": workbench_prefix() if workbench else reverse("portal:home"),
        "home_label": _("返回工作台首页") if workbench else _("返回首页"),
    }
    try:
        template = loader.get_template("errors/error.html")
        body = template.render(context) if robust else template.render(context, request)
    except Exception:  # the error page itself must never fail: fall back to plain text
        logger.exception("error page %s could not be rendered", status)
        body = _plain_page(context)
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def _plain_page(context: dict[str, Any]) -> str:
    from django.utils.html import escape

    return (
        '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8">'
        f"<title>{escape(context['title'])} · 一网</title></head><body>"
        f"<h1>{escape(context['title'])}</h1><p>{escape(context['message'])}</p>"
        f'<p><a href="{escape(context["home_url"])}">{escape(context["home_label"])}</a></p>'
        "</body></html>"
    )


# Django's error handlers (urls.py handler400/403/404/500, settings.CSRF_FAILURE_VIEW).


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(request, 403, chinese_or_none(exception))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(request, 404, chinese_or_none(exception))


def server_error(request: HttpRequest) -> HttpResponse:
    return render_error(request, 500, robust=True)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF refusal. The reason is English developer text, already logged by Django's
    CSRF middleware (django.security.csrf); the user reads what to do."""
    return render_error(request, 403, str(CSRF_MESSAGE), title=str(CSRF_TITLE))
