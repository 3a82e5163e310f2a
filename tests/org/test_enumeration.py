"""No account enumeration: an unknown account, a wrong password, a locked and a deactivated
account get the same answer, and the password hasher runs in every case (so the time taken
does not tell them apart either: the hasher is what takes the time). Registration does not
reveal that an ID number or a mobile number is registered already."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from yiwang.audit.models import AuditEvent
from yiwang.common.personal import personal_hash
from yiwang.org import services
from yiwang.org.auth import CITIZEN_SIGN_IN_FAILED, STAFF_SIGN_IN_FAILED
from yiwang.org.models import Applicant, ApplicantKind, User
from yiwang.org.views import REGISTRATION_SUBMITTED

LOCKED_FOR = dt.timedelta(minutes=10)


@pytest.fixture
def hasher_calls(monkeypatch):
    """Counts password hashing (tests hash with MD5; check_password and make_password both
    go through encode)."""
    calls = []
    original = MD5PasswordHasher.encode

    def encode(self, password, salt):  # type: ignore[no-untyped-def]
        calls.append(password)
        return original(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", encode)
    return calls


@pytest.fixture
def failures():
    seen = []

    def receiver(sender, credentials, request=None, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(credentials)

    user_login_failed.connect(receiver, dispatch_uid="test-enumeration")
    yield seen
    user_login_failed.disconnect(dispatch_uid="test-enumeration")


@pytest.fixture
def accounts(db):
    """Staff accounts in each state; 'nobody' does not exist."""
    department = f.department("县枚举局")
    f.staff(department, ["window_clerk"], username="open")
    locked = f.staff(department, ["window_clerk"], username="locked")
    User.objects.filter(pk=locked.user.pk).update(locked_until=timezone.now() + LOCKED_FOR)
    inactive = f.staff(department, ["window_clerk"], username="inactive")
    User.objects.filter(pk=inactive.user.pk).update(is_active=False)


# (user name, password): unknown account, wrong password, locked (right password), deactivated
STAFF_CASES = [
    ("nobody", f.PASSWORD),
    ("open", "wrong-password"),
    ("locked", f.PASSWORD),
    ("inactive", f.PASSWORD),
]


def _normalised(html: str, typed: str) -> str:
    html = re.sub(r"\b[A-Za-z0-9]{64}\b", "CSRF-TOKEN", html)  # masked anew on every page
    return html.replace(f'value="{typed}"', 'value=""')


def test_staff_sign_in_answers_alike(accounts, hasher_calls, failures):
    answers = []
    for username, password in STAFF_CASES:
        hasher_calls.clear()
        response = Client().post(
            reverse("org:sign-in"), {"username": username, "password": password}
        )
        assert response.status_code == 200, username
        assert STAFF_SIGN_IN_FAILED in response.content.decode()
        assert hasher_calls, f"the hasher did not run for {username}"
        answers.append(_normalised(response.content.decode(), username))
    assert all(answer == answers[0] for answer in answers)
    assert [c["username"] for c in failures] == [u for u, _ in STAFF_CASES]


def test_token_endpoint_answers_alike(accounts, hasher_calls, failures):
    answers = []
    for username, password in STAFF_CASES:
        hasher_calls.clear()
        response = Client().post("/api/auth/token/", {"username": username, "password": password})
        assert hasher_calls, f"the hasher did not run for {username}"
        answers.append((response.status_code, response.json(), response.get("WWW-Authenticate")))
    assert answers[0] == (401, {"detail": STAFF_SIGN_IN_FAILED}, "Token")
    assert all(answer == answers[0] for answer in answers)
    # The audit trail's receivers hear of every failure.
    assert [c["username"] for c in failures] == [u for u, _ in STAFF_CASES]


def test_citizen_sign_in_answers_alike(db, hasher_calls, failures):
    for n, phone in enumerate(("13800000081", "13800000082", "13800000083")):
        services.applicant_register(
            kind=ApplicantKind.PERSON,
            name=f"市民{n}",
            phone=phone,
            id_number=f.id_number(),
            password=f.PASSWORD,
        )
    locked = Applicant.objects.get(name="市民1").user
    User.objects.filter(pk=locked.pk).update(locked_until=timezone.now() + LOCKED_FOR)
    inactive = Applicant.objects.get(name="市民2").user
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    cases = [
        ("13800000089", f.PASSWORD),  # unknown
        ("13800000081", "wrong-password"),
        ("13800000082", f.PASSWORD),  # locked
        ("13800000083", f.PASSWORD),  # deactivated
    ]
    answers = []
    for mobile, password in cases:
        hasher_calls.clear()
        response = Client().post(
            reverse("org:citizen-sign-in"), {"mobile": mobile, "password": password}
        )
        assert response.status_code == 200
        assert CITIZEN_SIGN_IN_FAILED in response.content.decode()
        assert hasher_calls, f"the hasher did not run for {mobile}"
        answers.append(_normalised(response.content.decode(), mobile))
    assert all(answer == answers[0] for answer in answers)
    assert len(failures) == len(cases)


def _register(id_number: str, phone: str):
    client = Client()
    response = client.post(
        reverse("org:citizen-register"),
        {
            "kind": "person",
            "name": "周九",
            "id_number": id_number,
            "phone": phone,
            "password": f.PASSWORD,
        },
        follow=True,
    )
    return response, client


def test_registration_does_not_reveal_registered_numbers(db, hasher_calls):
    taken_id, taken_phone = f.id_number("19800101", 11), "13800000091"
    services.applicant_register(
        kind=ApplicantKind.PERSON,
        name="吴十",
        phone=taken_phone,
        id_number=taken_id,
        password=f.PASSWORD,
    )
    cases = {
        "new": (f.id_number("19800101", 12), "13800000092"),
        "id number taken": (taken_id, "13800000093"),
        "phone taken": (f.id_number("19800101", 13), taken_phone),
    }
    answers = {}
    for label, (id_number, phone) in cases.items():
        hasher_calls.clear()
        response, client = _register(id_number, phone)
        assert hasher_calls, f"the hasher did not run for {label}"
        assert "_auth_user_id" not in client.session
        answers[label] = (
            response.status_code,
            response.redirect_chain,
            _normalised(response.content.decode(), ""),
        )
        assert REGISTRATION_SUBMITTED in response.content.decode(), label
    assert answers["id number taken"] == answers["new"]
    assert answers["phone taken"] == answers["new"]
    # Only the new registration created anything; the refused ones are in the audit trail.
    assert Applicant.objects.count() == 2
    assert not Applicant.objects.filter(phone_hash=personal_hash("phone", "13800000093")).exists()
    assert User.objects.filter(kind="citizen").count() == 2
    refused = AuditEvent.objects.filter(action="org.applicant_register_refused")
    assert refused.count() == 2
    assert {e.object_id for e in refused} == {str(Applicant.objects.get(name="吴十").pk)}


def test_registration_still_reports_invalid_input(db):
    response, _ = _register(f.with_wrong_check(f.id_number()), "13800000094")
    assert response.status_code == 200
    assert "居民身份证号码校验位不正确" in response.content.decode()
    assert not Applicant.objects.exists()


def test_a_weak_password_is_reported_whether_or_not_the_number_is_taken(db):
    """Validation comes before the duplicate check, so its errors cannot tell either."""
    taken_id = f.id_number("19800101", 21)
    services.applicant_register(
        kind=ApplicantKind.PERSON, name="郑一", phone="13800000095", id_number=taken_id
    )
    for id_number in (taken_id, f.id_number("19800101", 22)):
        response = Client().post(
            reverse("org:citizen-register"),
            {
                "kind": "person",
                "name": "郑一",
                "id_number": id_number,
                "phone": "13800000096",
                "password": "short",
            },
        )
        assert response.status_code == 200
        assert "至少需要 8 个字符" in response.content.decode()
        assert "已注册" not in response.content.decode()


def test_staff_can_still_see_duplicates_when_registering_at_the_counter(db):
    """applicant_register itself (used at the counter by staff) keeps its precise error."""
    taken_id = f.id_number("19800101", 31)
    services.applicant_register(
        kind=ApplicantKind.PERSON, name="王二", phone="13800000097", id_number=taken_id
    )
    with pytest.raises(ValidationError, match="该身份证号码已注册"):
        services.applicant_register(
            kind=ApplicantKind.PERSON, name="王二", phone="13800000098", id_number=taken_id
        )
