"""How the workbench shows a version: its elements in the guide's groups as people read them
(choice labels, 是/否, lists joined with 、), and the difference between two versions (the
review page, and services' refusal of an empty revision). Pure functions of loaded versions:
no query beyond the version's own prefetched lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from yiwang.catalog.models import (
    INTERMEDIARY_FIELDS,
    MATERIAL_FIELDS,
    MATERIAL_FILE_FIELDS,
    PROCEDURE_FIELDS,
    STEP_FIELDS,
    VERSION_FILE_FIELDS,
    IntermediaryService,
    Material,
    ProcessStep,
    ServiceItemVersion,
    SpecialProcedure,
)

# Group names are lazy: the workbench shows them in the reader's language.
ELEMENT_GROUPS: list[tuple[str | Promise, list[str]]] = [
    (
        gettext_lazy("基本信息"),
        [
            "name",
            "base_code",
            "item_type",
            "competent_department",
            "implementing_body",
            "legal_basis",
            "exercise_level",
            "body_nature",
            "entrusting_department",
            "power_source",
            "joint_bodies",
        ],
    ),
    (
        gettext_lazy("办理信息"),
        [
            "service_objects",
            "conditions",
            "quantity_limit",
            "location",
            "hours",
            "legal_limit",
            "promised_limit",
            "handling_kind",
            "visits",
            "handling_forms",
            "situations",
        ],
    ),
    (gettext_lazy("审批结果"), ["result_type", "result_name", "result_sample", "delivery_methods"]),
    (gettext_lazy("收费"), ["has_fee", "fee_standard", "fee_basis", "online_payment"]),
    (
        gettext_lazy("标识"),
        [
            "online_depth",
            "fully_online",
            "service_scope",
            "appointment",
            "express_delivery",
            "in_hall",
            "commitment_based",
            "self_service_24h",
        ],
    ),
    (gettext_lazy("咨询与监督"), ["faq", "consult_phone", "complaint_channel"]),
    (gettext_lazy("申请表"), ["form_fields"]),
]

# Rows are matched by name; these are the attributes whose change the review diff shows.
MATERIAL_COMPARED = [f for f in MATERIAL_FIELDS if f not in ("order", "name")]
STEP_COMPARED = [f for f in STEP_FIELDS if f not in ("order", "name")]
PROCEDURE_COMPARED = [f for f in PROCEDURE_FIELDS if f != "name"]
INTERMEDIARY_COMPARED = [f for f in INTERMEDIARY_FIELDS if f not in ("order", "name")]


@dataclass(frozen=True)
class ElementRow:
    field: str
    label: str
    value: str
    old: str = ""
    changed: bool = False


@dataclass(frozen=True)
class ElementGroup:
    label: str | Promise
    rows: list[ElementRow]

    @property
    def changed_count(self) -> int:
        return sum(1 for r in self.rows if r.changed)


@dataclass(frozen=True)
class RowChange:
    """A material, step or special procedure compared by name across two versions."""

    name: str
    kind: str  # "added" | "removed" | "changed" | "same"
    changes: list[str] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return {
            "added": gettext("新增"),
            "removed": gettext("删除"),
            "changed": gettext("修改"),
            "same": gettext("未变"),
        }[self.kind]


@dataclass(frozen=True)
class VersionDiff:
    against: ServiceItemVersion | None
    groups: list[ElementGroup]
    materials: list[RowChange]
    steps: list[RowChange]
    special_procedures: list[RowChange]
    intermediaries: list[RowChange] = field(default_factory=list)

    @property
    def changed_count(self) -> int:
        rows = [*self.materials, *self.steps, *self.special_procedures, *self.intermediaries]
        return sum(g.changed_count for g in self.groups) + sum(r.kind != "same" for r in rows)


def _model_label(model: type, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)  # type: ignore[attr-defined]


def _listed(items: Iterable[object]) -> str:
    # Translators: separator between the items of a list (", " in English).
    return gettext("、").join(str(item) for item in items)


def display_value(obj: object, name: str) -> str:
    """An element as a person reads it: choice labels, 是/否, lists joined with 、."""
    value = getattr(obj, name)
    if name in VERSION_FILE_FIELDS:  # a file: whether there is one (a change shows as 已更换)
        return gettext("已上传") if value else "—"
    if name == "handling_forms":
        return _listed(obj.handling_form_labels) or "—"  # type: ignore[attr-defined]
    if name == "form_fields":
        return _listed(str(f.get("label") or f.get("key")) for f in value or []) or "—"
    if name == "service_objects":
        return _listed(obj.service_object_labels) or "—"  # type: ignore[attr-defined]
    if name == "delivery_methods":
        return _listed(obj.delivery_method_labels) or "—"  # type: ignore[attr-defined]
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    display = getattr(obj, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    if value is None or value == "":
        return "—"
    return str(value)


def version_elements(version: ServiceItemVersion) -> list[ElementGroup]:
    """The version's elements in the groups of the guide (基本信息, 办理信息 …)."""
    return [
        ElementGroup(
            label,
            [
                ElementRow(f, _model_label(ServiceItemVersion, f), display_value(version, f))
                for f in fields
            ],
        )
        for label, fields in ELEMENT_GROUPS
    ]


