"""System checks on the personal-data keys."""

from __future__ import annotations

from yiwang.common.checks import check_pii_keys, check_pii_keys_deploy

GOOD_KEY = "k2026:" + "ab" * 16
GOOD_HASH_KEY = "3f9c" * 12


def ids(messages) -> list[str]:
    return [m.id for m in messages]


def test_valid_configuration_passes(settings):
    settings.YIWANG_PII_KEYS = GOOD_KEY
    settings.YIWANG_PII_KEY_ID = "k2026"
    settings.YIWANG_PII_HASH_KEY = GOOD_HASH_KEY
    assert check_pii_keys() == []
    assert check_pii_keys_deploy() == []


def test_broken_key_list_is_an_error(settings):
    settings.YIWANG_PII_KEYS = "dev:nothex"
    assert ids(check_pii_keys()) == ["yiwang.E001"]
    settings.YIWANG_PII_KEYS = GOOD_KEY
    settings.YIWANG_PII_KEY_ID = "other"
    assert ids(check_pii_keys()) == ["yiwang.E001"]


def test_development_keys_are_a_deploy_warning(settings):
    settings.YIWANG_PII_KEYS = "dev:" + "00112233445566778899aabbccddeeff"
    settings.YIWANG_PII_KEY_ID = "dev"
    settings.YIWANG_PII_HASH_KEY = "dev-hash-key-0123456789abcdef0123456789abcdef"
    assert ids(check_pii_keys_deploy()) == ["yiwang.W002", "yiwang.W003"]
    settings.YIWANG_PII_HASH_KEY = "short"
    settings.YIWANG_PII_KEYS = GOOD_KEY
    settings.YIWANG_PII_KEY_ID = "k2026"
    assert ids(check_pii_keys_deploy()) == ["yiwang.W003"]
