"""免提交 by a licence in a 一件事 application (cases.bundles, the rule in licenses.exemption): a
citizen holding a valid 不动产权证书 is not asked for the 经营场所使用证明 every item of the bundle
needs; each child case attaches the licence through a recorded use when it is submitted, as a
single case does. A revoked licence asks for the file as before."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tests import factories
from tests.cases.bundle_world import FORM, BundleWorld, approve, bundle_world, open_children
from tests.cases.conftest import ID_NUMBER
from tests.cases.test_bundles import PDF, key_of
from tests.licenses.conftest import issue, issuer  # noqa: F401 (fixture)
from yiwang.audit.models import AuditEvent
from yiwang.cases import bundles as b
from yiwang.cases.fields import BundleCaseStatus
from yiwang.cases.models import BundleCase, Case
from yiwang.licenses import services as licences
from yiwang.licenses.models import LicenseUse, UsePurpose

__all__ = ["bundle_world"]
PREMISES = "经营场所使用证明"  # the fire check calls it 场地使用证明 (merged by the table)
OTHERS = ("个体工商户登记申请书", "食品经营许可申请书", "消防安全检查申请表")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def deed(issuer):  # noqa: F811
    kind = licences.license_type_create(
        code=factories.uscc() + "001", name="不动产权证书", department=issuer
    )
    for name in (PREMISES, "场地使用证明"):
        licences.license_material_link(license_type=kind, material_name=name)
    return kind


def held(kind):
    return issue(
        kind,
        holder_id_number=ID_NUMBER,
        fields={},
        valid_from=dt.date(2020, 1, 1),
        valid_until=None,
    )


def drafted(world: BundleWorld) -> BundleCase:
    """A draft with every material but the 经营场所使用证明."""
    bundle_case = b.bundle_case_create(
        bundle=world.bundle, applicant=world.citizen, actor=world.citizen.user, form=FORM
    )
    for name in OTHERS:
        b.bundle_material_upload(
            bundle_case=bundle_case,
            actor=world.citizen.user,
            key=key_of(name),
            file=PDF,
            file_name=f"{name}.pdf",
        )
    return bundle_case


def test_a_holder_completes_the_bundle_without_the_upload(bundle_world, deed):
    licence = held(deed)
    bundle_case = drafted(bundle_world)
    b.bundle_case_submit(bundle_case=bundle_case, actor=bundle_world.citizen.user)
    (registration,) = open_children(bundle_case)
    use = LicenseUse.objects.get(case=registration)
    assert (use.license, use.purpose, use.material_name, use.actor) == (
        licence,
        UsePurpose.MATERIAL,
        PREMISES,
        bundle_world.citizen.user,
    )
    assert AuditEvent.objects.filter(action="licenses.use", object_id=str(use.pk)).exists()
    assert not registration.materials.filter(name=PREMISES).exists()  # no file, the licence
    approve(bundle_world, registration)
    food, fire = open_children(bundle_case)  # stage 2 started: both submitted, nothing missing
    assert {u.material_name for u in LicenseUse.objects.filter(case__in=[food, fire])} == {
        PREMISES,
        "场地使用证明",
    }
    approve(bundle_world, food)
    approve(bundle_world, fire)
    bundle_case.refresh_from_db()
    assert bundle_case.status == BundleCaseStatus.CONCLUDED
    # one use per child case's material, no more
    assert LicenseUse.objects.filter(license=licence).count() == 3


def test_a_revoked_licence_asks_for_the_file(bundle_world, deed):
    licences.license_revoke(license=held(deed), reason="已转让")
    bundle_case = drafted(bundle_world)
    with pytest.raises(ValidationError) as exc:
        b.bundle_case_submit(bundle_case=bundle_case, actor=bundle_world.citizen.user)
    assert exc.value.message_dict["materials"] == [f"请先提交：{PREMISES}。"]
    assert not Case.objects.exists() and not LicenseUse.objects.exists()
    # handed in, the application goes on as before (and no licence is attached)
    b.bundle_material_upload(
        bundle_case=bundle_case,
        actor=bundle_world.citizen.user,
        key=key_of(PREMISES),
        file=PDF,
        file_name="场地.pdf",
    )
    b.bundle_case_submit(bundle_case=bundle_case, actor=bundle_world.citizen.user)
    (registration,) = open_children(bundle_case)
    assert registration.materials.filter(name=PREMISES).exists()
    assert not LicenseUse.objects.exists()


def signed_in(applicant) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(applicant.user)
    return client


def test_the_application_page_shows_the_licence_or_asks_for_the_file(bundle_world, deed):
    path = f"/my/cases/bundles/apply/{bundle_world.bundle.code}/"
    page = signed_in(bundle_world.citizen).get(path).content.decode()
    assert 'data-testid="licence-missing"' in page and 'data-testid="exempt-licence"' not in page
    licence = held(deed)
    page = signed_in(bundle_world.citizen).get(path).content.decode()
    assert f"免提交（已关联电子证照“不动产权证书” {licence.identifier}）" in page
    assert 'data-testid="licence-missing"' not in page
    # submitted from the page without that file
    body = {f"form_{k}": v for k, v in FORM.items()}
    client = signed_in(bundle_world.citizen)
    client.post(path, {**body, "action": "save"})
    draft = BundleCase.objects.get()
    for name in OTHERS:
        b.bundle_material_upload(
            bundle_case=draft,
            actor=bundle_world.citizen.user,
            key=key_of(name),
            file=PDF,
            file_name=f"{name}.pdf",
        )
    answer = client.post(path, {**body, "action": "submit"})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    draft.refresh_from_db()
    assert draft.status == BundleCaseStatus.IN_PROGRESS
    assert LicenseUse.objects.filter(license=licence, case__bundle_case=draft).count() == 1
