"""The catalogue's element vocabulary and the rules on its values, each defined once.

Models, forms, API serializers, the importer and the guide-quality checks all read from here:
the choices of the national implementation list's elements (实施清单要素), the value ranges
(到现场次数、时限、份数), the application form's field types, and the rules between a version's
elements (`version_rule_errors`). Nothing here touches the database, so any layer may import
it (models import it too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext, gettext_lazy, gettext_noop

# --- Choices ------------------------------------------------------------------------------------


class HandlingKind(models.TextChoices):
    INSTANT = "instant", "即办件"
    PROMISED = "promised", "承诺件"


class HandlingForm(models.TextChoices):
    WINDOW = "window", "窗口办理"
    ONLINE = "online", "网上办理"
    SELF_SERVICE = "self_service", "自助办理"
    EXPRESS = "express", "快递申请"


class ServiceObject(models.TextChoices):
    """服务对象: who may apply."""

    NATURAL_PERSON = "natural_person", "自然人"
    LEGAL_PERSON = "legal_person", "法人（企业法人/事业法人/社会组织法人）"
    OTHER_ORGANISATION = "other_organisation", "非法人组织"


class ExerciseLevel(models.TextChoices):
    """行使层级."""

    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省级"
    MUNICIPAL = "municipal", "市级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡镇（街道）级"
    VILLAGE = "village", "村（社区）级"


class BodyNature(models.TextChoices):
    """实施主体性质."""

    STATUTORY = "statutory", "法定机关"
    AUTHORISED = "authorised", "授权组织"
    ENTRUSTED = "entrusted", "受委托组织"


class PowerSource(models.TextChoices):
    """权力来源."""

    STATUTORY = "statutory", "法定本级行使"
    DEVOLVED = "devolved", "上级下放"
    AUTHORISED_UP = "authorised_up", "上级授权"
    AUTHORISED_PEER = "authorised_peer", "同级授权"
    ENTRUSTED_UP = "entrusted_up", "上级委托"
    ENTRUSTED_PEER = "entrusted_peer", "同级委托"


class ResultType(models.TextChoices):
    """审批结果类型 (a 证照 result will link to a licence type)."""

    LICENCE = "licence", "证照"
    APPROVAL_DOCUMENT = "approval_document", "批文"
    OTHER = "other", "其他"


class DeliveryMethod(models.TextChoices):
    """结果送达方式."""

    WINDOW = "window", "窗口领取"
    MAIL = "mail", "邮寄送达"
    ELECTRONIC = "electronic", "电子送达（网上下载）"


class OnlineDepth(models.IntegerChoices):
    """网上办理深度; 四级 is 全程网办."""

    LEVEL_1 = 1, "一级（网上公开办事信息）"
    LEVEL_2 = 2, "二级（网上下载表格、预约）"
    LEVEL_3 = 3, "三级（网上预审、网上受理）"
    LEVEL_4 = 4, "四级（全程网办）"


FULLY_ONLINE_DEPTH = OnlineDepth.LEVEL_4


class ServiceScope(models.TextChoices):
    """通办范围 (replaces the former 跨省通办 / 省内通办 flags)."""

    NATIONAL = "national", "全国通办"
    CROSS_PROVINCE = "cross_province", "跨省通办"
    PROVINCE = "province", "省内通办"
    CITY = "city", "市内通办"
    COUNTY = "county", "县内通办"


# The former flags, still given to API clients as read-only booleans derived from the scope.
CROSS_PROVINCE_SCOPES = frozenset({ServiceScope.NATIONAL, ServiceScope.CROSS_PROVINCE})
IN_PROVINCE_SCOPES = CROSS_PROVINCE_SCOPES | {ServiceScope.PROVINCE}


def is_cross_province(scope: str) -> bool:
    """跨省通办 as the former flag meant it: the item can be handled in another province."""
    return scope in CROSS_PROVINCE_SCOPES


def is_in_province(scope: str) -> bool:
    """省内通办 as the former flag meant it: anywhere in the province (or wider)."""
    return scope in IN_PROVINCE_SCOPES


def scope_from_flags(*, cross_province: bool, in_province: bool) -> str:
    """The 通办范围 of the former flags (the data migration and old import files use it)."""
    if cross_province:
        return ServiceScope.CROSS_PROVINCE
    if in_province:
        return ServiceScope.PROVINCE
    return ServiceScope.COUNTY


# Application-form field types (申请表字段): the editor offers them, bundles label them.
FORM_FIELD_TYPES: dict[str, Any] = {
    "text": gettext_lazy("文本"),
    "textarea": gettext_lazy("多行文本"),
    "number": gettext_lazy("数字"),
    "date": gettext_lazy("日期"),
    "phone": gettext_lazy("电话号码"),
    "email": gettext_lazy("电子邮箱"),
    "id_number": gettext_lazy("身份证号码"),
    "uscc": gettext_lazy("统一社会信用代码"),
}
FORM_FIELD_TYPE_CHOICES = list(FORM_FIELD_TYPES.items())


def choice_labels(choices: type[models.Choices], values: Iterable[Any]) -> list[str]:
    """Labels of the known values, in the order given (unknown ones left out)."""
    known = dict(choices.choices)
    return [str(known[v]) for v in values if v in known]


# --- Value ranges -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    """An inclusive integer range and the unit it is counted in, for messages."""

    low: int
    high: int
    unit: str = ""

    def message(self, label: str) -> str:
        # The label and unit are marked where they are written (gettext_noop).
        return gettext("%(label)s应在 %(low)s–%(high)s%(unit)s之间。") % {
            "label": gettext(label),
            "low": self.low,
            "high": self.high,
            "unit": gettext(self.unit) if self.unit else "",
        }

    def validators(self, label: str) -> list[Any]:
        return [
            MinValueValidator(self.low, message=self.message(label)),
            MaxValueValidator(self.high, message=self.message(label)),
        ]

    def check(self, value: int, label: str) -> str | None:
        """The message when `value` is outside the range, else None."""
        return None if self.low <= value <= self.high else self.message(label)

    @property
    def bounds(self) -> dict[str, int]:
        """min_value / max_value keyword arguments (form and serializer fields)."""
        return {"min_value": self.low, "max_value": self.high}


VISITS = Range(0, 20, gettext_noop(" 次"))
LIMIT_DAYS = Range(0, 3650, gettext_noop(" 个工作日"))  # 法定/承诺办结时限
MATERIAL_COUNT = Range(1, 99, gettext_noop(" 份"))
STEP_LIMIT_DAYS = Range(0, 3650, gettext_noop(" 个工作日"))  # 办理流程环节、特别程序的时限

# --- Rules between a version's elements ---------------------------------------------------------

# The elements the rules read; a mapping given to version_rule_errors may hold any of them.
RULE_FIELDS = (
    "handling_kind",
    "legal_limit",
    "promised_limit",
    "visits",
    "handling_forms",
    "fully_online",
    "online_depth",
    "body_nature",
    "entrusting_department",
    "has_fee",
    "online_payment",
    "service_objects",
    "delivery_methods",
)

MIN_HANDLING_FORMS = 1


def handling_forms_error(forms: Iterable[str]) -> str | None:
    """At least one handling form, every one known."""
    forms = list(forms)
    unknown = [f for f in forms if f not in HandlingForm.values]
    if unknown:
        return f"未知的办理形式：{'、'.join(map(str, unknown))}。"
    if len(forms) < MIN_HANDLING_FORMS:
        return f"至少选择一种办理形式：{'、'.join(HandlingForm.labels)}。"
    return None


def _list_error(values: Any, choices: type[models.TextChoices], label: str) -> str | None:
    # An empty list is allowed while compiling; the quality report lists it as missing.
    if not isinstance(values, list | tuple):
        return f"{label}应为列表。"
    unknown = [v for v in values if v not in choices.values]
    if unknown:
        return f"未知的{label}：{'、'.join(map(str, unknown))}。"
    if len(set(values)) != len(values):
        return f"{label}有重复的选项。"
    return None


@dataclass(frozen=True)
class RuleViolation:
    """One broken rule: which (`rule`), the element to fix (`field`) and the sentence."""

    rule: str
    field: str
    message: str


def version_rule_violations(values: Mapping[str, Any]) -> list[RuleViolation]:
    """The rules between a version's elements. `values` may be partial (an import row): a rule
    is checked only when every element it reads is given. The model's clean(), the forms, the
    API, the importer and the quality report all use this (or version_rule_errors)."""
    found: list[RuleViolation] = []

    def has(*names: str) -> bool:
        return all(values.get(n) is not None for n in names)

    def add(rule: str, name: str, message: str) -> None:
        found.append(RuleViolation(rule, name, message))

    for name, bound, label in (
        ("legal_limit", LIMIT_DAYS, "法定办结时限"),
        ("promised_limit", LIMIT_DAYS, "承诺办结时限"),
        ("visits", VISITS, "到办事现场次数"),
    ):
        if has(name) and isinstance(values[name], int):
            message = bound.check(values[name], label)
            if message:
                add("range", name, message)
    instant = values.get("handling_kind") == HandlingKind.INSTANT
    if has("handling_kind", "promised_limit") and instant and values["promised_limit"]:
        add("instant_with_promised_limit", "promised_limit", gettext("即办件的承诺时限应为 0。"))
    legal, promised = values.get("legal_limit"), values.get("promised_limit")
    if legal and promised is not None and promised > legal:
        add("promised_over_legal", "promised_limit", gettext("承诺时限不能超过法定时限。"))
    if has("handling_forms"):
        message = handling_forms_error(values["handling_forms"])
        if message:
            add("handling_forms", "handling_forms", message)
    for name, choices, label in (
        ("service_objects", ServiceObject, "服务对象"),
        ("delivery_methods", DeliveryMethod, "结果送达方式"),
    ):
        if has(name):
            message = _list_error(values[name], choices, label)
            if message:
                add("choices", name, message)
    if has("online_depth", "fully_online"):
        full = values["online_depth"] == FULLY_ONLINE_DEPTH
        if full and not values["fully_online"]:
            add(
                "online_depth_mismatch",
                "fully_online",
                gettext("网上办理深度为四级（全程网办）的事项应标为全程网办。"),
            )
        elif values["fully_online"] and not full:
            add(
                "online_depth_mismatch",
                "online_depth",
                gettext("全程网办事项的网上办理深度应为四级（全程网办）。"),
            )
    if has("fully_online", "visits") and values["fully_online"] and values["visits"]:
        add(
            "online_with_visits",
            "visits",
            gettext("全程网办事项的到办事现场次数应为 0，现为 %(visits)s 次。")
            % {"visits": values["visits"]},
        )
    if has("body_nature", "entrusting_department"):
        entrusting = str(values["entrusting_department"]).strip()
        if values["body_nature"] == BodyNature.ENTRUSTED and not entrusting:
            add(
                "entrusting_department",
                "entrusting_department",
                gettext("实施主体为受委托组织时，须填写委托部门。"),
            )
        elif values["body_nature"] != BodyNature.ENTRUSTED and entrusting:
            add(
                "entrusting_department",
                "entrusting_department",
                gettext("实施主体不是受委托组织时，委托部门应为空。"),
            )
    if has("online_payment", "has_fee") and values["online_payment"] and not values["has_fee"]:
        add(
            "online_payment_without_fee",
            "online_payment",
            gettext("不收费的事项不能标为支持网上支付。"),
        )
    return found


def version_rule_errors(values: Mapping[str, Any]) -> dict[str, str]:
    """version_rule_violations as {field: the first sentence about it}."""
    errors: dict[str, str] = {}
    for violation in version_rule_violations(values):
        errors.setdefault(violation.field, violation.message)
    return errors


def check_version_rules(values: Mapping[str, Any]) -> None:
    """Raise the rule errors of `values` as one ValidationError keyed by field."""
    errors = version_rule_errors(values)
    if errors:
        raise ValidationError(errors)


def align_online(elements: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """Complete a change that sets only one of 全程网办 and 网上办理深度 (四级 = 全程网办), so
    callers that speak only of the flag (older API clients, import files without the column)
    keep working; a change that sets both is left as given for the rules to judge."""
    changes = dict(elements)
    if "fully_online" in changes and "online_depth" not in changes:
        depth = current.get("online_depth")
        if changes["fully_online"]:
            changes["online_depth"] = FULLY_ONLINE_DEPTH
        elif depth == FULLY_ONLINE_DEPTH:
            changes["online_depth"] = OnlineDepth.LEVEL_3
    elif "online_depth" in changes and "fully_online" not in changes:
        changes["fully_online"] = changes["online_depth"] == FULLY_ONLINE_DEPTH
    return changes
