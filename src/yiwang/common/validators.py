"""Validators for resident-ID numbers, USCCs and mainland mobile numbers.

Messages name the field at fault, in the reader's language (Chinese unless a page was asked for
in English; the API answers in Chinese); a field's name is translated when it was marked. Each
validator returns the normalised value (full-width characters folded to ASCII, upper case,
separators removed).

The resident-ID check deliberately does not reject by district code: genuine IDs carry codes
newer than the holder's birth year (440304 Futian, created 1990, on IDs of people born before),
which is why `stdnum.cn.ric.validate` is not used as is. The USCC check also verifies the
organisation-code check character embedded at position 17 (GB 11714), which
`stdnum.cn.uscc.validate` does not.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, gettext_noop
from stdnum.cn import uscc as stdnum_uscc

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
# [0-9], never \d: \d accepts other scripts' digits, which int() would then happily read.
_ID_RE = re.compile(r"^[1-9][0-9]{16}[0-9X]$")
_MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, Z, S, V
_USCC_RE = re.compile(r"^[0-9A-HJ-NP-RT-UW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RT-UW-Y]{10}$")
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # GB 11714 values 0–35


def _fold(value: str | None) -> str:
    # Full-width input (１２３, Ｘ) is common from Chinese IMEs; fold it before checking.
    return unicodedata.normalize("NFKC", value or "").strip()


def id_number_check_digit(first17: str) -> str:
    """GB 11643 check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _refuse(message: str, code: str, field: str, **values: Any) -> ValidationError:
    """`message` (marked, with %(field)s) in the reader's language, naming `field`."""
    name = gettext(field) if field else ""  # gettext("") is the catalogue's header
    return ValidationError(gettext(message) % {"field": name, **values}, code=code)


ID_NUMBER = gettext_noop("居民身份证号码")
USCC = gettext_noop("统一社会信用代码")
MOBILE = gettext_noop("手机号码")
TEXT = gettext_noop("文本")
REQUIRED = gettext_noop("%(field)s不能为空。")
LENGTH_18 = gettext_noop("%(field)s应为 18 位，当前为 %(n)s 位。")


def validate_id_number(value: str, field: str = ID_NUMBER) -> str:
    """Return the normalised 18-character ID or raise ValidationError naming `field`."""
    value = _fold(value).upper()
    if not value:
        raise _refuse(REQUIRED, "required", field)
    if len(value) != 18:
        raise _refuse(LENGTH_18, "length", field, n=len(value))
    if not _ID_RE.match(value):
        raise _refuse(
            gettext_noop("%(field)s格式不正确：前 17 位应为数字，末位为数字或 X。"), "format", field
        )
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise _refuse(
            gettext_noop("%(field)s中的出生日期 %(date)s 不是真实日期。"),
            "birth_date",
            field,
            date=value[6:14],
        ) from None
    if birth > timezone.localdate() or birth.year < 1900:
        raise _refuse(
            gettext_noop("%(field)s中的出生日期 %(date)s 不可能。"),
            "birth_date",
            field,
            date=f"{birth:%Y-%m-%d}",
        )
    if id_number_check_digit(value[:17]) != value[17]:
        raise _refuse(gettext_noop("%(field)s校验位不正确，请核对号码。"), "check_digit", field)
    return value


