"""Masking of personal data for display: pages, API, exports and logs show only these forms."""

from __future__ import annotations

import re

# ASCII digits only ([0-9], not \d, which also matches full-width and other scripts' digits).
# Letters may touch an ID (e.g. "id340104…") but digits may not: a longer number is not an ID.
ID_NUMBER_RE = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
# A mainland mobile, optionally with +86/86 and the usual separators ("138 1234 5678").
MOBILE_RE = re.compile(
    r"(?<![0-9])(?P<prefix>(?:\+|00)?86[- ]?)?(?P<a>1[3-9][0-9])[- ]?(?P<b>[0-9]{4})[- ]?"
    r"(?P<c>[0-9]{4})(?![0-9])"
)


def mask_id_number(value: str) -> str:
    """`340104199001011234` → `3401**********1234` (first four, last four)."""
    value = (value or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """`13812345678` → `138****5678`; other lengths keep first three and last four."""
    value = (value or "").strip()
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


MASKERS = {"id_number": mask_id_number, "phone": mask_phone}


def mask(kind: str, value: str) -> str:
    """Mask `value` of the given personal-data kind ("id_number" or "phone")."""
    return MASKERS[kind](value)


def _mask_mobile_match(match: re.Match[str]) -> str:
    digits = match["a"] + match["b"] + match["c"]
    return (match["prefix"] or "") + mask_phone(digits)


# A long hexadecimal token (a public key, hash or signature) is not personal data, though eleven
# of its digits may happen to read as a mobile number: such tokens are left whole.
HEX_TOKEN_RE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{32,}(?![0-9A-Za-z])")


def _mask_plain(text: str) -> str:
    text = ID_NUMBER_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    return MOBILE_RE.sub(_mask_mobile_match, text)


def mask_text(text: str) -> str:
    """Mask every resident-ID number and mainland mobile number found in free text (logs),
    outside long hexadecimal tokens (HEX_TOKEN_RE)."""
    parts, last = [], 0
    for token in HEX_TOKEN_RE.finditer(text):
        parts += [_mask_plain(text[last : token.start()]), token.group(0)]
        last = token.end()
    parts.append(_mask_plain(text[last:]))
    return "".join(parts)


_DIGIT_RUN_RE = re.compile(r"[0-9]{7,}")


def mask_identifier(value: str) -> str:
    """A name someone typed to sign in, as logs and the audit keep it: ID and mobile numbers
    masked, and any other run of seven or more digits too (a mistyped phone or ID is still
    personal data)."""
    masked = mask_text(value or "")
    return _DIGIT_RUN_RE.sub(lambda m: mask_phone(m.group(0)), masked)
