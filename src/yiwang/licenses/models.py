"""Licence types (证照类型), licences (电子证照) and the departments' seal keys (签章密钥).

Writes go through `licenses.services`; the sealed bytes and signature of a licence never
change once written (a change is a new version that links to the old one).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from yiwang.common.personal import EncryptedPersonalField
from yiwang.common.validators import PlainText, bounded_text, uscc_field_validator
from yiwang.org.models import Applicant, Department


class LicenseType(models.Model):
    """A licence type: its code (the defining authority's USCC + a 3-digit sequence), the
    department that issues it, whether it is in the national catalogue, its fields and the
    template it renders with."""

    code = models.CharField(_("证照类型代码"), max_length=21, unique=True)
    name = models.CharField(_("名称"), max_length=100, validators=[PlainText("名称")])
    department = models.ForeignKey(
        Department,
        verbose_name=_("颁发部门"),
        on_delete=models.PROTECT,
        related_name="license_types",
    )
    national = models.BooleanField(_("国家目录"), default=False)
    # [{"name": "经营场所", "kind": "text", "required": true}, …] (licenses.fields)
    fields = models.JSONField(_("证照字段"), default=list, blank=True)
    template = bounded_text(gettext_noop("版式模板"), 20000, blank=True)
    # The items whose concluded cases produce this licence (licenses.issuing): items, not
    # versions, so a new published version keeps the link.
    items = models.ManyToManyField(
        "catalog.ServiceItem",
        verbose_name=_("产生本证照的事项"),
        blank=True,
        related_name="license_types",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = _("证照类型")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class SealKey(models.Model):
    """A department's SM2 key pair. The current key signs; a rotation retires it (it keeps
    verifying the licences it sealed) and creates the next. The private key is only its SM4
    envelope (licenses.sealing) and is never shown."""

    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="seal_keys"
    )
    key_id = models.CharField(_("密钥标识"), max_length=16, unique=True, editable=False)
    public_key = models.CharField(_("公钥"), max_length=130, unique=True)
    private_key = models.TextField(_("私钥（SM4 加密）"), editable=False)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("签章密钥")
        ordering = ["department", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["department"],
                condition=models.Q(retired_at__isnull=True),
                name="seal_key_one_current_per_department",
            )
        ]

    def __str__(self) -> str:
        return self.key_id

    def __repr__(self) -> str:  # the envelope stays out of debug output too
        return f"<SealKey {self.key_id} department={self.department_id}>"


class LicenseStatus(models.TextChoices):
    VALID = "valid", "有效"
    REVOKED = "revoked", "撤销"
    CANCELLED = "cancelled", "注销"
    EXPIRED = "expired", "失效"
    TRANSFERRED = "transferred", "转出"
    WITHDRAWN = "withdrawn", "吊销"


class LicenseOrigin(models.TextChoices):
    ISSUED = "issued", "本平台签发"
    GATHERED = "gathered", "部门归集"


class HolderKind(models.TextChoices):
    PERSON = "person", "自然人"
    ENTERPRISE = "enterprise", "法人和其他组织"


class License(models.Model):
    """An electronic licence: its identifier, holder, field values, validity, status, the
    exact bytes its seal signs and the seal."""

    # Made by the services (identifiers.build), never typed.
    identifier = models.CharField(_("电子证照标识"), max_length=120, unique=True, editable=False)
    license_type = models.ForeignKey(
        LicenseType, verbose_name=_("证照类型"), on_delete=models.PROTECT, related_name="licenses"
    )
    issuer = models.ForeignKey(
        Department, verbose_name=_("颁发部门"), on_delete=models.PROTECT, related_name="licenses"
    )
    serial = models.CharField(_("流水号"), max_length=32, editable=False)
    version = models.PositiveSmallIntegerField(_("版本号"), default=1)
    holder_kind = models.CharField(_("持证主体类型"), max_length=16, choices=HolderKind.choices)
    holder_name = models.CharField(
        _("持证主体名称"), max_length=200, validators=[PlainText("持证主体名称")]
    )
    holder_id_number = EncryptedPersonalField(
        _("持证人身份证号码"), kind="id_number", hash_field="holder_id_number_hash"
    )
    holder_id_number_hash = models.CharField(
        max_length=64, blank=True, db_index=True, editable=False
    )
    holder_uscc = models.CharField(
        _("持证主体统一社会信用代码"),
        max_length=18,
        blank=True,
        validators=[uscc_field_validator, PlainText("持证主体统一社会信用代码")],
    )
    applicant = models.ForeignKey(
        Applicant,
        verbose_name=_("申请人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="licenses",
    )
    fields = models.JSONField(_("证照字段值"), default=dict)
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=LicenseStatus.choices, default=LicenseStatus.VALID
    )
    status_reason = models.CharField(
        _("状态变更原因"), max_length=200, blank=True, validators=[PlainText("状态变更原因")]
    )
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("延续或变更的证照"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successors",
    )
    canonical = models.BinaryField(_("签章原文"), editable=False)
    seal_key = models.ForeignKey(
        SealKey, verbose_name=_("签章密钥"), on_delete=models.PROTECT, related_name="licenses"
    )
    signature = models.CharField(_("签名值"), max_length=128, editable=False)
    issued_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    origin = models.CharField(
        _("来源"), max_length=12, choices=LicenseOrigin.choices, default=LicenseOrigin.ISSUED
    )
    # The concluded case whose result this licence is (issued automatically), if any.
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("来源办件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_licenses",
        editable=False,
    )
    # The licence's number in the issuing department's own system (gathered licences): the key
    # that makes re-sending the same licences change nothing.
    source_number = models.CharField(
        _("原系统证照编号"),
        max_length=64,
        blank=True,
        validators=[PlainText("原系统证照编号")],
    )

    class Meta:
        verbose_name = verbose_name_plural = _("电子证照")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["license_type", "issuer", "serial", "version"],
                name="license_serial_version_unique",
            ),
            models.UniqueConstraint(
                fields=["case", "license_type"],
                condition=models.Q(case__isnull=False),
                name="license_one_per_case_and_type",
            ),
            models.UniqueConstraint(
                fields=["license_type", "issuer", "source_number", "version"],
                condition=~models.Q(source_number=""),
                name="license_source_number_unique",
            ),
        ]
        indexes = [models.Index(fields=["issuer", "issued_at"])]

    def __str__(self) -> str:
        return self.identifier


class LicenseMaterial(models.Model):
    """A material (by its name, as items' guides write it) that a licence type satisfies: when
    an item asks for it and the applicant holds a valid licence of the type, the applicant is
    not asked for it (免提交) and the case attaches the licence through a recorded use."""

    material_name = models.CharField(
        _("材料名称"), max_length=200, unique=True, validators=[PlainText("材料名称")]
    )
    license_type = models.ForeignKey(
        LicenseType,
        verbose_name=_("证照类型"),
        on_delete=models.CASCADE,
        related_name="materials",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = _("材料与证照对照")
        ordering = ["material_name"]

    def __str__(self) -> str:
        return f"{self.material_name} → {self.license_type_id}"


class UsePurpose(models.TextChoices):
    HANDLING = "handling", "办件调用"
    MATERIAL = "material", "免提交材料"
    CHECK = "check", "核验比对"


class LicenseUse(models.Model):
    """A use of a licence (用证): a staff member fetched the holder's licence for a case, with
    a reason. Written only by licenses.services.license_use; the holder sees these rows as
    用证记录 (the staff member as department and role, never by name)."""

    license = models.ForeignKey(
        License, verbose_name=_("电子证照"), on_delete=models.PROTECT, related_name="uses"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("办件"), on_delete=models.PROTECT, related_name="license_uses"
    )
    actor = models.ForeignKey(
        "org.User",
        verbose_name=_("用证人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="license_uses",
        editable=False,
    )
    # As the holder reads it: the department and role at the time of use (names stay private).
    actor_department = models.CharField(_("用证部门"), max_length=200, editable=False)
    actor_role = models.CharField(_("用证人角色"), max_length=100, blank=True, editable=False)
    reason = bounded_text(gettext_noop("用证事由"), 200)
    purpose = models.CharField(
        _("用证用途"), max_length=12, choices=UsePurpose.choices, default=UsePurpose.HANDLING
    )
    # The case material the licence stands in for (purpose 免提交材料): the version's order.
    material_order = models.PositiveSmallIntegerField(_("材料序号"), null=True, blank=True)
    material_name = models.CharField(_("材料名称"), max_length=200, blank=True, editable=False)
    used_at = models.DateTimeField(_("用证时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("用证记录")
        ordering = ["-used_at", "-pk"]
        indexes = [models.Index(fields=["used_at"])]

    def __str__(self) -> str:
        return f"{self.license_id}@{self.case_id}"


class GatherJobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "归集中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class GatherJob(models.Model):
    """One large 证照归集 file from the workbench, run by the task worker (licenses.tasks): the
    file (kept in the default storage until the job ends), its progress and its report (the
    counts, the per-row errors, the identifiers written). In the data scope of whoever may
    gather for `department`."""

    created_by = models.ForeignKey(
        "org.User", verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("颁发部门"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=GatherJobStatus.choices, default=GatherJobStatus.QUEUED
    )
    filename = models.CharField(_("文件名"), max_length=255, editable=False)
    path = models.CharField(_("存储路径"), max_length=255, editable=False)
    dry_run = models.BooleanField(_("只检查"), default=False)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    report = models.JSONField(_("结果"), default=dict, blank=True, editable=False)
    failure = models.CharField(_("失败原因"), max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("证照归集任务")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"归集 {self.filename}（{self.get_status_display()}）"

    @property
    def finished(self) -> bool:
        return self.status in (GatherJobStatus.DONE, GatherJobStatus.FAILED)
