"""docs/metrics.md's 口径 tables are generated from the registry: the file in the tree is
current (this test fails when a metric changes and the file was not regenerated), a changed
definition makes it stale, and an app without markers is appended, not forgotten."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from yiwang.insight import docs, registry
from yiwang.insight.registry import Count, Metric


def test_the_docs_are_current():
    assert not docs.stale(), "docs/metrics.md is stale: run `yiwang figures docs`"
    call_command("figures", "docs", "--check")


def test_every_metric_has_its_row():
    text = docs.DOCS.read_text(encoding="utf-8")
    for metric in registry.all_metrics():
        assert f"| `{metric.key}` | {metric.name} |" in text, metric.key


@pytest.fixture
def extra():
    metric = registry.register(
        Metric(
            key="zzapp.probe",
            name="探针件数",
            unit="件",
            definition="测试用口径。",
            records=lambda scope: None,  # never computed here
            measure=Count(),
            date_field="accepted_on",
        )
    )
    yield metric
    registry.unregister("zzapp.probe")


def test_a_new_group_is_appended_and_check_fails(extra, tmp_path):
    copy = tmp_path / "metrics.md"
    copy.write_text(docs.DOCS.read_text(encoding="utf-8"), encoding="utf-8")
    assert docs.stale(copy)
    assert docs.write(copy)
    text = copy.read_text(encoding="utf-8")
    assert "<!-- metrics:tests.insight.test_docs -->" in text
    assert "| `zzapp.probe` | 探针件数 | 件 | `accepted_on` | 测试用口径。 |" in text
    assert not docs.stale(copy)
    with pytest.raises(CommandError, match="已过期") as raised:
        call_command("figures", "docs", "--check")
    assert raised.value.returncode == 1


def test_a_changed_definition_is_regenerated_in_place(tmp_path):
    copy = tmp_path / "metrics.md"
    original = docs.DOCS.read_text(encoding="utf-8")
    copy.write_text(original.replace("计数。它是本节各占比的分母。", "旧口径。"), encoding="utf-8")
    assert docs.stale(copy)
    docs.write(copy)
    assert copy.read_text(encoding="utf-8") == original
