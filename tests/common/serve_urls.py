"""The site's URLs plus a view that sleeps, to show that gunicorn's timeout ends a request."""

from __future__ import annotations

import time

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def sleep_view(request: HttpRequest) -> HttpResponse:
    time.sleep(float(request.GET.get("seconds", "30")))
    return HttpResponse("woke up", content_type="text/plain")


urlpatterns = [path("test-sleep", sleep_view), path("", include("yiwang.urls"))]
