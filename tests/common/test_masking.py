"""Masked display forms, and masking inside free text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiwang.common.masking import mask, mask_id_number, mask_phone, mask_text


def test_id_number_and_phone_formats():
    assert mask_id_number("340104199001011234") == "3401**********1234"
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask("id_number", "340104199001011234") == "3401**********1234"
    assert mask("phone", "13812345678") == "138****5678"


@pytest.mark.parametrize(
    ("masker", "value", "expected"),
    [
        (mask_id_number, "", ""),
        (mask_id_number, "12345678", "********"),
        (mask_id_number, "340104900101123", "3401*******1123"),  # old 15-digit ID
        (mask_phone, "1234567", "*******"),
        (mask_phone, "05501234567", "055****4567"),
    ],
)
def test_short_and_other_lengths_never_show_more(masker, value, expected):
    assert masker(value) == expected


@given(st.from_regex(r"\A1[3-9][0-9]{9}\Z"))
def test_masked_phone_hides_the_middle_four(phone):
    masked = mask_phone(phone)
    assert masked[:3] == phone[:3] and masked[-4:] == phone[-4:] and masked[3:7] == "****"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证号340104199001011234，请核对", "身份证号3401**********1234，请核对"),
        ("id=11010519491231002x&x=1", "id=1101**********002x&x=1"),
        ("idcard340104199001011234", "idcard3401**********1234"),
        ("电话 13812345678。", "电话 138****5678。"),
        ("tel:+8613812345678", "tel:+86138****5678"),
        ("联系 138 1234 5678 或 138-1234-5679", "联系 138****5678 或 138****5679"),
        ("手机13812345678身份证340104199001011234", "手机138****5678身份证3401**********1234"),
    ],
)
def test_mask_text_finds_them_in_free_text(text, expected):
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "订单号 3401041990010112345",  # 19 digits: not an ID
        "流水 23812345678",  # not a mobile prefix
        "金额 138123456789 元",  # 12 digits
        "时间 2026-01-01 12:00:00",
        "哈希 66c7f0f462eeedd9",
    ],
)
def test_mask_text_leaves_other_numbers_alone(text):
    assert mask_text(text) == text


def test_mask_text_leaves_long_hex_tokens_whole():
    # A seal key's public key whose digits happened to contain 14195037299 (a mobile pattern)
    # was masked in the audit trail; personal data beside such a token is still masked.
    key = "04ea919a31152c3db2a9d0c29676ff925c4b86dd7ddde95f29c48e181a03d2f8498e498f31" + (
        "08f05f2722bc1c41731bef3e9e63b757f90e14195037299dc4aeb482"
    )
    assert mask_text(f"公钥 {key}") == f"公钥 {key}"
    assert mask_text(f"{key}，电话13812345678") == f"{key}，电话138****5678"
    assert mask_text("id340104199001011234") == "id3401**********1234"
    # A short hex-like run is not a token: the mobile in it is masked as before.
    assert mask_text("ab13812345678") == "ab138****5678"
