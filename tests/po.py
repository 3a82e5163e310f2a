"""A small reader of gettext .po files, enough for the locale tests (no polib, no gettext
binaries): entries with context, plural forms, flags and obsolete (#~) entries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
_STRING = re.compile(r'^"(.*)"$')
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$")


def _unquote(text: str, where: str) -> str:
    match = _STRING.match(text.strip())
    if not match:
        raise ValueError(f"{where}: not a quoted string: {text!r}")
    out, chars = [], iter(match.group(1))
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            if nxt not in _ESCAPES:
                raise ValueError(f"{where}: unknown escape \\{nxt}")
            out.append(_ESCAPES[nxt])
        else:
            out.append(char)
    return "".join(out)


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        if self.msgid_plural is not None:
            return bool(self.msgstr_plural) and all(self.msgstr_plural.values())
        return bool(self.msgstr)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags


def parse(path: Path) -> list[Entry]:
    """Every entry of the file, the header (msgid "") included, in file order."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: str | None = None  # which field continuation lines extend
    pending_flags: set[str] = set()

    def finish() -> None:
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{path}:{number}"
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if current is not None and target is not None and target != "msgctxt":
                finish()  # a comment after a msgstr starts the next entry
            if line.startswith("#,"):
                pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        keyword = _KEYWORD.match(line)
        if keyword:
            name, index, value = keyword.group(1), keyword.group(2), keyword.group(3)
            starts_entry = name in ("msgctxt", "msgid") and (
                current is None or target not in (None, "msgctxt")
            )
            if starts_entry:
                finish()
            if current is None:
                current = Entry(line=number, flags=pending_flags, obsolete=obsolete)
                pending_flags = set()
            text = _unquote(value, where)
            if index is not None:
                target = f"msgstr[{index}]"
                current.msgstr_plural[int(index)] = text
            else:
                target = name
                setattr(current, name, text)
            continue
        if _STRING.match(line) and current is not None and target is not None:
            text = _unquote(line, where)
            if target.startswith("msgstr["):
                index = int(target[7:-1])
                current.msgstr_plural[index] += text
            else:
                setattr(current, target, getattr(current, target) + text)
            continue
        raise ValueError(f"{where}: cannot read {raw!r}")
    finish()
    return entries


def messages(path: Path) -> list[Entry]:
    """The live messages: no header, no obsolete entries."""
    return [entry for entry in parse(path) if entry.msgid and not entry.obsolete]


def catalog(path: Path) -> dict[str, str]:
    """The translations as a compiled .mo holds them, keyed the way Python's gettext module
    keys its catalog: "ctxt\\x04msgid", plural forms as (msgid, n). Untranslated and fuzzy
    entries are left out, as msgfmt leaves them out."""
    out: dict = {}
    for entry in parse(path):
        if entry.obsolete:
            continue
        if entry.msgid and (entry.fuzzy or not entry.translated):
            continue
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is not None:
            for index, text in entry.msgstr_plural.items():
                out[(key, index)] = text
        else:
            out[key] = entry.msgstr
    return out
