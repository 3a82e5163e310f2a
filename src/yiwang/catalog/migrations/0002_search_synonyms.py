"""Load the shipped guided-search synonyms (data/synonyms.csv) so that admins can edit them."""

import csv
import unicodedata
from importlib import resources

from django.db import migrations


def _normal(text):
    text = unicodedata.normalize("NFKC", text or "").lower()
    return " ".join(text.split())


def load(apps, schema_editor):
    SearchSynonym = apps.get_model("catalog", "SearchSynonym")
    path = resources.files("yiwang.catalog").joinpath("data/synonyms.csv")
    with path.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if (r.get("phrase") or "").strip()]
    existing = set(SearchSynonym.objects.values_list("phrase", flat=True))
    for row in rows:
        phrase = _normal(row["phrase"]).replace(" ", "")
        if phrase in existing:
            continue
        words = " ".join(dict.fromkeys(_normal(row["expansions"]).split()))
        SearchSynonym.objects.create(phrase=phrase, expansions=words, active=True)
        existing.add(phrase)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
