"""我的办件 → 评价 (/my/ratings/case/<pk>/): a signed-in citizen rates his own concluded case,
real-name unless he ticks 匿名. Another's case is 404 (the cases selector)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yiwang.cases import selectors as case_selectors
from yiwang.cases.views.portal import applicant_page
from yiwang.evaluations import selectors, services
from yiwang.evaluations.fields import Channel
from yiwang.evaluations.forms import RatingForm


@applicant_page
def rate_case(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_selectors.case_get_for(user=request.user, pk=pk)  # type: ignore[arg-type]
    target = selectors.case_target(case)
    form = RatingForm(
        request.POST if request.method == "POST" else None, dimension_set=target.dimension_set
    )
    if request.method == "POST" and target.rateable and form.is_valid():
        data = form.cleaned_data
        try:
            services.rating_for_case(
                case=case,
                channel=Channel.PORTAL,
                level=data["level"],
                scores=form.scores(),
                comment=data.get("comment", ""),
                rater=services.RaterInput(anonymous=bool(data.get("anonymous"))),
                actor=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("感谢您的评价！"))
            return redirect("cases-portal:detail", pk=case.pk)
    return render(
        request,
        "evaluations/portal/rate_case.html",
        {"case": case, "target": target, "form": form},
        status=422 if request.method == "POST" and form.errors else 200,
    )
