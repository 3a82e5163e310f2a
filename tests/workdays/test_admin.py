"""Admins enter a new year's table in the admin; every edit goes through the audited services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from yiwang.audit.models import AuditEvent
from yiwang.workdays.models import CalendarDay, CalendarYear, Clock
from yiwang.workdays.selectors import add_working_days, unconfirmed_years

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser(
        username="root", password="Root-pass-2026", must_change_password=False
    )
    client.force_login(user)
    client.user = user
    return client


def test_admin_enters_and_confirms_the_2027_table(admin_client):
    response = admin_client.post(
        "/admin/workdays/calendarday/add/",
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
    )
    assert response.status_code == 302, response.content.decode()
    draft = CalendarYear.objects.get(year=2027)
    assert not draft.confirmed
    # Until the year is confirmed, nothing changes and the warning stays.
    assert add_working_days(dt.date(2026, 12, 31), 1).date == dt.date(2027, 1, 1)
    assert unconfirmed_years(dt.date(2026, 11, 21)) == [2027]

    response = admin_client.post(
        f"/admin/workdays/calendaryear/{draft.pk}/change/",
        {"confirmed": "on", "source": "admin", "note": "国务院办公厅通知"},
    )
    assert response.status_code == 302, response.content.decode()
    deadline = add_working_days(dt.date(2026, 12, 31), 1)
    assert deadline.date == dt.date(2027, 1, 4)
    assert deadline.warnings == ()
    assert unconfirmed_years(dt.date(2026, 11, 21)) == []

    events = AuditEvent.objects.filter(action__startswith="workdays.")
    assert list(events.values_list("action", flat=True)) == [
        "workdays.calendar_year_set",
        "workdays.calendar_day_set",
        "workdays.calendar_year_set",
    ]
    assert all(event.actor == admin_client.user for event in events)


def test_admin_shows_form_errors_for_a_weekday_makeup_day(admin_client):
    response = admin_client.post(
        "/admin/workdays/calendarday/add/",
        {"date": "2027-01-04", "kind": "makeup_workday", "name": "元旦"},
    )
    assert response.status_code == 200
    assert "调休上班日必须是周六或周日" in response.content.decode()
    assert not CalendarDay.objects.filter(date=dt.date(2027, 1, 4)).exists()


def test_admin_edits_and_deletes_a_day_through_the_services(admin_client):
    day = CalendarDay.objects.get(date=dt.date(2026, 10, 1))
    response = admin_client.post(
        f"/admin/workdays/calendarday/{day.pk}/change/",
        {"date": "2026-10-01", "kind": "holiday", "name": "国庆"},
    )
    assert response.status_code == 302
    response = admin_client.post(f"/admin/workdays/calendarday/{day.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [
        "workdays.calendar_day_set",
        "workdays.calendar_day_delete",
    ]


def test_admin_bulk_delete_is_audited_per_row(admin_client):
    ids = list(CalendarDay.objects.filter(date__year=2004).values_list("pk", flat=True)[:2])
    response = admin_client.post(
        "/admin/workdays/calendarday/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="workdays.calendar_day_delete").count() == 2


def test_admin_lists_render(admin_client):
    assert admin_client.get("/admin/workdays/calendaryear/").status_code == 200
    assert admin_client.get("/admin/workdays/calendarday/?date__year=2026").status_code == 200
    assert admin_client.get("/admin/workdays/clock/").status_code == 200


def test_clocks_are_read_only_in_the_admin(admin_client):
    assert admin_client.get("/admin/workdays/clock/add/").status_code == 403
    assert not Clock.objects.exists()
