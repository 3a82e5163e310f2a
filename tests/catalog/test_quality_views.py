"""Workbench pages of the quality report and the catalogue figures: staff only, scoped, filters,
links to the items, xlsx export, figures from the registry with their 口径."""

from __future__ import annotations

import io
import re

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from tests import factories as f
from tests.seeded import demo_county
from yiwang.catalog.models import ServiceItemVersion
from yiwang.catalog.quality import report as quality_reports
from yiwang.insight import registry
from yiwang.org import services as org_services
from yiwang.org.models import ApplicantKind, User
from yiwang.org.selectors import data_scope_for

from .test_quality import clean_item

REPORT = "/workbench/catalog/quality/"


@pytest.fixture
def two(world):
    """A defective item in each of two departments."""
    mine = clean_item(world, elements={"location": ""}, materials=[{"name": "其他材料"}])
    theirs = clean_item(world, department=world.other, elements={"hours": ""})
    return mine, theirs


def test_urls():
    assert reverse("catalog-quality:report") == REPORT
    assert reverse("catalog-quality:export") == REPORT + "export.xlsx"
    assert reverse("catalog-quality:figures") == REPORT + "figures/"


@pytest.mark.parametrize("name", ["report", "export", "figures"])
def test_sign_in_required(client, db, name):
    response = client.get(reverse(f"catalog-quality:{name}"))
    assert response.status_code == 302 and "/accounts/" in response["Location"]


@pytest.mark.parametrize("name", ["report", "export", "figures"])
def test_citizens_are_refused(client, db, name):
    applicant = org_services.applicant_register(
        kind=ApplicantKind.PERSON,
        name="王五",
        phone="13800000041",
        id_number=f.id_number(),
        password=f.PASSWORD,
    )
    client.force_login(applicant.user)
    assert client.get(reverse(f"catalog-quality:{name}")).status_code == 403


def _rows(html: str) -> list[str]:
    table = html.split('data-testid="findings"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-check="([a-z_]+)">', table)


def test_department_staff_see_their_department_only(client, world, two):
    mine, theirs = two
    client.force_login(world.clerk.user)
    html = client.get(REPORT).content.decode()
    assert "本部门（县市场监督管理局）" in html
    assert mine.code in html and theirs.code not in html
    assert (
        "县公安局" not in html.split('data-testid="department-counts"', 1)[1].split("</table>")[0]
    )
    assert sorted(_rows(html)) == ["missing_element", "vague_material"]
    # Each finding links to its item.
    expected_url = quality_reports.quality_report_for(user=world.clerk.user).findings[0].item.url
    assert f'href="{expected_url}"' in html
    # Asking for another department's findings shows nothing of theirs.
    html = client.get(REPORT, {"department": world.other.pk}).content.decode()
    assert theirs.code not in html


def test_bureau_sees_every_department_and_filters(client, world, two):
    mine, theirs = two
    client.force_login(world.reviewer.user)
    html = client.get(REPORT).content.decode()
    assert mine.code in html and theirs.code in html
    counts = html.split('data-testid="department-counts"', 1)[1].split("</table>")[0]
    assert "县市场监督管理局" in counts and "县公安局" in counts
    assert sorted(_rows(html)) == ["missing_element", "missing_element", "vague_material"]
    html = client.get(REPORT, {"department": world.other.pk}).content.decode()
    assert _rows(html) == ["missing_element"] and theirs.code in html and mine.code not in html
    html = client.get(REPORT, {"check": "vague_material"}).content.decode()
    assert _rows(html) == ["vague_material"]
    # Unknown filter values are ignored, not errors.
    html = client.get(REPORT, {"check": "nonsense", "department": "x"}).content.decode()
    assert len(_rows(html)) == 3


