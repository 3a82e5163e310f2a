"""Tickets (诉求工单) from every channel, their assignments to departments, history, extensions,
the limits per kind and source, the hotline imports and the departments' responsibility lists.
State changes happen only in appeals.services; the vocabulary is in appeals.fields."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from yiwang.appeals.fields import (
    CONTENT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    AssignmentRole,
    AssignmentStatus,
    ExtensionStatus,
    Satisfaction,
    TicketKind,
    TicketSource,
    TicketStatus,
)
from yiwang.common.personal import EncryptedJSONField, EncryptedPersonalField
from yiwang.common.validators import PlainText, bounded_text


class SlaLimit(models.Model):
    """The limits in working days for tickets of one source and kind (blank = any), edited by
    the bureau. The most specific row wins: (source, kind), (source, any), (any, kind), (any,
    any); with no row the settings' defaults apply (appeals.sla). Emergency tickets use the
    urgent setting (same day) whatever the row says."""

    source = models.CharField(
        _("来源"), max_length=20, choices=TicketSource.choices, blank=True, default=""
    )
    kind = models.CharField(
        _("类别"), max_length=16, choices=TicketKind.choices, blank=True, default=""
    )
    sign_for_days = models.PositiveSmallIntegerField(_("签收时限（工作日）"))
    handling_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"))
    # 涉企: the first feedback to the enterprise ("3 个工作日内向企业反馈"); null: none asked.
    feedback_days = models.PositiveSmallIntegerField(
        _("首次反馈时限（工作日）"), null=True, blank=True
    )
    note = models.CharField(_("说明"), max_length=200, blank=True, validators=[PlainText("说明")])
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("诉求办理时限")
        ordering = ["source", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["source", "kind"], name="appeals_one_limit_per_pair")
        ]

    def __str__(self) -> str:
        source = self.get_source_display() if self.source else "全部来源"
        kind = self.get_kind_display() if self.kind else "全部类别"
        return f"{source} · {kind}"


class Ticket(models.Model):
    """One appeal (诉求) from any source, from registration to closing.

    The lead department's handling clock (workdays.Clock) holds the limit and its pauses
    (waiting on the citizen); the ticket keeps the resulting deadline in its own column so
    queues and figures filter on an indexed date. The flags and counters (`ever_overdue`,
    `remind_count`, `redo_count` …) only grow: the figures count what happened."""

    number = models.CharField(_("工单编号"), max_length=32, unique=True, editable=False)
    source = models.CharField(_("来源"), max_length=20, choices=TicketSource.choices)
    # The source's own number (the hotline's 工单号): unique per source, so a re-import finds it.
    external_number = models.CharField(
        _("来源编号"), max_length=64, blank=True, default="", validators=[PlainText("来源编号")]
    )
    kind = models.CharField(
        _("类别"), max_length=16, choices=TicketKind.choices, blank=True, default=""
    )
    urgent = models.BooleanField(_("紧急"), default=False)
    title = models.CharField(_("标题"), max_length=TITLE_MAX, validators=[PlainText("标题")])
    content = bounded_text(gettext_noop("诉求内容"), CONTENT_MAX)
    # The applicant: name (SM4-encrypted JSON string) and phone (encrypted, hashed for "the
    # same caller"); `applicant` is the portal account when he signed in.
    anonymous = models.BooleanField(_("匿名"), default=False)
    applicant_name = EncryptedJSONField(_("诉求人"), default=str)
    applicant_phone = EncryptedPersonalField(
        _("联系电话"), kind="phone", hash_field="applicant_phone_hash"
    )
    applicant_phone_hash = models.CharField(
        max_length=64, blank=True, db_index=True, editable=False
    )
    applicant = models.ForeignKey(
        "org.Applicant",
        verbose_name=_("办事人账户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    address = models.CharField(
        _("地点"), max_length=200, blank=True, validators=[PlainText("地点")]
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.REGISTERED
    )
    # 受理单位: the bureau (12345 centre) that owns the ticket; region-scoped readers see it
    # through this department's region.
    centre = models.ForeignKey(
        "org.Department",
        verbose_name=_("受理单位"),
        on_delete=models.PROTECT,
        related_name="tickets_received",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets_registered",
    )
    registered_at = models.DateTimeField(_("受理时间"))
    registered_on = models.DateField(_("受理日期"), db_index=True)

    # The current lead department (the live lead assignment's), kept for queues and figures.
    lead_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("主办部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets_led",
    )
    dispatch_count = models.PositiveSmallIntegerField(_("派单轮次"), default=0)
    first_dispatched_on = models.DateField(_("首次派单日期"), null=True, blank=True)
    sign_deadline = models.DateField(_("签收期限"), null=True, blank=True)
    handling_clock = models.OneToOneField(
        "workdays.Clock",
        verbose_name=_("办理计时"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deadline = models.DateField(_("办理期限"), null=True, blank=True, db_index=True)
    feedback_deadline = models.DateField(_("首次反馈期限"), null=True, blank=True)
    first_feedback_at = models.DateTimeField(_("首次反馈时间"), null=True, blank=True)
    paused = models.BooleanField(_("计时暂停中"), default=False)
    extended_days = models.PositiveSmallIntegerField(_("已延期工作日"), default=0)

    reply = bounded_text(gettext_noop("答复内容"), TEXT_MAX, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_on = models.DateField(_("答复日期"), null=True, blank=True, db_index=True)
    replied_on_time = models.BooleanField(_("按时答复"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets_replied",
    )
    satisfaction = models.CharField(
        _("回访满意度"), max_length=16, choices=Satisfaction.choices, blank=True, default=""
    )
    follow_up_note = bounded_text(gettext_noop("回访情况"), TEXT_MAX, blank=True)
    followed_up_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True, db_index=True)
    close_note = bounded_text(gettext_noop("办结说明"), TEXT_MAX, blank=True)

    redo_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    send_back_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    remind_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    supervise_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    # The deadline the sweep last reminded / supervised for (each once per deadline).
    reminded_for = models.DateField(_("已催办的期限"), null=True, blank=True)
    supervised_for = models.DateField(_("已督办的期限"), null=True, blank=True)
    ever_overdue = models.BooleanField(_("曾超期"), default=False, db_index=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_tickets",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("诉求工单")
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["lead_department", "status"]),
            models.Index(fields=["source", "kind"]),
            models.Index(fields=["applicant", "-registered_at"]),
            # The figures' (appeals.metrics): every column they filter and aggregate on, led
            # by the registration date that places a ticket in a period.
            models.Index(
                fields=[
                    "registered_on",
                    "lead_department",
                    "status",
                    "replied_on_time",
                    "ever_overdue",
                    "satisfaction",
                ],
                name="appeals_figures_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_number"],
                condition=~models.Q(external_number=""),
                name="appeals_external_number_unique_per_source",
            )
        ]
        permissions = [
            ("register_ticket", "可登记、分类诉求并导入12345工单"),
            ("dispatch_ticket", "可派单、重派、催办、督办诉求"),
            ("handle_ticket", "可签收、退单、办理、答复诉求"),
            ("follow_up_ticket", "可回访、办结诉求"),
            ("decide_extension", "可审核诉求延期申请"),
            ("manage_sla", "可设置诉求办理时限"),
        ]

    def __str__(self) -> str:
        return self.number or f"工单#{self.pk}"


class TicketAssignment(models.Model):
    """One department's part in one dispatch round: the lead (主办) or an assisting department
    (协办), each with its own sign-for and reply. A re-dispatch cancels the round's live rows
    and opens new ones; the old ones stay as history (and teach dispatch help where tickets
    were sent back from)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        related_name="ticket_assignments",
    )
    role = models.CharField(_("角色"), max_length=8, choices=AssignmentRole.choices)
    round = models.PositiveSmallIntegerField(_("派单轮次"))
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.PENDING,
    )
    instruction = bounded_text(gettext_noop("交办意见"), TEXT_MAX, blank=True)
    dispatched_at = models.DateTimeField(_("派单时间"))
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sign_deadline = models.DateField(_("签收期限"))
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_on_time = models.BooleanField(_("按时签收"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_back_at = models.DateTimeField(_("退单时间"), null=True, blank=True)
    send_back_reason = bounded_text(gettext_noop("退单理由"), TEXT_MAX, blank=True)
    reply = bounded_text(gettext_noop("答复/反馈内容"), TEXT_MAX, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = _("诉求交办")
        ordering = ["round", "role", "id"]
        indexes = [models.Index(fields=["department", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "round", "department"], name="appeals_one_part_per_round"
            ),
            # One live lead per ticket, even under concurrent dispatchers.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(role="lead", status__in=["pending", "signed", "replied"]),
                name="appeals_one_live_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket} · {self.get_role_display()} {self.department}"


class TicketEvent(models.Model):
    """A line of the ticket history (timeline): who, when, from → to, which department, note."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("动作"), max_length=32)
    label = models.CharField(_("说明"), max_length=64, editable=False)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True, editable=False)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True, editable=False)
    note = models.TextField(_("备注"), blank=True, editable=False)
    # Shown to the applicant on 我的诉求 (internal notes such as 交办意见 are not).
    public = models.BooleanField(_("对诉求人可见"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("工单记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"])]

    def __str__(self) -> str:
        return f"{self.ticket} {self.label}"


class TicketAttachment(models.Model):
    """A file attached to a ticket (by the applicant, the clerk or a handling department)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="appeals/attachments/%Y/%m/")
    file_name = models.CharField(
        _("文件名"), max_length=200, blank=True, validators=[PlainText("文件名")]
    )
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True, editable=False)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    digest = models.CharField(_("摘要（SM3）"), max_length=64, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("工单附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket} · {self.file_name}"


class TicketExtension(models.Model):
    """An extension (延期) the lead department asks for before the deadline; the bureau decides.
    Approved, the handling clock gets the days (workdays.clock_extend)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="extensions")
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="ticket_extensions"
    )
    days = models.PositiveSmallIntegerField(_("延期工作日"))
    reason = bounded_text(gettext_noop("延期理由"), TEXT_MAX)
    status = models.CharField(
        _("状态"), max_length=12, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    deadline_before = models.DateField(_("原期限"))
    deadline_after = models.DateField(_("延期后期限"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = bounded_text(gettext_noop("审核意见"), TEXT_MAX, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("诉求延期申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(status="pending"),
                name="appeals_one_pending_extension",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket} 延期 {self.days} 个工作日"


class ImportStatus(models.TextChoices):
    PENDING = "pending", gettext_noop("排队中")
    RUNNING = "running", gettext_noop("导入中")
    DONE = "done", gettext_noop("已导入")
    FAILED = "failed", gettext_noop("未导入")


class TicketImport(models.Model):
    """One upload of the hotline's daily export (12345 xlsx): all rows or none, with a report
    per row. Large files are imported by the worker (appeals.tasks)."""

    file = models.FileField(_("文件"), upload_to="appeals/imports/%Y/%m/")
    file_name = models.CharField(
        _("文件名"), max_length=200, blank=True, validators=[PlainText("文件名")]
    )
    digest = models.CharField(_("摘要（SM3）"), max_length=64, blank=True, editable=False)
    status = models.CharField(
        _("状态"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    rows = models.PositiveIntegerField(_("行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增工单"), default=0)
    unchanged_count = models.PositiveIntegerField(_("已存在（未变）"), default=0)
    # [{"row": n, "external_number": …, "result": "created"|"unchanged"|"error", "message": …}]
    report = models.JSONField(_("逐行报告"), default=list, blank=True)
    message = models.CharField(_("结果"), max_length=500, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("12345工单导入")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class Responsibility(models.Model):
    """One entry of a department's responsibility list (职责清单): what it answers for, the
    keywords a ticket's text is matched on (one per line or comma-separated) and the detail.
    Dispatch help (appeals.dispatch) suggests departments from the active entries; the bureau
    edits them."""

    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("部门"),
        on_delete=models.CASCADE,
        related_name="responsibilities",
    )
    title = models.CharField(_("职责事项"), max_length=200, validators=[PlainText("职责事项")])
    keywords = bounded_text(gettext_noop("关键词"), TEXT_MAX, blank=True)
    detail = bounded_text(gettext_noop("职责说明"), TEXT_MAX, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("职责清单")
        ordering = ["department", "title", "id"]
        indexes = [models.Index(fields=["department", "active"])]

    def __str__(self) -> str:
        return f"{self.department} · {self.title}"
