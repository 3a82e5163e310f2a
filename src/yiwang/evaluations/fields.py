"""The rating vocabulary (好差评, GB/T 39734-2020 / 39735-2020): levels, dimensions, channels and
subjects, and the configurable numbers — defined once, used by models, services, serializers,
pages and metrics."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_noop

# Free text a citizen types with his rating.
COMMENT_MAX = 500


# Choice labels stay Chinese (gettext_noop), as in cases.fields: the API answers with them.
class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, gettext_noop("非常满意")
    SATISFIED = 4, gettext_noop("满意")
    BASICALLY_SATISFIED = 3, gettext_noop("基本满意")
    DISSATISFIED = 2, gettext_noop("不满意")
    VERY_DISSATISFIED = 1, gettext_noop("非常不满意")


# 差评 = 不满意 or 非常不满意; 好评 (for 好评率) = 基本满意 or better (DOMAIN.md).
BAD_LEVEL_MAX = 2
GOOD_LEVEL_MIN = 3


def is_bad(level: int) -> bool:
    return level <= BAD_LEVEL_MAX


class Channel(models.TextChoices):
    """Where the rating came from."""

    DEVICE = "device", gettext_noop("窗口评价器")
    QR = "qr", gettext_noop("二维码")
    PORTAL = "portal", gettext_noop("网站")
    APP = "app", gettext_noop("移动端")
    SMS = "sms", gettext_noop("短信")
    HOTLINE = "hotline", gettext_noop("热线")


class Subject(models.TextChoices):
    """What is rated: a concluded case (办件), one served queue number at a window (a visit
    without a case), or a window itself (its QR poster, no occurrence to name)."""

    CASE = "case", gettext_noop("办件")
    VISIT = "visit", gettext_noop("窗口服务")
    WINDOW = "window", gettext_noop("窗口")


class DimensionSet(models.TextChoices):
    ONLINE = "online", gettext_noop("线上")
    OFFLINE = "offline", gettext_noop("线下")


# The rating dimensions of each set (key, label); "overall" (整体满意度) is the rating's level.
DIMENSIONS: dict[str, tuple[tuple[str, str], ...]] = {
    DimensionSet.ONLINE: (
        ("overall", gettext_noop("整体满意度")),
        ("efficiency", gettext_noop("办事效率")),
        ("guide", gettext_noop("办事指南精确度")),
        ("convenience", gettext_noop("办事便捷度")),
        ("usability", gettext_noop("平台操作性")),
    ),
    DimensionSet.OFFLINE: (
        ("overall", gettext_noop("整体满意度")),
        ("efficiency", gettext_noop("服务效率")),
        ("service", gettext_noop("服务水平")),
        ("attitude", gettext_noop("服务态度")),
    ),
}

# Case channels (cases.fields.Channel values) handled online: their ratings use the online set.
ONLINE_CASE_CHANNELS = frozenset({"online", "mobile"})


def token_days() -> int:
    """Days a case's QR / SMS rating link stays valid (YIWANG_RATING_TOKEN_DAYS)."""
    return int(settings.YIWANG_RATING_TOKEN_DAYS)


def window_token_days() -> int:
    """Days a window's QR (poster, device screen) stays valid (YIWANG_RATING_WINDOW_TOKEN_DAYS)."""
    return int(settings.YIWANG_RATING_WINDOW_TOKEN_DAYS)


def low_rating_max() -> int:
    """Ratings at or below this level call the low-rating hooks (YIWANG_LOW_RATING_MAX)."""
    return int(settings.YIWANG_LOW_RATING_MAX)
