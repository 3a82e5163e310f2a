"""Seed the limits table from the settings' defaults (DOMAIN.md): one row per kind for any
source, and the enterprise window's row (first feedback, resolution). The bureau edits them."""

from django.conf import settings
from django.db import migrations

KINDS = ("consult", "help", "complaint", "report", "suggestion", "praise")


def seed(apps, schema_editor):
    SlaLimit = apps.get_model("appeals", "SlaLimit")
    sign = settings.YIWANG_APPEAL_SIGN_FOR_DAYS
    for kind in KINDS:
        days = (
            settings.YIWANG_APPEAL_CONSULT_DAYS
            if kind in ("consult", "help")
            else settings.YIWANG_APPEAL_COMPLAINT_DAYS
        )
        SlaLimit.objects.get_or_create(
            source="", kind=kind, defaults={"sign_for_days": sign, "handling_days": days}
        )
    SlaLimit.objects.get_or_create(
        source="enterprise_window",
        kind="",
        defaults={
            "sign_for_days": sign,
            "handling_days": settings.YIWANG_APPEAL_ENTERPRISE_DAYS,
            "feedback_days": settings.YIWANG_APPEAL_ENTERPRISE_FEEDBACK_DAYS,
            "note": "3 个工作日内向企业反馈",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
