"""Signed, expiring rating links (QR codes and SMS): a token names a case, a window, or one
served queue number at a window, and nothing else — no personal data, no case number.

Tokens are django.core.signing values under this app's own salt (a token of another part of
the platform, signed with the same SECRET_KEY, is not a rating token) with a timestamp: a case's
link is valid for YIWANG_RATING_TOKEN_DAYS, a window's for YIWANG_RATING_WINDOW_TOKEN_DAYS. The
kind is the token's first letter and part of the salt, so a case token cannot pass for a window
token with a longer life. Whether the case may still be rated is the services' question."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_noop

from yiwang.evaluations.fields import token_days, window_token_days

SALT = "yiwang.evaluations.rating-token"
TokenKind = Literal["c", "w", "v"]  # case, window, visit (a served queue number)

FORGED = gettext_noop("评价二维码（链接）无效，请扫描办件文书或窗口上的二维码重新进入。")
EXPIRED = gettext_noop("评价二维码（链接）已过期，请通过“我的办件”或拨打服务热线评价。")


def token_refusal(message: str, code: str) -> ValidationError:
    """A refusal of the token field whose code (forged, expired) the page answers by."""
    return ValidationError({"token": ValidationError(message, code=code)})


@dataclass(frozen=True)
class TokenSubject:
    kind: TokenKind
    pk: int


def _signer(kind: TokenKind) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"{SALT}:{kind}")


def _make(kind: TokenKind, pk: int) -> str:
    return f"{kind}{_signer(kind).sign(signing.b62_encode(pk))}"


def case_token(case_id: int) -> str:
    """The token of a case's rating link (SMS invitation, the QR on its decision notice)."""
    return _make("c", case_id)


def window_token(window_id: int) -> str:
    """The token of a window's QR (printed at the window)."""
    return _make("w", window_id)


def visit_token(ticket_id: int) -> str:
    """The token of one served queue number (the QR the window's device shows after serving)."""
    return _make("v", ticket_id)


def token_read(token: str) -> TokenSubject:
    """What a token names; a ValidationError (field "token") if it was not signed here, was
    altered, or has expired."""
    token = (token or "").strip()
    kind = token[:1]
    if kind not in ("c", "w", "v"):
        raise token_refusal(FORGED, "forged")
    max_age = token_days() if kind == "c" else window_token_days()
    try:
        value = _signer(kind).unsign(token[1:], max_age=max_age * 86400)  # type: ignore[arg-type]
        pk = signing.b62_decode(value)
    except signing.SignatureExpired:
        raise token_refusal(EXPIRED, "expired") from None
    except (signing.BadSignature, ValueError):
        raise token_refusal(FORGED, "forged") from None
    if pk <= 0:
        raise token_refusal(FORGED, "forged")
    return TokenSubject(kind=kind, pk=pk)  # type: ignore[arg-type]


def rating_path(token: str) -> str:
    return reverse("evaluations-public:rate", args=[token])


def rating_url(token: str) -> str:
    """The absolute link (YIWANG_PUBLIC_BASE_URL) for an SMS or a printed QR code."""
    from yiwang.catalog.guides.pdf import public_url

    return public_url(rating_path(token))
