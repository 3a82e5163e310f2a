"""The catalogue generation across migrations: the triggers are out of the way while a
migration rebuilds tables and back afterwards. (Its own module: it needs a real transaction,
which the demo county of test_caching holds open for its whole module.)"""

from __future__ import annotations

import pytest
from django.db import connection

from yiwang.catalog import generation
from yiwang.catalog.models import ServiceItemVersion

# -- migrations --------------------------------------------------------------------------------


def _triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT trigger_name FROM information_schema.triggers")
        return {row[0] for row in cursor.fetchall() if row[0].startswith("yiwang_gen_")}


@pytest.mark.django_db(transaction=True)
def test_migrations_run_without_the_triggers_and_get_them_back():
    """A migration that rebuilds a table (SQLite alters tables that way) must not trip over
    a trigger naming it; afterwards the triggers are back and a new generation has begun."""
    from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal

    assert _triggers()
    before = generation.current()
    emit_pre_migrate_signal(verbosity=0, interactive=False, db="default")
    assert _triggers() == set()
    if connection.vendor == "sqlite":
        # What a migration altering the versions table does on SQLite; with the material
        # triggers (which name this table) still there, the rename at its end fails.
        with connection.schema_editor() as editor:
            editor._remake_table(ServiceItemVersion)  # type: ignore[attr-defined]
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert _triggers()
    assert generation.current() != before
