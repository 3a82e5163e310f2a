"""The API's content negotiation (REST_FRAMEWORK DEFAULT_CONTENT_NEGOTIATION_CLASS)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request


class QuickNegotiation(DefaultContentNegotiation):
    """DRF's content negotiation, with the usual request answered without parsing its Accept
    header: no format override and Accept absent, */* or the first renderer's own type (every
    system and the 掌上 app) get the first renderer, as DRF would choose; anything else is
    DRF's own choice (tests/common/test_api_negotiation.py holds the two together)."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[Any, str]:
        override = self.settings.URL_FORMAT_OVERRIDE
        if not format_suffix and not (override and override in request.query_params):
            renderers = list(renderers)
            first = renderers[0]
            if request.META.get("HTTP_ACCEPT", "*/*") in ("*/*", first.media_type):
                return first, first.media_type
        return cast(tuple[Any, str], super().select_renderer(request, renderers, format_suffix))