def organisation_code_check_char(first8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_uscc(value: str, field: str = USCC) -> str:
    """Return the normalised USCC (GB 32100) or raise ValidationError naming `field`."""
    value = _fold(value).upper()
    if not value:
        raise _refuse(REQUIRED, "required", field)
    if len(value) != 18:
        raise _refuse(LENGTH_18, "length", field, n=len(value))
    if not _USCC_RE.match(value):
        raise _refuse(
            gettext_noop(
                "%(field)s格式不正确：第 3–8 位为行政区划代码（数字），"
                "其余为数字或大写字母（不使用 I、O、Z、S、V）。"
            ),
            "format",
            field,
        )
    if organisation_code_check_char(value[8:16]) != value[16]:
        raise _refuse(
            gettext_noop("%(field)s中的组织机构代码（第 9–17 位）校验位不正确，请核对代码。"),
            "check_digit",
            field,
        )
    if stdnum_uscc.calc_check_digit(value[:17]) != value[17]:
        raise _refuse(gettext_noop("%(field)s校验位不正确，请核对代码。"), "check_digit", field)
    return value


def validate_mobile(value: str, field: str = MOBILE) -> str:
    """Return a mainland mobile number (11 digits starting 13–19) or raise naming `field`.

    Spaces, dashes and a +86 / 0086 prefix are accepted and removed.
    """
    value = "".join(_fold(value).split()).replace("-", "")
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
            break
    if not value:
        raise _refuse(REQUIRED, "required", field)
    if not _MOBILE_RE.match(value):
        raise _refuse(
            gettext_noop("%(field)s不是有效的大陆手机号码（11 位，以 13–19 开头）。"),
            "format",
            field,
        )
    return value


def uscc_with_check(first17: str) -> str:
    """Complete a 17-character USCC body with its check character (demo data, tests).

    The organisation-code check character at position 17 is recomputed from positions 9–16,
    so any 17 characters from the USCC alphabet give a valid code.
    """
    body = first17[:16] + organisation_code_check_char(first17[8:16])
    return body + stdnum_uscc.calc_check_digit(body)


def id_number_with_check(first17: str) -> str:
    """Complete the first 17 digits of a resident ID with its check character."""
    return first17 + id_number_check_digit(first17)


def uscc_field_validator(value: str) -> None:
    """`validate_uscc` in the shape Django model-field validators take."""
    validate_uscc(value)


# --- Names and free texts -------------------------------------------------------------------

# Explicit embeddings/overrides (U+202A–U+202E) and isolates (U+2066–U+2069): they make text
# display in another order than it is stored ("Trojan Source"), e.g. a name or a file name
# that reads differently on a page, in an export and in the audit trail.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def validate_plain_text(value: object, field: str = TEXT) -> None:
    """Refuse bidirectional control characters in a name or free text, naming `field`."""
    if not isinstance(value, str):
        return
    found = next((c for c in value if c in BIDI_CONTROLS), None)
    if found is not None:
        raise _refuse(
            gettext_noop(
                "%(field)s含有文字方向控制字符（U+%(point)s），会使显示的文字与实际内容不同，"
                "请删除后重新输入。"
            ),
            "bidi_control",
            field,
            point=f"{ord(found):04X}",
        )


@deconstructible
class PlainText:
    """`validate_plain_text` as a model-field validator: model full_clean (services, the
    importer), ModelForms and DRF ModelSerializers all run it."""

    def __init__(self, field: str) -> None:
        self.field = field

    def __call__(self, value: object) -> None:
        validate_plain_text(value, self.field)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlainText) and other.field == self.field

    def __hash__(self) -> int:
        return hash(("PlainText", self.field))


def _too_long_text(field: str) -> str:
    return gettext("%(field)s不能超过 %%(limit_value)d 个字符（当前 %%(show_value)d 个）。") % {
        "field": gettext(field) if field else ""
    }


_too_long = lazy(_too_long_text, str)


@deconstructible
class MaxTextLength(MaxLengthValidator):
    """The length bound of a TextField, which Django's model validation does not check by
    itself (only CharField gets a MaxLengthValidator). A MaxLengthValidator, so DRF replaces it
    with its own max_length (shown as maxLength in the schema) instead of running both."""

    def __init__(self, field: str, limit_value: int) -> None:
        self.field = field
        # Lazy: read in the reader's language when a value is refused (Django then fills in
        # %(limit_value)d and %(show_value)d).
        super().__init__(limit_value, message=_too_long(field))


def bounded_text(label: str, max_length: int, **options: Any) -> models.TextField:
    """A free-text model field with its length bound and the plain-text check, both naming the
    field: how every free-text field that people type into is declared (forms, serializers and
    the importer take bound and checks from it). Texts the platform writes itself are plain
    TextFields.

    `label` is Chinese (marked with gettext_noop where the field is declared): the validators'
    messages use it as is, the field's verbose name is shown in the reader's language."""
    return models.TextField(
        gettext_lazy(label),  # the label is marked where the field is declared
        max_length=max_length,
        validators=[PlainText(label), MaxTextLength(label, max_length)],
        **options,
    )
