"""Encrypted personal-data fields: unreadable at rest, masked when printed, found by hash."""

from __future__ import annotations

import json

import pytest
from django.core import serializers
from django.core.exceptions import FieldError, ValidationError
from django.db import connection, models, transaction
from django.test.utils import isolate_apps

from tests.factories import with_wrong_check
from yiwang.common.crypto import DecryptionError, sm4_encrypt
from yiwang.common.personal import EncryptedPersonalField, PersonalValue, normalise, personal_hash
from yiwang.common.validators import id_number_with_check, validate_id_number
from yiwang.org.models import Applicant, ApplicantKind

ID_NUMBER = id_number_with_check("44030419850101123")
ID_WITH_X = next(
    id_number_with_check(f"3401041990010112{n}")
    for n in range(10)
    if id_number_with_check(f"3401041990010112{n}").endswith("X")
)
PHONE = "13812345678"


def raw_columns(applicant: Applicant) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone, id_number_hash, phone_hash FROM org_applicant WHERE id = %s",
            [applicant.pk],
        )
        row = cursor.fetchone()
    return dict(zip(["id_number", "phone", "id_number_hash", "phone_hash"], row, strict=True))


@pytest.fixture
def applicant(db) -> Applicant:
    a = Applicant(kind=ApplicantKind.PERSON, name="张三", id_number=ID_NUMBER, phone=PHONE)
    a.save()
    return a


def test_database_holds_only_ciphertext(applicant):
    raw = raw_columns(applicant)
    for column, clear in (("id_number", ID_NUMBER), ("phone", PHONE)):
        assert raw[column].startswith("sm4gcm:dev:")
        assert clear not in raw[column]
        assert clear[-4:] not in raw[column].split(":", 2)[1]
    assert raw["id_number_hash"] == personal_hash("id_number", ID_NUMBER)
    assert raw["phone_hash"] == personal_hash("phone", PHONE)
    assert ID_NUMBER not in raw["id_number_hash"]


def test_read_back_as_masked_personal_values(applicant):
    fresh = Applicant.objects.get(pk=applicant.pk)
    assert isinstance(fresh.id_number, PersonalValue)
    assert str(fresh.id_number) == "4403**********" + ID_NUMBER[-4:]
    assert str(fresh.phone) == "138****5678"
    assert repr(fresh.phone) == "<PersonalValue phone 138****5678>"
    assert f"{fresh.phone}" == "138****5678"
    assert f"{fresh.phone:>12}" == " 138****5678"
    assert fresh.id_number.reveal() == ID_NUMBER
    assert fresh.legal_representative_id_number == ""


def test_lookup_by_hash(applicant):
    found = Applicant.objects.get(id_number_hash=personal_hash("id_number", ID_NUMBER))
    assert found.pk == applicant.pk
    assert Applicant.objects.filter(phone_hash=personal_hash("phone", "+86 138-1234-5678")).exists()
    assert not Applicant.objects.filter(phone_hash=personal_hash("phone", "13812345679")).exists()


def test_hash_normalises_case_width_and_separators():
    assert personal_hash("id_number", ID_WITH_X.lower()) == personal_hash("id_number", ID_WITH_X)
    full_width = ID_NUMBER.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert personal_hash("id_number", full_width) == personal_hash("id_number", ID_NUMBER)
    assert normalise("phone", "+86 138 1234 5678") == PHONE
    assert normalise("phone", "0086-138-1234-5678") == PHONE
    assert normalise("phone", "0550-1234567") == "05501234567"  # a landline keeps its digits
    assert personal_hash("phone", PHONE) != personal_hash("id_number", PHONE)  # kind separates
    with pytest.raises(ValueError, match="unknown"):
        personal_hash("name", "张三")


def test_hash_depends_on_the_hash_key(settings):
    before = personal_hash("phone", PHONE)
    settings.YIWANG_PII_HASH_KEY = "another-hash-key-" + "9" * 32
    assert personal_hash("phone", PHONE) != before


def test_personal_value_equality_and_truth():
    value = PersonalValue(ID_WITH_X.lower(), "id_number")
    assert value == ID_WITH_X
    assert value == PersonalValue(ID_WITH_X, "id_number")
    assert value != PersonalValue(ID_WITH_X, "phone")
    assert len({value, PersonalValue(ID_WITH_X, "id_number")}) == 1
    assert bool(value) and not PersonalValue("", "phone")
    assert len(value) == 18
    with pytest.raises(ValueError):
        PersonalValue("1", "email")


def test_filtering_the_encrypted_column_is_refused(applicant):
    with pytest.raises(ValueError, match="personal_hash"):
        list(Applicant.objects.filter(id_number=ID_NUMBER))
    with pytest.raises(FieldError):
        list(Applicant.objects.filter(phone__contains="1381"))
    with pytest.raises(FieldError):
        list(Applicant.objects.filter(phone__in=[PHONE]))
    # Emptiness is a fair question.
    assert Applicant.objects.filter(legal_representative_id_number="").count() == 1
    assert Applicant.objects.exclude(phone="").count() == 1
    assert not Applicant.objects.filter(phone__isnull=True).exists()


def test_update_with_clear_text_is_refused_but_ciphertext_passes(applicant):
    with pytest.raises(ValueError, match="save"), transaction.atomic():
        Applicant.objects.filter(pk=applicant.pk).update(phone="13900000000")
    envelope = sm4_encrypt("13900000000")
    Applicant.objects.filter(pk=applicant.pk).update(phone=envelope)
    assert Applicant.objects.get(pk=applicant.pk).phone == "13900000000"


