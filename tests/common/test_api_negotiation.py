"""common.api.QuickNegotiation chooses what DRF's own negotiation chooses, for the usual Accept
headers it answers without parsing and for the rest it hands on."""

from __future__ import annotations

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from yiwang.common.negotiation import QuickNegotiation

RENDERERS = [JSONRenderer(), BrowsableAPIRenderer()]


@pytest.mark.parametrize(
    ("accept", "query"),
    [
        (None, ""),
        ("*/*", ""),
        ("application/json", ""),
        ("text/html", ""),
        ("text/html,application/xhtml+xml,*/*;q=0.8", ""),
        ("application/json; indent=4", ""),
        ("*/*", "?format=api"),
        ("application/json", "?format=json"),
    ],
)
def test_the_same_choice_as_drf(accept, query):
    extra = {"HTTP_ACCEPT": accept} if accept is not None else {}
    request = Request(APIRequestFactory().get(f"/api/cases/1/{query}", **extra))
    ours = QuickNegotiation().select_renderer(request, RENDERERS)
    theirs = DefaultContentNegotiation().select_renderer(request, RENDERERS)
    assert (type(ours[0]), ours[1]) == (type(theirs[0]), theirs[1])


def test_an_unacceptable_type_is_still_refused():
    from rest_framework.exceptions import NotAcceptable

    request = Request(APIRequestFactory().get("/api/cases/1/", HTTP_ACCEPT="image/png"))
    with pytest.raises(NotAcceptable):
        QuickNegotiation().select_renderer(request, RENDERERS)
