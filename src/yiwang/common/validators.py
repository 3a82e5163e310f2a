"""Validators for resident-ID numbers, USCCs and mainland mobile numbers.

Messages are Chinese and name the field at fault. The resident-ID check deliberately does not
reject by district code: genuine IDs carry codes newer than the holder's birth year, which is why
`stdnum.cn.ric.validate` is not used as is.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^[1-9]\d{16}[0-9X]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_USCC_RE = re.compile(r"^[0-9A-HJ-NP-RT-UW-Y]{2}\d{6}[0-9A-HJ-NP-RT-UW-Y]{10}$")


def id_number_check_digit(first17: str) -> str:
    """GB 11643 check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_id_number(value: str, field: str = "居民身份证号码") -> str:
    """Return the normalised 18-character ID or raise ValidationError naming `field`."""
    value = (value or "").strip().upper()
    if not value:
        raise ValidationError(f"{field}不能为空。", code="required")
    if len(value) != 18:
        raise ValidationError(f"{field}应为 18 位，当前为 {len(value)} 位。", code="length")
    if not _ID_RE.match(value):
        raise ValidationError(f"{field}格式不正确：前 17 位应为数字，末位为数字或 X。",
                              code="format")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(f"{field}中的出生日期 {value[6:14]} 不是真实日期。",
                              code="birth_date") from None
    if birth > timezone.localdate() or birth.year < 1900:
        raise ValidationError(f"{field}中的出生日期 {birth:%Y-%m-%d} 不可能。", code="birth_date")
    if id_number_check_digit(value[:17]) != value[17]:
        raise ValidationError(f"{field}校验位不正确，请核对号码。", code="check_digit")
    return value


def validate_uscc(value: str, field: str = "统一社会信用代码") -> str:
    """Return the normalised USCC (GB 32100) or raise ValidationError naming `field`."""
    value = (value or "").strip().upper()
    if not value:
        raise ValidationError(f"{field}不能为空。", code="required")
    if len(value) != 18:
        raise ValidationError(f"{field}应为 18 位，当前为 {len(value)} 位。", code="length")
    if not _USCC_RE.match(value):
        raise ValidationError(f"{field}含有不允许的字符（不使用 I、O、Z、S、V）。", code="format")
    if stdnum_uscc.calc_check_digit(value[:17]) != value[17]:
        raise ValidationError(f"{field}校验位不正确，请核对代码。", code="check_digit")
    return value


def validate_mobile(value: str, field: str = "手机号码") -> str:
    """Return a mainland mobile number (11 digits starting 13–19) or raise naming `field`."""
    value = (value or "").strip().replace(" ", "").replace("-", "")
    if value.startswith("+86"):
        value = value[3:]
    if not value:
        raise ValidationError(f"{field}不能为空。", code="required")
    if not _MOBILE_RE.match(value):
        raise ValidationError(f"{field}不是有效的大陆手机号码（11 位，以 13–19 开头）。",
                              code="format")
    return value


def uscc_with_check(first17: str) -> str:
    """Complete a 17-character USCC body with its check character (demo data, tests)."""
    return first17 + stdnum_uscc.calc_check_digit(first17)


def id_number_with_check(first17: str) -> str:
    return first17 + id_number_check_digit(first17)
