"""Parsing one row's cells into element values (yes/no, choices, numbers, material lists)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.utils.translation import gettext

from yiwang.catalog.fields import (
    BodyNature,
    DeliveryMethod,
    ExerciseLevel,
    OnlineDepth,
    PowerSource,
    ResultType,
    ServiceObject,
    ServiceScope,
)
from yiwang.catalog.models import (
    BusinessType,
    HandlingForm,
    HandlingKind,
    ItemType,
    MaterialSource,
    Medium,
    OriginalOrCopy,
)
from yiwang.catalog.transfer.reading import Table
from yiwang.catalog.transfer.report import RowError
from yiwang.catalog.transfer.spec import normalize_header

# --- Parsing cells ---------------------------------------------------------------------------

_TRUE = frozenset({"y", "yes", "是", "true", "1", "√", "✓", "对"})
_FALSE = frozenset({"n", "no", "否", "false", "0", "×", "✗", "不", ""})
_INTEGER = re.compile(r"(\d+)(?:个工作日|工作日|日|天)?")


def _choices(choices: Any, *extra: tuple[str, str]) -> dict[str, str]:
    table = {normalize_header(label): value for value, label in choices.choices}
    table.update({normalize_header(value): value for value in choices.values})
    table.update({normalize_header(k): v for k, v in extra})
    return table


TYPE_CHOICES = _choices(ItemType)
BUSINESS_CHOICES = _choices(BusinessType, ("新办", "new"))
KIND_CHOICES = _choices(HandlingKind, ("即办", "instant"), ("承诺", "promised"))
FORM_CHOICES = _choices(
    HandlingForm,
    ("窗口", "window"),
    ("网上", "online"),
    ("网办", "online"),
    ("自助", "self_service"),
    ("快递", "express"),
    ("邮寄", "express"),
)
ONLINE_CHOICES = {"全程网办": "full", "网上预审": "pre", "窗口办理": "none"}
ORIGINAL_CHOICES = _choices(
    OriginalOrCopy, ("原件及复印件", "both"), ("原件/复印件", "both"), ("复印件", "copy")
)
MEDIUM_CHOICES = _choices(Medium, ("纸质和电子", "both"), ("纸质/电子", "both"))
SOURCE_CHOICES = _choices(MaterialSource, ("申请人", "applicant"), ("政府部门", "government"))
# The implementation list's elements: each label, its short form (the label without the note in
# brackets, which normalize_header drops: “法人”, “四级”, “电子送达”) and the stored value.
SERVICE_OBJECT_CHOICES = _choices(ServiceObject)
EXERCISE_LEVEL_CHOICES = _choices(ExerciseLevel, ("县（市、区）级", "county"))
BODY_NATURE_CHOICES = _choices(BodyNature)
POWER_SOURCE_CHOICES = _choices(PowerSource)
RESULT_TYPE_CHOICES = _choices(ResultType)
DELIVERY_CHOICES = _choices(DeliveryMethod, ("窗口", "window"), ("邮寄", "mail"))
DEPTH_CHOICES: dict[str, Any] = {**_choices(OnlineDepth), "全程网办": OnlineDepth.LEVEL_4}
SCOPE_CHOICES = _choices(ServiceScope)
_LIST_SPLIT = re.compile(r"[、;；,，\n]+")


def not_a_choice(value: str, allowed: str) -> str:
    """The message for a cell that is none of the values `allowed` (the catalogue's own
    vocabulary, typed in the file as it is: not translated)."""
    return gettext("“%(value)s”不是可选的值，应为：%(allowed)s。") % {
        "value": value,
        "allowed": allowed,
    }


class Row:
    """The cells of one row, read by column key; problems are recorded against the file's own
    column name."""

    def __init__(self, table: Table, number: int, cells: list[str], errors: list[RowError]):
        self.table, self.number, self.cells, self._errors = table, number, cells, errors
        self.ok = True

    def has(self, key: str) -> bool:
        return key in self.table.index

    def header(self, key: str) -> str:
        position = self.table.index.get(key)
        if position is not None:
            return self.table.headers[position]
        assert self.table.spec is not None
        return self.table.spec.column(key).label

    def raw(self, key: str) -> str:
        position = self.table.index.get(key)
        if position is None or position >= len(self.cells):
            return ""
        return self.cells[position].strip()

    def error(self, key: str, message: str) -> None:
        self.error_in(self.header(key), message)

    def error_in(self, header: str, message: str) -> None:
        """A problem in the column the file names `header`."""
        self._errors.append(RowError(self.table.source, self.number, header, message))
        self.ok = False

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.raw(key)
        if required and not value:
            self.error(key, gettext("不能为空。"))
        return value

    def integer(
        self, key: str, *, default: int | None = None, positive: bool = False
    ) -> int | None:
        value = unicodedata.normalize("NFKC", self.raw(key)).replace(" ", "")
        if not value:
            if default is None:
                self.error(key, gettext("不能为空，应填写整数。"))
            return default
        match = _INTEGER.fullmatch(value.removesuffix(".0"))
        if match is None:
            self.error(
                key,
                gettext("应为不小于 %(low)s 的整数，现为“%(value)s”。")
                % {"low": 1 if positive else 0, "value": value},
            )
            return None
        number = int(match.group(1))
        if positive and number < 1:
            self.error(key, gettext("应为正整数，现为“%(value)s”。") % {"value": value})
            return None
        return number

    def flag(self, key: str, *, default: bool = False) -> bool | None:
        value = normalize_header(self.raw(key))
        if not value:
            return default
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        self.error(key, gettext("应填写 Y 或 N，现为“%(value)s”。") % {"value": self.raw(key)})
        return None

    def choices(self, key: str, options: dict[str, str], allowed: str) -> list[str]:
        """A list cell (“自然人、法人”, “；” also separates), each entry one of `options`; the
        values in the order given, each once. Blank is the empty list."""
        values: list[str] = []
        for token in (t.strip() for t in _LIST_SPLIT.split(self.raw(key))):
            if not token:
                continue
            found = options.get(normalize_header(token))
            if found is None:
                self.error(key, not_a_choice(token, allowed))
            elif found not in values:
                values.append(found)
        return values

    def choice(self, key: str, options: dict[str, str], allowed: str, default: str = "") -> str:
        value = self.raw(key)
        if not value:
            if not default:
                self.error(key, gettext("不能为空，应为：%(allowed)s。") % {"allowed": allowed})
            return default
        found = options.get(normalize_header(value))
        if found is None:
            self.error(key, not_a_choice(value, allowed))
            return ""
        return found


_MATERIAL_SPLIT = re.compile(r"[；;\n]+")
_TRAILING_NOTE = re.compile(r"^(?P<name>.+?)[（(](?P<note>[^（）()]*)[）)]$")
_COUNT = re.compile(r"(\d+)份")


def _material_note(note: str) -> dict[str, Any] | None:
    """Attributes written in brackets after a material's name, or None when the bracket is part
    of the name (“近期免冠照片（现场采集）”)."""
    attrs: dict[str, Any] = {}
    kinds: set[str] = set()
    for token in (t.strip() for t in re.split(r"[，,、]", note)):
        norm = normalize_header(token)
        if not token:
            continue
        if norm in ("原件和复印件", "原件及复印件"):
            kinds.update({"original", "copy"})
        elif norm in ("原件", "复印件"):
            kinds.add("original" if norm == "原件" else "copy")
        elif (count := _COUNT.fullmatch(norm)) is not None:
            attrs["count"] = int(count.group(1))
        elif norm in MEDIUM_CHOICES:
            attrs["medium"] = MEDIUM_CHOICES[norm]
        elif norm in SOURCE_CHOICES:
            attrs["source"] = SOURCE_CHOICES[norm]
        elif norm in ("必要", "必要材料"):
            attrs["required"] = True
        elif norm in ("非必要", "可选", "选填"):
            attrs["required"] = False
        elif norm in ("容缺", "可容缺"):
            attrs["deferrable"] = True
        elif norm == "免提交":
            attrs["exempt"] = True
        else:
            return None
    if kinds:
        attrs["original_or_copy"] = "both" if len(kinds) == 2 else kinds.pop()
    return attrs or None


def parse_materials(text: str) -> list[dict[str, Any]]:
    """“名称（原件，1份）；名称” → [{"name": …, "original_or_copy": …, "count": …}, {"name": …}]."""
    specs = []
    for entry in (e.strip() for e in _MATERIAL_SPLIT.split(text or "")):
        if not entry:
            continue
        match = _TRAILING_NOTE.match(entry)
        attrs = _material_note(match.group("note")) if match else None
        if match and attrs is not None:
            specs.append({"name": match.group("name").strip(), **attrs})
        else:
            specs.append({"name": entry})
    return specs
