"""Settings: `yiwang check --deploy` passes with the production variables of docs/operations.md."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path


def _deploy_check(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("YIWANG_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update(
        YIWANG_DATA_DIR=str(tmp_path),
        YIWANG_SECRET_KEY=secrets.token_urlsafe(50),
        YIWANG_HTTPS="1",
        YIWANG_ALLOWED_HOSTS="zwfw.example.gov.cn",
        YIWANG_CSRF_TRUSTED_ORIGINS="https://zwfw.example.gov.cn",
        YIWANG_PII_KEYS=f"k2026:{secrets.token_hex(16)}",
        YIWANG_PII_HASH_KEY=secrets.token_hex(32),
    )
    env.update(extra)
    return subprocess.run(
        [sys.executable, "-m", "yiwang", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_documented_production_variables(tmp_path):
    result = _deploy_check(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_without_https(tmp_path):
    result = _deploy_check(tmp_path, YIWANG_HTTPS="0")
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stderr


def test_deploy_check_fails_on_the_development_secret_key_with_https(tmp_path):
    for debug in ("0", "1"):
        result = _deploy_check(tmp_path, YIWANG_SECRET_KEY="", YIWANG_DEBUG=debug)
        assert result.returncode != 0
        assert "yiwang.E002" in result.stderr
        assert "YIWANG_SECRET_KEY" in result.stderr
