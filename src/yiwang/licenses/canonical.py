"""The canonical serialisation of a licence: the exact bytes a seal signs (docs/licenses.md).

A pure function of the licence object of the licence file (`license`): it checks the object
against the v1 shape and returns the RFC 8785 (JSON Canonicalization Scheme) serialisation of

    {"format": "yiwang-license-v1", "identifier": …, "type": …, "issuer": …, "holder": …,
     "fields": …, "validity": …}

— UTF-8, no whitespace, object members sorted by their names' UTF-16 code units, strings with
only the escapes JSON requires. `status` is the one member of `license` left out: it changes
after sealing and is checked against the registry instead. Anything else that is not in the
shape is refused, never dropped, so a file with an added or renamed member cannot verify.

Strings must already be in Unicode NFC: the issuing side normalises (`normalise`), the
verifying side refuses, so two different byte sequences never verify as the same licence.
Values are strings, integers in ±(2^53 − 1), true, false and null; no floats (a decimal
amount is a string), no arrays, no nested objects in `fields`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Mapping
from json.encoder import encode_basestring as _quote
from operator import methodcaller
from typing import Any

from django.core.exceptions import ValidationError

from yiwang.common.validators import validate_uscc
from yiwang.licenses import identifiers

FORMAT = "yiwang-license-v1"
UNSIGNED = frozenset({"status"})
SAFE_INTEGER = 2**53 - 1  # the integers every JSON implementation reads exactly (RFC 8785)
HOLDER_KINDS = ("person", "enterprise")
# A resident-ID number as the licence file shows it (common.masking.mask_id_number).
# \Z, not $: "$" also matches before a final newline.
_MASKED_ID_RE = re.compile(r"^[1-9][0-9]{3}\*{10}[0-9]{3}[0-9X]\Z")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")

Scalar = str | int | bool | None


class CanonicalError(ValueError):
    """The licence object does not have the v1 shape; the message names the member."""


def _fail(path: str, message: str) -> CanonicalError:
    return CanonicalError(f"{path}：{message}")


def _string(value: Any, path: str, *, empty: bool = False) -> str:
    # ASCII text (identifiers, codes, dates) is always valid UTF-8 and NFC: one C call.
    if type(value) is str and value.isascii() and (empty or value):
        return value
    if not isinstance(value, str):
        raise _fail(path, "应为字符串。")
    if not empty and not value:
        raise _fail(path, "不能为空。")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _fail(path, "含有不成对的代理码位，不是有效的 Unicode 文本。") from None
    if not unicodedata.is_normalized("NFC", value):
        raise _fail(path, "不是 Unicode NFC 规范化形式。")
    return value


def _object(
    value: Any, path: str, members: tuple[str, ...], *, ignore: frozenset[str] = frozenset()
) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(path, "应为对象。")
    # The usual case, exactly the members (and those ignored), by one set comparison; the
    # lists below only name what is wrong.
    if value.keys() - ignore == frozenset(members):
        return value
    if ignore:
        value = {k: v for k, v in value.items() if k not in ignore}
    missing = [name for name in members if name not in value]
    if missing:
        raise _fail(path, f"缺少成员 {'、'.join(missing)}。")
    extra = [str(name) for name in value if name not in members]
    if extra:
        raise _fail(path, f"含有不属于签章内容的成员 {'、'.join(sorted(extra))}。")
    return value


def _date(value: Any, path: str) -> str:
    text = _string(value, path)
    try:
        if not _DATE_RE.match(text):
            raise ValueError
        dt.date.fromisoformat(text)
    except ValueError:
        raise _fail(path, "应为 YYYY-MM-DD 形式的真实日期。") from None
    return text


def _scalar(value: Any, path: str) -> Scalar:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > SAFE_INTEGER:
            raise _fail(path, "整数超出 ±(2^53−1)，请写成字符串。")
        return int(value)
    if isinstance(value, str):
        return _string(value, path, empty=True)
    if isinstance(value, float):
        raise _fail(path, "不允许小数，请写成字符串。")
    raise _fail(path, "只能是字符串、整数、true、false 或 null。")


def _uscc(value: Any, path: str) -> str:
    text = _string(value, path)
    try:
        exact = validate_uscc(text, field=path)
    except ValidationError as exc:
        raise CanonicalError(exc.messages[0]) from None
    if exact != text:
        raise _fail(path, "统一社会信用代码应为 18 位大写字母与数字，不含空格。")
    return text


def signed_content(license: Mapping[str, Any]) -> dict[str, Any]:
    """The object the seal covers, checked against the v1 shape (CanonicalError otherwise)."""
    if not isinstance(license, Mapping):
        raise _fail("license", "应为对象。")
    top = ("identifier", "type", "issuer", "holder", "fields", "validity")
    _object(license, "license", top, ignore=UNSIGNED)

    identifier_text = _string(license["identifier"], "license.identifier")
    try:
        identifier = identifiers.parse(identifier_text)
    except ValidationError as exc:
        raise _fail("license.identifier", exc.messages[0]) from None

    kind = _object(license["type"], "license.type", ("code", "name"))
    type_code = _string(kind["code"], "license.type.code")
    if type_code != identifier.type_code:
        raise _fail("license.type.code", "与电子证照标识中的证照类型代码不一致。")
    issuer = _object(license["issuer"], "license.issuer", ("uscc", "name"))
    issuer_uscc = _string(issuer["uscc"], "license.issuer.uscc")
    if issuer_uscc != identifier.issuer:
        raise _fail("license.issuer.uscc", "与电子证照标识中的颁发机构代码不一致。")

    holder = _object(license["holder"], "license.holder", ("kind", "name", "id_number"))
    holder_kind = _string(holder["kind"], "license.holder.kind")
    if holder_kind not in HOLDER_KINDS:
        raise _fail("license.holder.kind", "应为 person 或 enterprise。")
    if holder_kind == "person":
        # A licence file travels and is shown to anyone who verifies it: a person's ID number
        # is signed only in its masked form, and a clear one is refused, not masked here.
        id_number = _string(holder["id_number"], "license.holder.id_number")
        if not _MASKED_ID_RE.match(id_number):
            raise _fail(
                "license.holder.id_number", "个人证件号码应为脱敏形式（前四位、十个 *、后四位）。"
            )
    else:
        id_number = _uscc(holder["id_number"], "license.holder.id_number")

    fields = license["fields"]
    if not isinstance(fields, Mapping):
        raise _fail("license.fields", "应为对象。")
    signed_fields: dict[str, Scalar] = {}
    for name, value in fields.items():
        _string(name, "license.fields 的字段名")
        signed_fields[name] = _scalar(value, f"license.fields.{name}")

    validity = _object(license["validity"], "license.validity", ("from", "until"))
    valid_from = _date(validity["from"], "license.validity.from")
    valid_until = None
    if validity["until"] is not None:
        valid_until = _date(validity["until"], "license.validity.until")
        if valid_until < valid_from:
            raise _fail("license.validity.until", "有效期截止日早于起始日。")

    # Built with its members already in RFC 8785 order (the names here are ASCII, so UTF-16
    # order is their plain order; only `fields`' names, which are the type's, need sorting), so
    # that canonical_bytes encodes it as it stands instead of re-sorting every object: the
    # re-sort cost about a third of the canonical bytes' time, run on every seal and every
    # verification (bench/seal.py). test_canonical checks jcs() of it gives the same bytes.
    type_name = _string(kind["name"], "license.type.name")
    issuer_name = _string(issuer["name"], "license.issuer.name")
    holder_name = _string(holder["name"], "license.holder.name")
    return {
        "fields": {name: signed_fields[name] for name in sorted(signed_fields, key=_utf16_order)},
        "format": FORMAT,
        "holder": {
            "id_number": id_number,
            "kind": holder_kind,
            "name": holder_name,
        },
        "identifier": identifier_text,
        "issuer": {"name": issuer_name, "uscc": issuer_uscc},
        "type": {"code": type_code, "name": type_name},
        "validity": {"from": valid_from, "until": valid_until},
    }


# RFC 8785 §3.2.3 sorts member names by UTF-16 code units; big-endian UTF-16 bytes compare
# the same way. (Code-point order differs for characters beyond U+FFFF.) A C-level key: this
# runs for every member of every licence sealed or verified.
_utf16_order = methodcaller("encode", "utf-16-be")
# json.dumps with these options would build a new encoder on every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: _sorted(value[name]) for name in sorted(value, key=_utf16_order)}
    return value


def jcs(value: Any) -> bytes:
    """RFC 8785 bytes of a value made of dicts, strings, safe integers, booleans and None.

    json.dumps with ensure_ascii=False escapes exactly what RFC 8785 escapes (", \\, \\b \\f
    \\n \\r \\t, other controls as lower-case \\u00xx) and writes integers in decimal;
    floats never reach it.
    """
    return _ENCODER.encode(_sorted(value)).encode("utf-8")


def canonical_bytes(license: Mapping[str, Any]) -> bytes:
    """The exact bytes sealed for a licence object (CanonicalError if it is not v1)."""
    data = _usual_bytes(license)
    if data is not None:
        return data
    # signed_content's members are already in RFC 8785 order: jcs() without the re-sort.
    return _ENCODER.encode(signed_content(license)).encode("utf-8")


# The usual object's serialisation, written out: the members in RFC 8785 order (their names are
# ASCII), each string value through json's own escaping (the escapes RFC 8785 requires, as
# _ENCODER uses them), integers in decimal as json writes them.
_USUAL = (
    '{"fields":{%s},"format":"' + FORMAT + '",'
    '"holder":{"id_number":%s,"kind":%s,"name":%s},"identifier":%s,'
    '"issuer":{"name":%s,"uscc":%s},"type":{"code":%s,"name":%s},'
    '"validity":{"from":%s,"until":%s}}'
)
_LITERALS = {None: "null", True: "true", False: "false"}
# Outside the BMP, UTF-16 order (RFC 8785) and Python's code-point order differ.
_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")
_TOP = frozenset(("identifier", "type", "issuer", "holder", "fields", "validity"))
_TOP_WITH_STATUS = _TOP | UNSIGNED
_PAIR_TYPE = frozenset(("code", "name"))
_PAIR_ISSUER = frozenset(("uscc", "name"))
_HOLDER = frozenset(("kind", "name", "id_number"))
_VALIDITY = frozenset(("from", "until"))


def _usual_bytes(license: Any) -> bytes | None:
    """canonical_bytes for the usual licence object — plain dicts, exact str/int/bool/None
    values, NFC text — or None for anything else, which signed_content then checks (and
    refuses with the member named, or serialises).

    Sealing and every verification run this: it makes the same checks as signed_content with
    fewer steps (one NFC check over all the free text, the identifier checked in place; a
    string that is not valid UTF-8 fails the final encode). Whenever it gives bytes they are
    signed_content's (test_canonical holds the two together on generated objects, valid and
    not)."""
    if type(license) is not dict:
        return None
    keys = license.keys()
    if keys != _TOP and keys != _TOP_WITH_STATUS:
        return None
    kind, issuer, holder = license["type"], license["issuer"], license["holder"]
    fields, validity = license["fields"], license["validity"]
    if (
        type(kind) is not dict
        or kind.keys() != _PAIR_TYPE
        or type(issuer) is not dict
        or issuer.keys() != _PAIR_ISSUER
        or type(holder) is not dict
        or holder.keys() != _HOLDER
        or type(fields) is not dict
        or type(validity) is not dict
        or validity.keys() != _VALIDITY
    ):
        return None
    identifier, type_code, issuer_uscc = license["identifier"], kind["code"], issuer["uscc"]
    if (
        type(identifier) is not str
        or type(type_code) is not str
        or type(issuer_uscc) is not str
        or not identifiers.is_exact(identifier, type_code=type_code, issuer=issuer_uscc)
    ):
        return None
    holder_kind, id_number = holder["kind"], holder["id_number"]
    if type(holder_kind) is not str:
        return None
    if holder_kind == "person":
        if type(id_number) is not str or not _MASKED_ID_RE.match(id_number):
            return None
    elif holder_kind == "enterprise":
        try:
            id_number = _uscc(id_number, "license.holder.id_number")
        except CanonicalError:
            return None
    else:
        return None
    type_name, issuer_name, holder_name = kind["name"], issuer["name"], holder["name"]
    texts = [type_name, issuer_name, holder_name]
    for name, value in fields.items():
        if type(name) is not str or not name:
            return None
        texts.append(name)
        if type(value) is str:
            texts.append(value)
        elif type(value) is int:
            if not -SAFE_INTEGER <= value <= SAFE_INTEGER:
                return None
        elif value is not None and value is not True and value is not False:
            return None
    if (
        type(type_name) is not str
        or type(issuer_name) is not str
        or type(holder_name) is not str
        or not type_name
        or not issuer_name
        or not holder_name
    ):
        return None
    # NUL is a starter that composes with nothing, so NFC works on either side of it
    # separately: the joined text is NFC exactly when each string is.
    text = "\x00".join(texts)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        return None
    valid_from, valid_until = validity["from"], validity["until"]
    try:
        _date(valid_from, "license.validity.from")
        if valid_until is not None and (_date(valid_until, "license.validity.until") < valid_from):
            return None
    except CanonicalError:
        return None
    if _ASTRAL_RE.search(text) is None:
        order = sorted(fields)  # within the BMP, code-point order is UTF-16 order
    else:
        try:
            order = sorted(fields, key=_utf16_order)
        except UnicodeEncodeError:  # a lone surrogate: signed_content names the member
            return None
    members = ",".join(
        [
            _quote(name)
            + ":"
            + (
                _quote(value)
                if type(value) is str
                else str(value)
                if type(value) is int
                else _LITERALS[value]  # None, True, False (never 0 or 1: ints are above)
            )
            for name in order
            for value in (fields[name],)
        ]
    )
    encoded = _USUAL % (
        members,
        _quote(id_number),
        _quote(holder_kind),
        _quote(holder_name),
        _quote(identifier),
        _quote(issuer_name),
        _quote(issuer_uscc),
        _quote(type_code),
        _quote(type_name),
        _quote(valid_from),
        "null" if valid_until is None else _quote(valid_until),
    )
    try:
        return encoded.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: signed_content names the member
        return None


def normalise(value: Any) -> Any:
    """NFC-normalise every string (keys too) of a licence object, for the issuing side."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, Mapping):
        normalised = {normalise(k): normalise(v) for k, v in value.items()}
        if len(normalised) != len(value):
            raise CanonicalError("有两个成员名在 NFC 规范化后相同，请改名。")
        return normalised
    return value
