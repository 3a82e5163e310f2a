"""The rating page reached from a QR code or an SMS link, without signing in (/rate/<token>/):
phone-sized, one tap per level. The signed token names what is rated; the services check and
store. A forged token is a 400 page, an expired one a 410 page, each with its one sentence."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yiwang.common.errors import render_error
from yiwang.evaluations import selectors, services
from yiwang.evaluations.fields import Channel
from yiwang.evaluations.forms import RatingForm
from yiwang.evaluations.selectors import RatingTarget
from yiwang.org import ratelimit


def _bad_token(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    expired = any(error.code == "expired" for error in exc.error_dict.get("token", []))
    return render(
        request,
        "evaluations/public/invalid.html",
        {"message": _(exc.message_dict["token"][0])},
        status=410 if expired else 400,
    )


def _store(request: HttpRequest, target: RatingTarget, form: RatingForm, channel: str) -> None:
    data = form.cleaned_data
    rater = services.RaterInput(
        anonymous=bool(data.get("anonymous")),
        name=data.get("rater_name", ""),
        phone=data.get("rater_phone", ""),
    )
    common = {
        "level": data["level"],
        "scores": form.scores(),
        "comment": data.get("comment", ""),
        "rater": rater,
    }
    if target.case is not None:
        services.rating_for_case(case=target.case, channel=channel, **common)  # type: ignore[arg-type]
    elif target.visit is not None:
        services.rating_for_visit(visit=target.visit, channel=Channel.QR, **common)  # type: ignore[arg-type]
    else:
        services.rating_for_window(window=target.window, channel=Channel.QR, **common)  # type: ignore[arg-type]


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    try:
        target = selectors.target_for_token(token)
    except ValidationError as exc:
        return _bad_token(request, exc)
    # An SMS link says so (?via=sms); a QR code is the default.
    channel = Channel.SMS if request.GET.get("via") == "sms" else Channel.QR
    ask_contact = target.case is None
    form = RatingForm(
        request.POST if request.method == "POST" else None,
        dimension_set=target.dimension_set,
        ask_contact=ask_contact,
    )
    if request.method == "POST" and target.rateable:
        try:
            ratelimit.hit(request, ratelimit.RATING)
        except ratelimit.RateLimited as exc:
            response = render_error(request, 429, exc.message)
            response["Retry-After"] = str(exc.retry_after)
            return response
        if form.is_valid():
            try:
                _store(request, target, form, channel)
            except ValidationError as exc:
                form.add_service_errors(exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("感谢您的评价！"))
                if target.case is None and target.visit is None:
                    return redirect("evaluations-public:thanks")
                return redirect(request.get_full_path())
    return render(
        request,
        "evaluations/public/rate.html",
        {"target": target, "form": form, "token": token},
        status=422 if request.method == "POST" and form.errors else 200,
    )


def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "evaluations/public/thanks.html")
