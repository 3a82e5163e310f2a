"""Seed the holiday table for 2004–2026 from the `chinesecalendar` package, so that every
install has it. Later years are entered by admins (or imported with `yiwang workdays import`)."""

import uuid

from django.db import migrations


def seed(apps, schema_editor):
    from yiwang.workdays import seed as source

    CalendarYear = apps.get_model("workdays", "CalendarYear")
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    CalendarRevision = apps.get_model("workdays", "CalendarRevision")
    version = source.chinesecalendar_version()
    years = [
        year
        for year in source.chinesecalendar_years()
        if source.SEED_FIRST_YEAR <= year <= source.SEED_LAST_YEAR
    ]
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    days = []
    for year in years:
        CalendarYear.objects.update_or_create(
            year=year,
            defaults={
                "confirmed": True,
                "source": "chinesecalendar",
                "note": f"由 chinesecalendar {version} 导入",
            },
        )
        days += [
            CalendarDay(date=date, kind=kind, name=name)
            for date, kind, name in source.chinesecalendar_days(year)
            if date not in existing
        ]
    CalendarDay.objects.bulk_create(days)
    CalendarRevision.objects.update_or_create(pk=1, defaults={"stamp": uuid.uuid4()})


def unseed(apps, schema_editor):
    from yiwang.workdays import seed as source

    CalendarYear = apps.get_model("workdays", "CalendarYear")
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    CalendarRevision = apps.get_model("workdays", "CalendarRevision")
    seeded = CalendarYear.objects.filter(
        source="chinesecalendar",
        year__gte=source.SEED_FIRST_YEAR,
        year__lte=source.SEED_LAST_YEAR,
    )
    years = list(seeded.values_list("year", flat=True))
    CalendarDay.objects.filter(date__year__in=years).delete()
    seeded.delete()
    CalendarRevision.objects.update_or_create(pk=1, defaults={"stamp": uuid.uuid4()})


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