def _compare_rows(
    new: list, old: list, compared: list[str], model: type, files: tuple[str, ...] = ()
) -> list[RowChange]:
    old_by_name = {r.name: r for r in old}
    new_names = {r.name for r in new}
    changes: list[RowChange] = []
    for row in new:
        before = old_by_name.get(row.name)
        if before is None:
            changes.append(RowChange(row.name, "added"))
            continue
        diffs = [
            gettext("%(field)s：%(before)s → %(after)s")
            % {
                "field": _model_label(model, f),
                "before": display_value(before, f),
                "after": display_value(row, f),
            }
            for f in compared
            if getattr(before, f) != getattr(row, f)
        ]
        # A replaced blank form or sample is a change citizens see, though no text changed.
        diffs += [
            gettext("%(field)s：已更换") % {"field": _model_label(model, f)}
            for f in files
            if (getattr(before, f).name or "") != (getattr(row, f).name or "")
        ]
        changes.append(RowChange(row.name, "changed" if diffs else "same", diffs))
    changes += [RowChange(r.name, "removed") for r in old if r.name not in new_names]
    return changes


def _raw(obj: object, name: str) -> object:
    value = getattr(obj, name)
    return (value.name or "") if name in VERSION_FILE_FIELDS else value


def version_diff(version: ServiceItemVersion, against: ServiceItemVersion | None) -> VersionDiff:
    """What `version` changes compared with `against` (normally the published version).
    Without a version to compare with, every element counts as new."""
    groups = []
    for label, fields in ELEMENT_GROUPS:
        rows = []
        for f in fields:
            value = display_value(version, f)
            old = display_value(against, f) if against is not None else ""
            changed = against is not None and _raw(version, f) != _raw(against, f)
            if changed and f in VERSION_FILE_FIELDS and value == old:
                value = gettext("已更换")  # a replaced file is a change citizens see
            rows.append(ElementRow(f, _model_label(ServiceItemVersion, f), value, old, changed))
        groups.append(ElementGroup(label, rows))
    old_materials = list(against.materials.all()) if against else []
    old_steps = list(against.steps.all()) if against else []
    old_procedures = list(against.special_procedures.all()) if against else []
    old_intermediaries = list(against.intermediaries.all()) if against else []
    return VersionDiff(
        against=against,
        groups=groups,
        materials=_compare_rows(
            list(version.materials.all()),
            old_materials,
            MATERIAL_COMPARED,
            Material,
            files=tuple(MATERIAL_FILE_FIELDS),
        ),
        steps=_compare_rows(list(version.steps.all()), old_steps, STEP_COMPARED, ProcessStep),
        special_procedures=_compare_rows(
            list(version.special_procedures.all()),
            old_procedures,
            PROCEDURE_COMPARED,
            SpecialProcedure,
        ),
        intermediaries=_compare_rows(
            list(version.intermediaries.all()),
            old_intermediaries,
            INTERMEDIARY_COMPARED,
            IntermediaryService,
        ),
    )
