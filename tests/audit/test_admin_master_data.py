"""Master data edited in the admin leaves audit events with the real field changes: "delete
selected" (one event per row), inline window edits on a hall, and no empty hall event."""

from __future__ import annotations

import pytest

from tests import factories as f
from yiwang.audit.models import AuditEvent
from yiwang.org.models import Department, Region, ServiceHall, User, Window, WindowKind


@pytest.fixture
def root(db) -> User:
    user = User.objects.create_superuser("root", password="x")
    user.must_change_password = False
    user.save()
    return user


def _bulk_delete(client, url: str, pks: list[int]):  # type: ignore[no-untyped-def]
    return client.post(url, {"action": "delete_selected", "_selected_action": pks, "post": "yes"})


def _deleted(model_name: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=f"admin.{model_name}_delete"))


def test_delete_selected_windows_writes_one_event_per_window(client, root):
    hall = f.hall()
    windows = [f.window(hall, kind=WindowKind.COMPREHENSIVE) for _ in range(2)]
    client.force_login(root)
    response = _bulk_delete(client, "/admin/org/window/", [w.pk for w in windows])
    assert response.status_code == 302
    assert not Window.objects.filter(pk__in=[w.pk for w in windows]).exists()
    events = _deleted("window")
    assert sorted(e.object_id for e in events) == sorted(str(w.pk) for w in windows)
    assert all(e.actor_id == root.pk for e in events)
    assert events[0].changes["name"] == {"before": "测试窗口", "after": None}


@pytest.mark.parametrize(
    ("url", "model_name", "make"),
    [
        ("/admin/org/region/", "region", lambda: f.town(7)),
        ("/admin/org/department/", "department", lambda: f.department("县丙局")),
        ("/admin/org/servicehall/", "servicehall", lambda: f.hall(name="测试便民中心")),
    ],
)
def test_delete_selected_master_data_is_audited(client, root, url, model_name, make):
    obj = make()
    client.force_login(root)
    assert _bulk_delete(client, url, [obj.pk]).status_code == 302
    assert not type(obj).objects.filter(pk=obj.pk).exists()
    [event] = _deleted(model_name)
    assert event.object_id == str(obj.pk)
    assert event.changes["name"]["before"] == obj.name


def test_a_protected_row_rolls_back_the_whole_selection(client, root):
    town = f.town(3)
    kept = f.department("县丁局", at=town)
    client.force_login(root)
    _bulk_delete(client, "/admin/org/region/", [town.pk])
    assert Region.objects.filter(pk=town.pk).exists()
    assert Department.objects.filter(pk=kept.pk).exists()
    assert _deleted("region") == []


def _hall_form(hall: ServiceHall, windows: list[Window], **changes: dict) -> dict:  # type: ignore[type-arg]
    data = {
        "name": hall.name,
        "level": hall.level,
        "region": hall.region_id,
        "address": hall.address,
        "opening_hours": hall.opening_hours,
        "phone": hall.phone,
        "windows-TOTAL_FORMS": str(len(windows)),
        "windows-INITIAL_FORMS": str(len(windows)),
        "windows-MIN_NUM_FORMS": "0",
        "windows-MAX_NUM_FORMS": "1000",
        "_save": "保存",
    }
    for i, w in enumerate(windows):
        row = {
            "id": w.pk,
            "hall": hall.pk,
            "number": w.number,
            "name": w.name,
            "kind": w.kind,
            "department": w.department_id or "",
            "active": "on" if w.active else "",
        }
        row.update(changes.get(str(i), {}))
        for key, value in row.items():
            if value is not None:
                data[f"windows-{i}-{key}"] = value
    return data


def test_inline_window_edit_is_audited_with_its_changes(client, root):
    hall = f.hall()
    window = f.window(hall, kind=WindowKind.COMPREHENSIVE)
    client.force_login(root)
    before = AuditEvent.objects.count()
    data = _hall_form(hall, [window], **{"0": {"name": "综合受理窗口"}})
    response = client.post(f"/admin/org/servicehall/{hall.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    events = list(AuditEvent.objects.filter(sequence__gt=before))
    assert [e.action for e in events] == ["admin.window_change"]
    assert events[0].object_id == str(window.pk)
    assert events[0].changes == {"name": {"before": "测试窗口", "after": "综合受理窗口"}}


def test_inline_window_delete_and_add_are_audited(client, root):
    hall = f.hall()
    window = f.window(hall, kind=WindowKind.COMPREHENSIVE)
    client.force_login(root)
    data = _hall_form(hall, [window], **{"0": {"DELETE": "on"}})
    data.update(
        {
            "windows-TOTAL_FORMS": "2",
            "windows-1-hall": hall.pk,
            "windows-1-number": "99",
            "windows-1-name": "新窗口",
            "windows-1-kind": WindowKind.COMPREHENSIVE,
            "windows-1-active": "on",
        }
    )
    response = client.post(f"/admin/org/servicehall/{hall.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    [deleted] = _deleted("window")
    assert deleted.object_id == str(window.pk)
    [created] = AuditEvent.objects.filter(action="admin.window_create")
    assert created.changes["number"] == {"before": None, "after": "99"}
    assert not AuditEvent.objects.filter(action="admin.servicehall_change").exists()
