# The case figures' covering index led by the department, for the department breakdowns
# (docs/performance.md, "The work report's figures vs DuckDB").

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_figures_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=[
                    "department",
                    "accepted_on",
                    "channel",
                    "ever_overdue",
                    "concluded_on",
                    "handling_days",
                ],
                name="cases_figures_dept_idx",
            ),
        ),
    ]
