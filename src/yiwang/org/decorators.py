"""The one decorator for workbench pages: signed-in staff only, with a 403 page that says why.

Anonymous visitors are sent to sign in; a signed-in account that is not staff (a citizen, an
enterprise, an API system) gets the page's `not_staff` sentence (or, with `others_to`, is sent
to that page instead: the workbench home sends citizens to the portal); a page that needs more
(a permission) names it with `may` and `not_allowed`; a PermissionDenied raised inside the view
(by a service) shows its own message. The 403 page is the app's `template`, else the project's
error page (common.errors). Messages may be lazy: they are rendered per request, in the
request's language."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext

from yiwang.common.errors import MESSAGES, chinese_or_none, render_error

from .selectors import is_staff_user

View = Callable[..., HttpResponseBase]  # pages and file downloads
Message = str | Promise  # a lazy message is translated per request


def staff_page(
    *,
    not_staff: Message = MESSAGES[403],
    template: str | None = None,
    may: Callable[[Any], bool] | None = None,
    not_allowed: Message = "",
    others_to: str | None = None,
) -> Callable[[View], View]:
    """Decorator factory: `template` is the 403 page, rendered with `message`; `others_to` a
    URL name signed-in non-staff accounts are redirected to."""

    def decorate(view: View) -> View:
        @login_required
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if others_to is not None and not is_staff_user(request.user):
                return redirect(others_to)
            try:
                if not is_staff_user(request.user):
                    raise PermissionDenied(str(not_staff))
                if may is not None and not may(request.user):
                    raise PermissionDenied(str(not_allowed))
                return view(request, *args, **kwargs)
            except PermissionDenied as exc:
                if template is None:  # as Django's 403 handler would answer (common.errors)
                    return render_error(request, 403, chinese_or_none(exc))
                message = str(exc) or gettext("您没有执行该操作的权限。")
                return render(request, template, {"message": message}, status=403)

        return wrapper

    return decorate
