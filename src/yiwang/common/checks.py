"""System checks for the personal-data keys (run by `yiwang check`; the deploy ones by
`yiwang check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .crypto import current_key_id, pii_keys

# The development defaults in settings.py; production must not run on them.
DEV_PII_KEY_ID = "dev"
DEV_HASH_KEY_PREFIX = "dev-hash-key-"
MIN_HASH_KEY_LENGTH = 32


@checks.register(checks.Tags.security)
def check_pii_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The SM4 key list parses and the current key id is in it."""
    try:
        pii_keys()
        current_key_id()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="yiwang.E001")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_pii_keys_deploy(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn (deploy only) when the development keys are in use or the hash key is short."""
    messages: list[checks.CheckMessage] = []
    hash_key = settings.YIWANG_PII_HASH_KEY or ""
    try:
        key_ids = set(pii_keys())
    except ImproperlyConfigured:
        key_ids = set()  # reported by check_pii_keys
    if DEV_PII_KEY_ID in key_ids and settings.YIWANG_PII_KEY_ID == DEV_PII_KEY_ID:
        messages.append(
            checks.Warning(
                "个人信息仍用开发密钥加密：请设置 YIWANG_PII_KEYS 与 YIWANG_PII_KEY_ID。",
                id="yiwang.W002",
            )
        )
    if hash_key.startswith(DEV_HASH_KEY_PREFIX) or len(hash_key) < MIN_HASH_KEY_LENGTH:
        messages.append(
            checks.Warning(
                f"YIWANG_PII_HASH_KEY 未设置或过短（至少 {MIN_HASH_KEY_LENGTH} 个字符的随机值）。",
                id="yiwang.W003",
            )
        )
    return messages
