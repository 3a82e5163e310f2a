"""Planning an import: validate every row against the catalogue and decide what to write,
before any transaction is opened."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext, gettext_noop

from yiwang.catalog import fields as element_fields
from yiwang.catalog import services, workflow
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
    BaseItem,
    Bundle,
    BundleStatus,
    BusinessType,
    HandlingForm,
    HandlingKind,
    IntermediaryService,
    ItemStatus,
    ItemType,
    Material,
    MaterialSource,
    Medium,
    OriginalOrCopy,
    ProcessStep,
    ServiceItem,
    ServiceItemVersion,
    SpecialProcedure,
    VersionStatus,
    situations_value,
)
from yiwang.catalog.transfer.reading import Table, classify
from yiwang.catalog.transfer.report import RowError
from yiwang.catalog.transfer.rows import (
    BODY_NATURE_CHOICES,
    BUSINESS_CHOICES,
    DELIVERY_CHOICES,
    DEPTH_CHOICES,
    EXERCISE_LEVEL_CHOICES,
    FORM_CHOICES,
    KIND_CHOICES,
    MEDIUM_CHOICES,
    ONLINE_CHOICES,
    ORIGINAL_CHOICES,
    POWER_SOURCE_CHOICES,
    RESULT_TYPE_CHOICES,
    SCOPE_CHOICES,
    SERVICE_OBJECT_CHOICES,
    SOURCE_CHOICES,
    TYPE_CHOICES,
    Row,
    parse_materials,
)
from yiwang.catalog.transfer.spec import (
    BUNDLE_CODE_PREFIX,
    DEFAULT_LEGAL_BASIS,
    GENERATED_CODE_PREFIX,
    ITEMS,
    choice_labels,
    normalize_header,
)
from yiwang.org import selectors as org_selectors
from yiwang.org.models import Department, User

# --- Planning: validate everything, decide what to write -------------------------------------

_ITEM_LABELS = {c.key: c.label for c in ITEMS.columns}

MATERIAL_DEFAULTS: dict[str, Any] = {
    "original_or_copy": OriginalOrCopy.ORIGINAL,
    "count": 1,
    "medium": Medium.BOTH,
    "source": MaterialSource.APPLICANT,
    "issuing_body": "",
    "required": True,
    "deferrable": False,
    "exempt": False,
    "notes": "",
}
STEP_DEFAULTS: dict[str, Any] = {"role": "", "limit_days": 0}
PROCEDURE_DEFAULTS: dict[str, Any] = {"limit_days": 0, "legal_basis": "", "counted_in_limit": False}
INTERMEDIARY_DEFAULTS: dict[str, Any] = {"required": True, "charged": False, "fee_basis": ""}
MATERIAL_KEYS = [f for f in services.MATERIAL_FIELDS if f != "order"]
STEP_KEYS = [f for f in services.STEP_FIELDS if f != "order"]
INTERMEDIARY_KEYS = [f for f in services.INTERMEDIARY_FIELDS if f != "order"]
# Six-element columns whose blank cell means “as the base item says”, not “empty”.
_BASE_ELEMENTS = ("competent_department", "implementing_body", "legal_basis")
_TEXT_ELEMENTS = (
    "conditions",
    "location",
    "hours",
    "fee_standard",
    "fee_basis",
    "faq",
    "consult_phone",
    "complaint_channel",
    "entrusting_department",
    "joint_bodies",
    "quantity_limit",
    "result_name",
    "situations",
)
_FLAG_ELEMENTS = (
    "commitment_based",
    "self_service_24h",
    "has_fee",
    "online_payment",
    "express_delivery",
    "appointment",
    "in_hall",
)
# Single-choice elements of the implementation list: (options, choices); blank is “not stated”.
_CHOICE_ELEMENTS: dict[str, tuple[dict[str, str], Any]] = {
    "exercise_level": (EXERCISE_LEVEL_CHOICES, ExerciseLevel),
    "body_nature": (BODY_NATURE_CHOICES, BodyNature),
    "power_source": (POWER_SOURCE_CHOICES, PowerSource),
    "result_type": (RESULT_TYPE_CHOICES, ResultType),
}
# List elements, kept in the order written; the same values in another order are no change.
_LIST_ELEMENTS: dict[str, tuple[dict[str, str], Any]] = {
    "service_objects": (SERVICE_OBJECT_CHOICES, ServiceObject),
    "delivery_methods": (DELIVERY_CHOICES, DeliveryMethod),
}
_UNORDERED = frozenset({"handling_forms", *_LIST_ELEMENTS})
# For a rule error on an element the row does not give: the columns it is checked against.
_RULE_PARTNERS: dict[str, tuple[str, ...]] = {
    "entrusting_department": ("body_nature",),
    "online_payment": ("has_fee",),
    "online_depth": ("fully_online",),
    "fully_online": ("online_depth",),
    "visits": ("fully_online", "online_depth"),
    "promised_limit": ("legal_limit", "handling_kind"),
}


@dataclass
class _NewBase:
    code: str
    name: str
    item_type: str
    competent_department: str
    implementing_body: str
    legal_basis: str
    created: BaseItem | None = None


@dataclass
class _ChildRow:
    table: Table
    number: int
    values: dict[str, Any]
    columns: dict[str, str]  # value key → column header, for error reports


@dataclass
class ItemPlan:
    table: Table
    row: int
    key: tuple[str, str, str]  # (department, name, business type) as written
    department: Department
    name: str
    business_type: str
    specified: dict[str, Any]  # elements given by the file
    columns: dict[str, str]  # element → column header, for error reports
    base_code: str = ""
    online: str | None = None  # 网办 column: full / pre / none
    legacy_flags: dict[str, bool] = field(default_factory=dict)  # old 跨省通办 / 省内通办 columns
    forms_given: bool = False
    material_specs: list[dict[str, Any]] | None = None
    base: BaseItem | None = None
    new_base: _NewBase | None = None
    item: ServiceItem | None = None
    current: ServiceItemVersion | None = None
    elements: dict[str, Any] = field(default_factory=dict)  # changed elements to write
    materials: list[dict[str, Any]] | None = None  # None: unchanged
    steps: list[dict[str, Any]] | None = None
    procedures: list[dict[str, Any]] | None = None
    intermediaries: list[dict[str, Any]] | None = None
    action: str = ""  # created / updated / unchanged
    publish: bool = False
    ok: bool = True


@dataclass
class BundlePlan:
    table: Table
    row: int
    name: str
    code: str
    lead_department: Department | None
    summary: str
    stages: list[list[ItemPlan | ServiceItem]]
    situations: str = ""
    existing: Bundle | None = None
    action: str = ""  # created, updated (简介 or 生活场景 of an existing one) or unchanged
    publish: bool = False
    changes: dict[str, str] = field(default_factory=dict)  # updated: the fields' new values


def _generated_code(item_type: str, name: str, taken: Callable[[str], bool]) -> str:
    """A base code from the item's type and name, the same in every catalogue, probing onward
    in the rare case of a clash."""
    type_number = ItemType.values.index(item_type) + 1 if item_type in ItemType.values else 0
    digest = int(hashlib.sha256(f"{item_type}|{name}".encode()).hexdigest(), 16)
    while True:
        code = f"{GENERATED_CODE_PREFIX}{type_number:02d}{digest % 10**12:012d}"
        if not taken(code):
            return code
        digest += 1


def _same(field_name: str, a: Any, b: Any) -> bool:
    if field_name in _UNORDERED:
        return set(a or []) == set(b or [])
    return bool(a == b)


def _ordered_forms(forms: Iterable[str]) -> list[str]:
    chosen = set(forms)
    return [f for f in HandlingForm.values if f in chosen]


def _model_errors(exc: ValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [(k, m) for k, msgs in exc.message_dict.items() for m in msgs]
    return [("", m) for m in exc.messages]


class Planner:
    """Reads every table, validates every row and works out what to write."""

    def __init__(
        self, *, actor: User | None, publish: bool, on_row: Callable[[], None] | None = None
    ):
        self.actor = actor
        self.publish = publish
        self.on_row = on_row or (lambda: None)
        self.errors: list[RowError] = []
        self.departments = {d.name: d for d in Department.objects.select_related("region")}
        if actor is None or actor.is_superuser:
            self.scope_ids: set[int] | None = None
        else:
            self.scope_ids = set(
                org_selectors.departments_in_scope(user=actor).values_list("pk", flat=True)
            )
        self.items: list[ItemPlan] = []
        self.bundles: list[BundlePlan] = []
        self.new_bases: dict[str, _NewBase] = {}
        self.new_by_name: dict[tuple[str, str], _NewBase] = {}
        self.generated_codes: set[str] | None = None  # codes in use with the generated prefix
        self.current: dict[int, ServiceItemVersion] = {}  # item pk → open or published version
        self.missing_columns: set[tuple[str, str]] = set()

    # -- items --

    def plan(self, tables: list[Table]) -> None:
        for table in tables:
            classify(table, self.errors)
        by_kind: dict[str, list[Table]] = defaultdict(list)
        for table in tables:
            if table.spec is not None:
                by_kind[table.spec.kind].append(table)
        if self.errors:
            return  # headers are wrong: reading rows would only repeat the same complaint
        for table in by_kind["items"]:
            for number, cells in table.rows:
                self.on_row()
                self._read_item(Row(table, number, cells, self.errors))
        self._check_duplicates()
        children = {
            kind: self._read_children(by_kind[kind], kind)
            for kind in ("materials", "steps", "procedures", "intermediaries")
        }
        self._resolve_bases()
        self._compare(children)
        for table in by_kind["bundles"]:
            self._read_bundles(table)

    def _department(self, row: Row) -> Department | None:
        name = row.text("department", required=True)
        if not name:
            return None
        department = self.departments.get(name)
        if department is None:
            row.error(
                "department",
                gettext("实施部门“%(name)s”不存在，请填写系统中登记的部门全称。") % {"name": name},
            )
            return None
        if self.scope_ids is not None and department.pk not in self.scope_ids:
            row.error("department", gettext("“%(name)s”不在您的数据范围内。") % {"name": name})
            return None
        return department

    def _read_item(self, row: Row) -> None:
        department = self._department(row)
        name = row.text("name", required=True)
        item_type = row.choice("item_type", TYPE_CHOICES, choice_labels(ItemType))
        business_type = row.choice(
            "business_type", BUSINESS_CHOICES, choice_labels(BusinessType), default=BusinessType.NEW
        )
        specified: dict[str, Any] = {"name": name, "item_type": item_type}
        columns = {"name": row.header("name"), "item_type": row.header("item_type")}

        def give(element: str, value: Any, key: str) -> None:
            specified[element] = value
            columns[element] = row.header(key)

        for element in _BASE_ELEMENTS:
            if row.raw(element):
                give(element, row.raw(element), element)
        for element in _TEXT_ELEMENTS:
            if row.has(element):
                give(element, row.raw(element), element)
        for element in _FLAG_ELEMENTS:
            if row.has(element):
                give(element, row.flag(element), element)
        for element in ("legal_limit", "visits"):
            if row.has(element):
                give(element, row.integer(element), element)
        for element, (options, choices) in _CHOICE_ELEMENTS.items():
            if row.has(element):
                give(
                    element,
                    row.choice(element, options, choice_labels(choices), default="-"),
                    element,
                )
                if specified[element] == "-":  # blank: not stated
                    specified[element] = ""
        for element, (options, choices) in _LIST_ELEMENTS.items():
            if row.has(element):
                give(element, row.choices(element, options, choice_labels(choices)), element)
        if row.has("online_depth") and row.raw("online_depth"):
            depth = row.choice("online_depth", DEPTH_CHOICES, choice_labels(OnlineDepth))
            give("online_depth", int(depth) if depth else None, "online_depth")
        if row.has("service_scope") and row.raw("service_scope"):
            give(
                "service_scope",
                row.choice("service_scope", SCOPE_CHOICES, choice_labels(ServiceScope)),
                "service_scope",
            )
        legacy_flags = self._legacy_flags(row, specified.get("service_scope"))
        if legacy_flags and "service_scope" not in specified:
            columns["service_scope"] = row.header(next(iter(legacy_flags)))
        kind = self._handling_kind(row)
        if kind:
            give("handling_kind", kind, "handling_kind" if row.has("handling_kind") else "instant")
        if row.has("promised_limit"):
            give(
                "promised_limit",
                row.integer("promised_limit", default=0 if kind == "instant" else None),
                "promised_limit",
            )
        elif kind == HandlingKind.INSTANT:
            give("promised_limit", 0, "instant" if row.has("instant") else "handling_kind")
        plan_online: str | None = None
        forms_given = row.has("handling_forms")
        if forms_given:
            give("handling_forms", self._forms(row), "handling_forms")
        if row.has("fully_online"):
            give("fully_online", row.flag("fully_online"), "fully_online")
        if row.has("online"):
            plan_online = row.choice("online", ONLINE_CHOICES, "全程网办、网上预审、窗口办理")
            if plan_online:
                self._check_online(row, plan_online, specified)
                specified["fully_online"] = plan_online == "full"
                columns.setdefault("fully_online", row.header("online"))
                if not forms_given:
                    columns["handling_forms"] = row.header("online")
        if row.has("form_fields"):
            give("form_fields", self._form_fields(row), "form_fields")
        material_specs = None
        if row.has("materials"):
            material_specs = parse_materials(row.raw("materials"))
            columns["materials"] = row.header("materials")
        if not (row.ok and department is not None):
            self.items.append(self._failed_plan(row, department, name, business_type))
            return
        self._check_rules(row, specified, columns)
        if row.has("base_code"):
            columns["base_code"] = row.header("base_code")
        self.items.append(
            ItemPlan(
                table=row.table,
                row=row.number,
                key=(department.name, name, business_type),
                department=department,
                name=name,
                business_type=business_type,
                specified=specified,
                columns=columns,
                base_code=row.raw("base_code"),
                online=plan_online or None,
                legacy_flags=legacy_flags if "service_scope" not in specified else {},
                forms_given=forms_given,
                material_specs=material_specs,
                ok=row.ok,
            )
        )

    def _failed_plan(
        self, row: Row, department: Department | None, name: str, business_type: str
    ) -> ItemPlan:
        # Kept so that rows of other sheets referring to this item are not reported twice.
        return ItemPlan(
            table=row.table,
            row=row.number,
            key=(row.raw("department"), name, business_type or row.raw("business_type")),
            department=department or Department(),
            name=name,
            business_type=business_type,
            specified={},
            columns={},
            ok=False,
        )

    def _legacy_flags(self, row: Row, scope: str | None) -> dict[str, bool]:
        """The old 跨省通办 / 省内通办 columns (files from before 通办范围). With a 通办范围
        column as well, they must agree with it."""
        flags: dict[str, bool] = {}
        for key in ("cross_province", "in_province"):
            if row.has(key):
                value = row.flag(key)
                if value is not None:
                    flags[key] = value
        if scope:
            derived = {
                "cross_province": element_fields.is_cross_province(scope),
                "in_province": element_fields.is_in_province(scope),
            }
            for key, value in flags.items():
                if value != derived[key]:
                    row.error(key, contradicts(row.header("service_scope")))
        return flags

    def _handling_kind(self, row: Row) -> str:
        kind = ""
        if row.has("handling_kind"):
            kind = row.choice(
                "handling_kind", KIND_CHOICES, choice_labels(HandlingKind), default="-"
            )
            kind = "" if kind == "-" else kind
        if row.has("instant"):
            instant = row.flag("instant")
            from_flag = HandlingKind.INSTANT if instant else HandlingKind.PROMISED
            if instant is not None and kind and kind != from_flag:
                row.error("instant", contradicts(row.header("handling_kind")))
            kind = kind or (from_flag if instant is not None else "")
        return kind

    def _forms(self, row: Row) -> list[str]:
        forms = []
        for token in re.split(r"[、,，;；/\s]+", row.raw("handling_forms")):
            if not token:
                continue
            form = FORM_CHOICES.get(normalize_header(token))
            if form is None:
                row.error(
                    "handling_forms",
                    gettext("“%(value)s”不是可选的办理形式，应为：%(allowed)s。")
                    % {"value": token, "allowed": choice_labels(HandlingForm)},
                )
            else:
                forms.append(form)
        if not forms and row.ok:
            row.error(
                "handling_forms",
                gettext("至少填写一种办理形式：%(allowed)s。")
                % {"allowed": choice_labels(HandlingForm)},
            )
        return _ordered_forms(forms)

    def _check_online(self, row: Row, online: str, specified: dict[str, Any]) -> None:
        if "fully_online" in specified and specified["fully_online"] != (online == "full"):
            row.error("online", contradicts(row.header("fully_online")))
        forms = specified.get("handling_forms")
        if forms is not None and (HandlingForm.ONLINE in forms) != (online != "none"):
            row.error("online", contradicts(row.header("handling_forms")))

    def _form_fields(self, row: Row) -> list[dict[str, Any]]:
        text = row.raw("form_fields")
        if not text:
            return []
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, list) or not all(
            isinstance(v, dict)
            and isinstance(v.get("key"), str)
            and isinstance(v.get("label"), str)
            for v in value
        ):
            row.error(
                "form_fields",
                gettext("应为 JSON 数组，如 %(example)s。") % {"example": FORM_FIELDS_EXAMPLE},
            )
            return []
        return value

    def _check_rules(self, row: Row, specified: dict[str, Any], columns: dict[str, str]) -> None:
        """The version rules (catalog.fields) among the elements this row gives, one error per
        element; the rest are checked with the elements kept from the current version in
        _valid_version."""
        reported: set[str] = set()
        for violation in element_fields.version_rule_violations(specified):
            if violation.field in reported:
                continue
            reported.add(violation.field)
            promised, legal = specified.get("promised_limit"), specified.get("legal_limit")
            # The limit rules worded with the row's own numbers.
            message = {
                "instant_with_promised_limit": gettext("即办件的承诺时限应为 0，现为 %(n)s。")
                % {"n": promised},
                "promised_over_legal": gettext(
                    "承诺时限（%(promised)s）不能超过法定时限（%(legal)s）。"
                )
                % {"promised": promised, "legal": legal},
            }.get(violation.rule, violation.message)
            row.error_in(columns.get(violation.field) or row.header("name"), message)

    def _check_duplicates(self) -> None:
        seen: dict[tuple[str, str, str], ItemPlan] = {}
        for plan in self.items:
            if not plan.ok:
                continue
            first = seen.setdefault(plan.key, plan)
            if first is not plan:
                self._error(
                    plan,
                    "name",
                    gettext(
                        "与第 %(row)s 行重复（同一实施部门、同一事项名称、同一业务办理项类型）。"
                    )
                    % {"row": first.row},
                )

    def _error(self, plan: ItemPlan, element: str, message: str) -> None:
        column = plan.columns.get(element) or _ITEM_LABELS.get(element, element)
        self.errors.append(RowError(plan.table.source, plan.row, column, message))
        plan.ok = False

    # -- bases --

    def _resolve_bases(self) -> None:
        plans = [p for p in self.items if p.ok]
        codes = {p.base_code for p in plans if p.base_code}
        by_code = {b.code: b for b in BaseItem.objects.filter(code__in=codes)}
        names = {p.name for p in plans}
        by_name: dict[tuple[str, str], BaseItem] = {}
        for base in BaseItem.objects.filter(name__in=names).order_by("code"):
            by_name.setdefault((base.name, base.item_type), base)
        seen: dict[tuple[int, str, str], ItemPlan] = {}
        for plan in plans:
            code = plan.base_code
            item_type = plan.specified["item_type"]
            if code:
                plan.base = by_code.get(code)
                if plan.base is None:
                    plan.new_base = self._new_base(plan, code)
            else:
                plan.base = by_name.get((plan.name, item_type))
                if plan.base is None:
                    plan.new_base = self._new_base(plan, None)
            identity = plan.base.code if plan.base else plan.new_base.code  # type: ignore[union-attr]
            first = seen.setdefault((plan.department.pk, identity, plan.business_type), plan)
            if first is not plan:
                self._error(
                    plan,
                    "name",
                    gettext("与第 %(row)s 行是同一基本目录事项（%(code)s）的同一业务办理项，重复。")
                    % {"row": first.row, "code": identity},
                )

    def _new_base(self, plan: ItemPlan, code: str | None) -> _NewBase:
        item_type = plan.specified["item_type"]
        if code is None:
            known = self.new_by_name.get((plan.name, item_type))
            if known is not None:
                return known
            if self.generated_codes is None:
                self.generated_codes = set(
                    BaseItem.objects.filter(code__startswith=GENERATED_CODE_PREFIX).values_list(
                        "code", flat=True
                    )
                )
            in_use = self.generated_codes

            def taken(candidate: str) -> bool:
                return candidate in in_use or candidate in self.new_bases

            code = _generated_code(item_type, plan.name, taken)
        if code in self.new_bases:
            return self.new_bases[code]
        new = _NewBase(
            code=code,
            name=plan.name,
            item_type=item_type,
            competent_department=plan.specified.get("competent_department", plan.department.name),
            implementing_body=plan.specified.get("implementing_body", plan.department.name),
            legal_basis=plan.specified.get("legal_basis", DEFAULT_LEGAL_BASIS),
        )
        candidate = BaseItem(
            code=new.code,
            name=new.name,
            item_type=new.item_type,
            competent_department=new.competent_department,
            implementing_body=new.implementing_body,
            legal_basis=new.legal_basis,
        )
        try:
            candidate.full_clean(validate_unique=False)
        except ValidationError as exc:
            for key, message in _model_errors(exc):
                element = "base_code" if key == "code" else key
                self._error(plan, element if element in plan.columns else "name", message)
        self.new_bases[code] = new
        self.new_by_name.setdefault((new.name, new.item_type), new)
        return new

    # -- children (materials, steps, special procedures) --

    def _read_children(
        self, tables: list[Table], kind: str
    ) -> dict[tuple[str, str, str], list[_ChildRow]]:
        keys = {p.key: p for p in self.items}
        found: dict[tuple[str, str, str], list[_ChildRow]] = defaultdict(list)
        for table in tables:
            for number, cells in table.rows:
                self.on_row()
                row = Row(table, number, cells, self.errors)
                name = row.text("name", required=True)
                business_type = row.choice(
                    "business_type",
                    BUSINESS_CHOICES,
                    choice_labels(BusinessType),
                    default=BusinessType.NEW,
                )
                key = (row.text("department", required=True), name, business_type)
                values, columns = self._child_values(row, kind)
                if not row.ok:
                    continue
                if key not in keys:
                    row.error(
                        "name",
                        gettext(
                            "在事项表中找不到“%(department)s”的“%(name)s”（%(business)s），"
                            "请先在事项表中列出该事项。"
                        )
                        % {
                            "department": key[0],
                            "name": name,
                            "business": BusinessType(business_type).label,
                        },
                    )
                    continue
                found[key].append(_ChildRow(table, number, values, columns))
        for rows in found.values():
            if any("order" in r.values for r in rows):
                rows.sort(key=lambda r: (r.values.get("order") or 0, r.number))
        return found

    def _child_values(self, row: Row, kind: str) -> tuple[dict[str, Any], dict[str, str]]:
        values: dict[str, Any] = {}
        columns: dict[str, str] = {}

        def give(name: str, value: Any, key: str) -> None:
            if value is not None:
                values[name] = value
                columns[name] = row.header(key)

        if row.has("order"):
            give("order", row.integer("order", default=0), "order")
        if kind == "materials":
            give("name", row.text("material", required=True), "material")
            choice_columns = (
                ("original_or_copy", ORIGINAL_CHOICES, OriginalOrCopy, "original"),
                ("medium", MEDIUM_CHOICES, Medium, "both"),
                ("source", SOURCE_CHOICES, MaterialSource, "applicant"),
            )
            for key, options, choices, default in choice_columns:
                if row.has(key):
                    give(
                        key, row.choice(key, options, choice_labels(choices), default=default), key
                    )
            if row.has("count"):
                give("count", row.integer("count", default=1, positive=True), "count")
            for key in ("issuing_body", "notes"):
                if row.has(key):
                    give(key, row.raw(key), key)
            if row.has("required"):
                give("required", row.flag("required", default=True), "required")
            for key in ("deferrable", "exempt"):
                if row.has(key):
                    give(key, row.flag(key), key)
        elif kind == "steps":
            give("name", row.text("step", required=True), "step")
            give("role", row.raw("role"), "role")
            give("limit_days", row.integer("limit_days", default=0), "limit_days")
        elif kind == "intermediaries":
            give("name", row.text("intermediary", required=True), "intermediary")
            give("required", row.flag("required", default=True), "required")
            give("charged", row.flag("charged"), "charged")
            give("fee_basis", row.raw("fee_basis"), "fee_basis")
        else:
            give("name", row.text("procedure", required=True), "procedure")
            give("limit_days", row.integer("limit_days", default=0), "limit_days")
            give("legal_basis", row.raw("legal_basis"), "legal_basis")
            give("counted_in_limit", row.flag("counted_in_limit"), "counted_in_limit")
        return values, columns

    # -- comparison with the catalogue --

    def _existing_items(self) -> dict[tuple[int, int, int, str], ServiceItem]:
        plans = [p for p in self.items if p.ok and p.base is not None]
        if not plans:
            return {}
        items = ServiceItem.objects.filter(
            base__in={p.base for p in plans},
            department__in={p.department for p in plans},
        )
        found = {(i.base_id, i.department_id, i.region_id, i.business_type): i for i in items}
        # The latest version is the open one if there is one, else the published one.
        latest = (
            ServiceItemVersion.objects.filter(item=OuterRef("item"))
            .order_by("-number")
            .values("number")[:1]
        )
        versions = ServiceItemVersion.objects.filter(
            item__in=found.values(), number=Subquery(latest)
        ).prefetch_related("materials", "steps", "special_procedures", "intermediaries")
        self.current = {v.item_id: v for v in versions}
        return found

    def _compare(self, children: dict[str, dict[tuple[str, str, str], list[_ChildRow]]]) -> None:
        existing = self._existing_items()
        for plan in self.items:
            if not plan.ok:
                continue
            if plan.base is not None:
                plan.item = existing.get(
                    (
                        plan.base.pk,
                        plan.department.pk,
                        plan.department.region_id,
                        plan.business_type,
                    )
                )
            if plan.item is not None:
                plan.current = self.current.get(plan.item.pk)
            self._compare_one(
                plan,
                children["materials"].get(plan.key),
                children["steps"].get(plan.key),
                children["procedures"].get(plan.key),
                children["intermediaries"].get(plan.key),
            )

    def _baseline(self, plan: ItemPlan) -> dict[str, Any]:
        if plan.current is not None:
            return {f: getattr(plan.current, f) for f in services.ELEMENT_FIELDS}
        # A new item starts from what a claim writes (services.claim_defaults).
        return services.claim_defaults(base=plan_base(plan), region=plan.department.region)

    def _compare_one(
        self,
        plan: ItemPlan,
        material_rows: list[_ChildRow] | None,
        step_rows: list[_ChildRow] | None,
        procedure_rows: list[_ChildRow] | None,
        intermediary_rows: list[_ChildRow] | None = None,
    ) -> None:
        if plan.item is not None and plan.item.status == ItemStatus.WITHDRAWN:
            self._error(plan, "name", gettext("该事项已撤销，不能通过导入修改或恢复。"))
            return
        if plan.current is None:
            for element in ("legal_limit", "promised_limit", "visits"):
                if element not in plan.specified:
                    self._missing_column(plan, element)
            if not plan.ok:
                return
        baseline = self._baseline(plan)
        specified = dict(plan.specified)
        if plan.legacy_flags:
            specified["service_scope"] = _scope_from_legacy(
                plan.legacy_flags, baseline["service_scope"]
            )
        # 全程网办 alone sets 网上办理深度 to agree, and the other way round (catalog.fields).
        specified = element_fields.align_online(specified, baseline)
        if "online_depth" in specified and "online_depth" not in plan.columns:
            plan.columns["online_depth"] = plan.columns.get("fully_online", "")
        target = dict(baseline)
        target.update(specified)
        if plan.online is not None and not plan.forms_given:
            forms = set(target["handling_forms"])
            if plan.online == "none":
                forms.discard(HandlingForm.ONLINE)
                forms.add(HandlingForm.WINDOW)
            else:
                forms.add(HandlingForm.ONLINE)
            target["handling_forms"] = _ordered_forms(forms)
        if not self._valid_version(plan, target):
            return
        plan.elements = {
            f: target[f] for f in services.ELEMENT_FIELDS if not _same(f, target[f], baseline[f])
        }
        current_materials = self._current_children(plan, "materials", MATERIAL_KEYS)
        specs = [row.values for row in material_rows] if material_rows else plan.material_specs
        if specs is not None:
            plan.materials = self._materials(plan, specs, current_materials, material_rows)
        if step_rows:
            plan.steps = self._children(
                plan,
                step_rows,
                STEP_DEFAULTS,
                STEP_KEYS,
                "steps",
                ProcessStep,
                gettext_noop("办理流程"),
            )
        if procedure_rows:
            plan.procedures = self._children(
                plan,
                procedure_rows,
                PROCEDURE_DEFAULTS,
                services.PROCEDURE_FIELDS,
                "special_procedures",
                SpecialProcedure,
                gettext_noop("特别程序"),
            )
        if intermediary_rows:
            plan.intermediaries = self._children(
                plan,
                intermediary_rows,
                INTERMEDIARY_DEFAULTS,
                INTERMEDIARY_KEYS,
                "intermediaries",
                IntermediaryService,
                gettext_noop("中介服务"),
            )
        if not plan.ok:
            return
        changed = bool(
            plan.elements
            or plan.materials is not None
            or plan.steps is not None
            or plan.procedures is not None
            or plan.intermediaries is not None
        )
        if plan.item is None:
            plan.action = "created"
        elif changed:
            plan.action = "updated"
            current = plan.current
            if current is not None and current.status in (
                VersionStatus.SUBMITTED,
                VersionStatus.APPROVED,
            ):
                self._error(
                    plan,
                    "name",
                    gettext("该事项的 v%(number)s 正在审核（%(status)s），请审核完成后再导入修改。")
                    % {"number": current.number, "status": current.get_status_display()},
                )
                return
        else:
            plan.action = "unchanged"
        plan.publish = self.publish and (
            plan.action != "unchanged"
            or (plan.current is not None and plan.current.status != VersionStatus.PUBLISHED)
        )
        if plan.publish:
            message = _publish_error(target)
            if message:
                self._error(plan, "result_name", message)

    def _missing_column(self, plan: ItemPlan, element: str) -> None:
        """A new item needs its limits and visits; say so once per table, not once per row."""
        plan.ok = False
        if (plan.table.source, element) in self.missing_columns:
            return
        self.missing_columns.add((plan.table.source, element))
        label = _ITEM_LABELS[element]
        self.errors.append(
            RowError(
                plan.table.source,
                plan.row,
                label,
                gettext("文件缺少“%(column)s”列，新认领的事项（本行起）必须填写。")
                % {"column": label},
            )
        )

    def _valid_version(self, plan: ItemPlan, target: dict[str, Any]) -> bool:
        version = ServiceItemVersion(number=1, **target)
        try:
            version.full_clean(exclude=["item", "created_by", "reviewed_by"])
        except ValidationError as exc:
            for element, message in _model_errors(exc):
                if element == "promised_limit":
                    # The file's own limits passed; the clash is with elements kept from the
                    # current version, so say which.
                    message = gettext(
                        "%(message)s（承诺时限 %(promised)s，法定时限 %(legal)s，"
                        "办件类型 %(kind)s）。"
                    ) % {
                        "message": message.rstrip("。."),
                        "promised": target["promised_limit"],
                        "legal": target["legal_limit"],
                        "kind": HandlingKind(target["handling_kind"]).label,
                    }
                if element not in plan.columns:
                    # The element kept from the current version: report the file's column
                    # that clashes with it, if the row gave one.
                    element = next(
                        (p for p in _RULE_PARTNERS.get(element, ()) if p in plan.columns), "name"
                    )
                self._error(plan, element, message)
            return False
        return True

    def _current_children(self, plan: ItemPlan, relation: str, keys: list[str]) -> list[dict]:
        if plan.current is None:
            return []
        return [
            {k: getattr(child, k) for k in keys} for child in getattr(plan.current, relation).all()
        ]

    def _materials(
        self,
        plan: ItemPlan,
        specs: list[dict[str, Any]],
        current: list[dict[str, Any]],
        rows: list[_ChildRow] | None,
    ) -> list[dict[str, Any]] | None:
        by_name = {m["name"]: m for m in reversed(current)}
        target: list[dict[str, Any]] = []
        seen: set[str] = set()
        for index, spec in enumerate(specs):
            where = rows[index] if rows else None
            spec = {k: v for k, v in spec.items() if k != "order"}
            name = spec["name"]
            if name in seen:
                self._child_error(
                    plan, where, "name", gettext("申请材料“%(name)s”重复。") % {"name": name}
                )
                continue
            seen.add(name)
            material = {**MATERIAL_DEFAULTS, **by_name.get(name, {}), **spec}
            material = {k: material[k] for k in MATERIAL_KEYS}
            try:
                Material(order=index + 1, **material).full_clean(
                    exclude=["version", "blank_form", "sample_file"]
                )
            except ValidationError as exc:
                for key, message in _model_errors(exc):
                    self._child_error(
                        plan,
                        where,
                        key,
                        gettext("材料“%(name)s”：%(message)s") % {"name": name, "message": message},
                    )
                continue
            target.append(material)
        return None if target == current else target

    def _children(
        self,
        plan: ItemPlan,
        rows: list[_ChildRow],
        defaults: dict[str, Any],
        keys: list[str],
        relation: str,
        model: type[ProcessStep] | type[SpecialProcedure] | type[IntermediaryService],
        label: str,
    ) -> list[dict[str, Any]] | None:
        target = []
        for index, row in enumerate(rows):
            values = {**defaults, **{k: v for k, v in row.values.items() if k != "order"}}
            values = {k: values[k] for k in keys}
            extra = {"order": index + 1} if "order" in [f.name for f in model._meta.fields] else {}
            try:
                model(**values, **extra).full_clean(exclude=["version"])
            except ValidationError as exc:
                for key, message in _model_errors(exc):
                    self._child_error(
                        plan,
                        row,
                        key,
                        gettext("%(what)s“%(name)s”：%(message)s")
                        % {"what": gettext(label), "name": values["name"], "message": message},
                    )
                continue
            target.append(values)
        current = self._current_children(plan, relation, keys)
        return None if target == current else target

    def _child_error(self, plan: ItemPlan, row: _ChildRow | None, key: str, message: str) -> None:
        if row is None:
            self._error(plan, "materials", message)
            return
        column = row.columns.get(key) or row.columns.get("name") or key
        self.errors.append(RowError(row.table.source, row.number, column, message))
        plan.ok = False

    # -- bundles --

    def _items_by_name(self) -> dict[str, list[ItemPlan | ServiceItem]]:
        """Items a bundle row may name: the file's rows, then catalogue items in scope."""
        names: dict[str, list[ItemPlan | ServiceItem]] = defaultdict(list)
        planned: set[int] = set()
        for plan in self.items:
            names[plan.name].append(plan)
            if plan.item is not None:
                planned.add(plan.item.pk)
        items = ServiceItem.objects.exclude(status=ItemStatus.WITHDRAWN).select_related(
            "department", "published_version"
        )
        if self.scope_ids is not None:
            items = items.filter(department__in=self.scope_ids)
        # Ordered by number, so the dict keeps each item's latest version's name.
        latest_names = dict(
            ServiceItemVersion.objects.filter(item__in=items)
            .order_by("item_id", "number")
            .values_list("item_id", "name")
        )
        for item in items:
            if item.pk in planned:
                continue
            published = item.published_version
            names[published.name if published else latest_names.get(item.pk, "")].append(item)
        return names

    def _read_bundles(self, table: Table) -> None:
        names = self._items_by_name()
        groups: dict[str, list[Row]] = defaultdict(list)
        order: list[str] = []
        for number, cells in table.rows:
            self.on_row()
            row = Row(table, number, cells, self.errors)
            name = row.text("bundle", required=True)
            if name:
                if name not in groups:
                    order.append(name)
                groups[name].append(row)
        may_review = workflow.may_review(self.actor)
        taken_codes = set(Bundle.objects.values_list("code", flat=True))
        for name in order:
            rows = groups[name]
            if not may_review:
                rows[0].error("bundle", gettext("只有数据资源局可以导入一件事。"))
                continue
            plan = self._bundle_plan(name, rows, names, taken_codes)
            if plan is not None:
                self.bundles.append(plan)

    def _bundle_attribute(self, rows: list[Row], key: str) -> str:
        value = ""
        for row in rows:
            cell = row.raw(key)
            if cell and value and cell != value:
                row.error(
                    key,
                    gettext("同一件事的各行应一致，前面的行填的是“%(value)s”。") % {"value": value},
                )
            value = value or cell
        return value

    def _bundle_plan(
        self,
        name: str,
        rows: list[Row],
        names: dict[str, list[ItemPlan | ServiceItem]],
        taken_codes: set[str],
    ) -> BundlePlan | None:
        first = rows[0]
        code = self._bundle_attribute(rows, "code")
        summary = self._bundle_attribute(rows, "summary")
        situations = self._bundle_attribute(rows, "situations")
        lead_name = self._bundle_attribute(rows, "lead_department")
        lead: Department | None
        if lead_name:
            lead = self.departments.get(lead_name)
            if lead is None:
                first.error(
                    "lead_department", gettext("牵头部门“%(name)s”不存在。") % {"name": lead_name}
                )
        else:
            region = None
            if self.actor is not None:
                staff = org_selectors.staff_for_user(self.actor)
                region = staff.department.region if staff else None
            lead = org_selectors.department_bureau(region=region) or (
                org_selectors.department_bureau()
            )
            if lead is None:
                first.error(
                    "lead_department", gettext("系统中没有数据资源管理局，请填写牵头部门。")
                )
        stages: dict[int, list[ItemPlan | ServiceItem]] = defaultdict(list)
        seen: dict[Any, int] = {}
        for row in rows:
            stage = row.integer("stage", positive=True)
            item_name = row.text("item", required=True)
            department = row.raw("department")
            if stage is None or not item_name:
                continue
            candidates = [
                c
                for c in names.get(item_name, [])
                if not department or _department_name(c) == department
            ]
            if not candidates:
                if department:
                    message = gettext(
                        "找不到“%(department)s”的事项“%(name)s”（本文件和系统中都没有）。"
                    ) % {"department": department, "name": item_name}
                else:
                    message = gettext("找不到事项“%(name)s”（本文件和系统中都没有）。") % {
                        "name": item_name
                    }
                row.error("item", message)
                continue
            if len(candidates) > 1:
                row.error(
                    "item",
                    gettext("有多个名为“%(name)s”的事项，请在“%(column)s”列注明。")
                    % {"name": item_name, "column": "实施部门"},  # the file's header
                )
                continue
            target = candidates[0]
            if isinstance(target, ItemPlan) and not target.ok:
                continue  # its own row is already reported
            identity = id(target) if isinstance(target, ItemPlan) else target.pk
            if identity in seen:
                row.error(
                    "item",
                    gettext("事项“%(name)s”在这件事中已出现（第 %(row)s 行）。")
                    % {"name": item_name, "row": seen[identity]},
                )
                continue
            seen[identity] = row.number
            stages[stage].append(target)
        if not all(r.ok for r in rows):
            return None
        stage_lists = [stages[k] for k in sorted(stages)]
        plan = BundlePlan(
            table=first.table,
            row=first.number,
            name=name,
            code=code,
            lead_department=lead,
            summary=summary,
            stages=stage_lists,
            situations=situations,
        )
        plan.existing = Bundle.objects.filter(name=name).first()
        if plan.existing is not None:
            if code and code != plan.existing.code:
                first.error(
                    "code",
                    gettext("一件事“%(name)s”已存在，编码为 %(code)s。")
                    % {"name": name, "code": plan.existing.code},
                )
                return None
            if _stage_ids(plan.existing) != _planned_ids(stage_lists):
                first.error(
                    "bundle",
                    gettext(
                        "一件事“%(name)s”已存在，且阶段或事项与文件不同；已有一件事只能修改简介和"
                        "生活场景，阶段和事项不同请以新的名称导入一个新的一件事。"
                    )
                    % {"name": name},
                )
                return None
            # 简介 and 生活场景 may change (as in 一件事管理); an empty cell keeps the value.
            changed = _bundle_changes(plan.existing, summary, situations)
            if changed and not _bundle_passes(
                first,
                code=plan.existing.code,
                name=name,
                summary=changed.get("summary", plan.existing.summary),
                situations=changed.get("situations", plan.existing.situations),
            ):
                return None
            plan.changes = changed
            plan.action = "updated" if changed else "unchanged"
            plan.publish = self.publish and plan.existing.status == BundleStatus.DRAFT
        else:
            if code in taken_codes:
                first.error("code", gettext("编码 %(code)s 已被其他一件事使用。") % {"code": code})
                return None
            plan.code = code or _next_bundle_code(taken_codes)
            taken_codes.add(plan.code)
            plan.action = "created"
            plan.publish = self.publish
            if not _bundle_passes(
                first, code=plan.code, name=name, summary=summary, situations=situations
            ):
                return None
        if plan.publish:
            for stage_items in stage_lists:
                for target in stage_items:
                    item = target.item if isinstance(target, ItemPlan) else target
                    unpublished = isinstance(target, ServiceItem) and (
                        target.published_version_id is None
                    )
                    if item is not None and (
                        unpublished or item.status not in (ItemStatus.ACTIVE, ItemStatus.CLAIMED)
                    ):
                        first.error(
                            "bundle",
                            gettext("事项“%(name)s”尚未发布或已暂停，一件事不能发布。")
                            % {"name": item},
                        )
                        return None
        return plan


