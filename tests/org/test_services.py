from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories as f
from yiwang.audit.models import AuditEvent
from yiwang.org import services
from yiwang.org.models import Applicant, ApplicantKind, User


@pytest.fixture
def dept(db):
    return f.department("县测试局")


def test_staff_create_writes_user_roles_and_audit(dept):
    staff = f.staff(
        dept, ["approver", "window_clerk"], must_change_password=True, phone="13912345678"
    )
    assert staff.roles == ["approver", "window_clerk"]
    assert staff.user.must_change_password
    event = AuditEvent.objects.filter(action="org.staff_create").latest("sequence")
    assert event.object_id == str(staff.pk)
    assert "13912345678" not in str(event.changes)
    assert "139****5678" in str(event.changes)


def test_staff_password_policy(dept):
    for weak, message in [("Ab1!", "至少需要 8 个字符"), ("abcdefgh1", "至少 3 类")]:
        with pytest.raises(ValidationError) as exc:
            services.staff_create(
                username=f"u{len(weak)}",
                full_name="张",
                department=dept,
                roles=["approver"],
                password=weak,
            )
        assert message in str(exc.value)
    assert not User.objects.filter(username__in=["u4", "u9"]).exists()


def test_unknown_role_refused(dept):
    with pytest.raises(ValidationError, match="未知或不适用"):
        services.staff_create(
            username="x", full_name="张", department=dept, roles=["citizen"], password=f.PASSWORD
        )


def test_department_admin_limits(dept):
    admin = f.staff(dept, ["department_admin"])
    other = f.department("县另一局")
    with pytest.raises(PermissionDenied, match="不在您的数据范围内"):
        services.staff_create(
            username="y",
            full_name="李",
            department=other,
            roles=["approver"],
            password=f.PASSWORD,
            actor=admin.user,
        )
    with pytest.raises(PermissionDenied, match="不能授予"):
        services.staff_create(
            username="z",
            full_name="王",
            department=dept,
            roles=["leader"],
            password=f.PASSWORD,
            actor=admin.user,
        )
    made = services.staff_create(
        username="ok",
        full_name="赵",
        department=dept,
        roles=["approver"],
        password=f.PASSWORD,
        actor=admin.user,
    )
    assert made.department == dept


def test_clerk_may_not_manage_staff(dept):
    clerk = f.staff(dept, ["window_clerk"])
    with pytest.raises(PermissionDenied):
        services.staff_create(
            username="w",
            full_name="钱",
            department=dept,
            roles=["approver"],
            password=f.PASSWORD,
            actor=clerk.user,
        )


def test_invalid_department_uscc_rejected(db):
    with pytest.raises(ValidationError, match="部门统一社会信用代码校验位不正确"):
        services.department_create(
            name="坏部门", uscc=f.with_wrong_check(f.uscc(5)), kind="authority", region=f.county()
        )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "wrong-check", "居民身份证号码校验位不正确"),
        ("id_number", "34119919900230123X", "出生日期 19900230 不是真实日期"),
        ("id_number", "3411991990", "居民身份证号码应为 18 位"),
        ("phone", "12345678901", "手机号码不是有效的大陆手机号码"),
    ],
)
def test_applicant_register_rejects_bad_person_data(db, field, value, message):
    data = {
        "kind": ApplicantKind.PERSON,
        "name": "张三",
        "phone": "13800000009",
        "id_number": f.id_number(seq=1),
    }
    data[field] = f.with_wrong_check(f.id_number(seq=2)) if value == "wrong-check" else value
    with pytest.raises(ValidationError) as exc:
        services.applicant_register(**data)
    assert message in str(exc.value.message_dict[field])
    assert not Applicant.objects.exists()


def test_applicant_register_rejects_bad_uscc(db):
    bad = f.with_wrong_check(f.uscc(77))
    with pytest.raises(ValidationError) as exc:
        services.applicant_register(
            kind=ApplicantKind.LEGAL_PERSON,
            name="某公司",
            phone="13800000010",
            uscc=bad,
            legal_representative="刘",
            legal_representative_id_number=f.id_number(),
        )
    assert "统一社会信用代码校验位不正确" in str(exc.value.message_dict["uscc"])


def test_applicant_register_creates_citizen_account_and_refuses_duplicates(db):
    idn = f.id_number()
    applicant = services.applicant_register(
        kind=ApplicantKind.PERSON,
        name="张三",
        phone="13800000011",
        id_number=idn,
        password=f.PASSWORD,
    )
    assert applicant.user is not None and applicant.user.kind == "citizen"
    assert "13800000011" not in applicant.user.username
    with pytest.raises(ValidationError) as exc:
        services.applicant_register(
            kind=ApplicantKind.PERSON,
            name="张三",
            phone="13800000011",
            id_number=idn,
            password=f.PASSWORD,
        )
    assert "已注册" in str(exc.value)
    assert Applicant.objects.count() == 1
