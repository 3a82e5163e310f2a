"""The API against its own OpenAPI schema: schemathesis with all its checks, on every operation,
as a signed-in bureau administrator (token) and as an anonymous caller."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig

from yiwang.demo.services import seed_demo_county
from yiwang.org.models import User
from yiwang.org.services import api_token_issue
from yiwang.wsgi import application

# All checks run. One expectation is ours to state: schema-valid data that breaks a business rule
# the schema cannot express (e.g. promised limit > legal limit across two fields) answers 422
# (see docs/api.md), so positive-data acceptance counts 422 among the expected answers.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"],
            }
        }
    }
)
SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}

HYPOTHESIS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
)


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Django closes "old" connections at the start and end of every request; in-process WSGI
    calls would close the test's transaction (Django's own test client disconnects these too)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def bureau_token(django_db_setup, django_db_blocker):
    """The demo county, seeded once for the module and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo_county()
        yield api_token_issue(user=User.objects.get(username="bureau"))
        transaction.set_rollback(True)


def _run(label: str, headers: dict[str, str] | None) -> None:
    operation = OPERATIONS[label]

    @given(case=operation.as_strategy())
    @HYPOTHESIS
    def check(case):  # type: ignore[no-untyped-def]
        case.call_and_validate(headers=headers)

    check()


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_as_bureau_admin(label, bureau_token, db):
    _run(label, {"Authorization": f"Token {bureau_token}"})


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_anonymous(label, bureau_token, db):
    _run(label, None)
