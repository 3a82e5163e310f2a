"""Ratings (好差评): one citizen's rating of a concluded case, of one served queue number at a
window, or of a window itself. Writes happen only in evaluations.services; the vocabulary is in
evaluations.fields. The database itself keeps "一次一评、一事一评": one rating per case and one per
visit (the services' check gives the clear refusal, the constraint holds against a race)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from yiwang.common.personal import EncryptedJSONField, EncryptedPersonalField
from yiwang.common.validators import bounded_text
from yiwang.evaluations.fields import (
    COMMENT_MAX,
    Channel,
    DimensionSet,
    Level,
    Subject,
    is_bad,
)
from yiwang.evaluations.rectification.fields import (
    TEXT_MAX,
    AppealDecision,
    Classification,
    Escalation,
    FollowUpChannel,
    RectificationStatus,
)


class Rating(models.Model):
    """A rating (评价): its level (整体满意度) and the levels of the other dimensions of its set
    (`scores`, dimension key → level), an optional comment, anonymous or real-name.

    The handling unit (谁办理、谁负责) is kept on the row — the case's department, or the
    window's — so that a bad rating (差评) goes to it and figures group by it. A real-name
    rater is the signed-in citizen (`rater`) or a name and phone he gave (encrypted); an
    anonymous rating keeps neither. `follows_up` marks the citizen's rating of the fix of an
    earlier bad rating (回访评价, evaluations.rectification): it is not a rating of the case
    and counts in no rating figure. `mistaken` is set when the bureau upholds an appeal that
    the rating was a mistake (申诉复核): it leaves the bad-rating count but stays on record."""

    subject = models.CharField(_("评价对象"), max_length=8, choices=Subject.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("办件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    visit = models.ForeignKey(
        "hall.Ticket",
        verbose_name=_("排队号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    # The item rated (the case's), for 评价覆盖事项占比.
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("办理部门"),
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    window = models.ForeignKey(
        "org.Window",
        verbose_name=_("窗口"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    channel = models.CharField(_("评价渠道"), max_length=8, choices=Channel.choices)
    dimension_set = models.CharField(_("评价维度"), max_length=8, choices=DimensionSet.choices)
    level = models.PositiveSmallIntegerField(_("整体满意度"), choices=Level.choices)
    scores = models.JSONField(_("各维度评价"), default=dict, blank=True)
    comment = bounded_text(gettext_noop("评价内容"), COMMENT_MAX, blank=True)
    anonymous = models.BooleanField(_("匿名评价"), default=False)
    rater = models.ForeignKey(
        "org.Applicant",
        verbose_name=_("评价人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    # A real-name rater who is not signed in (hotline, a QR page): {"name": …}, encrypted.
    rater_detail = EncryptedJSONField(_("评价人信息"))
    rater_phone = EncryptedPersonalField(
        _("评价人手机号码"), kind="phone", hash_field="rater_phone_hash"
    )
    rater_phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # The staff member who typed it in (a hotline rating), or none.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    follows_up = models.ForeignKey(
        "self",
        verbose_name=_("回访的差评"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    mistaken = models.BooleanField(_("申诉成立（误评）"), default=False)
    rated_at = models.DateTimeField(_("评价时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = _("评价")
        ordering = ["-rated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=5), name="evaluations_level_range"
            ),
            # Each subject names what it rates.
            models.CheckConstraint(
                condition=(Q(subject="case") & Q(case__isnull=False))
                | (Q(subject="visit") & Q(visit__isnull=False) & Q(case__isnull=True))
                | (
                    Q(subject="window")
                    & Q(window__isnull=False)
                    & Q(case__isnull=True)
                    & Q(visit__isnull=True)
                ),
                name="evaluations_subject_named",
            ),
            # 一次一评、一事一评.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(case__isnull=False) & Q(follows_up__isnull=True),
                name="evaluations_one_per_case",
            ),
            models.UniqueConstraint(
                fields=["visit"],
                condition=Q(visit__isnull=False) & Q(follows_up__isnull=True),
                name="evaluations_one_per_visit",
            ),
            models.UniqueConstraint(
                fields=["follows_up"],
                condition=Q(follows_up__isnull=False),
                name="evaluations_one_follow_up",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "rated_at"]),
            models.Index(fields=["level", "rated_at"]),
            models.Index(fields=["item"]),
            # The figures' (evaluations.metrics): service ratings only (a follow-up rating
            # counts in none), with every column they filter and aggregate on — follows_up
            # too: SQLite counts a column of the partial index's condition as not in the index,
            # so without it the figures read every rating's row (3× slower at 200,000). Led
            # by the date for a period's figures and months; by the department for the
            # department and town breakdowns (SQLite groups along the department's index).
            models.Index(
                fields=["rated_at", "department", "level", "mistaken", "follows_up"],
                condition=Q(follows_up__isnull=True),
                name="evaluations_figures_idx",
            ),
            models.Index(
                fields=["department", "rated_at", "level", "mistaken", "follows_up"],
                condition=Q(follows_up__isnull=True),
                name="evaluations_figures_dept_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"评价#{self.pk}（{self.get_level_display()}）"

    @property
    def bad(self) -> bool:
        """A 差评 (不满意 or 非常不满意)."""
        return is_bad(self.level)

    @property
    def real_name(self) -> bool:
        return not self.anonymous


# --- Rectification (差评整改, evaluations.rectification) -----------------------------------


class Rectification(models.Model):
    """The rectification task (整改任务) a 差评 opens for the unit that handled it (谁办理、谁负责):
    verify and call back, classify, rectify by the deadline (a workdays clock started on the
    day of the rating; an appeal pauses it), follow up (the citizen rates the fix), close. The
    department is the rating's, so the data scope of the queue is the department's. Every
    change is made by evaluations.rectification.services, with a line in the task's history."""

    rating = models.OneToOneField(
        Rating, verbose_name=_("差评"), on_delete=models.PROTECT, related_name="rectification"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("整改部门"),
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=RectificationStatus.choices,
        default=RectificationStatus.VERIFYING,
        db_index=True,
    )
    classification = models.CharField(
        _("定性"), max_length=12, choices=Classification.choices, blank=True
    )
    opened_on = models.DateField(_("登记日期"))
    clock = models.OneToOneField(
        "workdays.Clock",
        verbose_name=_("整改计时"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deadline = models.DateField(_("整改期限"), db_index=True)
    deadline_rule = models.TextField(_("整改期限计算方法"), blank=True)
    # Set once the deadline passed with the rectification still owed; never cleared (按期整改率).
    ever_overdue = models.BooleanField(_("曾超期"), default=False)
    escalation = models.PositiveSmallIntegerField(
        _("超期升级"), choices=Escalation.choices, default=Escalation.NONE
    )
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)

    # 核实、回电
    finding = bounded_text(gettext_noop("核实情况"), TEXT_MAX, blank=True)
    contacted = models.BooleanField(_("已与评价人联系"), default=False)
    contact_note = bounded_text(gettext_noop("回电情况"), TEXT_MAX, blank=True)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 整改 / 解释说明
    measures = bounded_text(gettext_noop("整改措施"), TEXT_MAX, blank=True)
    explanation = bounded_text(gettext_noop("解释说明"), TEXT_MAX, blank=True)
    rectified_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("整改人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 申诉复核
    appeal_reason = bounded_text(gettext_noop("申诉理由"), TEXT_MAX, blank=True)
    appealed_at = models.DateTimeField(_("申诉时间"), null=True, blank=True)
    appeal_decision = models.CharField(
        _("复核结论"), max_length=10, choices=AppealDecision.choices, blank=True
    )
    appeal_note = bounded_text(gettext_noop("复核意见"), TEXT_MAX, blank=True)
    appeal_decided_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    appeal_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 回访: the citizen's rating of the fix is a Rating whose follows_up is this task's rating.
    follow_up_channel = models.CharField(
        _("回访方式"), max_length=8, choices=FollowUpChannel.choices, blank=True
    )
    followed_up_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("差评整改")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["department", "status"])]

    def __str__(self) -> str:
        return f"整改任务#{self.pk}"


class RectificationEvent(models.Model):
    """One line of a task's history (who did what, from which state, with what note)."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("操作"), max_length=24)
    from_status = models.CharField(_("原状态"), max_length=12, blank=True, editable=False)
    to_status = models.CharField(_("新状态"), max_length=12, blank=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人名称"), max_length=200)
    note = models.TextField(_("说明"), blank=True, editable=False)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = _("整改记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action}@{self.at:%Y-%m-%d %H:%M}"


class RectificationEvidence(models.Model):
    """A file of evidence handed in with an appeal (申诉复核), checked by its content."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("文件"), upload_to="evaluations/evidence/%Y/%m/")
    file_name = models.CharField(_("文件名"), max_length=200, editable=False)
    content_type = models.CharField(_("文件类型"), max_length=100, editable=False)
    size = models.PositiveIntegerField(_("大小（字节）"))
    digest = models.CharField(_("SM3 摘要"), max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = _("申诉证据")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.file_name
