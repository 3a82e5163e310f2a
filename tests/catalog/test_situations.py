"""The life situations (生活场景, issue 7 §4) as an element of the item version: edited in the
workbench (a new version), carried by revisions, imported and exported, and read by the guided
search from the published version (no longer from data/situations.csv)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from tests.catalog.conftest import CatalogWorld, claim_ready, publish
from tests.catalog.test_exporting import Rollback, dump
from tests.catalog.test_views import edit_url, load_edit_form
from yiwang.catalog import services
from yiwang.catalog.models import ServiceItem, ServiceItemVersion, VersionStatus
from yiwang.catalog.search import query as search
from yiwang.catalog.search.records import situation_phrases
from yiwang.catalog.transfer.export import catalog_export
from yiwang.catalog.transfer.importing import catalog_import

SITUATIONS = "开饭店 开奶茶店 摆小吃摊"


def published_with(world: CatalogWorld, situations: str) -> ServiceItem:
    item = claim_ready(world)
    version = item.versions.get()
    services.version_update(
        version=version, elements={"situations": situations}, actor=world.clerk.user
    )
    publish(world, version)
    item.refresh_from_db()
    return item


def codes(query: str) -> list[str]:
    return [r.code for r in search.search(query)]


def test_the_phrases_are_split_at_white_space_without_repeats():
    assert situation_phrases(" 开饭店  开奶茶店\n开饭店 ") == ("开饭店", "开奶茶店")
    assert situation_phrases("") == ()
    seen: dict[str, tuple[str, ...]] = {}
    assert situation_phrases("a b", seen) is situation_phrases("a b", seen)


def test_a_revision_carries_the_situations_and_an_edit_makes_them_the_new_versions(client, world):
    item = published_with(world, SITUATIONS)
    first = item.published_version
    assert first is not None and first.situations == SITUATIONS
    client.force_login(world.clerk.user)
    response = client.post(reverse("catalog:item-revise", args=[item.pk]))
    assert response.status_code == 302
    draft = item.versions.get(status=VersionStatus.DRAFT)
    assert draft.situations == SITUATIONS  # copied like every element
    data = load_edit_form(client, draft)
    assert data["situations"] == SITUATIONS  # on the workbench's edit form
    data.update({"situations": "开饭店 开火锅店", "reason": "补充生活场景", "action": "save"})
    assert client.post(edit_url(draft), data).status_code == 302
    draft.refresh_from_db()
    assert (draft.number, draft.situations) == (first.number + 1, "开饭店 开火锅店")
    first.refresh_from_db()
    assert first.situations == SITUATIONS  # the published version is untouched
    # the review diff names the element
    services.version_submit(version=draft, actor=world.clerk.user)
    client.force_login(world.reviewer.user)
    html = client.get(reverse("catalog:version-review", args=[draft.pk])).content.decode()
    assert "生活场景" in html and "开火锅店" in html


def test_the_edit_form_refuses_situations_that_are_too_long(client, world):
    item = published_with(world, SITUATIONS)
    client.force_login(world.clerk.user)
    client.post(reverse("catalog:item-revise", args=[item.pk]))
    draft = item.versions.get(status=VersionStatus.DRAFT)
    data = load_edit_form(client, draft)
    data.update({"situations": "开饭店 " * 300, "reason": "太长", "action": "save"})
    response = client.post(edit_url(draft), data)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.situations == SITUATIONS
    with pytest.raises(ValidationError) as refused:
        services.version_update(
            version=draft, elements={"situations": "开饭店 " * 300}, actor=world.clerk.user
        )
    assert "situations" in refused.value.message_dict


def test_situations_are_exported_and_imported_back(world: CatalogWorld):
    try:
        with transaction.atomic():
            published_with(world, SITUATIONS)
            original = dump()
            exported = catalog_export()
            raise Rollback
    except Rollback:
        pass
    assert not ServiceItem.objects.exists()
    result = catalog_import(files=[("export.xlsx", exported)], publish=True)
    assert result.errors == []
    assert dump() == original
    version = ServiceItemVersion.objects.get(status=VersionStatus.PUBLISHED)
    assert version.situations == SITUATIONS
    # Exported again, nothing changes; a changed cell makes a new version.
    again = catalog_import(files=[("again.xlsx", catalog_export())])
    assert (again.unchanged, again.created) == (1, 0)


def test_the_index_reads_the_published_versions_situations(world: CatalogWorld):
    item = published_with(world, SITUATIONS)
    assert codes("我想开奶茶店") == [item.code]
    assert codes("开火锅店") == []
    record = next(r for r in search.current_index().records if r.code == item.code)
    assert record.situations == ("开饭店", "开奶茶店", "摆小吃摊")
    # A new published version's situations replace the old ones; a draft's change nothing.
    draft = services.version_start_revision(item=item, actor=world.clerk.user)
    services.version_update(
        version=draft,
        elements={"situations": "开火锅店"},
        reason="补充生活场景",
        actor=world.clerk.user,
    )
    assert codes("我想开奶茶店") == [item.code]
    assert codes("开火锅店") == []
    publish(world, draft)
    assert codes("开火锅店") == [item.code]
    record = next(r for r in search.current_index().records if r.code == item.code)
    assert record.situations == ("开火锅店",)
