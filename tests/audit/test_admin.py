"""The admin shows the trail read-only: no add, change or delete, even for a superuser."""

from __future__ import annotations

import pytest

from yiwang.audit.models import AuditEvent
from yiwang.org.models import User


@pytest.fixture
def root(db) -> User:
    user = User.objects.create_superuser("root", password="x")
    user.must_change_password = False
    user.save()
    return user


def test_list_and_detail_render_read_only(client, root, chain):
    event = chain(2)[-1]
    client.force_login(root)
    listing = client.get("/admin/audit/auditevent/")
    assert listing.status_code == 200
    assert "test.rename" in listing.content.decode()
    detail = client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert detail.status_code == 200
    body = detail.content.decode()
    assert event.hash in body
    assert 'name="_save"' not in body  # nothing to submit


def test_add_change_and_delete_are_refused(client, root, chain):
    event = chain(1)[0]
    client.force_login(root)
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    response = client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "edited"})
    assert response.status_code == 403
    assert (
        client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    bulk = client.post(
        "/admin/audit/auditevent/",
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert AuditEvent.objects.get(pk=event.pk).action == "test.rename"


def test_only_view_permission_exists():
    codenames = {p[0] for p in AuditEvent._meta.permissions} | {
        f"{a}_auditevent" for a in AuditEvent._meta.default_permissions
    }
    assert codenames == {"view_auditevent", "reveal_personal_data"}
