"""The one decorator for workbench pages: signed-in staff only, with a 403 page that says why.

Anonymous visitors are sent to sign in; a signed-in account that is not staff (a citizen, an
enterprise, an API system) gets the page's `not_staff` sentence; a page that needs more (a
permission) names it with `may` and `not_allowed`; a PermissionDenied raised inside the view (by
a service) shows its own message. Messages may be lazy: they are rendered per request, in the
request's language."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext

from .selectors import is_staff_user

View = Callable[..., HttpResponse]
Message = str | Promise  # a lazy message is translated per request


def staff_page(
    *,
    not_staff: Message,
    template: str,
    may: Callable[[Any], bool] | None = None,
    not_allowed: Message = "",
) -> Callable[[View], View]:
    """Decorator factory: `template` is the 403 page, rendered with `message`."""

    def decorate(view: View) -> View:
        @login_required
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if not is_staff_user(request.user):
                    raise PermissionDenied(str(not_staff))
                if may is not None and not may(request.user):
                    raise PermissionDenied(str(not_allowed))
                return view(request, *args, **kwargs)
            except PermissionDenied as exc:
                message = str(exc) or gettext("您没有执行该操作的权限。")
                return render(request, template, {"message": message}, status=403)

        return wrapper

    return decorate
