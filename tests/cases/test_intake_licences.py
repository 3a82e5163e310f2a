"""免提交 by a licence at the window (cases.views.workbench.intake_case, the rule in
licenses.exemption): a walk-in holding a valid 不动产权证书 is not asked for the 经营场所使用证明 —
the intake page shows it as 免提交 with the licence and leaves it out of the paper checklist —
and registering the case attaches the licence through a recorded use, the clerk as actor,
audited. Without a valid licence (none, revoked) the material is asked for as before."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests import factories
from tests.cases.conftest import ID_NUMBER, CaseWorld
from tests.licenses.conftest import issue, issuer  # noqa: F401 (fixture)
from yiwang.audit.models import AuditEvent
from yiwang.cases.fields import CaseStatus
from yiwang.cases.models import Case
from yiwang.licenses import services as licences
from yiwang.licenses.models import LicenseUse, UsePurpose

pytestmark = pytest.mark.django_db
PREMISES = "经营场所使用证明"  # order 2 of the world's item


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def deed(issuer):  # noqa: F811
    kind = licences.license_type_create(
        code=factories.uscc() + "001", name="不动产权证书", department=issuer
    )
    licences.license_material_link(license_type=kind, material_name=PREMISES)
    return kind


def held(kind):
    return issue(
        kind,
        holder_id_number=ID_NUMBER,
        fields={},
        valid_from=dt.date(2020, 1, 1),
        valid_until=None,
    )


def started(client, world: CaseWorld) -> str:
    client.force_login(world.clerk.user)
    response = client.post(
        reverse("cases:intake"),
        {
            "step": "start",
            "applicant": world.citizen.pk,
            "item": world.item.pk,
            "channel": "window",
        },
    )
    assert response.status_code == 302
    return response["Location"]


def register(client, url: str):
    return client.post(
        url,
        {
            "form_applicant_name": "张三",
            "form_shop_address": "示范县城关镇人民路 1 号",
            "delivery": "pickup",
            "paper_1": "on",
            "paper_2": "on",  # ignored when the licence stands in: no such checkbox
            "submit": "1",
        },
    )


def test_a_holders_material_is_free_and_the_licence_attached(client, world, deed):
    licence = held(deed)
    url = started(client, world)
    page = client.get(url).content.decode()
    assert f"免提交（已关联电子证照“不动产权证书” {licence.identifier}）" in page
    assert 'name="paper_2"' not in page and 'name="scan_2"' not in page
    assert 'name="paper_1"' in page and 'data-testid="licence-missing"' not in page
    response = register(client, url)
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.status == CaseStatus.IN_REVIEW  # accepted: nothing missing, nothing deferred
    assert not case.materials.filter(order=2).exists()  # no paper, no scan: the licence
    use = LicenseUse.objects.get(case=case)
    assert (use.license, use.purpose, use.material_order, use.actor) == (
        licence,
        UsePurpose.MATERIAL,
        2,
        world.clerk.user,
    )
    audit = AuditEvent.objects.get(action="licenses.use", object_id=str(use.pk))
    assert audit.actor == world.clerk.user
    # the case page names the licence attached
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f"已关联电子证照“不动产权证书” {licence.identifier}" in detail


@pytest.mark.parametrize("revoked", [False, True])
def test_without_a_valid_licence_it_is_asked_as_before(client, world, deed, revoked):
    if revoked:
        licences.license_revoke(license=held(deed), reason="已转让")
    url = started(client, world)
    page = client.get(url).content.decode()
    assert 'name="paper_2"' in page and 'data-testid="exempt-licence"' not in page
    assert "未查到申请人名下有效的该电子证照" in page
    # registered without it: submitted, but not accepted (the material is missing)
    response = client.post(
        url,
        {
            "form_applicant_name": "张三",
            "form_shop_address": "示范县城关镇人民路 1 号",
            "delivery": "pickup",
            "paper_1": "on",
            "submit": "1",
        },
        follow=True,
    )
    assert "未能受理" in response.content.decode()
    case = Case.objects.get()
    assert case.status == CaseStatus.SUBMITTED and not LicenseUse.objects.exists()
    # with the paper received it goes as before
    Case.objects.all().delete()
    url = started(client, world)
    register(client, url)
    case = Case.objects.get()
    assert case.status == CaseStatus.IN_REVIEW
    assert case.materials.get(order=2).paper and not LicenseUse.objects.exists()