def test_save_keeps_the_hash_in_step(applicant):
    applicant.phone = "13900000000"
    applicant.save(update_fields=["phone", "phone_hash"])
    assert raw_columns(applicant)["phone_hash"] == personal_hash("phone", "13900000000")
    applicant.phone = "13700000000"
    with pytest.raises(ValueError, match="phone_hash"), transaction.atomic():
        applicant.save(update_fields=["phone"])
    applicant.phone = ""
    applicant.save()
    assert raw_columns(applicant)["phone"] == ""
    assert raw_columns(applicant)["phone_hash"] == ""


def test_bulk_create_encrypts_and_hashes(db):
    Applicant.objects.bulk_create(
        [
            Applicant(kind=ApplicantKind.PERSON, name=f"人{i}", phone=f"1390000000{i}")
            for i in range(3)
        ]
    )
    for i in range(3):
        found = Applicant.objects.get(phone_hash=personal_hash("phone", f"1390000000{i}"))
        assert raw_columns(found)["phone"].startswith("sm4gcm:")


def test_full_clean_sees_the_hash_so_duplicates_are_a_validation_error(applicant):
    twin = Applicant(kind=ApplicantKind.PERSON, name="李四", id_number=ID_NUMBER.lower())
    with pytest.raises(ValidationError) as caught:
        twin.full_clean()
    assert "applicant_id_number_unique" in str(caught.value)


def test_validators_receive_the_clear_text():
    field = EncryptedPersonalField("身份证", validators=[validate_id_number])
    field.run_validators(PersonalValue(ID_NUMBER, "id_number"))
    with pytest.raises(ValidationError, match="校验位"):
        field.run_validators(PersonalValue(with_wrong_check(ID_NUMBER), "id_number"))


def test_serialisation_writes_ciphertext_and_loads_back(applicant):
    text = serializers.serialize("json", [applicant])
    assert ID_NUMBER not in text and PHONE not in text
    fields = json.loads(text)[0]["fields"]
    assert fields["id_number"].startswith("sm4gcm:")
    Applicant.objects.all().delete()
    for obj in serializers.deserialize("json", text):
        obj.save()
    again = Applicant.objects.get()
    assert again.id_number == ID_NUMBER and again.phone == PHONE
    assert raw_columns(again)["phone_hash"] == personal_hash("phone", PHONE)


def test_fixture_with_clear_text_gets_encrypted_and_hashed(db):
    fixture = json.dumps(
        [
            {
                "model": "org.applicant",
                "pk": 77,
                "fields": {
                    "kind": "person",
                    "name": "王五",
                    "id_number": ID_NUMBER,
                    "phone": PHONE,
                    "created_at": "2026-01-01T00:00:00Z",
                },
            }
        ]
    )
    for obj in serializers.deserialize("json", fixture):
        obj.save()  # a raw save: Field.pre_save is skipped, the pre_save signal is not
    raw = raw_columns(Applicant.objects.get(pk=77))
    assert raw["id_number"].startswith("sm4gcm:") and ID_NUMBER not in raw["id_number"]
    assert raw["id_number_hash"] == personal_hash("id_number", ID_NUMBER)


def test_undecryptable_values_fail_loudly(applicant):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE org_applicant SET phone = %s WHERE id = %s",
            ["sm4gcm:dev:" + "A" * 40, applicant.pk],
        )
    with pytest.raises(DecryptionError):
        Applicant.objects.get(pk=applicant.pk)
    field = Applicant._meta.get_field("phone")
    with pytest.raises(ValidationError, match="无法解密"):
        field.to_python("sm4gcm:dev:" + "A" * 40)


def test_field_rejects_unknown_kind_and_deconstructs():
    with pytest.raises(ValueError):
        EncryptedPersonalField("x", kind="email")
    field = EncryptedPersonalField("手机", kind="phone", hash_field="phone_hash")
    _, path, _, kwargs = field.deconstruct()
    assert path == "yiwang.common.personal.EncryptedPersonalField"
    assert kwargs == {"verbose_name": "手机", "kind": "phone", "hash_field": "phone_hash"}
    assert field.formfield() is None


@isolate_apps("yiwang.common")
def test_system_check_of_the_hash_field():
    def model(name: str, **fields: models.Field) -> type[models.Model]:
        meta = type("Meta", (), {"app_label": "common"})
        return type(name, (models.Model,), {"__module__": __name__, "Meta": meta, **fields})

    def ids(m: type[models.Model]) -> list[str]:
        return [e.id for e in m._meta.get_field("phone").check()]

    def phone() -> EncryptedPersonalField:
        return EncryptedPersonalField(kind="phone", hash_field="phone_hash")

    assert ids(model("Missing", phone=phone())) == ["yiwang.E101"]
    assert ids(model("Before", phone_hash=models.CharField(max_length=64), phone=phone())) == [
        "yiwang.E103"
    ]
    assert ids(model("Short", phone=phone(), phone_hash=models.CharField(max_length=10))) == [
        "yiwang.E102"
    ]
    assert ids(model("Good", phone=phone(), phone_hash=models.CharField(max_length=64))) == []


def test_project_models_pass_the_check():
    assert [
        e for e in Applicant._meta.get_field("id_number").check() if e.id.startswith("yiwang")
    ] == []
