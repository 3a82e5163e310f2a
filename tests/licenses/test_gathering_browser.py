"""Browser: a department administrator opens 证照归集, uploads a file with a bad row and sees the
per-row report (nothing written), fixes the file, uploads it again, sees the result and opens a
licence it wrote in 证照库."""

from __future__ import annotations

import re

import pytest

from tests import factories
from yiwang.licenses.models import License
from yiwang.org.models import Role

from .test_gathering import csv_bytes, person_row

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _calendar_confirmed(monkeypatch):
    monkeypatch.setattr("yiwang.workbench.views.calendar_unconfirmed_years", lambda today: [])


def test_a_department_admin_gathers_a_file(page, issuer, license_type, tmp_path):
    factories.staff(issuer, [Role.DEPARTMENT_ADMIN], username="scjg_admin")
    good = person_row(license_type.code, "GZ-0001", name="赵六")
    bad = person_row(license_type.code, "GZ-0002", 身份证号码="12345")
    path = tmp_path / "licences.csv"
    path.write_bytes(csv_bytes([good, bad]))

    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.locator("input[name=username]").fill("scjg_admin")
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{page.base_url}/workbench/")
    page.get_by_test_id("nav-license-gather").click()
    page.wait_for_url(re.compile(r".*/workbench/licenses/gather/$"))

    page.locator("input[name=file]").set_input_files(str(path))
    page.get_by_test_id("gather-submit").click()
    errors = page.get_by_test_id("gather-errors")
    errors.wait_for()
    assert "未写入任何证照" in page.get_by_test_id("gather-refused").inner_text()
    row = page.get_by_test_id("gather-error")
    assert row.count() == 1
    text = row.inner_text()
    assert "3" in text and "身份证号码" in text and "18 位" in text
    assert License.objects.count() == 0

    path.write_bytes(csv_bytes([good, {**bad, "身份证号码": factories.id_number()}]))
    page.locator("input[name=file]").set_input_files(str(path))
    page.get_by_test_id("gather-submit").click()
    result = page.get_by_test_id("gather-result")
    result.wait_for()
    assert "新增 2 本" in result.inner_text()
    assert page.get_by_test_id("gather-license").count() == 2
    first = License.objects.get(source_number="GZ-0001")
    page.get_by_role("link", name=first.identifier).click()
    page.wait_for_url(re.compile(rf".*/workbench/licenses/{first.pk}/$"))
    facts = page.get_by_test_id("license-facts").inner_text()
    assert "部门归集" in facts and "GZ-0001" in facts
