"""System checks for the personal-data keys, the secret key and the fonts PDFs need (run by
`yiwang check`; the deploy ones by `yiwang check --deploy`)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .crypto import current_key_id, pii_keys

# The development defaults in settings.py; production must not run on them.
DEV_PII_KEY_ID = "dev"
DEV_HASH_KEY_PREFIX = "dev-hash-key-"
MIN_HASH_KEY_LENGTH = 32
DEV_SECRET_KEY_PREFIX = "yiwang-dev-only-not-secret-"  # noqa: S105  (the public dev key)

# Where Debian and users keep fonts; scanned only when fontconfig's fc-list is not installed.
FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local" / "share" / "fonts",
    Path.home() / ".fonts",
)
FONT_SUFFIXES = {".ttf", ".ttc", ".otf", ".otc"}
# File names of the common Chinese fonts (Noto/Source Han CJK, WenQuanYi, AR PL, Droid
# fallback, Windows' SimSun/SimHei/YaHei, Fangsong, Kaiti).
CJK_FONT_NAME = re.compile(
    r"cjk|sourcehan|wqy|wenquanyi|arphic|uming|ukai|droidsansfallback|sim(sun|hei|kai|fang)"
    r"|msyh|fangsong|kaiti",
    re.I,
)


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


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key_deploy(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """An error (deploy only) when HTTPS is on and the secret key is the development one: such a
    site is meant to be public, and anyone can forge its sessions and reset tokens. DEBUG
    does not matter."""
    if settings.HTTPS and str(settings.SECRET_KEY).startswith(DEV_SECRET_KEY_PREFIX):
        return [
            checks.Error(
                "YIWANG_HTTPS=1 时仍在使用开发用密钥："
                "请设置 YIWANG_SECRET_KEY（至少 50 个字符的随机值）。",
                id="yiwang.E002",
            )
        ]
    return []


def cjk_fonts(
    *, fc_list: str | None = "fc-list", font_dirs: Sequence[Path] = FONT_DIRS
) -> list[str]:
    """The installed font files that cover Chinese. Asks fontconfig (`fc-list :lang=zh`), which
    is what WeasyPrint uses to find fonts; without fc-list, scans `font_dirs` by file name."""
    program = shutil.which(fc_list) if fc_list else None
    if program:
        try:
            result = subprocess.run(  # noqa: S603  (fixed program and arguments)
                [program, ":lang=zh", "file"], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.SubprocessError):
            result = None
        if result is not None and result.returncode == 0:
            return sorted(
                {
                    line.rsplit(":", 1)[0].strip()
                    for line in result.stdout.splitlines()
                    if line.strip()
                }
            )
    found: set[str] = set()
    for directory in font_dirs:
        if directory.is_dir():
            for path in directory.rglob("*"):
                if path.suffix.lower() in FONT_SUFFIXES and CJK_FONT_NAME.search(path.name):
                    found.add(str(path))
    return sorted(found)


@checks.register(checks.Tags.compatibility, deploy=True)
def check_cjk_fonts_deploy(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn (deploy only) when no Chinese font is installed: PDFs would print empty boxes."""
    if cjk_fonts():
        return []
    return [
        checks.Warning(
            "未安装中文字体，PDF（办事指南、告知书）中的汉字会显示为方框：请安装 fonts-noto-cjk。",
            hint="apt-get install fonts-noto-cjk",
            id="yiwang.W004",
        )
    ]
