# The rating figures' covering indexes (docs/performance.md, "The work report's figures vs
# DuckDB"): follows_up is in the columns, since SQLite does not count a column of a partial
# index's condition as covered; a second index led by the department for the breakdowns.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0004_figures_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="rating",
            name="evaluations_figures_idx",
        ),
        migrations.AddIndex(
            model_name="rating",
            index=models.Index(
                condition=models.Q(("follows_up__isnull", True)),
                fields=["rated_at", "department", "level", "mistaken", "follows_up"],
                name="evaluations_figures_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="rating",
            index=models.Index(
                condition=models.Q(("follows_up__isnull", True)),
                fields=["department", "rated_at", "level", "mistaken", "follows_up"],
                name="evaluations_figures_dept_idx",
            ),
        ),
    ]
