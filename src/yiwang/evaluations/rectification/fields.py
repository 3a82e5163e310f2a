"""The rectification vocabulary (差评整改): states, classifications, appeal decisions, the
escalation levels, and the configurable numbers (settings) — defined once, used by the model,
the workflow, services, pages and metrics."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_noop

# Free text a handler types (核实情况, 整改措施, 解释说明, 申诉理由, 复核意见).
TEXT_MAX = 2000
# Files of evidence one appeal may carry.
EVIDENCE_MAX_FILES = 5
# What an evidence file may be (by its content, common.uploads): documents and photos.
EVIDENCE_KINDS = frozenset({"pdf", "jpeg", "png", "docx", "xlsx"})


# Labels stay Chinese (gettext_noop): the history records them; pages translate them.
class RectificationStatus(models.TextChoices):
    VERIFYING = "verifying", gettext_noop("待核实")
    VERIFIED = "verified", gettext_noop("待定性")
    RECTIFYING = "rectifying", gettext_noop("整改中")
    APPEALED = "appealed", gettext_noop("申诉复核中")
    FOLLOW_UP = "follow_up", gettext_noop("待回访")
    CLOSED = "closed", gettext_noop("已办结")


# States in which the department still owes the rectification (the deadline runs; overdue ones
# escalate). An appeal pauses the clock; after rectification only the follow-up remains.
OPEN_STATES = frozenset(
    {RectificationStatus.VERIFYING, RectificationStatus.VERIFIED, RectificationStatus.RECTIFYING}
)


class Classification(models.TextChoices):
    """What the department found the bad rating to be (定性)."""

    VALID = "valid", gettext_noop("属实，需整改")
    NO_BASIS = "no_basis", gettext_noop("诉求无法律依据，已解释说明")
    MISTAKEN = "mistaken", gettext_noop("误评")
    MALICIOUS = "malicious", gettext_noop("恶意差评")


APPEALABLE = frozenset({Classification.MISTAKEN, Classification.MALICIOUS})


class AppealDecision(models.TextChoices):
    """The bureau's decision on an appeal (申诉复核)."""

    UPHELD = "upheld", gettext_noop("申诉成立")
    REJECTED = "rejected", gettext_noop("申诉不成立")


class Escalation(models.IntegerChoices):
    """How far an overdue task has been escalated (超期升级)."""

    NONE = 0, gettext_noop("未升级")
    DEPARTMENT = 1, gettext_noop("已提醒部门管理员")
    BUREAU = 2, gettext_noop("已报数据资源局")


class FollowUpChannel(models.TextChoices):
    """How the citizen's rating of the fix reached us."""

    LINK = "link", gettext_noop("回访链接")
    PHONE = "phone", gettext_noop("电话回访")


def rectification_days() -> int:
    """Working days a department has to rectify a 差评 (YIWANG_RECTIFICATION_DAYS, default 5)."""
    return int(settings.YIWANG_RECTIFICATION_DAYS)


def bureau_escalation_days() -> int:
    """Working days past the deadline after which an unrectified task goes to the bureau
    (YIWANG_RECTIFICATION_BUREAU_DAYS, default 2)."""
    return int(settings.YIWANG_RECTIFICATION_BUREAU_DAYS)


def follow_up_link_days() -> int:
    """Days the citizen's follow-up link (rate the fix) stays valid
    (YIWANG_RECTIFICATION_FOLLOW_UP_DAYS, default 15)."""
    return int(settings.YIWANG_RECTIFICATION_FOLLOW_UP_DAYS)
