"""我的证照: a citizen sees his own licences (matched by ID number hash), their status, the
licence file and 用证记录; another citizen's licence is 404. The workbench's 用证 page."""

from __future__ import annotations

import json

import pytest

from tests import factories as f
from tests.cases.conftest import ID_NUMBER, world  # noqa: F401 (fixture)
from tests.licenses.conftest import issue
from yiwang.cases import services as cases
from yiwang.licenses import services
from yiwang.licenses.models import LicenseUse


@pytest.fixture
def mine(license_type, world):  # noqa: F811
    return issue(license_type, holder_id_number=ID_NUMBER)


@pytest.fixture
def theirs(license_type):
    return issue(license_type, holder_name="李五", holder_id_number=f.id_number("19700707"))


def signed_in(client, applicant):
    client.force_login(applicant.user)
    return client


def test_the_list_shows_only_my_licences(client, world, mine, theirs):  # noqa: F811
    page = signed_in(client, world.citizen).get("/my/licenses/")
    assert page.status_code == 200
    body = page.content.decode()
    assert mine.identifier in body
    assert theirs.identifier not in body
    assert "有效" in body


def test_another_citizens_licence_is_404(client, world, theirs):  # noqa: F811
    c = signed_in(client, world.citizen)
    assert c.get(f"/my/licenses/{theirs.pk}/").status_code == 404
    assert c.get(f"/my/licenses/{theirs.pk}/file/").status_code == 404
    assert c.get(f"/my/licenses/{theirs.pk}/pdf/").status_code == 404


def test_a_stranger_does_not_see_my_licence(client, world, mine):  # noqa: F811
    assert signed_in(client, world.stranger).get(f"/my/licenses/{mine.pk}/").status_code == 404


def test_staff_are_sent_to_the_workbench(client, world, mine):  # noqa: F811
    client.force_login(world.clerk.user)
    assert client.get("/my/licenses/").status_code == 302


def test_the_file_is_the_licence_file(client, world, mine):  # noqa: F811
    response = signed_in(client, world.citizen).get(f"/my/licenses/{mine.pk}/file/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert document["license"]["identifier"] == mine.identifier
    assert ID_NUMBER not in response.content.decode()  # the holder only masked
    assert document["seal"]["signature"] == mine.signature


def test_the_pdf_is_a_private_download(client, world, mine):  # noqa: F811
    response = signed_in(client, world.citizen).get(f"/my/licenses/{mine.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "private"


def test_uses_show_department_and_role_not_the_name(client, world, mine):  # noqa: F811
    case = cases.case_create(
        item=world.item, applicant=world.citizen, actor=world.citizen.user, form=world.form()
    )
    services.license_use(license=mine, case=case, actor=world.clerk.user, reason="核验经营资格")
    body = signed_in(client, world.citizen).get(f"/my/licenses/{mine.pk}/").content.decode()
    assert "核验经营资格" in body
    assert world.dept.name in body and "窗口工作人员" in body
    assert case.number in body
    assert world.clerk.full_name not in body


def test_revoked_shows_its_status(client, world, mine):  # noqa: F811
    services.license_revoke(license=mine, reason="申请人主动申请撤销")
    body = signed_in(client, world.citizen).get(f"/my/licenses/{mine.pk}/").content.decode()
    assert "撤销" in body and "申请人主动申请撤销" in body


# --- the workbench's 用证 page ------------------------------------------------------------------


@pytest.fixture
def case(world):  # noqa: F811
    return cases.case_create(
        item=world.item, applicant=world.citizen, actor=world.citizen.user, form=world.form()
    )


def test_a_clerk_uses_a_licence_with_a_reason(client, world, case, mine, theirs):  # noqa: F811
    client.force_login(world.clerk.user)
    page = client.get(f"/workbench/licenses/cases/{case.pk}/")
    assert page.status_code == 200
    assert mine.identifier in page.content.decode()
    assert theirs.identifier not in page.content.decode()
    done = client.post(
        f"/workbench/licenses/cases/{case.pk}/", {"license": mine.pk, "reason": "核验"}
    )
    assert done.status_code == 302
    use = LicenseUse.objects.get()
    assert (use.license, use.case, use.reason) == (mine, case, "核验")
    file = client.get(f"/workbench/licenses/uses/{use.pk}/file/")
    assert json.loads(file.content)["license"]["identifier"] == mine.identifier


def test_the_page_refuses_without_a_reason(client, world, case, mine):  # noqa: F811
    client.force_login(world.clerk.user)
    page = client.post(f"/workbench/licenses/cases/{case.pk}/", {"license": mine.pk})
    assert page.status_code == 422
    assert "请填写用证事由。" in page.content.decode()
    assert not LicenseUse.objects.exists()


def test_another_holders_licence_cannot_be_chosen(client, world, case, theirs):  # noqa: F811
    client.force_login(world.clerk.user)
    page = client.post(
        f"/workbench/licenses/cases/{case.pk}/", {"license": theirs.pk, "reason": "核验"}
    )
    assert page.status_code == 422
    assert not LicenseUse.objects.exists()


def test_a_case_out_of_scope_is_404_on_the_page(client, world, case, mine):  # noqa: F811
    client.force_login(world.other_clerk.user)
    assert client.get(f"/workbench/licenses/cases/{case.pk}/").status_code == 404
    assert (
        client.post(
            f"/workbench/licenses/cases/{case.pk}/", {"license": mine.pk, "reason": "核验"}
        ).status_code
        == 404
    )
    use = services.license_use(license=mine, case=case, actor=world.clerk.user, reason="核验")
    assert client.get(f"/workbench/licenses/uses/{use.pk}/file/").status_code == 404


def test_numbers_past_the_keys_range_are_refused_not_crashed(client, world, case, mine):  # noqa: F811
    client.force_login(world.clerk.user)
    huge = "9" * 30
    page = client.post(f"/workbench/licenses/cases/{case.pk}/", {"license": huge, "reason": "核验"})
    assert page.status_code == 422
    assert client.get(f"/workbench/licenses/uses/{huge}/file/").status_code == 404
    client.force_login(world.citizen.user)
    assert client.get(f"/my/licenses/{huge}/").status_code == 404
