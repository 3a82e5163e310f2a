"""The bundle merge table (MaterialEquivalence), loaded from the shipped
data/material_equivalences.csv so that the bureau can review and edit it."""

import csv
from importlib import resources

from django.db import migrations, models

import yiwang.common.validators


def load(apps, schema_editor):
    MaterialEquivalence = apps.get_model("catalog", "MaterialEquivalence")
    path = resources.files("yiwang.catalog").joinpath("data/material_equivalences.csv")
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            MaterialEquivalence.objects.get_or_create(
                name=row["name"].strip(),
                defaults={"canonical": row["canonical"].strip(), "reason": row["reason"].strip()},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_plain_text_bounds"),
    ]

    operations = [
        migrations.CreateModel(
            name="MaterialEquivalence",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        max_length=200,
                        unique=True,
                        validators=[yiwang.common.validators.PlainText("材料名称")],
                        verbose_name="材料名称",
                    ),
                ),
                (
                    "canonical",
                    models.CharField(
                        max_length=200,
                        validators=[yiwang.common.validators.PlainText("合并为")],
                        verbose_name="合并为",
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        max_length=200,
                        validators=[yiwang.common.validators.PlainText("合并理由")],
                        verbose_name="合并理由",
                    ),
                ),
                ("active", models.BooleanField(default=True, verbose_name="启用")),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "材料合并对照",
                "verbose_name_plural": "材料合并对照",
                "ordering": ["canonical", "name"],
            },
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
