"""System checks on the personal-data keys, the secret key and the Chinese fonts."""

from __future__ import annotations

from pathlib import Path

from yiwang.common import checks as checks_module
from yiwang.common.checks import (
    check_cjk_fonts_deploy,
    check_pii_keys,
    check_pii_keys_deploy,
    check_secret_key_deploy,
    cjk_fonts,
)

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


# -- secret key --------------------------------------------------------------------------------

DEV_SECRET = "yiwang-dev-only-not-secret-" + "x" * 40


def test_development_secret_key_with_https_is_an_error(settings):
    settings.HTTPS = True
    settings.SECRET_KEY = DEV_SECRET
    for debug in (False, True):
        settings.DEBUG = debug
        messages = check_secret_key_deploy()
        assert ids(messages) == ["yiwang.E002"]
        assert messages[0].is_serious()  # an Error: `check --deploy` exits non-zero


def test_own_secret_key_or_plain_http_passes(settings):
    settings.HTTPS = True
    settings.SECRET_KEY = "k" * 20 + "9f8e7d6c5b4a39281706f5e4d3c2b1a0" * 2
    assert check_secret_key_deploy() == []
    settings.HTTPS = False
    settings.SECRET_KEY = DEV_SECRET
    assert check_secret_key_deploy() == []


# -- Chinese fonts -----------------------------------------------------------------------------


def fake_fc_list(tmp_path: Path, output: str) -> str:
    program = tmp_path / "fc-list"
    program.write_text(f"#!/bin/sh\ncat <<'END'\n{output}END\n", encoding="utf-8")
    program.chmod(0o755)
    return str(program)


def test_fontconfig_answer_is_used(tmp_path):
    fc_list = fake_fc_list(
        tmp_path,
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc: \n"
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc: \n",
    )
    # fontconfig wins over the directory scan (the empty directory would find nothing)
    assert cjk_fonts(fc_list=fc_list, font_dirs=[tmp_path / "none"]) == [
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    ]
    assert cjk_fonts(fc_list=fake_fc_list(tmp_path, ""), font_dirs=[]) == []


def test_without_fontconfig_the_font_dirs_are_scanned(tmp_path):
    fonts = tmp_path / "fonts"
    (fonts / "truetype" / "dejavu").mkdir(parents=True)
    (fonts / "truetype" / "dejavu" / "DejaVuSans.ttf").write_bytes(b"")
    assert cjk_fonts(fc_list=None, font_dirs=[fonts]) == []
    assert cjk_fonts(fc_list="yiwang-no-such-fc-list", font_dirs=[fonts]) == []
    (fonts / "opentype" / "noto").mkdir(parents=True)
    noto = fonts / "opentype" / "noto" / "NotoSerifCJK-Regular.ttc"
    noto.write_bytes(b"")
    assert cjk_fonts(fc_list=None, font_dirs=[fonts, tmp_path / "missing"]) == [str(noto)]


def test_no_chinese_font_is_a_deploy_warning(monkeypatch):
    monkeypatch.setattr(checks_module, "cjk_fonts", lambda: [])
    messages = check_cjk_fonts_deploy()
    assert ids(messages) == ["yiwang.W004"]
    assert "fonts-noto-cjk" in messages[0].msg
    monkeypatch.setattr(checks_module, "cjk_fonts", lambda: ["/x/NotoSansCJK-Regular.ttc"])
    assert check_cjk_fonts_deploy() == []


def test_this_machine_has_a_chinese_font():
    """make test installs fonts-noto-cjk, and fontconfig must find it (else PDFs print boxes)."""
    assert cjk_fonts()
