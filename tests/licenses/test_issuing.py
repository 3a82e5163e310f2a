"""Licences issued automatically on an approval (licenses.issuing): only on 准予, to the case's
applicant (person or enterprise), sealed by the type's department, fields from the form,
idempotent; a failure never undoes the decision and is issued by the sweep's retry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from tests import factories
from tests.cases.conftest import ID_NUMBER, PASSWORD, world  # noqa: F401 (fixture)
from tests.cases.test_services import PDF, accepted, concluded
from yiwang.audit.models import AuditEvent
from yiwang.cases import services as cases
from yiwang.cases.fields import CaseStatus
from yiwang.cases.models import Case
from yiwang.licenses import issuing, selectors, services, verification
from yiwang.licenses.models import HolderKind, License, LicenseOrigin, LicenseType
from yiwang.notifications.models import Message
from yiwang.org import services as org

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(world, license_type):  # noqa: F811
    services.license_type_link_item(license_type=license_type, item=world.item)
    return license_type


def test_an_approval_issues_the_licence_to_the_applicant(world, linked, issuer):  # noqa: F811
    case = concluded(world)
    licence = License.objects.get(case=case)
    assert licence.license_type == linked and licence.origin == LicenseOrigin.ISSUED
    assert licence.issuer == issuer  # the type's department, not the case's
    assert (licence.holder_kind, licence.holder_name) == (HolderKind.PERSON, "张三")
    assert licence.holder_id_number.reveal() == ID_NUMBER and licence.holder_uscc == ""
    assert licence.applicant == world.citizen
    # the form's 经营场所 fills the field of that name; the others stay empty
    assert licence.fields == {
        "经营场所": "示范县城关镇人民路 1 号",
        "从业人员": None,
        "网络经营": None,
        "核发日期": None,
    }
    assert (licence.valid_from, licence.valid_until) == (case.concluded_on, None)
    assert verification.verify_record(licence).valid
    assert AuditEvent.objects.filter(action="licenses.issue", object_id=str(licence.pk)).exists()
    # the citizen sees it in 我的证照, and is told
    assert list(selectors.licenses_for_holder(user=world.citizen.user)) == [licence]
    told = Message.objects.get(kind="license.issued")
    assert told.recipient == world.citizen.user and licence.identifier in told.text


def test_the_id_number_is_encrypted_at_rest(world, linked):  # noqa: F811
    from django.db import connection

    licence = License.objects.get(case=concluded(world))
    with connection.cursor() as cursor:
        cursor.execute("SELECT holder_id_number FROM licenses_license WHERE id = %s", [licence.pk])
        (stored,) = cursor.fetchone()
    assert ID_NUMBER not in str(stored)


def test_a_refusal_issues_nothing(world, linked):  # noqa: F811
    case = cases.case_advance(case=accepted(world), actor=world.approver.user)
    cases.case_decide(
        case=case,
        actor=world.approver.user,
        decision="refuse",
        reason="经营场所不符合要求",
        basis="《食品经营许可和备案管理办法》第十二条",
    )
    assert not License.objects.exists()
    assert issuing.issue_pending() == 0


def test_an_item_not_linked_issues_nothing(world, license_type):  # noqa: F811
    concluded(world)
    assert not License.objects.exists()


def test_issuing_is_idempotent(world, linked):  # noqa: F811
    case = concluded(world)
    assert issuing.issue_for_case(Case.objects.get(pk=case.pk)) == []
    assert issuing.issue_pending() == 0
    assert License.objects.filter(case=case).count() == 1


def test_each_linked_type_issues_once(world, linked, issuer):  # noqa: F811
    other = services.license_type_create(
        code=factories.uscc() + "002", name="食品经营许可证副本", department=issuer
    )
    services.license_type_link_item(license_type=other, item=world.item)
    case = concluded(world)
    assert set(License.objects.filter(case=case).values_list("license_type", flat=True)) == {
        linked.pk,
        other.pk,
    }


def test_an_enterprise_holds_the_licence_by_its_credit_code(world, linked):  # noqa: F811
    code = factories.uscc()
    enterprise = org.applicant_register(
        kind="legal_person",
        name="示范县好味餐饮有限公司",
        phone="13700137000",
        uscc=code,
        legal_representative="王五",
        legal_representative_id_number=factories.id_number("19800303"),
        password=PASSWORD,
    )
    case = cases.case_create(
        item=world.item, applicant=enterprise, actor=enterprise.user, form=world.form()
    )
    for order in (1, 2):
        cases.case_material_upload(
            case=case, actor=enterprise.user, order=order, file=PDF, file_name="a.pdf"
        )
    case = cases.case_submit(case=case, actor=enterprise.user)
    case = cases.case_accept(case=case, actor=world.clerk.user)
    case = cases.case_advance(case=case, actor=world.approver.user)
    cases.case_decide(case=case, actor=world.approver.user, decision="approve")
    licence = License.objects.get(case=case)
    assert (licence.holder_kind, licence.holder_uscc) == (HolderKind.ENTERPRISE, code)
    assert licence.holder_id_number == ""
    assert list(selectors.licenses_for_holder(user=enterprise.user)) == [licence]


def test_form_values_are_converted_to_the_field_kinds(world, linked):  # noqa: F811
    kind = LicenseType(
        fields=[
            {"name": "经营场所", "kind": "text", "required": True},
            {"name": "从业人员", "kind": "integer", "required": False},
            {"name": "网络经营", "kind": "boolean", "required": False},
            {"name": "申请人身份证号码", "kind": "text", "required": False},
        ]
    )
    case = Case(
        version=world.item.published_version,
        form_data={
            "shop_address": "人民路 1 号",
            "staff": "12",
            "online": "是",
            "applicant_id_number": ID_NUMBER,
        },
    )
    case.version.form_fields = [
        {"key": "shop_address", "label": "经营场所", "type": "text"},
        {"key": "staff", "label": "从业人员", "type": "number"},
        {"key": "online", "label": "网络经营", "type": "text"},
        {"key": "applicant_id_number", "label": "申请人身份证号码", "type": "id_number"},
    ]
    # the ID number (personal data) never goes into the licence's fields
    assert issuing.fields_from_form(kind, case) == {
        "经营场所": "人民路 1 号",
        "从业人员": 12,
        "网络经营": True,
    }


def test_a_failure_keeps_the_decision_and_the_sweep_issues_it_later(
    world,  # noqa: F811
    linked,
    issuer,
):
    # The issuing department has no seal key yet: sealing fails.
    from yiwang.licenses.models import SealKey

    SealKey.objects.filter(department=issuer).update(
        retired_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    case = concluded(world)
    case.refresh_from_db()
    assert case.status == CaseStatus.CONCLUDED and case.decision == "approve"
    assert not License.objects.exists()
    failed = AuditEvent.objects.get(action="licenses.issue_failed")
    assert failed.object_label == case.number and "签章密钥" in failed.reason
    assert list(issuing.pending_cases()) == [case]
    assert issuing.issue_pending() == 0  # still no key: nothing, and not audited again
    assert AuditEvent.objects.filter(action="licenses.issue_failed").count() == 1
    services.seal_key_rotate(department=issuer)
    assert issuing.issue_pending() == 1
    licence = License.objects.get(case=case)
    assert verification.verify_record(licence).valid
    assert issuing.issue_pending() == 0  # a second run changes nothing
    assert not issuing.pending_cases().exists()


def test_the_sweep_task_retries(world, linked, issuer):  # noqa: F811
    from yiwang.cases.tasks import sweep_cases
    from yiwang.licenses.models import SealKey

    SealKey.objects.filter(department=issuer).delete()
    case = concluded(world)
    services.seal_key_rotate(department=issuer)
    sweep_cases.call()
    assert License.objects.filter(case=case).count() == 1


def test_the_retry_looks_back_only_so_far(world, linked, issuer, settings):  # noqa: F811
    from yiwang.licenses.models import SealKey

    SealKey.objects.filter(department=issuer).delete()
    case = concluded(world)
    services.seal_key_rotate(department=issuer)
    later = case.concluded_on + dt.timedelta(days=settings.YIWANG_LICENSE_ISSUE_RETRY_DAYS + 1)
    assert issuing.issue_pending(today=later) == 0
    assert issuing.issue_pending(today=case.concluded_on) == 1


def test_a_required_field_the_form_lacks_fails_without_undoing_the_decision(
    world,  # noqa: F811
    issuer,
):
    kind = services.license_type_create(
        code=factories.uscc() + "003",
        name="需填许可项目的证",
        department=issuer,
        fields=[{"name": "许可项目", "kind": "text", "required": True}],
    )
    services.license_type_link_item(license_type=kind, item=world.item)
    case = concluded(world)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CONCLUDED
    assert not License.objects.exists()
    assert "许可项目" in AuditEvent.objects.get(action="licenses.issue_failed").reason


def test_a_decision_rolled_back_leaves_no_licence(world, linked):  # noqa: F811
    case = cases.case_advance(case=accepted(world), actor=world.approver.user)
    with pytest.raises(RuntimeError), transaction.atomic():
        cases.case_decide(case=case, actor=world.approver.user, decision="approve")
        assert License.objects.filter(case=case).exists()
        raise RuntimeError("the decision's transaction fails later")
    assert not License.objects.exists()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_REVIEW


def test_a_field_takes_the_form_field_or_case_attribute_its_source_names(world, issuer):  # noqa: F811
    kind = services.license_type_create(
        code=factories.uscc() + "004",
        name="按来源填写的证",
        department=issuer,
        fields=[
            {"name": "场所地址", "kind": "text", "required": True, "source": "form:shop_address"},
            {"name": "受理编号", "kind": "text", "required": True, "source": "case:number"},
            {"name": "核发日期", "kind": "date", "required": True, "source": "case:concluded_on"},
            {"name": "持证人", "kind": "text", "required": True, "source": "applicant:name"},
        ],
    )
    assert kind.fields[0]["source"] == "form:shop_address"
    services.license_type_link_item(license_type=kind, item=world.item)
    case = concluded(world)
    assert License.objects.get(case=case).fields == {
        "场所地址": "示范县城关镇人民路 1 号",
        "受理编号": case.number,
        "核发日期": case.concluded_on.isoformat(),
        "持证人": "张三",
    }


def test_a_source_naming_a_personal_form_field_fails_the_issuing(world, issuer):  # noqa: F811
    kind = services.license_type_create(
        code=factories.uscc() + "005",
        name="误取身份证号的证",
        department=issuer,
        fields=[
            {
                "name": "证件号码",
                "kind": "text",
                "required": True,
                "source": "form:applicant_id_number",
            }
        ],
    )
    services.license_type_link_item(license_type=kind, item=world.item)
    case = concluded(world)
    assert not License.objects.filter(case=case).exists()
    reason = AuditEvent.objects.get(action="licenses.issue_failed").reason
    assert "证件号码" in reason and "个人信息" in reason and ID_NUMBER not in reason


@pytest.mark.parametrize("source", ["case:secret", "form:", "form:两个 字", "applicant:id_number"])
def test_a_source_that_is_not_a_form_key_or_case_attribute_is_refused(issuer, source):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="来源"):
        services.license_type_create(
            code=factories.uscc() + "006",
            name="来源有误的证",
            department=issuer,
            fields=[{"name": "经营场所", "kind": "text", "required": True, "source": source}],
        )
