"""A superuser may write anything (the services let him), so he sees everything: the workbench
lists, the API and the exports cover every region, with or without a staff profile."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from tests import factories as f
from tests.catalog.conftest import CatalogWorld
from yiwang.catalog import selectors, services
from yiwang.catalog.models import ServiceItem
from yiwang.catalog.transfer.export import catalog_export
from yiwang.org.models import RegionLevel, User


@pytest.fixture
def two_counties(world: CatalogWorld) -> tuple[ServiceItem, ServiceItem]:
    """One claimed item in the world's county, one in a second county."""
    here = services.item_claim(
        base=world.base, department=world.dept, region=world.dept.region, actor=None
    )
    county = f.region("341122000000", "乙县", RegionLevel.COUNTY)
    there_dept = f.department("乙县市场监督管理局", at=county)
    there = services.item_claim(base=world.base, department=there_dept, region=county, actor=None)
    return here, there


@pytest.fixture
def root(db) -> User:
    user = User.objects.create_superuser("root", password=f.PASSWORD)
    user.must_change_password = False
    user.save(update_fields=["must_change_password"])
    return user


def _rows(data: bytes, sheet: str) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return list(book[sheet].iter_rows(values_only=True))


def test_superuser_without_a_staff_profile_sees_every_item(root, two_counties):
    here, there = two_counties
    assert set(selectors.item_list_for(user=root)) == {here, there}
    assert selectors.item_get_for(user=root, pk=there.pk) == there


def test_superuser_pages_and_api_list_every_item(client, root, two_counties):
    here, there = two_counties
    client.force_login(root)
    html = client.get(reverse("catalog:item-list")).content.decode()
    assert here.code in html and there.code in html
    assert client.get(reverse("catalog:item-detail", args=[there.pk])).status_code == 200
    api = client.get("/api/catalog/manage/items/").json()
    codes = {row["code"] for row in api["results"]}
    assert {here.code, there.code} <= codes


def test_superuser_export_is_not_empty(client, root, two_counties):
    here, there = two_counties
    rows = _rows(catalog_export(user=root), "事项")
    assert {row[0] for row in rows[1:]} == {here.code, there.code}
    client.force_login(root)
    response = client.get(reverse("catalog-import:export"))
    assert response.status_code == 200
    assert len(_rows(b"".join(response.streaming_content), "事项")) == 3