def test_htmx_filter_returns_the_page(client, world, two):
    client.force_login(world.reviewer.user)
    response = client.get(REPORT, {"check": "vague_material"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="findings"' in response.content.decode()


def _export(client, **params) -> tuple:  # type: ignore[no-untyped-def]
    response = client.get(REPORT + "export.xlsx", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["全省一单", "指南质量问题"]
    return (
        [[c.value for c in r] for r in book["全省一单"].iter_rows(min_row=2)],
        [[c.value for c in r] for r in book["指南质量问题"].iter_rows(min_row=2)],
    )


def test_export_contains_the_findings_in_scope(client, world, two):
    mine, theirs = two
    client.force_login(world.clerk.user)
    deviations, findings = _export(client)
    assert deviations == []
    assert sorted((r[1], r[5], r[7]) for r in findings) == [
        (mine.code, "missing_element", "缺少“办理地点”。"),
        (mine.code, "vague_material", "材料“其他材料”名称模糊，应写明具体材料名称。"),
    ]
    assert all(r[8].startswith("http://testserver/") for r in findings)
    client.force_login(world.reviewer.user)
    _, findings = _export(client)
    assert {r[1] for r in findings} == {mine.code, theirs.code}
    _, findings = _export(client, check="missing_element", department=world.other.pk)
    assert [(r[1], r[7]) for r in findings] == [(theirs.code, "缺少“办理时间”。")]


def test_figures_page_shows_registry_values_with_their_definition(client, world, two):
    client.force_login(world.clerk.user)
    html = client.get(REPORT + "figures/").content.decode()
    assert "本部门（县市场监督管理局）" in html
    for metric in registry.all_metrics("catalog"):
        assert f'data-metric="{metric.key}"' in html
        assert escape(metric.definition) in html
    total = re.search(r'data-testid="value-catalog.items_total">([^<]+)<', html)
    assert total is not None and total.group(1) == "1 项"
    online = re.search(r'data-testid="value-catalog.fully_online_rate">([^<]+)<', html)
    assert online is not None and online.group(1) == "0.00%"
    client.force_login(world.reviewer.user)
    html = client.get(REPORT + "figures/").content.decode()
    total = re.search(r'data-testid="value-catalog.items_total">([^<]+)<', html)
    assert total is not None and total.group(1) == "2 项"


def test_figures_with_no_items_say_no_data(client, world):
    client.force_login(world.clerk.user)
    html = client.get(REPORT + "figures/").content.decode()
    online = re.search(r'data-testid="value-catalog.fully_online_rate">([^<]+)<', html)
    assert online is not None and online.group(1) == "无数据"


# --- On the demo county -------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo county, seeded once for the module and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_county()
        yield
        transaction.set_rollback(True)


def test_demo_report_pages(client, demo, db):
    bureau = User.objects.get(username="bureau")
    client.force_login(bureau)
    report = quality_reports.quality_report_for(user=bureau)
    assert report.items_checked == 159
    # The demo copies the six elements from the base items: no 全省一单 deviation.
    assert report.deviations == []
    html = client.get(REPORT).content.decode()
    assert f'data-testid="items-checked">{report.items_checked}<' in html
    assert f'data-testid="finding-count">{len(report.findings)}<' in html
    assert sum(d.items for d in report.departments) == 159
    _, findings = _export(client)
    assert len(findings) == len(report.findings)
    html = client.get(REPORT + "figures/").content.decode()
    assert 'data-testid="value-catalog.items_total">159 项<' in html


def test_demo_catalogue_has_real_bases_conditions_and_no_contradiction(demo, db):
    """What a citizen noticed in the demo: 全程网办 items asking for a visit, the placeholder
    设定依据 and one 受理条件 sentence for every item. None of it is left."""
    report = quality_reports.quality_report()
    noticed = {"online_with_visits", "placeholder_legal_basis", "template_conditions"}
    assert [f.message for f in report.findings if f.check.code in noticed] == []
    food = ServiceItemVersion.objects.get(name="食品经营许可（新办）", status="published")
    assert food.legal_basis.startswith("《中华人民共和国食品安全法》第三十五条")
    assert food.legal_basis == food.item.base.legal_basis
    assert "经营场所" in food.conditions and food.name not in food.conditions
    versions = ServiceItemVersion.objects.filter(status="published")
    assert len({v.conditions for v in versions}) == versions.count() == 159


def test_demo_clerk_scope(client, demo, db):
    clerk = User.objects.get(username="scjg_clerk")
    client.force_login(clerk)
    report = quality_reports.quality_report_for(user=clerk)
    assert {d.department_name for d in report.departments} == {"县市场监督管理局"}
    html = client.get(REPORT + "figures/").content.decode()
    total = registry.compute("catalog.items_total", data_scope_for(clerk))
    assert f'data-testid="value-catalog.items_total">{total} 项<' in html
