"""用证 on the workbench: on a case the staff member may see (cases.selectors; out of scope is
404), fetch one of the applicant's licences with a reason (licenses.services.license_use), and
the licences used for the case. A used licence's file is downloadable through its use."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yiwang.cases import selectors as case_selectors
from yiwang.cases.workflow import VIEW
from yiwang.licenses import selectors, services
from yiwang.licenses.models import LicenseUse
from yiwang.licenses.views.portal import file_response
from yiwang.org.decorators import staff_page as org_staff_page
from yiwang.org.models import User

MAX_PK = 2**63 - 1
staff_page = org_staff_page(
    not_staff=gettext_noop("用证仅供工作人员使用。"),
    may=lambda user: user.has_perm(VIEW),
    not_allowed=gettext_noop("您的角色不能查看办件。"),
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@staff_page
def case_licenses(request: HttpRequest, case_pk: int) -> HttpResponse:
    user = _user(request)
    case = case_selectors.case_get_for(user=user, pk=case_pk)
    candidates = selectors.licenses_of(case.applicant)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        chosen = request.POST.get("license", "")
        # Only the applicant's own licences can be chosen; a number past the keys' range is none.
        license = (
            candidates.filter(pk=int(chosen)).first()
            if chosen.isdigit() and int(chosen) < MAX_PK
            else None
        )
        if license is None:
            errors.append(_("请选择申请人的一张电子证照。"))
            status = 422
        else:
            try:
                services.license_use(license=license, case=case, actor=user, reason=reason)
            except ValidationError as exc:
                errors = [m for msgs in exc.message_dict.values() for m in msgs]
                status = 422
            else:
                messages.success(request, _("已调用电子证照 %s。") % license.identifier)
                return redirect("licenses:case", case_pk=case.pk)
    return render(
        request,
        "licenses/workbench/case.html",
        {
            "case": case,
            "candidates": list(candidates),
            "uses": list(selectors.case_license_uses(case)),
            "may_use": user.has_perm(services.USE_PERMISSION),
            "errors": errors,
            "reason": request.POST.get("reason", "") if request.method == "POST" else "",
        },
        status=status,
    )


@staff_page
def use_file(request: HttpRequest, pk: int) -> HttpResponse:
    # A licence fetched for a case: its file, for whoever may see that case.
    if not 0 < pk < MAX_PK:  # larger ids do not fit the databases' keys: none exists
        raise Http404(selectors.LICENSE_NOT_FOUND)
    use = (
        LicenseUse.objects.select_related(
            "case", "license__license_type", "license__issuer", "license__seal_key"
        )
        .filter(pk=pk)
        .first()
    )
    if use is None or not case_selectors.case_visible_to(_user(request), use.case):
        raise Http404(selectors.LICENSE_NOT_FOUND)
    return file_response(use.license)
