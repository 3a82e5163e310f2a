"""Resident-ID, USCC and mobile validators: genuine formats accepted, every single-character
error rejected, messages in Chinese naming the field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import assume, given
from hypothesis import strategies as st

from yiwang.common.validators import (
    id_number_check_digit,
    id_number_with_check,
    organisation_code_check_char,
    uscc_with_check,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
DIGITS = "0123456789"


def rejected(validator, value: str, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator(value, **kwargs)
    return caught.value


# --- resident ID -------------------------------------------------------------------------------

valid_ids = st.builds(
    lambda region, birth, seq: id_number_with_check(f"{region}{birth:%Y%m%d}{seq:03d}"),
    st.from_regex(r"\A[1-9][0-9]{5}\Z"),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today() - dt.timedelta(days=1)),
    st.integers(0, 999),
)


@given(valid_ids)
def test_generated_ids_are_accepted(value):
    assert validate_id_number(value) == value


@given(valid_ids, st.integers(0, 17), st.sampled_from(DIGITS + "X"))
def test_any_single_character_change_is_rejected(value, position, replacement):
    assume(value[position] != replacement)
    mutated = value[:position] + replacement + value[position + 1 :]
    with pytest.raises(ValidationError):
        validate_id_number(mutated)


@pytest.mark.parametrize(
    "value",
    [
        # Futian district (440304) was created in 1990; people born before carry it anyway.
        id_number_with_check("44030419850101123"),
        # Pudong New Area (310115, 1992) on an ID of someone born in 1960.
        id_number_with_check("31011519600715002"),
        "11010519491231002X",  # the GB 11643 example, check character X
    ],
)
def test_genuine_ids_with_newer_district_codes_are_accepted(value):
    assert validate_id_number(value) == value


def test_x_check_digit_lower_case_and_full_width_are_normalised():
    assert validate_id_number("11010519491231002x") == "11010519491231002X"
    full_width = "１１０１０５１９４９１２３１００２ｘ"
    assert validate_id_number(f"  {full_width} ") == "11010519491231002X"


def test_check_digit_x_computed():
    assert id_number_check_digit("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("value", "code", "text"),
    [
        ("", "required", "居民身份证号码不能为空。"),
        ("11010519491231002", "length", "居民身份证号码应为 18 位，当前为 17 位。"),
        ("11010519491231002X1", "length", "居民身份证号码应为 18 位，当前为 19 位。"),
        (
            "01010519491231002X",
            "format",
            "居民身份证号码格式不正确：前 17 位应为数字，末位为数字或 X。",
        ),
        (
            "1101051949123100AX",
            "format",
            "居民身份证号码格式不正确：前 17 位应为数字，末位为数字或 X。",
        ),
        (
            "11010519491231002Y",
            "format",
            "居民身份证号码格式不正确：前 17 位应为数字，末位为数字或 X。",
        ),
        (
            id_number_with_check("11010519900230001"),
            "birth_date",
            "居民身份证号码中的出生日期 19900230 不是真实日期。",
        ),
        (
            id_number_with_check("11010518991231001"),
            "birth_date",
            "居民身份证号码中的出生日期 1899-12-31 不可能。",
        ),
        ("110105194912310021", "check_digit", "居民身份证号码校验位不正确，请核对号码。"),
    ],
)
def test_id_errors(value, code, text):
    error = rejected(validate_id_number, value)
    assert error.code == code
    assert error.messages == [text]


def test_future_birth_date_is_rejected():
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    value = id_number_with_check(f"110105{tomorrow:%Y%m%d}001")
    error = rejected(validate_id_number, value)
    assert error.code == "birth_date" and "不可能" in error.messages[0]
    today = timezone.localdate()
    assert validate_id_number(id_number_with_check(f"110105{today:%Y%m%d}001"))


def test_other_scripts_digits_are_not_digits():
    # Arabic-Indic digits are \d in Python regexes and int() reads them; they must not pass.
    arabic = "1" + "".join(chr(0x0660 + int(c)) for c in "1010519491231002") + "X"
    assert rejected(validate_id_number, arabic).code == "format"


def test_message_names_the_field():
    error = rejected(validate_id_number, "123", field="法定代表人身份证号码")
    assert error.messages == ["法定代表人身份证号码应为 18 位，当前为 3 位。"]


# --- unified social credit code -------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["91350100M000100Y43", "9144030071526726XG", "914403001922038216"]
)
def test_genuine_usccs_are_accepted(value):
    assert validate_uscc(value) == value
    assert validate_uscc(value.lower()) == value


def test_organisation_code_check_char():
    assert organisation_code_check_char("M000100Y") == "4"
    assert organisation_code_check_char("71526726") == "X"
    assert organisation_code_check_char("19220382") == "1"


valid_usccs = st.builds(
    lambda head, region, rest: uscc_with_check(head + region + rest),
    st.text(USCC_ALPHABET, min_size=2, max_size=2),
    st.text(DIGITS, min_size=6, max_size=6),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
)


@given(valid_usccs)
def test_generated_usccs_are_accepted(value):
    assert validate_uscc(value) == value


@given(valid_usccs, st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_any_single_character_change_in_a_uscc_is_rejected(value, position, replacement):
    assume(value[position] != replacement)
    mutated = value[:position] + replacement + value[position + 1 :]
    with pytest.raises(ValidationError):
        validate_uscc(mutated)


@pytest.mark.parametrize(
    ("value", "code", "needle"),
    [
        ("", "required", "统一社会信用代码不能为空。"),
        ("91350100M000100Y4", "length", "应为 18 位，当前为 17 位"),
        ("91350100M000100Y44", "check_digit", "统一社会信用代码校验位不正确，请核对代码。"),
        ("91350100I000100Y43", "format", "不使用 I、O、Z、S、V"),
        ("9135010OM000100Y43", "format", "第 3–8 位为行政区划代码"),
        ("91350100M000100Y-3", "format", "不使用 I、O、Z、S、V"),
    ],
)
def test_uscc_errors(value, code, needle):
    error = rejected(validate_uscc, value)
    assert error.code == code
    assert needle in error.messages[0]


def test_wrong_organisation_code_check_is_caught_even_with_a_right_final_check():
    from stdnum.cn import uscc as stdnum_uscc

    body = "91350100M000100Y" + "5"  # organisation-code check should be 4
    value = body + stdnum_uscc.calc_check_digit(body)
    error = rejected(validate_uscc, value)
    assert error.code == "check_digit"
    assert "组织机构代码" in error.messages[0]


def test_uscc_with_check_repairs_the_organisation_code_check():
    assert uscc_with_check("91350100M000100Y0") == "91350100M000100Y43"


# --- mobile --------------------------------------------------------------------------------


@given(st.sampled_from("3456789"), st.text(DIGITS, min_size=9, max_size=9))
def test_mainland_mobiles_are_accepted(second, rest):
    value = f"1{second}{rest}"
    assert validate_mobile(value) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+86 138 1234 5678", "13812345678"),
        ("0086-138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        (" 13812345678 ", "13812345678"),
    ],
)
def test_mobile_normalisation(value, expected):
    assert validate_mobile(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "required"),
        ("+86", "required"),
        ("12812345678", "format"),
        ("1381234567", "format"),
        ("138123456789", "format"),
        ("1381234567a", "format"),
        ("05501234567", "format"),
    ],
)
def test_mobile_errors(value, code):
    error = rejected(validate_mobile, value, field="联系电话")
    assert error.code == code
    assert error.messages[0].startswith("联系电话")


# --- names and free texts ----------------------------------------------------------------------

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@pytest.mark.parametrize("char", list(BIDI))
def test_bidi_controls_are_refused_naming_the_field(char):
    from yiwang.common.validators import validate_plain_text

    error = rejected(validate_plain_text, f"营业执照{char}本副", field="材料名称")
    assert error.code == "bidi_control"
    assert error.messages == [
        f"材料名称含有文字方向控制字符（U+{ord(char):04X}），会使显示的文字与实际内容不同，"
        "请删除后重新输入。"
    ]


@pytest.mark.parametrize(
    "text", ["食品经营许可（新办）", "阿拉伯文 مرحبا 与希伯来文 שלום", "\u200f\u200e", "", None, 3]
)
def test_ordinary_text_passes(text):
    from yiwang.common.validators import validate_plain_text

    # Right-to-left scripts and the implicit marks (U+200E/F) are not embedding controls.
    validate_plain_text(text, "名称")


def test_model_field_validators_deconstruct_for_migrations():
    from yiwang.common.validators import MaxTextLength, PlainText

    path, args, kwargs = PlainText("事项名称").deconstruct()
    assert (path, args, kwargs) == ("yiwang.common.validators.PlainText", ("事项名称",), {})
    assert PlainText("事项名称") == PlainText("事项名称") != PlainText("材料名称")
    assert MaxTextLength("常见问题", 8000).deconstruct()[1] == ("常见问题", 8000)
    with pytest.raises(ValidationError) as caught:
        MaxTextLength("常见问题", 3)("问问问问")
    assert caught.value.messages == ["常见问题不能超过 3 个字符（当前 4 个）。"]
    MaxTextLength("常见问题", 3)("问问问")


def test_every_free_text_field_is_bounded_and_checked():
    """Every CharField and TextField of the platform's models that people type into carries the
    check, and every TextField a bound: a new field without them fails here."""
    from django.apps import apps
    from django.db import models

    from yiwang.common.personal import EncryptedPersonalField
    from yiwang.common.validators import MaxTextLength, PlainText

    # Codes, enumerations, hashes and system-written labels are not free text.
    not_free = {
        *("code", "uscc", "key", "scope"),  # codes and identifiers, format-checked
        *("username", "password", "first_name", "last_name", "email"),  # Django's user
        *("actor_label", "action", "summary", "failure", "phase"),  # written by the platform
        *("subject_type", "subject_id", "deadline_rule"),  # written by the platform
    }
    missing = []
    for model in apps.get_app_configs():
        if not model.name.startswith("yiwang.") or model.label in {"audit"}:
            continue
        for m in model.get_models():
            for field in m._meta.concrete_fields:
                if not isinstance(field, models.CharField | models.TextField):
                    continue
                if isinstance(field, EncryptedPersonalField):
                    continue  # validated by kind (ID, mobile) in the services
                if field.choices or not field.editable or field.name in not_free:
                    continue
                if field.name.endswith(("_hash", "_code", "_key")):
                    continue
                label = f"{m._meta.label}.{field.name}"
                if not any(isinstance(v, PlainText) for v in field.validators):
                    missing.append(label)
                if isinstance(field, models.TextField) and not (
                    field.max_length and any(isinstance(v, MaxTextLength) for v in field.validators)
                ):
                    missing.append(f"{label} (no bound)")
    assert missing == []
