"""用证: a licence is fetched only for a case the staff member may see, with a reason, and only
the case applicant's; refusals are one sentence and stay in the audit trail."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from tests import factories as f
from tests.cases.conftest import ID_NUMBER, world  # noqa: F401 (fixture)
from tests.licenses.conftest import issue
from yiwang.audit.models import AuditEvent
from yiwang.cases import services as cases
from yiwang.licenses import services
from yiwang.licenses.models import HolderKind, LicenseUse


@pytest.fixture
def case(world):  # noqa: F811
    return cases.case_create(
        item=world.item, applicant=world.citizen, actor=world.citizen.user, form=world.form()
    )


@pytest.fixture
def licence(license_type):
    return issue(license_type, holder_id_number=ID_NUMBER)


def refusals():
    return AuditEvent.objects.filter(action="licenses.use_refused")


def test_use_is_recorded_and_audited(world, case, licence):  # noqa: F811
    use = services.license_use(
        license=licence, case=case, actor=world.clerk.user, reason="核验经营资格"
    )
    assert (use.case, use.actor, use.reason) == (case, world.clerk.user, "核验经营资格")
    assert use.actor_department == world.dept.name
    assert use.actor_role == "窗口工作人员"
    assert AuditEvent.objects.filter(action="licenses.use", object_id=str(use.pk)).exists()


def test_use_without_a_case_is_refused_and_audited(world, licence):  # noqa: F811
    with pytest.raises(ValidationError) as exc:
        services.license_use(license=licence, case=None, actor=world.clerk.user, reason="核验")
    assert exc.value.message_dict["case"] == ["调用电子证照必须指明办件，没有办件不能用证。"]
    assert not LicenseUse.objects.exists()
    event = refusals().get()
    assert event.object_id == str(licence.pk)
    assert event.actor_id == world.clerk.user.pk
    assert "没有办件" in event.reason


@pytest.mark.parametrize("reason", ["", "   "])
def test_use_without_a_reason_is_refused_and_audited(world, case, licence, reason):  # noqa: F811
    with pytest.raises(ValidationError) as exc:
        services.license_use(license=licence, case=case, actor=world.clerk.user, reason=reason)
    assert exc.value.message_dict["reason"] == ["请填写用证事由。"]
    assert not LicenseUse.objects.exists()
    assert refusals().count() == 1


def test_a_case_out_of_scope_is_404(world, case, licence):  # noqa: F811
    # other_clerk works for another department at its own 专窗: the case is not in his scope.
    with pytest.raises(Http404):
        services.license_use(
            license=licence, case=case, actor=world.other_clerk.user, reason="核验"
        )
    assert not LicenseUse.objects.exists()


def test_a_licence_of_someone_else_is_refused(world, case, license_type):  # noqa: F811
    other = issue(license_type, holder_id_number=f.id_number("19800101"))
    with pytest.raises(ValidationError) as exc:
        services.license_use(license=other, case=case, actor=world.clerk.user, reason="核验")
    assert "不是办件" in exc.value.message_dict["license"][0]
    assert not LicenseUse.objects.exists()
    assert refusals().count() == 1


def test_an_enterprise_licence_is_not_a_persons(world, case, license_type):  # noqa: F811
    company = issue(
        license_type,
        holder_kind=HolderKind.ENTERPRISE,
        holder_name="示范公司",
        holder_id_number="",
        holder_uscc=f.uscc(),
    )
    with pytest.raises(ValidationError):
        services.license_use(license=company, case=case, actor=world.clerk.user, reason="核验")


def test_a_role_without_the_permission_is_refused(world, case, licence):  # noqa: F811
    with pytest.raises(ValidationError) as exc:
        services.license_use(license=licence, case=case, actor=world.head.user, reason="核验")
    assert exc.value.message_dict["actor"] == ["您的角色不能调用电子证照。"]
    assert refusals().count() == 1


def test_the_approver_may_use(world, case, licence):  # noqa: F811
    services.license_use(license=licence, case=case, actor=world.approver.user, reason="审查")
    assert LicenseUse.objects.get().actor_role == "审批人员"
