"""Licence identifiers (电子证照标识, GB/T 36904-2018): build, parse, validate.

    1.2.156.3005.2.{type code}.{issuer USCC}.{serial}.{version}.{check character}

- type code (证照类型代码): the 18-character USCC of the authority that defines the licence
  type followed by a 3-digit sequence number, 21 characters;
- issuer (颁发机构代码): the issuing body's 18-character USCC;
- serial (流水号): 1–32 characters from 0-9 and A-Z, chosen by the issuer;
- version (版本号): 3 digits;
- check character (校验位): ISO/IEC 7064 (GB/T 17710) MOD 37,36 hybrid system, alphabet 0-9A-Z,
  over type code ‖ issuer ‖ serial ‖ version (the dots and the OID prefix are not included).

The serial is restricted to the check system's own alphabet, since a character outside it
could not be covered by the check character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError

from yiwang.common.validators import validate_uscc

PREFIX = "1.2.156.3005.2"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MODULUS = len(ALPHABET)  # M = 36; the hybrid system computes modulo M and M + 1 = 37
SERIAL_MAX_LENGTH = 32
# \Z, not $: "$" also matches before a final newline, which would let "001\n" through.
_SERIAL_RE = re.compile(r"^[0-9A-Z]{1,32}\Z")
_SEQUENCE_RE = re.compile(r"^[0-9]{3}\Z")
_VERSION_RE = re.compile(r"^[0-9]{3}\Z")
FIELD = "电子证照标识"
_PREFIX_DOT = PREFIX + "."
_PREFIX_LENGTH = len(_PREFIX_DOT)


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError({"identifier": ValidationError(message, code=code)})


def check_character(data: str) -> str:
    """The MOD 37,36 check character of `data` (characters 0-9, A-Z).

    ISO/IEC 7064 hybrid system with M = 36: start with P = M; for each character of value a,
    S = (P + a) mod M, taken as M when it is 0, and P = 2·S mod (M + 1). The check character
    is the one of value (1 − P) mod M, so that (P + check) mod M = 1.
    """
    return _check_after(MODULUS, data)


def _run(product: int, data: str) -> int:
    try:
        for char in data:
            product = _STEP[product][char]
    except KeyError:
        raise ValueError(f"{char!r} is not in the MOD 37,36 alphabet") from None
    return product


def _check_after(product: int, data: str) -> str:
    """The check character of data continued from the state P = `product`."""
    return ALPHABET[(1 - _run(product, data)) % MODULUS]


@lru_cache(maxsize=1024)
def _product_after(prefix: str) -> int:
    # P after a licence type's code and its issuer's USCC: 39 of the some 52 characters of
    # every identifier built or parsed (every seal and verification), and the pairs are few.
    return _run(MODULUS, prefix)


def _step(product: int, value: int) -> int:
    total = (product + value) % MODULUS or MODULUS
    return total * 2 % (MODULUS + 1)


# The step above for every P (1–36) and character, computed once: every seal and verification
# runs it over some 60 characters.
_STEP = {
    product: {char: _step(product, value) for value, char in enumerate(ALPHABET)}
    for product in range(MODULUS + 1)
}


@dataclass(frozen=True)
class LicenseIdentifier:
    """The parts of a licence identifier; `str()` gives the identifier itself."""

    type_code: str
    issuer: str
    serial: str
    version: int

    @property
    def check(self) -> str:
        # type code ‖ issuer ‖ serial ‖ version, the first two (few pairs) from a remembered
        # state: the same character as check_character over the whole (test_identifiers).
        return _check_after(
            _product_after(self.type_code + self.issuer), self.serial + f"{self.version:03d}"
        )

    def __str__(self) -> str:
        return (
            f"{PREFIX}.{self.type_code}.{self.issuer}.{self.serial}.{self.version:03d}.{self.check}"
        )


# Type codes and issuers are few (one per licence type, one per department) and come back on
# every identifier built or parsed — every seal and every verification: their USCC checks are
# remembered once passed (a refusal is not cached and is raised again each time).
@lru_cache(maxsize=1024)
def validate_type_code(value: str) -> str:
    """A licence type code: the defining authority's USCC (18) + a 3-digit sequence."""
    value = (value or "").strip().upper()
    if len(value) != 21 or not _SEQUENCE_RE.match(value[18:]):
        raise ValidationError(
            {
                "type_code": ValidationError(
                    "证照类型代码应为 21 位：定义机构的统一社会信用代码（18 位）加 3 位顺序号。",
                    code="format",
                )
            }
        )
    try:
        validate_uscc(value[:18], field="证照类型代码中的统一社会信用代码")
    except ValidationError as exc:
        raise ValidationError({"type_code": exc.messages}) from None
    return value


