"""我的证照 in the citizen portal: the signed-in citizen's (or enterprise's) licences, each with
its status, the licence file, its PDF (licenses.pdf) and 用证记录. Reads through
licenses.selectors (another holder's licence is 404)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yiwang.cases.views.portal import applicant_page
from yiwang.common.http import attach
from yiwang.licenses import files, selectors
from yiwang.licenses.models import License


@applicant_page
def license_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.licenses_for_holder(user=request.user))  # type: ignore[arg-type]
    return render(request, "licenses/portal/list.html", {"licenses": rows})


@applicant_page
def license_detail(request: HttpRequest, pk: int) -> HttpResponse:
    license = selectors.license_get_for_holder(user=request.user, pk=pk)  # type: ignore[arg-type]
    return render(
        request,
        "licenses/portal/detail.html",
        {
            "license": license,
            "content": files.sealed_content(license),
            "uses": list(selectors.license_uses(license)),
        },
    )


def file_response(license: License) -> HttpResponse:
    """The licence file (licenses/files.py) as a private JSON download."""
    response = HttpResponse(
        files.dumps(files.license_file(license)), content_type="application/json; charset=utf-8"
    )
    attach(
        response,
        f"{license.license_type.name}-{license.serial}-{license.version:03d}.json",
        fallback=f"license-{license.serial}-{license.version:03d}.json",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response


@applicant_page
def license_file(request: HttpRequest, pk: int) -> HttpResponse:
    license = selectors.license_get_for_holder(user=request.user, pk=pk)  # type: ignore[arg-type]
    return file_response(license)


@applicant_page
def license_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from yiwang.licenses.pdf import license_pdf as render_license_pdf

    license = selectors.license_get_for_holder(user=request.user, pk=pk)  # type: ignore[arg-type]
    response = HttpResponse(render_license_pdf(license), content_type="application/pdf")
    attach(
        response,
        f"{license.license_type.name}-{license.serial}-{license.version:03d}.pdf",
        fallback=f"license-{license.serial}-{license.version:03d}.pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response
