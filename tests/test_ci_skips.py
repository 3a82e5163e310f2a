"""tests/ci_skips.py: with CI=true a skip fails the run unless the test carries an allowed
skip_allowed name whose condition holds; outside CI skips stay skips."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SAMPLE = """
import pytest

def test_plain_skip():
    pytest.skip("redis-server is not installed")

@pytest.mark.skipif(True, reason="feature not built")
def test_skipif():
    pass

@pytest.mark.skip_allowed("screenshots")
@pytest.mark.skipif(True, reason="set YIWANG_SCREENSHOTS=1")
def test_screenshots():
    pass

@pytest.mark.xfail(reason="known")
def test_expected_failure():
    assert False

def test_passes():
    pass
"""


def run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(SAMPLE, encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if k not in {"CI", "YIWANG_SCREENSHOTS"}}
    environ.update(env, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.ci_skips", "-p", "no:django",
         "-p", "no:cacheprovider", "-c", os.devnull, "--rootdir", str(tmp_path), "-rA",
         str(tmp_path / "test_sample.py")],
        cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def outcome(result: subprocess.CompletedProcess[str], name: str) -> str:
    """PASSED/FAILED/ERROR/XFAIL of a test from -rA's summary; skips are listed there by
    reason and line, so SKIPPED is told by the absence of any other outcome."""
    for line in result.stdout.splitlines():
        word, _, rest = line.partition(" ")
        if rest.startswith(f"test_sample.py::{name}"):
            return "FAILED" if word == "ERROR" else word  # a skip in setup fails as an error
    return "SKIPPED"


def test_in_ci_a_skip_fails_unless_allowed(tmp_path):
    result = run(tmp_path, CI="true")
    assert result.returncode == 1, result.stdout
    assert outcome(result, "test_plain_skip") == "FAILED"
    assert outcome(result, "test_skipif") == "FAILED"
    assert "skipped in CI: redis-server is not installed" in result.stdout
    assert outcome(result, "test_screenshots") == "SKIPPED"
    assert "set YIWANG_SCREENSHOTS=1" in result.stdout
    assert outcome(result, "test_expected_failure") == "XFAIL"
    assert outcome(result, "test_passes") == "PASSED"


def test_an_allowed_name_whose_condition_does_not_hold_fails(tmp_path):
    # with YIWANG_SCREENSHOTS=1 the screenshot test must run, so its skip is a failure
    result = run(tmp_path, CI="true", YIWANG_SCREENSHOTS="1")
    assert outcome(result, "test_screenshots") == "FAILED"


def test_outside_ci_skips_stay_skips(tmp_path):
    result = run(tmp_path)
    assert result.returncode == 0, result.stdout
    assert "1 passed, 3 skipped, 1 xfailed" in result.stdout


@pytest.mark.django_db
def test_the_postgresql_name_is_allowed_only_on_sqlite():
    from django.db import connection

    from tests.ci_skips import ALLOWED_SKIPS

    assert ALLOWED_SKIPS["postgresql"][1]() is (connection.vendor == "sqlite")
