"""The workbench's 证照归集 page: a department administrator gathers his own department's
licences (the bureau picks one of its region's); the per-row report, the result, the template."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import factories
from yiwang.licenses.models import License
from yiwang.org.models import Role

from .test_gathering import csv_bytes, person_row

pytestmark = pytest.mark.django_db
URL = "/workbench/licenses/gather/"


@pytest.fixture
def admin(issuer):
    return factories.staff(issuer, [Role.DEPARTMENT_ADMIN]).user


def upload(client, department, data, name="licences.csv", **extra):
    body = {"department": department.pk, "file": SimpleUploadedFile(name, data), **extra}
    return client.post(URL, body)


def test_department_admin_gathers_and_sees_the_licences(client, admin, issuer, license_type):
    client.force_login(admin)
    page = client.get(URL)
    assert page.status_code == 200
    # His own department only.
    assert list(page.context["departments"]) == [issuer]
    rows = [person_row(license_type.code, "W-1"), person_row(license_type.code, "W-2")]
    response = upload(client, issuer, csv_bytes(rows))
    assert response.status_code == 200
    html = response.content.decode()
    assert "新增 2 本" in html
    for license in License.objects.all():
        assert license.identifier in html
        assert reverse("licenses:detail", args=[license.pk]) in html


def test_bad_rows_are_listed_and_nothing_is_written(client, admin, issuer, license_type):
    client.force_login(admin)
    rows = [
        person_row(license_type.code, "W-1"),
        person_row(license_type.code, "W-2", 有效期起="x"),
    ]
    response = upload(client, issuer, csv_bytes(rows))
    assert response.status_code == 422
    html = response.content.decode()
    assert (
        "未写入任何证照" in html and "有效期起" in html and "“x”不是 YYYY-MM-DD 形式的日期" in html
    )
    assert License.objects.count() == 0


def test_unreadable_file_is_one_sentence(client, admin, issuer):
    client.force_login(admin)
    response = upload(client, issuer, b"%PDF-1.4 \x00\x01", name="x.pdf")
    assert response.status_code == 422
    assert "无法导入" in response.context["failure"]


def test_another_department_cannot_be_chosen(client, admin, license_type):
    other = factories.department("示范县卫生健康局")
    client.force_login(admin)
    response = upload(client, other, csv_bytes([person_row(license_type.code, "W-1")]))
    assert response.status_code == 422
    assert "department" in response.context["form"].errors
    assert License.objects.count() == 0


def test_bureau_picks_a_department(client, issuer, license_type):
    bureau = factories.department("示范县数据资源管理局", is_bureau=True)
    other = factories.department("示范县卫生健康局")
    user = factories.staff(bureau, [Role.BUREAU_ADMIN]).user
    client.force_login(user)
    departments = set(client.get(URL).context["departments"])
    assert {issuer, other} <= departments
    response = upload(client, issuer, csv_bytes([person_row(license_type.code, "B-1")]))
    assert response.status_code == 200 and License.objects.count() == 1


def test_a_clerk_may_not_gather(client, issuer):
    client.force_login(factories.staff(issuer, [Role.WINDOW_CLERK]).user)
    assert client.get(URL).status_code == 403
    assert client.post(URL).status_code == 403


def test_template_download(client, admin, issuer, license_type):
    client.force_login(admin)
    response = client.get(reverse("licenses:gather-template"), {"department": issuer.pk})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    header = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert header.split(",")[:2] == ["证照类型代码", "原系统证照编号"] and "经营场所" in header
    other = factories.department("示范县卫生健康局")
    missing = client.get(reverse("licenses:gather-template"), {"department": other.pk})
    assert missing.status_code == 404
