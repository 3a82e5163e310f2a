"""The catalogue API's list endpoints cost the same number of queries for 2 rows as for 20: no
query per row (N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.test_locale import demo  # noqa: F401 - the seeded demo county, once per module
from yiwang.org.models import User


def _queries(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, who",
    [
        ("/api/catalog/items/", None),
        ("/api/catalog/bundles/", None),
        ("/api/catalog/manage/items/", "bureau"),
    ],
)
def test_list_queries_do_not_grow_with_the_page(demo, path, who):  # noqa: F811
    client = APIClient()
    if who:
        client.force_authenticate(User.objects.get(username=who))
    _queries(client, f"{path}?limit=1")  # the user's staff profile and roles are read once
    small = _queries(client, f"{path}?limit=2")
    large = _queries(client, f"{path}?limit=20")
    assert large == small
