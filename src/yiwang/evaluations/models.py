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