def _bundle_passes(first: Row, **values: str) -> bool:
    """The model's own checks (length bounds, plain text) on a bundle's values, as
    bundle_create and bundle_update run them; each refusal is reported in its column of the
    bundle's first row."""
    try:
        Bundle(**values).full_clean(exclude=["lead_department"], validate_unique=False)
    except ValidationError as exc:
        for key, message in _model_errors(exc):
            first.error(key if key in ("code", "summary", "situations") else "bundle", message)
        return False
    return True


def _bundle_changes(bundle: Bundle, summary: str, situations: str) -> dict[str, str]:
    """The editable fields an import row changes on an existing bundle (empty cells keep)."""
    changes = {}
    if summary and summary != bundle.summary:
        changes["summary"] = summary
    stored = situations_value(situations)
    if stored and stored != bundle.situations:
        changes["situations"] = stored
    return changes


def _department_name(target: ItemPlan | ServiceItem) -> str:
    return target.department.name


def _stage_ids(bundle: Bundle) -> list[set[int]]:
    return [
        set(stage.entries.values_list("item_id", flat=True))
        for stage in bundle.stages.order_by("order")
    ]


def _planned_ids(stages: list[list[ItemPlan | ServiceItem]]) -> list[set[int | None]]:
    def pk(target: ItemPlan | ServiceItem) -> int | None:
        if isinstance(target, ItemPlan):
            return target.item.pk if target.item is not None else None
        return target.pk

    return [{pk(t) for t in stage} for stage in stages]


