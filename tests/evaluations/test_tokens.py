"""Rating links: a token names one case, window or visit; altered, foreign, swapped-kind and
expired tokens are refused (and the page says so, 400 / 410)."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.core.exceptions import ValidationError

from yiwang.evaluations import tokens
from yiwang.evaluations.tokens import TokenSubject, token_read


def test_each_kind_reads_back():
    assert token_read(tokens.case_token(42)) == TokenSubject("c", 42)
    assert token_read(tokens.window_token(7)) == TokenSubject("w", 7)
    assert token_read(tokens.visit_token(9)) == TokenSubject("v", 9)


def test_a_token_holds_no_case_number_nor_personal_data():
    token = tokens.case_token(123456)
    assert "123456" not in token


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature altered
        lambda t: t[0] + signing.TimestampSigner().sign(signing.b62_encode(99)),  # no salt
        lambda t: "w" + t[1:],  # a case token passed off as a (longer-lived) window token
        lambda t: "x" + t[1:],
        lambda t: "",
        lambda t: "c" + "abc:def:ghi",
    ],
)
def test_forged_tokens_are_refused(forge):
    with pytest.raises(ValidationError) as caught:
        token_read(forge(tokens.case_token(42)))
    assert caught.value.error_dict["token"][0].code == "forged"
    assert caught.value.message_dict["token"] == [tokens.FORGED]


def test_another_case_cannot_be_named_by_editing_the_token():
    token = tokens.case_token(42)
    _value, stamp, sig = token[1:].split(":")
    edited = "c" + ":".join([signing.b62_encode(43), stamp, sig])
    with pytest.raises(ValidationError):
        token_read(edited)


def test_a_case_token_expires_after_the_setting(settings, monkeypatch):
    settings.YIWANG_RATING_TOKEN_DAYS = 30
    token = tokens.case_token(42)
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + 29 * 86400)
    assert token_read(token).pk == 42
    monkeypatch.setattr(signing.time, "time", lambda: now + 31 * 86400)
    with pytest.raises(ValidationError) as caught:
        token_read(token)
    assert caught.value.message_dict["token"] == [tokens.EXPIRED]


def test_a_window_token_lives_by_its_own_setting(settings, monkeypatch):
    settings.YIWANG_RATING_TOKEN_DAYS = 30
    settings.YIWANG_RATING_WINDOW_TOKEN_DAYS = 365
    token = tokens.window_token(7)
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + 100 * 86400)
    assert token_read(token).pk == 7
    monkeypatch.setattr(signing.time, "time", lambda: now + 366 * 86400)
    with pytest.raises(ValidationError):
        token_read(token)


def test_the_page_refuses_a_forged_token_with_400(client, db):
    answer = client.get("/rate/c" + "bogus:token:value/")
    assert answer.status_code == 400
    assert tokens.FORGED in answer.content.decode()


def test_the_page_refuses_an_expired_token_with_410(client, db, case, monkeypatch):
    token = tokens.case_token(case.pk)
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + 400 * 86400)
    answer = client.get(f"/rate/{token}/")
    assert answer.status_code == 410
    assert tokens.EXPIRED in answer.content.decode()
    # and a rating posted with it is not stored
    answer = client.post(f"/rate/{token}/", {"level": 5})
    assert answer.status_code == 410
    assert not case.ratings.exists()


def test_a_token_of_a_deleted_row_is_forged(client, db):
    answer = client.get(f"/rate/{tokens.case_token(987654)}/")
    assert answer.status_code == 400
