"""Service-item catalogue: base items, implementation items and their versions, materials,
process steps, special procedures, the dynamic-adjustment log, bundles and search synonyms.

A published version never changes; editing makes a new version, and anything applied for under
an old version keeps pointing at it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from yiwang.catalog import fields as element_fields
from yiwang.catalog.fields import (
    LIMIT_DAYS,
    MATERIAL_COUNT,
    STEP_LIMIT_DAYS,
    VISITS,
    BodyNature,
    DeliveryMethod,
    ExerciseLevel,
    HandlingForm,
    HandlingKind,
    OnlineDepth,
    PowerSource,
    ResultType,
    ServiceObject,
    ServiceScope,
)
from yiwang.common.validators import PlainText, bounded_text
from yiwang.org.models import Department, Region

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The element vocabulary is defined in catalog.fields; the model's choices are importable here too.
__all__ = ["DeliveryMethod", "HandlingForm", "HandlingKind", "ServiceObject"]


def situations_field(help_text: StrOrPromise) -> models.CharField:
    """The life situations (生活场景) as people say them, space-separated, for the guided
    search: declared once for the item version's element and the bundle's field, so the bound
    and the plain-text check are one rule wherever a value comes in (workbench form, import,
    services' full_clean)."""
    return models.CharField(
        _("生活场景"),
        max_length=1000,
        blank=True,
        validators=[PlainText("生活场景")],
        help_text=help_text,
    )


def situations_value(text: str) -> str:
    """The stored form of 生活场景 however typed: one space between situations, none at either
    end (line breaks and runs of spaces count as one space)."""
    return " ".join(text.split())


# Field groups shared by services, forms, serializers, import/export and review diffs.
# Elements copied from version to version and editable while a version is a draft.
ELEMENT_FIELDS = [
    "name",
    "base_code",
    "item_type",
    "competent_department",
    "implementing_body",
    "legal_basis",
    "conditions",
    "location",
    "hours",
    "legal_limit",
    "promised_limit",
    "handling_kind",
    "visits",
    "handling_forms",
    "has_fee",
    "fee_standard",
    "fee_basis",
    "fully_online",
    "commitment_based",
    "self_service_24h",
    "faq",
    "consult_phone",
    "complaint_channel",
    "form_fields",
    # The national implementation list's elements (issue 7 §3).
    "service_objects",
    "exercise_level",
    "body_nature",
    "entrusting_department",
    "joint_bodies",
    "power_source",
    "quantity_limit",
    "result_type",
    "result_name",
    "delivery_methods",
    "online_depth",
    "online_payment",
    "express_delivery",
    "appointment",
    "in_hall",
    "service_scope",
    # The life situations the item meets as people say them (issue 7 §4; the guided search).
    "situations",
]
# Files of a version, copied to its revisions like a material's blank form.
VERSION_FILE_FIELDS = ["result_sample"]
SIX_ELEMENTS = [
    "name",
    "base_code",
    "item_type",
    "competent_department",
    "implementing_body",
    "legal_basis",
]
MATERIAL_FIELDS = [
    "order",
    "name",
    "original_or_copy",
    "count",
    "medium",
    "source",
    "issuing_body",
    "required",
    "deferrable",
    "exempt",
    "notes",
]
MATERIAL_FILE_FIELDS = ["blank_form", "sample_file"]
STEP_FIELDS = ["order", "name", "role", "limit_days"]
PROCEDURE_FIELDS = ["name", "limit_days", "legal_basis", "counted_in_limit"]
INTERMEDIARY_FIELDS = ["order", "name", "required", "charged", "fee_basis"]


class ItemType(models.TextChoices):
    LICENSING = "licensing", "行政许可"
    CONFIRMATION = "confirmation", "行政确认"
    ADJUDICATION = "adjudication", "行政裁决"
    BENEFIT = "benefit", "行政给付"
    REWARD = "reward", "行政奖励"
    FILING = "filing", "行政备案"
    LEVY = "levy", "行政征收"
    OTHER_POWER = "other_power", "其他行政权力"
    PUBLIC_SERVICE = "public_service", "公共服务"


class BaseItemLevel(models.TextChoices):
    MAIN = "main", "主项"
    SUB = "sub", "子项"


class BaseItem(models.Model):
    """An item of the provincial base catalogue (基本目录). Its six fixed elements are identical
    for every claimant in the province (全省一单)."""

    code = models.CharField(_("事项编码"), max_length=40, unique=True)
    name = models.CharField(_("事项名称"), max_length=200, validators=[PlainText("事项名称")])
    item_type = models.CharField(_("事项类型"), max_length=20, choices=ItemType.choices)
    level = models.CharField(
        _("层级"), max_length=8, choices=BaseItemLevel.choices, default=BaseItemLevel.MAIN
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("主项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    competent_department = models.CharField(
        _("主管部门"), max_length=100, validators=[PlainText("主管部门")]
    )
    implementing_body = models.CharField(
        _("实施机关"), max_length=100, validators=[PlainText("实施机关")]
    )
    legal_basis = bounded_text(gettext_noop("设定和实施依据"), 4000)

    class Meta:
        verbose_name = verbose_name_plural = _("基本目录事项")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class BusinessType(models.TextChoices):
    NEW = "new", "新设"
    CHANGE = "change", "变更"
    RENEWAL = "renewal", "延续"
    CANCEL = "cancel", "注销"
    OTHER = "other", "其他"


class ItemStatus(models.TextChoices):
    """State of an implementation item in the catalogue."""

    CLAIMED = "claimed", "已认领"
    ACTIVE = "active", "在用"
    SUSPENDED = "suspended", "暂停"
    WITHDRAWN = "withdrawn", "已撤销"


class ServiceItem(models.Model):
    """An implementation item (实施清单): a 办理项 claimed by a department at a region level.
    Citizens apply for it; its content lives in versions."""

    code = models.CharField(_("实施编码"), max_length=80, unique=True)
    base = models.ForeignKey(
        BaseItem,
        verbose_name=_("基本目录事项"),
        on_delete=models.PROTECT,
        related_name="implementations",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("实施部门"),
        on_delete=models.PROTECT,
        related_name="service_items",
    )
    region = models.ForeignKey(Region, verbose_name=_("实施区划"), on_delete=models.PROTECT)
    business_type = models.CharField(
        _("业务办理项类型"), max_length=10, choices=BusinessType.choices, default=BusinessType.NEW
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=ItemStatus.choices,
        default=ItemStatus.CLAIMED,
        db_index=True,
    )
    published_version = models.OneToOneField(
        "ServiceItemVersion",
        verbose_name=_("现行版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("认领时间"), auto_now_add=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("认领人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = _("实施清单事项")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["base", "department", "region", "business_type"],
                name="one_claim_per_base_department_region_business",
            ),
        ]

    def __str__(self) -> str:
        version = self.published_version
        return version.name if version else self.base.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "编制中"
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "审核通过"
    PUBLISHED = "published", "已发布"
    SUPERSEDED = "superseded", "已被新版本替代"


# An open version: being compiled or reviewed, not yet published (an item has at most one).
OPEN_VERSION_STATUSES = (
    VersionStatus.DRAFT,
    VersionStatus.RETURNED,
    VersionStatus.SUBMITTED,
    VersionStatus.APPROVED,
)
# A version whose guide has been public (the current one or one it replaced).
PUBLIC_VERSION_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)
# A version its department may still edit.
EDITABLE_VERSION_STATUSES = (VersionStatus.DRAFT, VersionStatus.RETURNED)


class ServiceItemVersion(models.Model):
    """One version of an implementation item's elements. Immutable once published."""

    item = models.ForeignKey(
        ServiceItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=VersionStatus.choices,
        default=VersionStatus.DRAFT,
        db_index=True,
    )
    # The six fixed elements as this claimant states them (compared with the base item).
    name = models.CharField(_("事项名称"), max_length=200, validators=[PlainText("事项名称")])
    base_code = models.CharField(_("事项编码"), max_length=40)
    item_type = models.CharField(_("事项类型"), max_length=20, choices=ItemType.choices)
    competent_department = models.CharField(
        _("主管部门"), max_length=100, validators=[PlainText("主管部门")]
    )
    implementing_body = models.CharField(
        _("实施机关"), max_length=100, validators=[PlainText("实施机关")]
    )
    legal_basis = bounded_text(gettext_noop("设定和实施依据"), 4000)
    # Implementation elements.
    conditions = bounded_text(gettext_noop("受理条件"), 4000, blank=True)
    location = bounded_text(gettext_noop("办理地点"), 1000, blank=True)
    hours = models.CharField(
        _("办理时间"), max_length=200, blank=True, validators=[PlainText("办理时间")]
    )
    legal_limit = models.PositiveIntegerField(
        _("法定办结时限（工作日）"), validators=LIMIT_DAYS.validators("法定办结时限")
    )
    promised_limit = models.PositiveIntegerField(
        _("承诺办结时限（工作日）"), validators=LIMIT_DAYS.validators("承诺办结时限")
    )
    handling_kind = models.CharField(_("办件类型"), max_length=10, choices=HandlingKind.choices)
    visits = models.PositiveSmallIntegerField(
        _("到办事现场次数"), validators=VISITS.validators("到办事现场次数")
    )
    handling_forms = models.JSONField(_("办理形式"), default=list, blank=True)
    has_fee = models.BooleanField(_("是否收费"), default=False)
    fee_standard = bounded_text(gettext_noop("收费标准"), 2000, blank=True)
    fee_basis = bounded_text(gettext_noop("收费依据"), 2000, blank=True)
    fully_online = models.BooleanField(_("全程网办"), default=False)
    commitment_based = models.BooleanField(_("告知承诺"), default=False)
    self_service_24h = models.BooleanField(_("7×24 自助"), default=False)
    faq = bounded_text(gettext_noop("常见问题"), 8000, blank=True)
    consult_phone = models.CharField(
        _("咨询方式"), max_length=200, blank=True, validators=[PlainText("咨询方式")]
    )
    complaint_channel = models.CharField(
        _("监督投诉方式"), max_length=200, blank=True, validators=[PlainText("监督投诉方式")]
    )
    form_fields = models.JSONField(
        _("申请表字段"),
        default=list,
        blank=True,
        help_text=_("[{key, label, type}]; 一件事合并申请表按 key 去重"),
    )
    # The national implementation list's elements (实施清单要素, choices in catalog.fields).
    service_objects = models.JSONField(
        _("服务对象"), default=list, blank=True, help_text="natural_person / legal_person / …"
    )
    exercise_level = models.CharField(
        _("行使层级"), max_length=12, choices=ExerciseLevel.choices, blank=True
    )
    body_nature = models.CharField(
        _("实施主体性质"), max_length=12, choices=BodyNature.choices, blank=True
    )
    entrusting_department = models.CharField(
        _("委托部门"), max_length=200, blank=True, validators=[PlainText("委托部门")]
    )
    joint_bodies = models.CharField(
        _("联办机构"),
        max_length=500,
        blank=True,
        validators=[PlainText("联办机构")],
        help_text=_("多个机构用、分隔"),
    )
    power_source = models.CharField(
        _("权力来源"), max_length=16, choices=PowerSource.choices, blank=True
    )
    quantity_limit = models.CharField(
        _("数量限制"),
        max_length=500,
        blank=True,
        validators=[PlainText("数量限制")],
        help_text=_("留空表示无数量限制"),
    )
    result_type = models.CharField(
        _("审批结果类型"), max_length=20, choices=ResultType.choices, blank=True
    )
    result_name = models.CharField(
        _("审批结果名称"), max_length=200, blank=True, validators=[PlainText("审批结果名称")]
    )
    result_sample = models.FileField(_("审批结果样本"), upload_to="catalog/results/", blank=True)
    delivery_methods = models.JSONField(_("结果送达方式"), default=list, blank=True)
    online_depth = models.PositiveSmallIntegerField(
        _("网上办理深度"), choices=OnlineDepth.choices, null=True, blank=True
    )
    online_payment = models.BooleanField(_("是否支持网上支付"), default=False)
    express_delivery = models.BooleanField(_("物流快递"), default=False)
    appointment = models.BooleanField(_("预约办理"), default=False)
    in_hall = models.BooleanField(_("进驻大厅"), default=False, help_text=_("进驻政务服务大厅"))
    service_scope = models.CharField(
        _("通办范围"), max_length=16, choices=ServiceScope.choices, default=ServiceScope.COUNTY
    )
    situations = situations_field(
        _("群众说法的办事场景，用于智能导办，空格分隔（如：身份证丢了 身份证被偷）")
    )
    change_reason = models.CharField(
        _("调整原因"), max_length=500, blank=True, validators=[PlainText("调整原因")]
    )
    review_comment = bounded_text(gettext_noop("审核意见"), 2000, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("事项版本")
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    @property
    def is_instant(self) -> bool:
        return self.handling_kind == HandlingKind.INSTANT

    @property
    def handling_form_labels(self) -> list[str]:
        return [HandlingForm(f).label for f in self.handling_forms if f in HandlingForm.values]

    @property
    def service_object_labels(self) -> list[str]:
        return element_fields.choice_labels(element_fields.ServiceObject, self.service_objects)

    @property
    def delivery_method_labels(self) -> list[str]:
        return element_fields.choice_labels(element_fields.DeliveryMethod, self.delivery_methods)

    @property
    def cross_province(self) -> bool:
        """The former 跨省通办 flag, derived from 通办范围 (read-only, for API clients)."""
        return element_fields.is_cross_province(self.service_scope)

    @property
    def in_province(self) -> bool:
        """The former 省内通办 flag, derived from 通办范围 (read-only, for API clients)."""
        return element_fields.is_in_province(self.service_scope)

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE_VERSION_STATUSES

    def rule_values(self) -> dict[str, object]:
        return {f: getattr(self, f) for f in element_fields.RULE_FIELDS}

    def clean(self) -> None:
        # The rules live in catalog.fields so forms, API, importer and quality share them.
        element_fields.check_version_rules(self.rule_values())


class OriginalOrCopy(models.TextChoices):
    ORIGINAL = "original", "原件"
    COPY = "copy", "复印件"
    BOTH = "both", "原件和复印件"


class Medium(models.TextChoices):
    PAPER = "paper", "纸质"
    ELECTRONIC = "electronic", "电子"
    BOTH = "both", "纸质或电子"


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", "申请人自备"
    GOVERNMENT = "government", "政府部门核发"


class Material(models.Model):
    """A document an item requires (申请材料)."""

    version = models.ForeignKey(
        ServiceItemVersion, on_delete=models.CASCADE, related_name="materials"
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    name = models.CharField(_("材料名称"), max_length=200, validators=[PlainText("材料名称")])
    original_or_copy = models.CharField(
        _("原件/复印件"),
        max_length=10,
        choices=OriginalOrCopy.choices,
        default=OriginalOrCopy.ORIGINAL,
    )
    count = models.PositiveSmallIntegerField(
        _("份数"), default=1, validators=MATERIAL_COUNT.validators("份数")
    )
    medium = models.CharField(
        _("材料形式"), max_length=12, choices=Medium.choices, default=Medium.BOTH
    )
    source = models.CharField(
        _("来源渠道"),
        max_length=12,
        choices=MaterialSource.choices,
        default=MaterialSource.APPLICANT,
    )
    issuing_body = models.CharField(
        _("出具单位"), max_length=100, blank=True, validators=[PlainText("出具单位")]
    )
    required = models.BooleanField(_("必要材料"), default=True)
    deferrable = models.BooleanField(_("可容缺"), default=False)
    exempt = models.BooleanField(_("免提交（共享获取）"), default=False)
    blank_form = models.FileField(_("空白表格"), upload_to="catalog/forms/", blank=True)
    sample_file = models.FileField(_("示例样表"), upload_to="catalog/samples/", blank=True)
    notes = models.CharField(
        _("填报须知"), max_length=500, blank=True, validators=[PlainText("填报须知")]
    )

    class Meta:
        verbose_name = verbose_name_plural = _("申请材料")
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return self.name


class ProcessStep(models.Model):
    """One step of the handling process (办理流程)."""

    version = models.ForeignKey(ServiceItemVersion, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    name = models.CharField(_("环节"), max_length=100, validators=[PlainText("环节")])
    role = models.CharField(
        _("办理人员"), max_length=100, blank=True, validators=[PlainText("办理人员")]
    )
    limit_days = models.PositiveSmallIntegerField(
        _("环节时限（工作日）"), default=0, validators=STEP_LIMIT_DAYS.validators("环节时限")
    )

    class Meta:
        verbose_name = verbose_name_plural = _("办理流程")
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return self.name


class SpecialProcedure(models.Model):
    """A special procedure (特别程序: hearing, testing, expert review, public notice …)."""

    version = models.ForeignKey(
        ServiceItemVersion, on_delete=models.CASCADE, related_name="special_procedures"
    )
    name = models.CharField(_("特别程序"), max_length=100, validators=[PlainText("特别程序")])
    limit_days = models.PositiveSmallIntegerField(
        _("时限（工作日）"), default=0, validators=STEP_LIMIT_DAYS.validators("特别程序时限")
    )
    legal_basis = bounded_text(gettext_noop("依据"), 4000, blank=True)
    counted_in_limit = models.BooleanField(_("计入办结时限"), default=False)

    class Meta:
        verbose_name = verbose_name_plural = _("特别程序")
        ordering = ["version", "id"]

    def __str__(self) -> str:
        return self.name


class IntermediaryService(models.Model):
    """An intermediary service the applicant needs (中介服务: a survey, an appraisal …),
    versioned with its item like a special procedure."""

    version = models.ForeignKey(
        ServiceItemVersion, on_delete=models.CASCADE, related_name="intermediaries"
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    name = models.CharField(
        _("中介服务名称"), max_length=200, validators=[PlainText("中介服务名称")]
    )
    required = models.BooleanField(_("是否必需"), default=True)
    charged = models.BooleanField(_("是否收费"), default=False)
    fee_basis = models.CharField(
        _("收费依据/标准"), max_length=500, blank=True, validators=[PlainText("收费依据/标准")]
    )

    class Meta:
        verbose_name = verbose_name_plural = _("中介服务")
        ordering = ["version", "order", "id"]

    def __str__(self) -> str:
        return self.name


class AdjustmentLog(models.Model):
    """The dynamic-adjustment log (动态调整记录) shown on every item."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="adjustments")
    version = models.ForeignKey(
        ServiceItemVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=32)
    summary = models.TextField(_("内容"), blank=True)
    reason = models.CharField(_("原因"), max_length=500, blank=True, validators=[PlainText("原因")])
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = _("动态调整记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.item} {self.action}"


class BundleStatus(models.TextChoices):
    DRAFT = "draft", "编制中"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤销"


class Bundle(models.Model):
    """高效办成一件事: items from several departments in ordered stages."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200, unique=True, validators=[PlainText("名称")])
    summary = bounded_text(gettext_noop("简介"), 2000, blank=True)
    situations = situations_field(_("群众说法的办事场景，用空格分隔，用于智能导办"))
    lead_department = models.ForeignKey(
        Department, verbose_name=_("牵头部门"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=BundleStatus.choices,
        default=BundleStatus.DRAFT,
        db_index=True,
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("一件事")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class BundleStage(models.Model):
    """A stage of a bundle; its items run in parallel."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField(_("阶段"))
    items = models.ManyToManyField(ServiceItem, through="BundleStageItem", related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = _("一件事阶段")
        ordering = ["bundle", "order"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "order"], name="bundle_stage_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.bundle.name} 第 {self.order} 阶段"


class BundleStageItem(models.Model):
    stage = models.ForeignKey(BundleStage, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="bundle_entries")
    order = models.PositiveSmallIntegerField(default=1)
    # Where an earlier stage's result feeds this item's form (cases.bundles): {form field key:
    # code of an earlier stage's item}; the field is filled with that item's result (the number
    # of its 准予许可决定书) when this stage starts, and not asked on the merged form.
    feeds = models.JSONField(_("前序结果填入"), default=dict, blank=True)

    class Meta:
        ordering = ["stage", "order"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "item"], name="bundle_stage_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} · {self.item}"


class SearchSynonym(models.Model):
    """An everyday phrasing and the catalogue words it means (开饭店 → 餐饮 食品经营)."""

    phrase = models.CharField(
        _("群众说法"), max_length=50, unique=True, validators=[PlainText("群众说法")]
    )
    expansions = models.CharField(
        _("对应的规范用语"),
        max_length=300,
        help_text=_("多个词用空格分隔"),
        validators=[PlainText("对应的规范用语")],
    )
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("导办同义词")
        ordering = ["phrase"]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.expansions}"


class MaterialEquivalence(models.Model):
    """The bundle merge table: a material name that means the same document as another
    (场地使用证明 = 经营场所使用证明), so a bundle's material list asks for it once. Shipped in
    data/material_equivalences.csv, edited by the bureau through services; the merged list
    names what was merged and why."""

    name = models.CharField(
        _("材料名称"), max_length=200, unique=True, validators=[PlainText("材料名称")]
    )
    canonical = models.CharField(_("合并为"), max_length=200, validators=[PlainText("合并为")])
    reason = models.CharField(_("合并理由"), max_length=200, validators=[PlainText("合并理由")])
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("材料合并对照")
        ordering = ["canonical", "name"]

    def __str__(self) -> str:
        return f"{self.name} → {self.canonical}"

    def clean(self) -> None:
        from yiwang.catalog.guides.bundles import normalise_material_name

        if normalise_material_name(self.name) == normalise_material_name(self.canonical):
            raise ValidationError({"canonical": "合并后的名称与材料名称相同，无需合并。"})


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ImportJob(models.Model):
    """One catalogue import from the workbench, run by the task worker (catalog.tasks): its
    files (kept in the default storage until the job ends), progress and per-row report.
    `department` is the importer's, so the job is in the data scope of whoever may see it."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("导入人部门"), null=True, blank=True, on_delete=models.PROTECT
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    publish = models.BooleanField(_("导入后发布"), default=False)
    files = models.JSONField(
        _("文件"), default=list
    )  # [{"name": shown name, "path": storage path}]
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    phase = models.CharField(_("阶段"), max_length=20, blank=True)  # checking / writing
    done = models.PositiveIntegerField(_("已处理"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    report = models.JSONField(_("结果"), default=dict, blank=True)
    failure = models.CharField(_("失败原因"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("事项导入任务")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        names = "、".join(f.get("name", "") for f in self.files)
        return f"导入 {names}（{self.get_status_display()}）"

    @property
    def finished(self) -> bool:
        return self.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED)
