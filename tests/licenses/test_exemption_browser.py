"""Browser: a citizen holding a valid 不动产权证书 applies on the portal for an item whose
经营场所使用证明 it stands in for: the material shows as 免提交 with the licence, no upload box;
he submits without it, and the case page names the licence attached. Without the licence the
same page asks for the upload and says why."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests import factories
from tests.cases.conftest import ID_NUMBER, PASSWORD, world  # noqa: F401 (fixture)
from tests.cases.test_portal_browser import pdf_file
from tests.licenses.conftest import issue
from yiwang.cases.fields import CaseStatus
from yiwang.cases.models import Case
from yiwang.licenses import services
from yiwang.licenses.models import LicenseUse, UsePurpose

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def deed(issuer):
    kind = services.license_type_create(
        code=factories.uscc() + "001", name="不动产权证书", department=issuer
    )
    services.license_material_link(license_type=kind, material_name="经营场所使用证明")
    return kind


def sign_in(page, world):  # noqa: F811
    page.goto(f"{page.base_url}/my/cases/apply/{world.item.code}/")
    page.wait_for_url(re.compile(r".*/accounts/citizen/sign-in/\?next=.*"))
    page.get_by_label("手机号码").fill("13800138000")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(rf".*/my/cases/apply/{world.item.code}/$"))


def test_a_licence_stands_in_for_the_material(page, world, deed):  # noqa: F811
    licence = issue(
        deed,
        holder_id_number=ID_NUMBER,
        fields={},
        valid_from=dt.date(2020, 1, 1),
        valid_until=None,
    )
    sign_in(page, world)
    row = page.locator("[data-testid=material][data-order='2']")
    assert row.locator("input[type=file]").count() == 0
    assert row.get_by_text("免提交", exact=True).count() == 1
    assert (
        f"免提交（已关联电子证照“不动产权证书” {licence.identifier}）"
        in row.get_by_test_id("exempt-licence").inner_text()
    )
    page.get_by_label("经营场所", exact=True).fill("示范县城关镇人民路 1 号")
    page.locator("input[name=material_1]").set_input_files(pdf_file("申请书.pdf"))
    page.get_by_label("电子送达").check()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r".*/my/cases/\d+/$"))
    assert page.get_by_test_id("case-status").inner_text() == "待受理"
    attached = page.locator("[data-testid=material][data-order='2']")
    assert licence.identifier in attached.get_by_test_id("exempt-licence").inner_text()
    case = Case.objects.get(applicant=world.citizen)
    assert case.status == CaseStatus.SUBMITTED and not case.materials.filter(order=2).exists()
    use = LicenseUse.objects.get(case=case)
    assert (use.license, use.purpose, use.material_order) == (licence, UsePurpose.MATERIAL, 2)


def test_without_the_licence_the_upload_is_asked_for(page, world, deed):  # noqa: F811
    sign_in(page, world)
    row = page.locator("[data-testid=material][data-order='2']")
    assert row.locator("input[type=file]").count() == 1
    assert "未查到您名下有效的该电子证照" in row.get_by_test_id("licence-missing").inner_text()
