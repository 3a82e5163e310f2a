"""一件事管理: bundle_update (简介, 生活场景) and the workbench's bundle pages — scope (404),
permission (403), editing, publishing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests import factories as f
from yiwang.audit.models import AuditEvent
from yiwang.catalog import services
from yiwang.catalog.models import Bundle, BundleStatus

from .conftest import claim_ready, publish

RTL_OVERRIDE = "\u202e"  # a text-direction control: refused by the plain-text rule


@pytest.fixture
def bundle(world) -> Bundle:
    """A draft bundle led by 县市场监督管理局, of one published item."""
    item = claim_ready(world)
    publish(world, item.versions.get())
    item.refresh_from_db()
    return services.bundle_create(
        code="YJS001",
        name="开办餐饮店",
        lead_department=world.dept,
        stages=[[item]],
        summary="餐饮店开办一次办",
        situations="开饭店",
        actor=world.reviewer.user,
    )


def update_events(bundle: Bundle):
    return AuditEvent.objects.filter(action="catalog.bundle_update", object_id=str(bundle.pk))


def detail_url(bundle: Bundle) -> str:
    return reverse("catalog:bundle-detail", args=[bundle.pk])


# --- The service ----------------------------------------------------------------------------


def test_bundle_update_changes_the_fields_and_audits_them(world, bundle):
    services.bundle_update(
        bundle=bundle,
        summary="新的简介",
        situations="  开饭店   开餐馆 ",
        actor=world.reviewer.user,
    )
    bundle.refresh_from_db()
    assert (bundle.summary, bundle.situations) == ("新的简介", "开饭店 开餐馆")
    event = update_events(bundle).get()
    assert event.actor == world.reviewer.user
    assert event.changes["situations"] == {"before": "开饭店", "after": "开饭店 开餐馆"}
    assert event.changes["summary"] == {"before": "餐饮店开办一次办", "after": "新的简介"}


def test_bundle_update_keeps_a_field_not_given(world, bundle):
    services.bundle_update(bundle=bundle, situations="开餐馆", actor=world.reviewer.user)
    bundle.refresh_from_db()
    assert (bundle.summary, bundle.situations) == ("餐饮店开办一次办", "开餐馆")
    assert set(update_events(bundle).get().changes) == {"situations"}


def test_bundle_update_refuses_what_the_situations_rule_refuses(world, bundle):
    with pytest.raises(ValidationError) as refused:
        services.bundle_update(
            bundle=bundle,
            summary="新的简介",
            situations=f"开饭店{RTL_OVERRIDE}",
            actor=world.reviewer.user,
        )
    assert "situations" in refused.value.message_dict
    bundle.refresh_from_db()
    assert (bundle.summary, bundle.situations) == ("餐饮店开办一次办", "开饭店")
    assert not update_events(bundle).exists()


def test_bundle_update_without_a_change_writes_nothing(world, bundle):
    services.bundle_update(
        bundle=bundle, summary=bundle.summary, situations=" 开饭店 ", actor=world.reviewer.user
    )
    assert not update_events(bundle).exists()


def test_bundle_update_is_the_bureaus_work(world, bundle):
    """A clerk may compile items but not change a bundle (as bundle_create and the import)."""
    with pytest.raises(PermissionDenied):
        services.bundle_update(bundle=bundle, situations="开餐馆", actor=world.clerk.user)
    bundle.refresh_from_db()
    assert bundle.situations == "开饭店"


# --- The pages ------------------------------------------------------------------------------


def test_bundle_list_shows_the_scopes_bundles_with_their_counts(client, world, bundle):
    client.force_login(world.reviewer.user)
    response = client.get(reverse("catalog:bundle-list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "开办餐饮店" in html and "YJS001" in html and "县市场监督管理局" in html
    page = response.context["page"]
    assert [(b.stage_count, b.item_count) for b in page] == [(1, 1)]
    # the navigation links to it
    assert f'href="{reverse("catalog:bundle-list")}"' in html

    # a department's staff see the bundles their department leads, not another's
    client.force_login(world.other_clerk.user)
    assert "开办餐饮店" not in client.get(reverse("catalog:bundle-list")).content.decode()
    assert client.get(detail_url(bundle)).status_code == 404


def test_reviewer_edits_the_situations_on_the_bundle_page(client, world, bundle):
    client.force_login(world.reviewer.user)
    page = client.get(detail_url(bundle)).content.decode()
    assert "食品经营许可（新办）" in page  # its stage's item
    response = client.post(
        detail_url(bundle), {"summary": "餐饮店开办一次办", "situations": "开饭店 开餐馆"}
    )
    assert response.status_code == 302
    bundle.refresh_from_db()
    assert bundle.situations == "开饭店 开餐馆"
    assert set(update_events(bundle).get().changes) == {"situations"}


def test_a_refused_value_is_shown_on_the_form_and_saved_nowhere(client, world, bundle):
    client.force_login(world.reviewer.user)
    response = client.post(
        detail_url(bundle), {"summary": "新的简介", "situations": f"开饭店{RTL_OVERRIDE}"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["situations"]
    bundle.refresh_from_db()
    assert (bundle.summary, bundle.situations) == ("餐饮店开办一次办", "开饭店")


def test_a_clerk_sees_the_bundle_but_may_not_change_or_publish_it(client, world, bundle):
    client.force_login(world.clerk.user)
    html = client.get(detail_url(bundle)).content.decode()
    assert "开办餐饮店" in html and 'name="situations"' not in html
    assert client.post(detail_url(bundle), {"situations": "开餐馆"}).status_code == 403
    publish_url = reverse("catalog:bundle-publish", args=[bundle.pk])
    assert client.post(publish_url).status_code == 403
    bundle.refresh_from_db()
    assert (bundle.situations, bundle.status) == ("开饭店", BundleStatus.DRAFT)


def test_staff_who_do_not_edit_the_catalogue_get_403(client, world, bundle):
    grid = f.staff(world.dept, ["grid_worker"], username="grid")
    client.force_login(grid.user)
    assert client.get(reverse("catalog:bundle-list")).status_code == 403
    assert client.get(detail_url(bundle)).status_code == 403
    assert (
        f'href="{reverse("catalog:bundle-list")}"' not in client.get("/workbench/").content.decode()
    )


def test_reviewer_publishes_a_draft_bundle(client, world, bundle):
    client.force_login(world.reviewer.user)
    assert client.get(detail_url(bundle)).context["may_publish"]
    response = client.post(reverse("catalog:bundle-publish", args=[bundle.pk]), follow=True)
    assert "已发布" in response.content.decode()
    bundle.refresh_from_db()
    assert bundle.status == BundleStatus.PUBLISHED
    # published: no 发布 button, and publishing again is refused with the service's message
    assert not client.get(detail_url(bundle)).context["may_publish"]
    response = client.post(reverse("catalog:bundle-publish", args=[bundle.pk]), follow=True)
    assert "不能发布" in response.content.decode()
