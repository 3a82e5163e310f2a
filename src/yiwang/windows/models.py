"""The front desk (综合窗口): where a walk-in application went (前台受理 → 后台审批) and how its
result was handed out (出件记录). Written only by windows.services."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.common.personal import EncryptedPersonalField
from yiwang.common.validators import PlainText
from yiwang.windows.fields import COLLECTOR_NAME_MAX


class Routing(models.Model):
    """前台流转: a case accepted at a 综合窗口 and sent to its department's back office (后台)
    for review. One per case; the hall is kept so its front desk hands the result out."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("办件"), on_delete=models.CASCADE, related_name="routing"
    )
    window = models.ForeignKey(
        "org.Window",
        verbose_name=_("受理窗口"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="routings",
    )
    hall = models.ForeignKey(
        "org.ServiceHall", verbose_name=_("大厅"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("后台办理部门"),
        on_delete=models.PROTECT,
        related_name="routings",
    )
    routed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("前台受理人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    routed_at = models.DateTimeField(_("流转时间"))
    routed_on = models.DateField(_("流转日期"), db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = _("前台流转记录")
        indexes = [models.Index(fields=["routed_by", "routed_on"], name="routing_clerk_day")]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.department_id}"


class HandOut(models.Model):
    """出件记录: who handed the result out, when, at which window, to whom, and whether the
    collector's ID was checked (the number kept SM4-encrypted, shown masked)."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("办件"), on_delete=models.CASCADE, related_name="hand_out"
    )
    window = models.ForeignKey(
        "org.Window",
        verbose_name=_("出件窗口"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hand_outs",
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("出件人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    handed_at = models.DateTimeField(_("出件时间"))
    handed_on = models.DateField(_("出件日期"), db_index=True)
    collector_name = models.CharField(
        _("领取人"), max_length=COLLECTOR_NAME_MAX, validators=[PlainText("领取人")]
    )
    collector_id_number = EncryptedPersonalField(
        _("领取人身份证号码"), kind="id_number", hash_field="collector_id_hash"
    )
    collector_id_hash = models.CharField(max_length=64, blank=True, editable=False)
    id_checked = models.BooleanField(_("已核验身份证件"), default=False)

    class Meta:
        verbose_name = verbose_name_plural = _("出件记录")
        indexes = [models.Index(fields=["clerk", "handed_on"], name="handout_clerk_day")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.collector_name}"
