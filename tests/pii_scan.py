"""Find clear personal numbers in text (log lines): resident-ID numbers with a valid check
character and mainland mobile numbers, also inside URL-encoded text."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from yiwang.common.validators import id_number_check_digit

ID_RE = re.compile(r"(?<![0-9])([1-9][0-9]{16})([0-9Xx])(?![0-9])")
MOBILE_RE = re.compile(r"(?<![0-9])1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}(?![0-9])")


def clear_personal_numbers(text: str) -> list[str]:
    """Every clear ID or mobile number in `text`, in its raw or URL-decoded form."""
    found: list[str] = []
    for form in dict.fromkeys([text, unquote_plus(text), unquote_plus(unquote_plus(text))]):
        found += [
            m.group(0)
            for m in ID_RE.finditer(form)
            if id_number_check_digit(m.group(1)) == m.group(2).upper()
        ]
        found += [m.group(0) for m in MOBILE_RE.finditer(form)]
    return found
