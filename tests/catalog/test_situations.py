"""The life situations (生活场景, issue 7 §4) as an element of the item version and a field of
the bundle: edited in the workbench (a new version), carried by revisions, imported and exported
(the 事项 and 一件事 sheets, one rule), shown read-only by the API, filled by migration 0008 from
the former data/situations.csv, and read by the guided search from the published version."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from tests.catalog.conftest import CatalogWorld, MigrationStep, claim_ready, publish
from tests.catalog.test_exporting import Rollback, _sheet, dump
from tests.catalog.test_importing import HEADER, row, xlsx_bytes
from tests.catalog.test_views import edit_url, load_edit_form
from yiwang.catalog import services
from yiwang.catalog.models import Bundle, ServiceItem, ServiceItemVersion, VersionStatus
from yiwang.catalog.search import query as search
from yiwang.catalog.search.records import situation_phrases, situations
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


# --- Bundles (一件事) ----------------------------------------------------------------------------

BUNDLE_SITUATIONS = "开店 开饭店 开小吃店"


def published_bundle(world: CatalogWorld, item: ServiceItem, situations: str) -> Bundle:
    bundle = services.bundle_create(
        code="YJS900",
        name="开店一件事",
        lead_department=world.bureau,
        stages=[[item]],
        situations=situations,
        actor=world.reviewer.user,
    )
    return services.bundle_publish(bundle=bundle, actor=world.reviewer.user)


def test_a_bundles_situations_are_exported_and_imported_back(world: CatalogWorld):
    try:
        with transaction.atomic():
            item = published_with(world, SITUATIONS)
            published_bundle(world, item, BUNDLE_SITUATIONS)
            original = dump()
            exported = catalog_export()
            raise Rollback
    except Rollback:
        pass
    assert not Bundle.objects.exists()
    header, *rows = _sheet(exported, "一件事")
    assert [r[header.index("生活场景")] for r in rows] == [BUNDLE_SITUATIONS]

    result = catalog_import(files=[("export.xlsx", exported)], publish=True)

    assert result.errors == []
    assert result.bundles_created == 1
    assert dump() == original
    assert Bundle.objects.get().situations == BUNDLE_SITUATIONS
    again = catalog_import(files=[("again.xlsx", catalog_export())])
    assert (again.bundles_unchanged, again.bundles_created) == (1, 0)


def _bundle_sheet(summary: str, situations: str) -> bytes:
    return xlsx_bytes(
        {
            "一件事": [
                ["一件事", "阶段", "事项名称", "简介", "生活场景"],
                ["开店一件事", 1, "食品经营许可（新办）", summary, situations],
            ]
        }
    )


def test_an_import_changes_an_existing_bundles_summary_and_situations(world: CatalogWorld):
    from yiwang.audit.models import AuditEvent

    bundle = published_bundle(world, published_with(world, SITUATIONS), BUNDLE_SITUATIONS)
    workbook = _bundle_sheet("开店前后要办的事", "开店  开小店\n开网店")
    checked = catalog_import(files=[("a.xlsx", workbook)], actor=world.reviewer.user, dry_run=True)
    assert (checked.errors, checked.bundles_updated, checked.bundles_unchanged) == ([], 1, 0)
    assert "更新 1 个" in checked.summary
    bundle.refresh_from_db()
    assert (bundle.summary, bundle.situations) == ("", BUNDLE_SITUATIONS)  # a check writes nothing

    result = catalog_import(files=[("a.xlsx", workbook)], actor=world.reviewer.user)
    assert (result.errors, result.bundles_updated, result.bundles_created) == ([], 1, 0)
    assert result.changes == []  # the list of new and updated items: no item changed
    bundle.refresh_from_db()
    # Stored as the workbench stores it: single spaces.
    assert (bundle.summary, bundle.situations) == ("开店前后要办的事", "开店 开小店 开网店")
    assert AuditEvent.objects.filter(action="catalog.bundle_update").count() == 1
    # The same file again, and a file with the cells left empty, change nothing.
    for again in (workbook, _bundle_sheet("", "")):
        result = catalog_import(files=[("b.xlsx", again)], actor=world.reviewer.user)
        assert (result.bundles_updated, result.bundles_unchanged) == (0, 1)
    assert AuditEvent.objects.filter(action="catalog.bundle_update").count() == 1


def test_a_bad_value_for_an_existing_bundle_is_a_row_error_and_changes_nothing(world):
    bundle = published_bundle(world, published_with(world, SITUATIONS), BUNDLE_SITUATIONS)
    workbook = _bundle_sheet("新简介", " ".join(["开饭店"] * 300))
    result = catalog_import(files=[("a.xlsx", workbook)], actor=world.reviewer.user)
    assert [(e.row, e.column) for e in result.errors] == [(2, "生活场景")]
    bundle.refresh_from_db()
    assert (bundle.summary, bundle.situations) == ("", BUNDLE_SITUATIONS)


def test_a_bad_bundle_situations_cell_is_a_row_error_and_nothing_is_imported(world):
    published_with(world, SITUATIONS)
    too_long = " ".join(["开饭店"] * 300)  # 1,199 characters, the item's element holds 1,000
    with pytest.raises(ValidationError) as items_rule:
        ServiceItemVersion._meta.get_field("situations").clean(too_long, None)
    for bad, says in [
        (too_long, items_rule.value.messages[0]),
        ("开店\u202e开饭店", "方向控制字符"),
    ]:
        workbook = xlsx_bytes(
            {
                "事项": [HEADER, row("食品生产许可")],
                "一件事": [
                    ["一件事", "阶段", "事项名称", "生活场景"],
                    ["开店一件事", 1, "食品经营许可（新办）", bad],
                    ["开店一件事", 2, "食品生产许可", ""],
                ],
            }
        )
        result = catalog_import(files=[("a.xlsx", workbook)], actor=world.reviewer.user)
        assert [(e.row, e.column) for e in result.errors] == [(2, "生活场景")]
        # The item's own rule and sentence, in the row and column of the file.
        assert says in result.errors[0].message
        assert "第 2 行“生活场景”列" in str(result.errors[0])
        # All or nothing: neither the bundle nor the file's new item is written.
        assert not Bundle.objects.exists()
        assert ServiceItem.objects.count() == 1


def test_the_api_shows_the_situations_read_only(world: CatalogWorld):
    api = APIClient()
    item = published_with(world, SITUATIONS)
    published_bundle(world, item, BUNDLE_SITUATIONS)
    detail = api.get(f"/api/catalog/items/{item.code}/").json()
    assert detail["version"]["situations"] == SITUATIONS
    assert api.get("/api/catalog/bundles/YJS900/").json()["situations"] == BUNDLE_SITUATIONS
    listed = api.get("/api/catalog/bundles/").json()["results"]
    assert [b["situations"] for b in listed] == [BUNDLE_SITUATIONS]
    schema = api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert schema["Bundle"]["properties"]["situations"]["readOnly"] is True
    assert schema["Version"]["properties"]["situations"]["readOnly"] is True
    assert "situations" not in schema["PatchedVersionUpdateRequest"]["properties"]
    # Sent in a PATCH, they change nothing (the workbench and the import edit them).
    api.force_authenticate(world.clerk.user)
    draft = services.version_start_revision(item=item, actor=world.clerk.user)
    response = api.patch(
        f"/api/catalog/manage/versions/{draft.pk}/",
        {"situations": "开火锅店", "faq": "问：要多久？答：10 个工作日。"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["situations"] == SITUATIONS
    draft.refresh_from_db()
    assert (draft.situations, draft.faq) == (SITUATIONS, "问：要多久？答：10 个工作日。")


# --- Migration 0008 ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_the_latest_migrations")
def test_migration_0008_fills_the_situations_from_the_former_table():
    step = MigrationStep("0007_bundle_feeds", "0008_life_situations")
    BaseItem = step.old.get_model("catalog", "BaseItem")
    Item = step.old.get_model("catalog", "ServiceItem")
    Version = step.old.get_model("catalog", "ServiceItemVersion")
    OldBundle = step.old.get_model("catalog", "Bundle")
    dept = step.department("县公安局")
    region = dept.region
    base = BaseItem.objects.create(
        code="000101001000",
        name="居民身份证首次申领",
        item_type="public_service",
        legal_basis="《法》",
    )
    # Two versions the table names (one item's v1 and v2) and one it does not.
    for code, name, numbers in [("A", "居民身份证首次申领", (1, 2)), ("B", "本县自设事项", (1,))]:
        item = Item.objects.create(
            code=code, base=base, department=dept, region=region, business_type=code
        )
        for number in numbers:
            Version.objects.create(
                item=item,
                number=number,
                name=name,
                base_code=base.code,
                item_type="public_service",
                legal_basis="《法》",
                legal_limit=0,
                promised_limit=0,
                handling_kind="instant",
                visits=1,
                handling_forms=["window"],
            )
    for code, name in [("YJS001", "开办餐饮店一件事"), ("YJS002", "本县自设一件事")]:
        OldBundle.objects.create(code=code, name=name, lead_department=dept)

    new = step.forward()
    versions = new.get_model("catalog", "ServiceItemVersion").objects.order_by(
        "item__code", "number"
    )
    first_id_card = (
        "第一次办身份证 满十六岁 小孩办身份证 学生办身份证 没有身份证 头一回办证 "
        "首次申领身份证 第一次领身份证 初次办身份证 办第一张身份证 孩子办身份证 "
        "儿童身份证 未满十六岁 小孩身份证 十六岁办证 满十六周岁 上学要身份证 "
        "高考身份证 中考身份证 考试要身份证 读大学身份证 初中生办证 高中生身份证 "
        "给孩子办身份证 从没办过身份证 没办过身份证 补录户口办证 成年办身份证 "
        "刚上户口办证 宝宝身份证"
    )
    assert [(v.item.code, v.number, v.situations) for v in versions] == [
        ("A", 1, first_id_card),
        ("A", 2, first_id_card),
        ("B", 1, ""),
    ]
    bundles = new.get_model("catalog", "Bundle").objects.order_by("code")
    assert [(b.code, b.situations) for b in bundles] == [
        ("YJS001", " ".join(situations()["开办餐饮店一件事"])),
        ("YJS002", ""),
    ]
    assert bundles[0].situations  # the table names this bundle: not comparing two blanks
