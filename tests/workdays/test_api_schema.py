"""The working-day API against its own OpenAPI schema with schemathesis (all checks, positive
and negative data), in process through WSGI."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # The real WSGI handler closes "obsolete" connections around each request, which on
    # PostgreSQL would close the connection holding the test's transaction; Django's test
    # client avoids this the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_workdays_api_conforms_to_its_schema(mode):
    # Loaded inside the test (not at collection) so that a broken schema elsewhere fails this
    # test only, never the collection of the whole suite.
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/schema/", app).include(
        path_regex="^/api/workdays/"
    )
    assert len(list(schema.get_all_operations())) == 4

    @settings(
        max_examples=100,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(schema.as_strategy(generation_mode=mode))
    def check(case):
        case.call_and_validate()

    check()
