"""Every URL the code builds comes from reverse() or {% url %}, and no code waits for a page
"until it exists": a moved URL then moves everywhere at once, and a missing page is an error
the tests see, not a link that silently disappears."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "yiwang"
# A quoted path of one of the project's URL trees (or the site root as a link target).
HARD_CODED = re.compile(
    r"""["']/(?:workbench|guide|accounts|api|admin|search|my|i18n|healthz|media)\b"""
    r"""|(?:href|action)=["']/["']"""
)
GUARDS = re.compile(r"except\s+(?:\(?[\w., ]*)?(?:NoReverseMatch|ImportError)")


def _sources():  # type: ignore[no-untyped-def]
    for path in sorted(SRC.rglob("*")):
        if path.suffix not in {".py", ".html", ".txt", ".js"} or "migrations" in path.parts:
            continue
        if "vendor" in path.parts or path.name == "settings.py":  # settings are configuration
            continue
        yield path, path.read_text(encoding="utf-8")


def _lines(pattern: re.Pattern[str]) -> list[str]:
    return [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path, text in _sources()
        for number, line in enumerate(text.splitlines(), 1)
        if pattern.search(line)
    ]


def test_no_hard_coded_paths():
    assert _lines(HARD_CODED) == []


def test_no_guard_for_pages_or_modules_that_might_not_exist():
    assert _lines(GUARDS) == []