def _next_bundle_code(taken: set[str]) -> str:
    numbers = [
        int(code[len(BUNDLE_CODE_PREFIX) :])
        for code in taken
        if code.startswith(BUNDLE_CODE_PREFIX) and code[len(BUNDLE_CODE_PREFIX) :].isdigit()
    ]
    return f"{BUNDLE_CODE_PREFIX}{max(numbers, default=0) + 1:03d}"


def plan_base(plan: ItemPlan) -> BaseItem:
    """The base item a plan claims: found in the catalogue, or the one the import will create."""
    if plan.base is not None:
        return plan.base
    new = plan.new_base
    assert new is not None
    return BaseItem(
        code=new.code,
        name=new.name,
        item_type=new.item_type,
        competent_department=new.competent_department,
        implementing_body=new.implementing_body,
        legal_basis=new.legal_basis,
    )


# The form-field column's example (its labels are the catalogue's data, Chinese in any language).
FORM_FIELDS_EXAMPLE = '[{"key": "name", "label": "姓名"}]'


def contradicts(header: str) -> str:
    return gettext("与“%(column)s”列矛盾。") % {"column": header}


def _publish_error(target: dict[str, Any]) -> str | None:
    """Why the version could not be published (services.version_publish refuses a version
    without a 审批结果名称), said before anything is written."""
    if not str(target.get("result_name") or "").strip():
        return gettext("未填写审批结果名称，不能发布。")
    return None


def _scope_from_legacy(flags: dict[str, bool], current: str) -> str:
    """通办范围 from the old 跨省通办 / 省内通办 columns: a column the file lacks keeps the flag
    the current scope implies, and a scope the flags already describe (全国通办 is 跨省 too,
    市内通办 is neither) is kept."""
    before = {
        "cross_province": element_fields.is_cross_province(current),
        "in_province": element_fields.is_in_province(current),
    }
    after = {**before, **flags}
    if after["cross_province"]:
        after["in_province"] = True  # 跨省通办 is also 省内通办
    if after == before:
        return current
    return element_fields.scope_from_flags(**after)
