"""Staff password policy: minimum length and number of character classes (both settings)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext


def character_classes(password: str) -> int:
    classes = [
        any(c.islower() and c.isascii() for c in password),
        any(c.isupper() and c.isascii() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class CharacterClassValidator:
    """At least YIWANG_PASSWORD_MIN_LENGTH characters from at least YIWANG_PASSWORD_MIN_CLASSES of
    lower case, upper case, digits and symbols."""

    def validate(self, password: str, user: Any = None) -> None:
        min_length = settings.YIWANG_PASSWORD_MIN_LENGTH
        min_classes = settings.YIWANG_PASSWORD_MIN_CLASSES
        if len(password) < min_length:
            raise ValidationError(
                gettext("密码至少需要 %(n)s 个字符。") % {"n": min_length},
                code="password_too_short",
            )
        if character_classes(password) < min_classes:
            raise ValidationError(
                gettext("密码须包含小写字母、大写字母、数字、符号中的至少 %(n)s 类。")
                % {"n": min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return gettext(
            "至少 %(length)s 个字符，包含小写字母、大写字母、数字、符号中的至少 %(classes)s 类。"
        ) % {
            "length": settings.YIWANG_PASSWORD_MIN_LENGTH,
            "classes": settings.YIWANG_PASSWORD_MIN_CLASSES,
        }
