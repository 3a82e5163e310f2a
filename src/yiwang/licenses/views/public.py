"""The public verification page (/licenses/verify/<identifier>/), reached from a licence's QR
code without signing in. The identifier is printed on the licence anyway, so the link needs no
secret; what the page shows is masked (licenses.presenters) and the check is
licenses.verification's. Rate-limited per client address like the rating page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from yiwang.common.errors import render_error
from yiwang.licenses import presenters, selectors, verification
from yiwang.org import ratelimit


@require_GET
def verify(request: HttpRequest, identifier: str) -> HttpResponse:
    try:
        ratelimit.hit(request, ratelimit.LICENSE_VERIFY)
    except ratelimit.RateLimited as exc:
        response = render_error(request, 429, exc.message)
        response["Retry-After"] = str(exc.retry_after)
        return response
    record = selectors.license_by_identifier(identifier)
    if record is None:
        return render(
            request,
            "licenses/public/verify.html",
            {"verdict": None, "identifier": identifier},
            status=404,
        )
    verdict = verification.verify_record(record)
    # Facts are shown only from bytes that verify: an altered record shows none of its content.
    shown = None if verdict.result in ("altered", "untrusted_key") else record
    return render(
        request,
        "licenses/public/verify.html",
        {
            "verdict": verdict,
            "identifier": identifier,
            "license": presenters.public_license(shown) if shown is not None else None,
        },
    )
