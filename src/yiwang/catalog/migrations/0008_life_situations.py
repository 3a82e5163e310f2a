"""The life situations (生活场景, issue 7 §4) become an element of the item version and a field
of the bundle, read by the guided search instead of the hand-kept data/situations.csv.

Existing versions and bundles whose name the shipped table names get its phrases (space-separated,
in the table's order, repeats dropped); the others start blank for the departments to fill in.
"""

import csv
from importlib import resources

from django.db import migrations, models

import yiwang.common.validators


def _table():
    path = resources.files("yiwang.catalog").joinpath("data/situations.csv")
    with path.open(encoding="utf-8") as fh:
        return {
            row["name"].strip(): " ".join(dict.fromkeys(row["situations"].split()))
            for row in csv.DictReader(fh)
        }


def forwards(apps, schema_editor):
    table = _table()
    for model in ("ServiceItemVersion", "Bundle"):
        Model = apps.get_model("catalog", model)
        batch = []
        for row in (
            Model.objects.filter(name__in=list(table)).only("pk", "name").iterator(chunk_size=2000)
        ):
            row.situations = table[row.name]
            batch.append(row)
            if len(batch) >= 2000:
                Model.objects.bulk_update(batch, ["situations"])
                batch = []
        Model.objects.bulk_update(batch, ["situations"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0007_bundle_feeds"),
    ]

    operations = [
        migrations.AddField(
            model_name="bundle",
            name="situations",
            field=models.CharField(
                blank=True,
                help_text="群众说法的办事场景，用空格分隔，用于智能导办",
                max_length=1000,
                validators=[yiwang.common.validators.PlainText("生活场景")],
                verbose_name="生活场景",
            ),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="situations",
            field=models.CharField(
                blank=True,
                help_text="群众说法的办事场景，用于智能导办，空格分隔（如：身份证丢了 身份证被偷）",
                max_length=1000,
                validators=[yiwang.common.validators.PlainText("生活场景")],
                verbose_name="生活场景",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
