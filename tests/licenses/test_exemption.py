"""免提交 by a licence (licenses.exemption): a material linked to a licence type is not asked of
an applicant holding a valid licence of it — the case attaches the licence through a recorded
use — and is asked for as usual otherwise (none, revoked, expired, another holder's). Pages:
the portal's application and case pages, the workbench case page, the guide."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests import factories
from tests.cases.conftest import ID_NUMBER, world  # noqa: F401 (fixture)
from tests.cases.test_services import PDF, draft
from tests.licenses.conftest import issue
from yiwang.audit.models import AuditEvent
from yiwang.cases import services as cases
from yiwang.cases.fields import CaseStatus
from yiwang.licenses import exemption, selectors, services
from yiwang.licenses.models import LicenseStatus, LicenseUse, UsePurpose

pytestmark = pytest.mark.django_db
PLACE = "经营场所使用证明"  # order 2 of the world's item (deferrable)
FORM = "食品经营许可申请书"  # order 1 (required)


@pytest.fixture
def deed(issuer):
    """不动产权证书, standing in for 经营场所使用证明."""
    kind = services.license_type_create(
        code=factories.uscc() + "001",
        name="不动产权证书",
        department=issuer,
        fields=[{"name": "坐落", "kind": "text", "required": False}],
    )
    services.license_material_link(license_type=kind, material_name=PLACE)
    return kind


def held(kind, **overrides):
    values = {
        "holder_id_number": ID_NUMBER,
        "fields": {"坐落": "示范县人民路 1 号"},
        "valid_from": dt.date(2020, 1, 1),
        "valid_until": None,
    }
    return issue(kind, **(values | overrides))


def upload(world, case, order):  # noqa: F811
    cases.case_material_upload(
        case=case, actor=world.citizen.user, order=order, file=PDF, file_name="a.pdf"
    )


def test_the_version_materials_a_licence_satisfies(world, deed):  # noqa: F811
    version = world.item.published_version
    assert exemption.guide_licence_types(version) == {2: deed}
    row = exemption.version_licence_materials(version, world.citizen)[2]
    assert (row.name, row.license_type, row.licence, row.exempt) == (PLACE, deed, None, False)
    licence = held(deed)
    row = exemption.version_licence_materials(version, world.citizen)[2]
    assert row.licence == licence and row.exempt
    # the catalogue's own 免提交 (营业执照, 共享获取) is not a licence material
    assert 3 not in exemption.version_licence_materials(version, world.citizen)


def test_a_case_completes_without_the_upload_and_records_the_use(world, deed):  # noqa: F811
    licence = held(deed)
    case = draft(world)
    upload(world, case, 1)
    case = cases.case_submit(case=case, actor=world.citizen.user)
    use = LicenseUse.objects.get(case=case)
    assert (use.license, use.purpose, use.material_order, use.material_name) == (
        licence,
        UsePurpose.MATERIAL,
        2,
        PLACE,
    )
    assert use.reason == f"免提交：{PLACE}"
    assert (use.actor, use.actor_department) == (world.citizen.user, world.dept.name)
    assert AuditEvent.objects.filter(action="licenses.use", object_id=str(use.pk)).exists()
    # accepted with nothing missing (no 容缺), reviewed, decided
    case = cases.case_accept(case=case, actor=world.clerk.user)
    assert not case.materials.filter(deferred=True).exists()
    case = cases.case_advance(case=case, actor=world.approver.user)
    case = cases.case_decide(case=case, actor=world.approver.user, decision="approve")
    assert case.status == CaseStatus.CONCLUDED
    assert not case.materials.filter(order=2).exists()  # never uploaded
    # the citizen's 用证记录 and the case's uses show it; recorded once
    assert list(selectors.license_uses(licence)) == [use]
    assert list(selectors.case_license_uses(case)) == [use]


def test_a_required_linked_material_is_not_asked_for(world, deed):  # noqa: F811
    services.license_material_unlink(material_name=PLACE)
    services.license_material_link(license_type=deed, material_name=FORM)
    case = draft(world)
    with pytest.raises(ValidationError, match=FORM):
        cases.case_submit(case=case, actor=world.citizen.user)
    held(deed)
    case = cases.case_submit(case=case, actor=world.citizen.user)
    assert LicenseUse.objects.get(case=case).material_name == FORM


@pytest.mark.parametrize("state", ["none", "revoked", "expired", "not_yet", "another"])
def test_without_a_valid_licence_the_material_is_required(world, deed, state):  # noqa: F811
    if state == "revoked":
        services.license_revoke(license=held(deed), reason="已转让")
    elif state == "expired":
        held(deed, valid_until=dt.date.today() - dt.timedelta(days=1))
    elif state == "not_yet":
        held(deed, valid_from=dt.date.today() + dt.timedelta(days=1))
    elif state == "another":
        held(deed, holder_id_number=factories.id_number("19850505"), holder_name="李四")
    services.license_material_unlink(material_name=PLACE)
    services.license_material_link(license_type=deed, material_name=FORM)
    case = draft(world)
    with pytest.raises(ValidationError) as exc:
        cases.case_submit(case=case, actor=world.citizen.user)
    assert exc.value.message_dict["materials"] == [f"请先提交：{FORM}。"]
    assert not LicenseUse.objects.exists()


def test_a_licence_revoked_before_acceptance_asks_for_the_material(world, deed):  # noqa: F811
    licence = held(deed)
    case = draft(world)
    upload(world, case, 1)
    case = cases.case_submit(case=case, actor=world.citizen.user)
    services.license_revoke(license=licence, reason="已撤销")
    with pytest.raises(ValidationError, match=PLACE):
        cases.case_accept(case=case, actor=world.clerk.user)
    # the clerk may still accept with it deferred (容缺), as for any missing material
    case = cases.case_accept(case=case, actor=world.clerk.user, deferred=[2])
    assert case.status == CaseStatus.IN_REVIEW


def test_a_resubmission_records_no_second_use(world, deed):  # noqa: F811
    held(deed)
    case = draft(world)
    upload(world, case, 1)
    case = cases.case_submit(case=case, actor=world.citizen.user)
    cases.case_request_correction(
        case=case, actor=world.clerk.user, entries=[{"order": 1, "note": "申请书未签字"}]
    )
    case.refresh_from_db()
    upload(world, case, 1)
    cases.case_resubmit(case=case, actor=world.citizen.user)
    assert LicenseUse.objects.filter(case=case).count() == 1


def test_a_material_use_is_refused_for_the_wrong_licence(world, deed, license_type):  # noqa: F811
    case = draft(world)
    other = held(deed, holder_id_number=factories.id_number("19850505"), holder_name="李四")
    with pytest.raises(ValidationError, match="不是该办件的申请人"):
        services.license_use_for_material(
            license=other, case=case, material_order=2, material_name=PLACE
        )
    unrelated = issue(license_type, holder_id_number=ID_NUMBER)
    with pytest.raises(ValidationError, match="不能由“食品经营许可证”代替"):
        services.license_use_for_material(
            license=unrelated, case=case, material_order=2, material_name=PLACE
        )
    revoked = services.license_revoke(license=held(deed), reason="撤销")
    assert revoked.status == LicenseStatus.REVOKED
    with pytest.raises(ValidationError, match="已失效"):
        services.license_use_for_material(
            license=revoked, case=case, material_order=2, material_name=PLACE
        )
    assert not LicenseUse.objects.exists()


# --- pages ----------------------------------------------------------------------------------


def test_the_application_page_shows_the_licence_instead_of_an_upload(client, world, deed):  # noqa: F811
    client.force_login(world.citizen.user)
    url = reverse("cases-portal:apply", args=[world.item.code])
    page = client.get(url).content.decode()
    assert 'name="material_2"' in page and 'data-testid="licence-missing"' in page
    assert "不动产权证书" in page
    licence = held(deed)
    page = client.get(url).content.decode()
    assert 'name="material_2"' not in page
    assert f"免提交（已关联电子证照“不动产权证书” {licence.identifier}）" in page


def test_the_case_pages_show_the_attached_licence(client, world, deed):  # noqa: F811
    licence = held(deed)
    case = draft(world)
    upload(world, case, 1)
    cases.case_submit(case=case, actor=world.citizen.user)
    expected = f"免提交（已关联电子证照“不动产权证书” {licence.identifier}）"
    client.force_login(world.citizen.user)
    assert expected in client.get(reverse("cases-portal:detail", args=[case.pk])).content.decode()
    client.force_login(world.clerk.user)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert expected in page and 'data-testid="exempt-licence"' in page


def test_the_guide_shows_a_licence_material_as_exempt(client, world, issuer):  # noqa: F811
    url = reverse("guide:item", args=[world.item.code])
    assert "凭有效的" not in client.get(url).content.decode()  # and now cached
    kind = services.license_type_create(
        code=factories.uscc() + "001", name="不动产权证书", department=issuer
    )
    services.license_material_link(license_type=kind, material_name=PLACE)
    page = client.get(url).content.decode()  # a link changes the guides' generation
    assert "（凭有效的“不动产权证书”电子证照）" in page
    assert "持有效的“不动产权证书”电子证照免提交" in page
    services.license_material_unlink(material_name=PLACE)
    assert "凭有效的" not in client.get(url).content.decode()
