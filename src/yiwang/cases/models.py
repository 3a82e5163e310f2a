"""Cases (办件): one application for a published item and its handling, from the draft to the
archive. State changes happen only in cases.services; the vocabulary is in cases.fields."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from yiwang.cases.fields import (
    MAX_REASON,
    BundleCaseStatus,
    CaseStatus,
    Channel,
    Decision,
    Delivery,
    NoticeKind,
    PaymentStatus,
    SpecialProcedureKind,
    VerificationStatus,
    WarningLevel,
)
from yiwang.common.personal import EncryptedJSONField
from yiwang.common.validators import PlainText, bounded_text

# Reasons, decisions and notes staff type (services._reason enforces the same bound).
TEXT_MAX = 2000


class Case(models.Model):
    """An application (办件) for one item, under the item version published when it was made.

    The clocks (workdays.Clock) hold the limits and their pauses; the case keeps the resulting
    deadlines in its own columns so queues and figures filter on indexed dates. `ever_overdue`
    never goes back: a case that was once overdue is counted as overdue."""

    number = models.CharField(_("办件编号"), max_length=32, unique=True, editable=False)
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("事项"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    version = models.ForeignKey(
        "catalog.ServiceItemVersion",
        verbose_name=_("申请时的事项版本"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("办理部门"), on_delete=models.PROTECT, related_name="cases"
    )
    applicant = models.ForeignKey(
        "org.Applicant", verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="cases"
    )
    channel = models.CharField(_("申请渠道"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="cases_created",
    )
    window = models.ForeignKey(
        "org.Window",
        verbose_name=_("受理窗口"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    # 帮办代办: who helped, and that the applicant agreed.
    assisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("帮办代办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_assisted",
    )
    consent = models.CharField(
        _("申请人授权说明"),
        max_length=MAX_REASON,
        blank=True,
        validators=[PlainText("申请人授权说明")],
    )
    form_data = EncryptedJSONField(_("申请表内容"))
    delivery = models.CharField(
        _("送达方式"), max_length=16, choices=Delivery.choices, default=Delivery.PICKUP
    )
    delivery_address = EncryptedJSONField(_("邮寄信息"))  # {recipient, phone, address}
    # 告知承诺: the text the applicant signed, when, and its SM3 digest.
    commitment = models.BooleanField(_("告知承诺"), default=False)
    commitment_text = models.TextField(_("承诺内容"), blank=True, editable=False)
    commitment_signed_at = models.DateTimeField(_("承诺签署时间"), null=True, blank=True)
    commitment_digest = models.CharField(
        _("承诺摘要（SM3）"), max_length=64, blank=True, editable=False
    )

    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    received_on = models.DateField(_("收到材料日期"), null=True, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True, db_index=True)
    deemed_accepted = models.BooleanField(_("视为受理"), default=False)
    not_accepted_reason = bounded_text(gettext_noop("不予受理理由"), TEXT_MAX, blank=True)
    step = models.PositiveSmallIntegerField(_("当前审查环节"), default=0)
    decision = models.CharField(_("决定"), max_length=8, choices=Decision.choices, blank=True)
    decision_reason = bounded_text(gettext_noop("决定理由"), TEXT_MAX, blank=True)
    decision_basis = bounded_text(gettext_noop("决定依据"), TEXT_MAX, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_decided",
    )
    concluded_on = models.DateField(_("办结日期"), null=True, blank=True, db_index=True)
    # Working days from acceptance to the decision, special procedures left out (the figures
    # average it in the database).
    handling_days = models.PositiveIntegerField(_("办理用时（工作日）"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    tracking_number = models.CharField(
        _("邮件号"), max_length=40, blank=True, validators=[PlainText("邮件号")]
    )
    collected_by = models.CharField(
        _("领取人"), max_length=64, blank=True, validators=[PlainText("领取人")]
    )
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)

    # Clocks and the deadlines they give (kept in step by the services and the sweep).
    pre_review_clock = models.OneToOneField(
        "workdays.Clock",
        verbose_name=_("预审计时"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    legal_clock = models.OneToOneField(
        "workdays.Clock",
        verbose_name=_("法定时限计时"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    promised_clock = models.OneToOneField(
        "workdays.Clock",
        verbose_name=_("承诺时限计时"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    legal_deadline = models.DateField(_("法定办结期限"), null=True, blank=True)
    promised_deadline = models.DateField(_("承诺办结期限"), null=True, blank=True, db_index=True)
    delivery_deadline = models.DateField(_("送达期限"), null=True, blank=True)
    # The day the warning share of the promised limit is reached (the sweep compares dates).
    warn_on = models.DateField(_("预警日期"), null=True, blank=True, db_index=True)
    paused = models.BooleanField(_("计时暂停中"), default=False)
    extended = models.BooleanField(_("已延期"), default=False)
    extension_reason = bounded_text(gettext_noop("延期理由"), TEXT_MAX, blank=True)
    warning = models.CharField(
        _("时限状态"), max_length=8, choices=WarningLevel.choices, blank=True, default=""
    )
    ever_overdue = models.BooleanField(_("曾超期"), default=False, db_index=True)

    fee_amount = models.DecimalField(
        _("应缴金额（元）"), max_digits=10, decimal_places=2, null=True
    )
    payment_status = models.CharField(
        _("缴费状态"), max_length=8, choices=PaymentStatus.choices, blank=True, default=""
    )
    visits = models.PositiveSmallIntegerField(_("申请人到现场次数"), default=0)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("当前经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases_assigned",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # 一件事: the bundle case this case is a child of, and the bundle stage it belongs to.
    bundle_case = models.ForeignKey(
        "cases.BundleCase",
        verbose_name=_("所属一件事"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    stage = models.PositiveSmallIntegerField(_("一件事阶段"), null=True, blank=True)
    # A fresh random value after every write to the case or its child rows (cases.snapshots):
    # the stored detail (CaseSnapshot) is current only while it carries the same value.
    # Random, not a counter, so that saving an old copy of the case can never bring back a
    # value an old snapshot was rendered with.
    detail_key = models.BigIntegerField(_("详情版本"), default=0, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("办件")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["department", "status"]),
            models.Index(fields=["status", "warning"]),
            models.Index(fields=["applicant", "-created_at"]),
            models.Index(fields=["item", "status"]),
            # The figures' (cases.metrics): every column they filter and aggregate on, led by
            # the period's date, so a report reads the index, not the wide case rows.
            models.Index(
                fields=[
                    "accepted_on",
                    "department",
                    "channel",
                    "ever_overdue",
                    "concluded_on",
                    "handling_days",
                ],
                name="cases_figures_idx",
            ),
            # The same columns led by the department, for the department breakdowns: without
            # it SQLite groups along the plain department index and reads every case's row
            # (2.9 → 0.6 s at 1,000,000 cases).
            models.Index(
                fields=[
                    "department",
                    "accepted_on",
                    "channel",
                    "ever_overdue",
                    "concluded_on",
                    "handling_days",
                ],
                name="cases_figures_dept_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"办件#{self.pk}"

    @property
    def is_instant(self) -> bool:
        return self.version.handling_kind == "instant"


class CaseMaterial(models.Model):
    """One file handed in for one material of the item version (by its order), or a paper
    original recorded at the window. A re-upload supersedes the earlier file but keeps it:
    nothing submitted is lost."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    order = models.PositiveSmallIntegerField(_("材料序号"))
    name = models.CharField(_("材料名称"), max_length=200, editable=False)  # the version's
    file = models.FileField(_("文件"), upload_to="cases/materials/%Y/%m/", blank=True)
    file_name = models.CharField(
        _("文件名"), max_length=200, blank=True, validators=[PlainText("文件名")]
    )
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True, editable=False)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    digest = models.CharField(_("摘要（SM3）"), max_length=64, blank=True, editable=False)
    paper = models.BooleanField(_("纸质原件已收"), default=False)
    deferred = models.BooleanField(_("容缺"), default=False)
    supply_due = models.DateField(_("补交期限"), null=True, blank=True)
    chased_at = models.DateTimeField(_("催交时间"), null=True, blank=True)
    current = models.BooleanField(_("当前有效"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("办件材料")
        ordering = ["order", "-uploaded_at"]
        indexes = [models.Index(fields=["case", "order", "current"])]

    def __str__(self) -> str:
        return f"{self.case} · {self.name}"


class CaseEvent(models.Model):
    """A line of the case history: who, when, from → to, and the note."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=32)
    # Written by the services from what they did and the (checked) text they were given.
    label = models.CharField(_("说明"), max_length=64, editable=False)
    from_status = models.CharField(_("原状态"), max_length=16, blank=True, editable=False)
    to_status = models.CharField(_("新状态"), max_length=16, blank=True, editable=False)
    note = models.TextField(_("备注"), blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("办件记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case} {self.label}"


class CorrectionRequest(models.Model):
    """补正 (一次性告知): one notice listing everything missing. `entries` are
    [{"order": material order or null, "name": what, "note": what is wrong}]."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="corrections")
    entries = models.JSONField(_("补正内容"), default=list)
    note = bounded_text(gettext_noop("说明"), TEXT_MAX, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    requested_at = models.DateTimeField(_("告知时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("补正提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("补正告知")
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.case} 补正 {self.requested_at:%Y-%m-%d}"


class SpecialProcedure(models.Model):
    """A special procedure (特别程序: hearing, testing …) that pauses the case's clocks, with
    its own limit in working days."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="special_procedures")
    kind = models.CharField(_("类别"), max_length=16, choices=SpecialProcedureKind.choices)
    reason = models.CharField(_("事由"), max_length=MAX_REASON, validators=[PlainText("事由")])
    limit_days = models.PositiveSmallIntegerField(_("时限（工作日）"))
    started_on = models.DateField(_("开始日期"))
    due_on = models.DateField(_("应完成日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("特别程序")
        ordering = ["started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(ended_on__isnull=True),
                name="cases_one_open_special_procedure",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.get_kind_display()}"


class CaseNotice(models.Model):
    """A written notice (受理通知书, 补正告知书 …). `content` is what the notice says, frozen when
    it is issued; the PDF is rendered from it on first download and kept in storage."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("文书"), max_length=20, choices=NoticeKind.choices)
    number = models.CharField(_("文号"), max_length=40, unique=True, editable=False)
    content = models.JSONField(_("内容"), default=dict)
    pdf = models.FileField("PDF", upload_to="cases/notices/%Y/%m/", blank=True)
    issued_at = models.DateTimeField(_("出具时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("办件文书")
        ordering = ["issued_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Payment(models.Model):
    """A fee (收费): the notice issued, and its confirmation by the payment channel."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="payment")
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    basis = models.TextField(_("收费依据"), editable=False)  # the version's 收费依据
    status = models.CharField(_("状态"), max_length=8, choices=PaymentStatus.choices)
    channel = models.CharField(_("缴费渠道"), max_length=32, blank=True, editable=False)
    reference = models.CharField(_("缴款码/交易号"), max_length=64, blank=True, editable=False)
    issued_at = models.DateTimeField(_("开具时间"), auto_now_add=True)
    paid_at = models.DateTimeField(_("到账时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("缴费")

    def __str__(self) -> str:
        return f"{self.case} ¥{self.amount}"


class Verification(models.Model):
    """告知承诺: after a decision on the applicant's commitment, the department verifies it."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="verification")
    due_on = models.DateField(_("核查期限"))
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=VerificationStatus.choices,
        default=VerificationStatus.OPEN,
    )
    note = bounded_text(gettext_noop("核查情况"), TEXT_MAX, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    done_at = models.DateTimeField(_("核查时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("承诺核查")

    def __str__(self) -> str:
        return f"{self.case} 核查"


class CaseSnapshot(models.Model):
    """The case's detail as the API answers it (cases.api.presenting.detail), rendered after
    each write — what a status poll reads, in one statement, instead of the case's eight tables.

    `body` is the JSON object of the detail without the parts read live on every request (the
    applicant, the department's name, the transitions the caller may fire, updated_at). It is
    used only while `key` equals the case's detail_key, `format` the current SNAPSHOT_FORMAT
    and, when it counts working days up to today (an open pause), `day` is today; otherwise
    the detail is built from the tables. Every save of the case or a child row gives the case
    a new detail_key in the same transaction and renders the snapshot again after commit
    (cases.api.snapshots); a write through QuerySet.update() must call snapshots.touch."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, primary_key=True, related_name="snapshot"
    )
    # Written by the platform only (cases.api.snapshots), never typed by anyone.
    key = models.BigIntegerField(_("详情版本"), editable=False)
    day = models.DateField(_("按日计算的日期"), null=True, blank=True, editable=False)
    format = models.PositiveSmallIntegerField(_("格式"), editable=False)
    body = models.TextField(_("内容"), editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("办件详情快照")

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.key}"


class BundleCase(models.Model):
    """一件事办件: one application for a published bundle — one merged form and one merged set
    of materials — handled as one child Case per item, stage by stage (cases.bundles).

    The joint clock (联合办理, 第四十二条: 45 working days, extendable once by 15) starts when the
    first child case is accepted and stops when the bundle concludes or stops. The figures
    columns (`items_*`, `merged_*`) are fixed when the application is made, from the published
    versions it was made under, so the metrics aggregate them in the database."""

    number = models.CharField(_("一件事编号"), max_length=32, unique=True, editable=False)
    bundle = models.ForeignKey(
        "catalog.Bundle", verbose_name=_("一件事"), on_delete=models.PROTECT, related_name="cases"
    )
    # The bundle's lead department (牵头部门): it sees the whole bundle; the data scope of the
    # figures and of the lead's pages follows this column.
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("牵头部门"),
        on_delete=models.PROTECT,
        related_name="bundle_cases",
    )
    applicant = models.ForeignKey(
        "org.Applicant",
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="bundle_cases",
    )
    channel = models.CharField(_("申请渠道"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=BundleCaseStatus.choices, default=BundleCaseStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="bundle_cases_created",
    )
    form_data = EncryptedJSONField(_("申请表内容"))  # the merged form (一表申请)
    delivery = models.CharField(
        _("送达方式"), max_length=16, choices=Delivery.choices, default=Delivery.PICKUP
    )
    delivery_address = EncryptedJSONField(_("邮寄信息"))
    stage = models.PositiveSmallIntegerField(_("当前阶段"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    joint_clock = models.OneToOneField(
        "workdays.Clock",
        verbose_name=_("联合办理计时"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_on = models.DateField(_("联合办理起算日"), null=True, blank=True)
    deadline = models.DateField(_("联合办理期限"), null=True, blank=True, db_index=True)
    extended = models.BooleanField(_("已延期"), default=False)
    extension_reason = bounded_text(gettext_noop("延期理由"), TEXT_MAX, blank=True)
    concluded_on = models.DateField(_("办结日期"), null=True, blank=True, db_index=True)
    # Working days from the first acceptance to the conclusion (the figures average it).
    handling_days = models.PositiveIntegerField(_("办理用时（工作日）"), null=True, blank=True)
    stopped_by = models.ForeignKey(
        "cases.Case",
        verbose_name=_("导致终止的办件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    stop_reason = bounded_text(gettext_noop("终止原因"), TEXT_MAX, blank=True)
    # The one result notice (办理结果告知书), frozen when the bundle concludes or stops.
    result_notice = models.JSONField(_("办理结果告知"), default=dict, blank=True)
    # Figures, fixed at application: Σ of the items' promised limits against the bundle's
    # (stages in sequence, items of a stage in parallel); materials the items ask for
    # (non-exempt, counted per item) against the merged list; visits per item against the bundle.
    items_promised_days = models.PositiveIntegerField(_("各事项承诺时限之和"), default=0)
    bundle_promised_days = models.PositiveIntegerField(_("一件事承诺时限"), default=0)
    items_materials = models.PositiveIntegerField(_("各事项材料数之和"), default=0)
    merged_materials = models.PositiveIntegerField(_("合并后材料数"), default=0)
    items_visits = models.PositiveIntegerField(_("各事项跑动次数之和"), default=0)
    bundle_visits = models.PositiveIntegerField(_("一件事跑动次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("一件事办件")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["department", "status"]),
            models.Index(fields=["applicant", "-created_at"]),
            models.Index(fields=["bundle", "status"]),
        ]

    def __str__(self) -> str:
        return self.number or f"一件事#{self.pk}"


class BundleMaterial(models.Model):
    """A file handed in once for one entry of the bundle's merged material list; each child
    case whose item asks for that material gets it (CaseMaterial rows sharing the stored
    file). A re-upload supersedes the earlier file but keeps it."""

    bundle_case = models.ForeignKey(BundleCase, on_delete=models.CASCADE, related_name="materials")
    key = models.CharField(_("材料键"), max_length=200, editable=False)  # the merged entry's key
    name = models.CharField(_("材料名称"), max_length=200, editable=False)
    file = models.FileField(_("文件"), upload_to="cases/bundles/%Y/%m/")
    file_name = models.CharField(
        _("文件名"), max_length=200, blank=True, validators=[PlainText("文件名")]
    )
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True, editable=False)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    digest = models.CharField(_("摘要（SM3）"), max_length=64, blank=True, editable=False)
    current = models.BooleanField(_("当前有效"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("一件事材料")
        ordering = ["key", "-uploaded_at"]
        indexes = [models.Index(fields=["bundle_case", "key", "current"])]

    def __str__(self) -> str:
        return f"{self.bundle_case} · {self.name}"


class BundleEvent(models.Model):
    """A line of the bundle's own history (applied, stage started, stopped, concluded …); the
    applicant's one timeline merges it with the child cases' histories."""

    bundle_case = models.ForeignKey(BundleCase, on_delete=models.CASCADE, related_name="events")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=32)
    label = models.CharField(_("说明"), max_length=64, editable=False)
    note = models.TextField(_("备注"), blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("一件事记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["bundle_case", "at"])]

    def __str__(self) -> str:
        return f"{self.bundle_case} {self.label}"
