"""The front desk's (综合窗口) vocabulary and the county's setting, read once per call so tests
and operators can change it (docs/operations.md)."""

from __future__ import annotations

from django.conf import settings

COLLECTOR_NAME_MAX = 64


def comprehensive_hand_out() -> bool:
    """综合窗口出件: results are handed out only at a 综合窗口 (never at a department's own
    desk), by the front desk of the hall where the application came in; the collector's ID is
    checked and recorded (YIWANG_COMPREHENSIVE_HAND_OUT)."""
    return bool(getattr(settings, "YIWANG_COMPREHENSIVE_HAND_OUT", False))