@lru_cache(maxsize=1024)
def _validate_issuer(value: str) -> str:
    try:
        return validate_uscc(value, field="颁发机构的统一社会信用代码")
    except ValidationError as exc:
        raise ValidationError({"issuer": exc.messages}) from None


def _validate_serial(value: str) -> str:
    if not _SERIAL_RE.match(value or ""):
        raise ValidationError(
            {
                "serial": ValidationError(
                    f"证照流水号应为 1–{SERIAL_MAX_LENGTH} 位数字或大写字母（0-9、A-Z）。",
                    code="format",
                )
            }
        )
    return value


def build(*, type_code: str, issuer: str, serial: str, version: int = 1) -> LicenseIdentifier:
    """Validate the parts and return the identifier (its check character computed)."""
    if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version <= 999:
        raise ValidationError(
            {"version": ValidationError("版本号应为 0–999 的整数（写作 3 位）。", code="format")}
        )
    return LicenseIdentifier(
        type_code=validate_type_code(type_code),
        issuer=_validate_issuer(issuer),
        serial=_validate_serial(serial),
        version=version,
    )


def parse(text: str) -> LicenseIdentifier:
    """Parse and validate an identifier; ValidationError (key "identifier") names what is wrong.

    Only the exact form is accepted (upper case, no spaces): an identifier is compared byte
    for byte with the one inside the seal, so a look-alike is not silently repaired.
    """
    if not isinstance(text, str) or not text.startswith(PREFIX + "."):
        raise _refuse(f"{FIELD}应以 {PREFIX}. 开头。", "prefix")
    parts = text[len(PREFIX) + 1 :].split(".")
    if len(parts) != 5:
        raise _refuse(
            f"{FIELD}应由前缀和 5 段组成：证照类型代码.颁发机构代码.流水号.版本号.校验位。",
            "format",
        )
    type_code, issuer, serial, version, check = parts
    if not _VERSION_RE.match(version):
        raise _refuse(f"{FIELD}中的版本号应为 3 位数字。", "version")
    if len(check) != 1 or check not in ALPHABET:
        raise _refuse(f"{FIELD}的校验位应为 1 位数字或大写字母。", "check")
    try:
        identifier = build(type_code=type_code, issuer=issuer, serial=serial, version=int(version))
    except ValidationError as exc:
        messages = [m for errors in exc.message_dict.values() for m in errors]
        raise _refuse(f"{FIELD}不正确：{messages[0]}", "part") from None
    if identifier.type_code != type_code or identifier.issuer != issuer:
        # validate_uscc folds case and width; the identifier itself must already be exact.
        raise _refuse(f"{FIELD}应使用大写字母，不含空格。", "format")
    if identifier.check != check:
        raise _refuse(f"{FIELD}校验位不正确，请核对标识。", "check_digit")
    return identifier


def is_exact(text: str, *, type_code: str, issuer: str) -> bool:
    """Whether `text` is a valid identifier (as `parse` accepts it) of this type code and
    issuer — the check sealing and verification make on every licence, in fewer steps than
    parse; False for anything else, which parse then explains."""
    if not text.startswith(_PREFIX_DOT):
        return False
    parts = text[_PREFIX_LENGTH:].split(".")
    if len(parts) != 5 or parts[0] != type_code or parts[1] != issuer:
        return False
    serial, version, check = parts[2], parts[3], parts[4]
    if not _SERIAL_RE.match(serial) or not _VERSION_RE.match(version):
        return False
    try:
        if validate_type_code(type_code) != type_code or _validate_issuer(issuer) != issuer:
            return False
    except ValidationError:
        return False
    # The version's three digits are what parse's f"{version:03d}" gives back.
    return check == _check_after(_product_after(type_code + issuer), serial + version)


def is_valid(text: str) -> bool:
    """Whether `text` is a well-formed identifier with a correct check character."""
    try:
        parse(text)
    except ValidationError:
        return False
    return True
