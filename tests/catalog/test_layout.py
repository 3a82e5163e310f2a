"""The catalogue app's shape (docs/architecture.md, "The app template"): the export side of the
transfer package does not load the importer, and every module lives in its concern's package."""

import subprocess
import sys
from pathlib import Path

import yiwang.catalog

CATALOG = Path(yiwang.catalog.__file__).parent
IMPORTER = ("importing", "planner", "rows", "reading", "writing", "jobs")


def _loaded_after(module: str) -> set[str]:
    code = (
        "import os, sys, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'yiwang.settings')\n"
        "django.setup()\n"
        f"import {module}\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('yiwang.catalog.transfer.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {line.rsplit(".", 1)[1] for line in out.stdout.split()}


def test_export_and_template_do_not_load_the_importer():
    for module in ("yiwang.catalog.transfer.export", "yiwang.catalog.transfer.template"):
        loaded = _loaded_after(module)
        assert "spec" in loaded and "workbook" in loaded
        assert not loaded & set(IMPORTER), (module, loaded & set(IMPORTER))


def test_top_level_holds_only_the_template_modules():
    top = {p.stem for p in CATALOG.glob("*.py")}
    assert top <= {
        "__init__",
        "admin",
        "apps",
        "models",
        "fields",
        "workflow",
        "services",
        "selectors",
        "presenters",
        "metrics",
        "forms",
        "tasks",
        "caching",
        "generation",
    }, top
    packages = {p.name for p in CATALOG.iterdir() if (p / "__init__.py").exists()}
    assert {"api", "views", "urls", "guides", "search", "transfer", "quality"} <= packages
