"""Citizen portal: public home, guide search placeholder, my cases, English."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from yiwang.org import services
from yiwang.org.models import ApplicantKind, HallLevel

pytestmark = pytest.mark.django_db


@pytest.fixture
def halls():
    county = factories.county()
    town = factories.town(1)
    town_hall = services.service_hall_create(
        name="城关镇便民服务中心",
        level=HallLevel.TOWN,
        region=town,
        address="城关镇人民路 8 号",
        opening_hours="工作日 8:30-12:00，14:30-17:30",
    )
    county_hall = services.service_hall_create(
        name="示范县政务服务中心",
        level=HallLevel.COUNTY,
        region=county,
        address="示范县行政中心 1 号楼",
        opening_hours="周一至周五 9:00-17:00",
        phone="0551-12345678",
    )
    return county_hall, town_hall


@pytest.fixture
def citizen():
    return services.applicant_register(
        kind=ApplicantKind.PERSON,
        name="李四",
        phone="13900139000",
        id_number=factories.id_number(),
        password=factories.PASSWORD,
    ).user


def test_home_renders_without_sign_in(client, halls):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>示范县政务服务网</title>" in html
    assert "一网通办 · 示范县政务服务网" in html
    assert 'action="/search/"' in html
    assert "请输入您要办理的事项，例如：开饭店要办什么证" in html
    assert "主办：示范县数据资源管理局" in html
    assert "12345" in html


def test_county_hall_is_listed_first_with_address_and_hours(client, halls):
    html = client.get("/").content.decode()
    assert html.index("示范县政务服务中心") < html.index("城关镇便民服务中心")
    assert "示范县行政中心 1 号楼" in html
    assert "周一至周五 9:00-17:00" in html
    assert "0551-12345678" in html


def test_home_without_halls_says_so(client):
    assert "暂无大厅信息" in client.get("/").content.decode()


def test_themes_link_to_the_search(client):
    html = client.get("/").content.decode()
    assert "个人办事" in html and "法人办事" in html
    assert 'href="/search/?q=%E5%BC%80%E9%A5%AD%E5%BA%97"' in html  # 开饭店


def test_county_name_comes_from_settings(client, settings):
    settings.YIWANG_COUNTY_NAME = "青山县"
    html = client.get("/").content.decode()
    assert "青山县政务服务网" in html
    assert "主办：青山县数据资源管理局" in html


def test_anonymous_header_links_to_citizen_sign_in_and_register(client):
    html = client.get("/").content.decode()
    assert f'href="{reverse("org:citizen-sign-in")}"' in html
    assert f'href="{reverse("org:citizen-register")}"' in html
    assert "我的办件" not in html


def test_signed_in_citizen_sees_my_cases_and_sign_out(client, citizen):
    client.force_login(citizen)
    html = client.get("/").content.decode()
    assert "李四" in html
    assert f'href="{reverse("cases-portal:list")}"' in html
    assert f'action="{reverse("org:sign-out")}"' in html
    assert f'href="{reverse("org:citizen-sign-in")}"' not in html


def test_search_box_submits_to_portal_search(client):
    html = client.get("/").content.decode()
    assert f'action="{reverse("portal:search")}"' in html
    assert 'name="q"' in html


def test_my_cases_needs_a_citizen_sign_in(client):
    response = client.get("/my/cases/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("org:citizen-sign-in"))


def test_my_cases_for_a_citizen(client, citizen):
    client.force_login(citizen)
    response = client.get("/my/cases/")
    assert response.status_code == 200
    assert "暂无办件" in response.content.decode()


def test_my_cases_sends_staff_to_the_workbench(client):
    staff = factories.staff(factories.department())
    client.force_login(staff.user)
    response = client.get("/my/cases/")
    assert response["Location"] == reverse("workbench:home")


def test_english_switch(client, halls):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Service halls" in html
    assert "Search" in html
    assert "Opening hours" in html
    # and back to Chinese
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "办事大厅" in html


def test_chinese_by_default_whatever_the_browser_language(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="en">' in html
