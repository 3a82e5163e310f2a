"""The staff workbench home: access, identity, data scope, calendar warning, navigation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from yiwang.org.models import ApplicantKind
from yiwang.org.services import applicant_register

pytestmark = pytest.mark.django_db

HOME = "/workbench/"


@pytest.fixture
def department():
    return factories.department("示范县市场监督管理局")


@pytest.fixture
def clerk(department):
    return factories.staff(department, ["window_clerk"], username="clerk")


@pytest.fixture
def no_calendar_warning(monkeypatch):
    monkeypatch.setattr("yiwang.workbench.views.calendar_unconfirmed_years", lambda today: [])


def test_home_url_is_the_workbench_root():
    assert reverse("workbench:home") == HOME


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("org:sign-in"))
    assert "next=/workbench/" in response["Location"]


def test_citizen_is_sent_to_the_portal(client):
    applicant = applicant_register(
        kind=ApplicantKind.PERSON,
        name="张三",
        phone="13800138000",
        id_number=factories.id_number(),
        password=factories.PASSWORD,
    )
    client.force_login(applicant.user)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_staff_sees_name_department_roles_and_scope(client, clerk, no_calendar_warning):
    client.force_login(clerk.user)
    response = client.get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"您好，{clerk.full_name}" in html
    assert "示范县市场监督管理局" in html
    assert "窗口工作人员" in html
    assert "本部门（示范县市场监督管理局）" in html
    assert "我的待办" in html and "暂无待办事项" in html


def test_bureau_admin_has_region_scope_and_no_admin_link(client, no_calendar_warning):
    bureau = factories.department("示范县数据资源管理局", is_bureau=True)
    admin = factories.staff(bureau, ["bureau_admin"], username="bureau")
    client.force_login(admin.user)
    html = client.get(HOME).content.decode()
    assert "本区划（示范县）" in html
    assert 'href="/admin/"' not in html  # 主数据管理 is for system administrators only
    assert 'href="/api/docs/"' in html


def test_department_staff_has_no_admin_link(client, clerk, no_calendar_warning):
    client.force_login(clerk.user)
    html = client.get(HOME).content.decode()
    assert 'href="/admin/"' not in html
    assert f'href="{reverse("org:staff-list")}"' in html
    assert f'href="{reverse("org:window-list")}"' in html


def test_sign_out_is_a_post_form(client, clerk, no_calendar_warning):
    client.force_login(clerk.user)
    html = client.get(HOME).content.decode()
    assert f'<form method="post" action="{reverse("org:sign-out")}">' in html


def test_home_page_is_marked_current_in_the_navigation(client, clerk, no_calendar_warning):
    client.force_login(clerk.user)
    html = client.get(HOME).content.decode()
    assert f'<a href="{HOME}" aria-current="page">' in html


def test_calendar_warning_when_a_year_lacks_a_holiday_table(client, clerk, monkeypatch):
    monkeypatch.setattr("yiwang.workbench.views.calendar_unconfirmed_years", lambda today: [2027])
    client.force_login(clerk.user)
    html = client.get(HOME).content.decode()
    assert "2027 年节假日安排尚未确认：涉及该年度的期限按周一至周五计算。" in html
    assert 'data-testid="calendar-warning"' in html


def test_no_calendar_warning_when_tables_are_confirmed(client, clerk, no_calendar_warning):
    client.force_login(clerk.user)
    html = client.get(HOME).content.decode()
    assert 'data-testid="calendar-warning"' not in html
    assert "节假日与调休安排已录入" in html


def test_calendar_warning_from_the_real_workdays_selector(client, clerk):
    """Without monkeypatching: whatever years the working-day calendar lacks are announced."""
    from django.utils import timezone

    from yiwang.workdays.selectors import unconfirmed_years

    missing = unconfirmed_years(timezone.localdate())
    client.force_login(clerk.user)
    html = client.get(HOME).content.decode()
    for year in missing:
        assert f"{year} 年节假日安排尚未确认" in html
    if not missing:
        assert 'data-testid="calendar-warning"' not in html


def test_staff_without_staff_record_still_gets_a_page(
    client, django_user_model, no_calendar_warning
):
    user = django_user_model.objects.create_user(
        username="root", password=factories.PASSWORD, must_change_password=False
    )
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    assert "未关联部门" in response.content.decode()


def test_audit_link_only_for_users_allowed_to_view_audit_events(client, clerk, no_calendar_warning):
    audit_url = reverse("audit:event-list")
    client.force_login(clerk.user)
    assert f'href="{audit_url}"' not in client.get(HOME).content.decode()
    bureau = factories.department("示范县数据资源管理局", is_bureau=True)
    admin = factories.staff(bureau, ["bureau_admin"], username="bureau")
    client.force_login(admin.user)
    assert f'href="{audit_url}"' in client.get(HOME).content.decode()


def test_english_interface(client, clerk, monkeypatch):
    monkeypatch.setattr("yiwang.workbench.views.calendar_unconfirmed_years", lambda today: [2027])
    client.force_login(clerk.user)
    response = client.post("/i18n/setlang/", {"language": "en", "next": HOME})
    assert response.status_code == 302
    html = client.get(HOME).content.decode()
    assert '<html lang="en">' in html
    assert "My to-do list" in html
    assert "Sign out" in html
    assert "Window clerk" in html
    assert "Holiday arrangements for 2027 are not confirmed yet" in html
    assert "示范县市场监督管理局" in html  # data stays as entered
