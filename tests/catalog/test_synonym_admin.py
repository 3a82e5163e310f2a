"""Every synonym write in the admin goes through the audited services: the change form, the
list's active toggle (list_editable) and "delete selected"."""

from __future__ import annotations

from django.urls import reverse

from yiwang.audit.models import AuditEvent
from yiwang.catalog.models import SearchSynonym
from yiwang.catalog.search import synonyms as search_synonyms
from yiwang.org.models import User


def test_list_toggle_and_bulk_delete_are_audited(client, db):
    root = User.objects.create_superuser("root", password="x")
    root.must_change_password = False
    root.save(update_fields=["must_change_password"])
    client.force_login(root)
    admin_client = client
    row = search_synonyms.synonym_set(phrase="开网店", expansions="网店 电子商务")
    before = AuditEvent.objects.filter(action="catalog.synonym_set", object_id=str(row.pk)).count()
    listing = reverse("admin:catalog_searchsynonym_changelist")
    response = admin_client.post(
        f"{listing}?q=开网店",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(row.pk),
            # "form-0-active" left out: the checkbox is cleared
            "_save": "保存",
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.active is False
    events = AuditEvent.objects.filter(action="catalog.synonym_set", object_id=str(row.pk))
    assert events.count() == before + 1
    latest = events.order_by("-sequence").first()
    assert latest is not None and latest.changes["active"] == {"before": True, "after": False}

    response = admin_client.post(
        listing, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not SearchSynonym.objects.filter(pk=row.pk).exists()
    deleted = AuditEvent.objects.filter(action="catalog.synonym_delete", object_id=str(row.pk))
    assert deleted.exists()
