"""The workbench to-do list: versions awaiting review, for users who may review, in their data
scope, with counts and links to the review pages (the same queue as 事项审核)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from yiwang.catalog import services
from yiwang.workbench.selectors import TODO_ENTRIES_SHOWN, todo_groups

pytestmark = pytest.mark.django_db

HOME = "/workbench/"


def submitted_version(department, code: str, name: str):
    """A first version of an item of `department`, compiled and submitted for review."""
    base = services.base_item_create(
        code=code,
        name=name,
        item_type="licensing",
        competent_department="市场监督管理部门",
        implementing_body=department.name,
        legal_basis="《中华人民共和国行政许可法》",
    )
    item = services.item_claim(base=base, department=department, region=department.region)
    version = item.versions.get()
    services.version_update(
        version=version,
        elements={
            "legal_limit": 20,
            "promised_limit": 10,
            "handling_kind": "promised",
            "visits": 1,
            "handling_forms": ["window"],
        },
    )
    return services.version_submit(version=version)


@pytest.fixture
def county_world(monkeypatch):
    monkeypatch.setattr("yiwang.workbench.views.calendar_unconfirmed_years", lambda today: [])
    market = factories.department("示范县市场监督管理局")
    bureau = factories.department("示范县数据资源管理局", is_bureau=True)
    return {
        "market": market,
        "clerk": factories.staff(market, ["window_clerk"], username="clerk"),
        "reviewer": factories.staff(bureau, ["bureau_admin"], username="reviewer"),
    }


def test_a_reviewer_sees_the_pending_review_with_count_and_links(client, county_world):
    version = submitted_version(county_world["market"], "000103001000", "食品经营许可（新办）")
    client.force_login(county_world["reviewer"].user)
    html = client.get(HOME).content.decode()
    assert "暂无待办事项" not in html
    assert f'href="{reverse("catalog:review-list")}"' in html
    assert 'data-testid="todo-count">1 件待处理' in html
    assert f'href="{reverse("catalog:version-review", args=[version.pk])}"' in html
    assert "食品经营许可（新办） v1" in html


def test_a_clerk_who_may_not_review_has_no_review_to_do(client, county_world):
    submitted_version(county_world["market"], "000103001000", "食品经营许可（新办）")
    client.force_login(county_world["clerk"].user)
    html = client.get(HOME).content.decode()
    assert "暂无待办事项" in html
    assert (
        reverse("catalog:review-list")
        not in html.split('id="todo-title"')[1].split("</section>")[0]
    )


def test_reviews_outside_the_reviewers_region_are_not_counted(county_world):
    elsewhere = factories.region("341122000000", "邻县")
    other = factories.department("邻县市场监督管理局", at=elsewhere)
    submitted_version(other, "000103001000", "食品经营许可（新办）")
    assert todo_groups(county_world["reviewer"].user) == []
    submitted_version(county_world["market"], "000103002000", "食品经营许可（变更）")
    [group] = todo_groups(county_world["reviewer"].user)
    assert (group.label, group.count) == ("事项审核", 1)
    assert [entry.label for entry in group.entries] == ["食品经营许可（变更） v1"]


def test_the_oldest_few_are_listed_and_the_count_is_complete(client, county_world):
    for n in range(TODO_ENTRIES_SHOWN + 2):
        submitted_version(county_world["market"], f"0001030{n + 10:02d}000", f"测试事项{n}")
    [group] = todo_groups(county_world["reviewer"].user)
    assert group.count == TODO_ENTRIES_SHOWN + 2
    assert [e.label for e in group.entries] == [
        f"测试事项{n} v1" for n in range(TODO_ENTRIES_SHOWN)
    ]
    client.force_login(county_world["reviewer"].user)
    assert f"查看全部 {TODO_ENTRIES_SHOWN + 2} 件" in client.get(HOME).content.decode()
