"""Names and free texts: bidirectional control characters are refused on every input path
(API, forms, import) with a Chinese sentence naming the field, and free texts have bounds
that the API schema shows."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.catalog.conftest import CatalogWorld, claim_ready
from tests.catalog.test_importing import HEADER, csv_bytes, footprint, row
from yiwang.catalog.admin import BaseItemForm
from yiwang.catalog.models import ServiceItemVersion
from yiwang.catalog.transfer.importing import catalog_import

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "许可\u202e签章" would display as "许可章签"
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def draft(world: CatalogWorld) -> ServiceItemVersion:
    return claim_ready(world).versions.get()


def _patch(api, world, version, body):  # type: ignore[no-untyped-def]
    api.force_authenticate(world.clerk.user)
    return api.patch(
        f"/api/catalog/manage/versions/{version.pk}/", {**body, "reason": "修改"}, format="json"
    )


@pytest.mark.parametrize("char", BIDI)
def test_api_refuses_bidi_controls_in_the_item_name(api, world, draft, char):
    response = _patch(api, world, draft, {"name": f"食品经营许可{char}新办"})
    assert response.status_code == 400
    [message] = response.json()["name"]
    assert message.startswith("事项名称含有文字方向控制字符")
    assert f"U+{ord(char):04X}" in message
    draft.refresh_from_db()
    assert draft.name == "食品经营许可（新办）"


def test_api_refuses_bidi_controls_in_material_names(api, world, draft):
    response = _patch(api, world, draft, {"materials": [{"name": f"营业执照{RLO}本副"}]})
    assert response.status_code in (400, 422)
    assert "材料名称含有文字方向控制字符" in str(response.json())
    assert [m.name for m in draft.materials.all()] == ["食品经营许可申请书", "营业执照"]


def test_api_refuses_overlong_free_text_and_the_schema_shows_the_bound(api, world, draft):
    response = _patch(api, world, draft, {"conditions": "条" * 4001})
    assert response.status_code == 400
    assert "conditions" in response.json()
    assert _patch(api, world, draft, {"conditions": "条" * 4000}).status_code == 200
    schema = api.get("/api/schema/", {"format": "json"}).json()
    props = schema["components"]["schemas"]["PatchedVersionUpdateRequest"]["properties"]
    assert props["conditions"]["maxLength"] == 4000
    assert props["faq"]["maxLength"] == 8000


def test_services_refuse_overlong_text_with_a_message_naming_the_field(world, draft):
    from django.core.exceptions import ValidationError

    from yiwang.catalog import services

    with pytest.raises(ValidationError) as caught:
        services.version_update(
            version=draft, elements={"faq": "问" * 8001}, actor=world.clerk.user
        )
    assert caught.value.message_dict["faq"] == ["常见问题不能超过 8000 个字符（当前 8001 个）。"]


def test_form_refuses_bidi_controls_in_the_item_name(world):
    form = BaseItemForm(
        data={
            "code": "000103002000",
            "name": f"食品生产许可{RLO}",
            "item_type": "licensing",
            "level": "item",
            "competent_department": "市场监督管理部门",
            "implementing_body": "县级市场监督管理部门",
            "legal_basis": "《食品安全法》",
        }
    )
    assert not form.is_valid()
    assert form.errors["name"] == [
        "事项名称含有文字方向控制字符（U+202E），会使显示的文字与实际内容不同，请删除后重新输入。"
    ]


def test_import_refuses_bidi_controls_and_names_row_and_column(world):
    before = footprint()
    data = csv_bytes([HEADER, row(), row(f"食品生产许可{RLO}"), row("药品零售许可")])
    result = catalog_import(files=[("items.csv", data)], actor=world.clerk.user)
    assert [(e.row, e.column) for e in result.errors] == [(3, "事项名称")]
    assert "事项名称含有文字方向控制字符" in result.errors[0].message
    assert footprint() == before


def test_import_refuses_bidi_controls_in_materials(world):
    data = csv_bytes([HEADER, row(申请材料=f"申请书；营业执照{RLO}（复印件）")])
    result = catalog_import(files=[("items.csv", data)], actor=world.clerk.user)
    assert result.errors and result.errors[0].row == 2
    assert "文字方向控制字符" in result.errors[0].message
