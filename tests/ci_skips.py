"""In CI (CI=true, as .ci/run sets it) a skipped test is a failed test, unless it carries
``@pytest.mark.skip_allowed(NAME)`` with a NAME from ALLOWED_SKIPS below and that name's
condition holds for this run. A test that skips because its feature, a package or a service is
missing therefore turns CI red instead of passing quietly.

The named list, and when each name may skip:
- ``postgresql``: the test needs concurrent connections to one database, which the SQLite test
  database cannot give; allowed only when the run is on SQLite (on PostgreSQL it must run).
- ``screenshots``: writes screenshots for people to look at; runs with YIWANG_SCREENSHOTS=1
  (`make screenshots`), not in the suite.

Registered in tests/conftest.py (``pytest_plugins``)."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest


def _on_sqlite() -> bool:
    from django.db import connection

    return connection.vendor != "postgresql"


def _no_screenshots() -> bool:
    return not os.environ.get("YIWANG_SCREENSHOTS")


ALLOWED_SKIPS: dict[str, tuple[str, Callable[[], bool]]] = {
    "postgresql": ("runs on PostgreSQL only", _on_sqlite),
    "screenshots": ("runs with YIWANG_SCREENSHOTS=1 (make screenshots)", _no_screenshots),
}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "skip_allowed(name): this test may skip in CI when the named condition holds "
        f"(tests/ci_skips.py: {', '.join(sorted(ALLOWED_SKIPS))})",
    )


def _reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _allowed(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("skip_allowed")
    if marker is None or not marker.args:
        return False
    entry = ALLOWED_SKIPS.get(marker.args[0])
    if entry is None:
        raise pytest.UsageError(
            f"{item.nodeid}: skip_allowed({marker.args[0]!r}) is not in tests/ci_skips.py"
        )
    return entry[1]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not report.skipped or hasattr(report, "wasxfail") or not in_ci():
        return
    if _allowed(item):
        return
    report.outcome = "failed"
    report.longrepr = (
        f"skipped in CI: {_reason(report)}\n"
        "In CI every skip is a failure: fix what is missing, or mark the test "
        "@pytest.mark.skip_allowed(NAME) with a name from tests/ci_skips.py."
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    outcome = yield
    report: pytest.CollectReport = outcome.get_result()
    if report.skipped and in_ci():
        # a whole module skipped (importorskip, allow_module_level): no test may opt out here
        report.outcome = "failed"
        report.longrepr = f"module skipped in CI: {_reason(report)}"
