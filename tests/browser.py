"""Browser fixtures: Playwright (sync API) driving Debian's chromium against live_server.

Registered in tests/conftest.py with ``pytest_plugins = ["tests.browser"]``. Tests that use
``page`` are marked ``@pytest.mark.browser``; they are skipped when chromium or Playwright
is missing (``playwright install`` is never used: the browser comes from the system).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("YIWANG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}


def _chromium_path() -> str | None:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a test dependency
        pytest.skip("Playwright is not installed")
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
    # inside one unless told the test process knows what it is doing.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Any) -> Iterator[Any]:
    executable = _chromium_path()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing on CI: .ci/run must install it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    browser = playwright_instance.chromium.launch(
        executable_path=executable, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def browser_context(browser: Any) -> Iterator[Any]:
    """A fresh context per test: no cookies or storage carried over."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(
    browser_context: Any,
    live_server: Any,
    transactional_db: None,
    django_db_serialized_rollback: None,
) -> Iterator[Any]:
    """A blank page; ``page.base_url`` is the live server's address. The database is flushed
    after the test and restored to its migrated state (holiday table, roles), so later tests
    see what migrations put there."""
    page = browser_context.new_page()
    page.base_url = live_server.url
    yield page
    page.close()
