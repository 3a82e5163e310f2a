"""The API against its own OpenAPI schema: schemathesis with all its checks, on every operation,
with schema-valid (positive) and schema-violating (negative) data, as a bureau administrator
(token), a window clerk (token), a citizen (session cookie and CSRF) and an anonymous caller.

Two sizes of the same tests. The default (CI) run takes 3 examples per operation, role and mode
(about a thousand cases, a minute). The long run — opted into by name: YIWANG_CONTRACT_LONG=1,
or `make contract-long` — takes 15 each (several thousand cases, a few minutes)."""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import ignored_auth

from tests.seeded import demo_county
from yiwang.cases.models import Case
from yiwang.demo.county import CITIZEN_SIGN_INS, DEMO_PASSWORD
from yiwang.org.selectors import citizen_user_by_mobile
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


def _has_inputs(label: str) -> bool:
    """Negative data needs something to break: a parameter or a request body."""
    definition = OPERATIONS[label].definition.raw
    return bool(definition.get("parameters") or definition.get("requestBody"))


# (role, generation mode, operation): every operation with positive data; with negative data,
# every operation that takes any input (GET /api/org/me/ takes none: nothing can be invalid).
CASES = [
    (role, mode, label)
    for role in ("bureau_admin", "clerk", "citizen", "anonymous")
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    for label in sorted(OPERATIONS)
    if mode is GenerationMode.POSITIVE or _has_inputs(label)
]

# Examples per (role, mode, operation): 3 by default; YIWANG_CONTRACT_LONG=1 (`make
# contract-long`) takes 15, YIWANG_CONTRACT_EXAMPLES any number.
EXAMPLES = int(
    os.environ.get("YIWANG_CONTRACT_EXAMPLES")
    or (15 if os.environ.get("YIWANG_CONTRACT_LONG") == "1" else 3)
)
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
)


# Requests sent, by mode: printed at the end of the run (tests/api/conftest.py).
REQUESTS: Counter[str] = Counter()

# The demo county's cases (its citizen's and company's, of the 市场监管局: 待受理, 待补正, 待审批,
# 待出件), filled in by role_headers. Random ids would almost never name one, so positive data
# for the case endpoints takes its {id} from these most of the time (and keeps the generated
# one otherwise): each role meets its own, another's and missing cases, in the states the
# earlier operations of the run left them.
CASE_IDS: list[int] = []


def _on_seeded_cases(label: str, strategy: st.SearchStrategy) -> st.SearchStrategy:
    if not label.split(" ", 1)[1].startswith("/api/cases/{id}/") or not CASE_IDS:
        return strategy

    def with_id(pair):  # type: ignore[no-untyped-def]
        case, pk = pair
        if pk is not None:
            case.path_parameters = {**(case.path_parameters or {}), "id": str(pk)}
        return case

    return st.tuples(strategy, st.sampled_from([*CASE_IDS, None])).map(with_id)


@contextlib.contextmanager
def _connection_kept() -> Iterator[None]:
    """Django closes "old" connections at the start and end of every request; in-process WSGI
    calls would close the test's transaction (Django's own test client disconnects these too)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _keep_test_connection():
    with _connection_kept():
        yield


def _token(client: Client, username: str) -> dict[str, str]:
    """A token as a system would get one: through the API, with the demo password."""
    response = client.post(
        "/api/auth/token/",
        {"username": username, "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return {"Authorization": f"Token {response.json()['token']}"}


def _cookies(headers: dict[str, str] | None) -> dict[str, str] | None:
    """The cookies of a Cookie header, to hand to schemathesis as cookies: its WSGI client
    replaces a Cookie header with its own (empty) cookie jar, so a session sent only as a
    header would arrive signed out."""
    if not headers or "Cookie" not in headers:
        return None
    pairs = (part.strip().partition("=") for part in headers["Cookie"].split(";"))
    return {name: value for name, _, value in pairs if name}


# The "auth is enforced" probe resends a request without its credentials, but cannot take away
# cookies handed to the call: for the session role it would always find the auth "ignored".
# The anonymous role shows every operation refuses a caller without credentials.
SESSION_EXCLUDED_CHECKS = [ignored_auth]


def _citizen_session(client: Client) -> dict[str, str]:
    """A signed-in citizen's browser: session cookie, CSRF cookie and the matching header."""
    mobile = CITIZEN_SIGN_INS[0][2]
    client.force_login(citizen_user_by_mobile(mobile))
    csrf = _get_new_csrf_string()
    session = client.cookies["sessionid"].value
    return {"Cookie": f"sessionid={session}; csrftoken={csrf}", "X-CSRFToken": csrf}


@pytest.fixture(scope="module")
def role_headers(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo county, seeded once for the module and rolled back afterwards, and the
    request headers of each role. Uploaded files (the demo cases' materials) go to a
    temporary folder."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with django_db_blocker.unblock(), media, transaction.atomic():
        demo_county()
        CASE_IDS[:] = sorted(Case.objects.values_list("pk", flat=True))
        assert len(CASE_IDS) >= 4, "the demo county seeds its cases"
        client = Client()
        headers = {
            "bureau_admin": _token(client, "bureau"),
            "clerk": _token(client, "scjg_clerk"),
            "citizen": _citizen_session(Client()),
            "anonymous": None,
        }
        # Each role is who it says it is (a broken sign-in would quietly test anonymous thrice)
        # — asked the way the tests send their requests, through schemathesis.
        me_operation = OPERATIONS["GET /api/org/me/"]
        for role, kind in (("bureau_admin", "staff"), ("clerk", "staff"), ("citizen", "citizen")):
            with _connection_kept():
                me = me_operation.Case().call(
                    headers=headers[role], cookies=_cookies(headers[role])
                )
            assert me.status_code == 200, (role, me.content)
            assert me.json()["kind"] == kind, (role, me.json())
        yield headers
        transaction.set_rollback(True)
        CASE_IDS.clear()


@pytest.mark.parametrize(
    ("role", "mode", "label"), CASES, ids=[f"{r}-{m.value}-{label}" for r, m, label in CASES]
)
def test_operation(role, mode, label, role_headers, db):
    operation = OPERATIONS[label]
    headers = role_headers[role]

    strategy = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE:
        strategy = _on_seeded_cases(label, strategy)

    @given(case=strategy)
    @HYPOTHESIS
    def check(case):  # type: ignore[no-untyped-def]
        REQUESTS[mode.value] += 1
        case.call_and_validate(
            headers=headers,
            cookies=_cookies(headers),
            excluded_checks=SESSION_EXCLUDED_CHECKS if role == "citizen" else None,
        )

    check()
