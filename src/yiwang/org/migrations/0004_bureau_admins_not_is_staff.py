"""Bureau administrators lose is_staff: the Django admin is for system administrators only
(org.roles.ADMIN_SITE_ROLES). Superusers and system administrators keep it."""

from django.db import migrations


def bureau_admins_not_is_staff(apps, schema_editor):  # type: ignore[no-untyped-def]
    User = apps.get_model("org", "User")
    (
        User.objects.filter(is_staff=True, is_superuser=False, groups__name="bureau_admin")
        .exclude(groups__name="system_admin")
        .update(is_staff=False)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0003_plain_text_bounds"),
    ]

    operations = [
        # Not reversible in a meaningful way: which accounts had the flag is not kept.
        migrations.RunPython(bureau_admins_not_is_staff, migrations.RunPython.noop),
    ]
