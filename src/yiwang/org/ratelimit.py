"""Rate limits on the endpoints that take a password or create an account: staff and citizen
sign-in, the API token endpoint, citizen registration and password change; and the public
rating pages (evaluations), which anyone holding a QR code may post to.

Each attempt counts once for the client address (audit's `client_address_from_request`, so
YIWANG_TRUST_X_FORWARDED_FOR applies) and once for the account name typed; beyond a limit the
answer is 429 with a Chinese message until the window ends. Counters are rows of
`RateLimitCounter`, updated with conditional UPDATEs, so every worker process shares them
(a per-process cache would multiply the limits by the number of workers). Fixed windows of
YIWANG_RATE_LIMIT_WINDOW_SECONDS: simple and cheap; at most twice a limit can pass around a
window boundary, which is still a bound. Keys are keyed SM3 digests, so neither addresses nor
mobile numbers are stored.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from yiwang.audit.context import client_address_from_request
from yiwang.common.crypto import hmac_sm3_hex

from .models import RateLimitCounter

SIGN_IN = "sign_in"  # staff sign-in page and API token endpoint (same accounts)
CITIZEN_SIGN_IN = "citizen_sign_in"
REGISTER = "register"
PASSWORD_CHANGE = "password_change"  # noqa: S105 — a scope name
RATING = "rating"  # the public rating pages (QR / SMS links, evaluations)
LICENSE_VERIFY = "license_verify"  # the public licence verification page and API (licenses)

# scope -> (setting for the per-address limit, setting for the per-account limit)
_LIMIT_SETTINGS = {
    SIGN_IN: ("YIWANG_RATE_LIMIT_SIGN_IN_PER_ADDRESS", "YIWANG_RATE_LIMIT_SIGN_IN_PER_ACCOUNT"),
    CITIZEN_SIGN_IN: (
        "YIWANG_RATE_LIMIT_SIGN_IN_PER_ADDRESS",
        "YIWANG_RATE_LIMIT_SIGN_IN_PER_ACCOUNT",
    ),
    REGISTER: ("YIWANG_RATE_LIMIT_REGISTER_PER_ADDRESS", "YIWANG_RATE_LIMIT_REGISTER_PER_ACCOUNT"),
    PASSWORD_CHANGE: (
        "YIWANG_RATE_LIMIT_PASSWORD_CHANGE_PER_ADDRESS",
        "YIWANG_RATE_LIMIT_PASSWORD_CHANGE_PER_ACCOUNT",
    ),
    RATING: ("YIWANG_RATE_LIMIT_RATING_PER_ADDRESS", "YIWANG_RATE_LIMIT_RATING_PER_ADDRESS"),
    LICENSE_VERIFY: (
        "YIWANG_RATE_LIMIT_LICENSE_VERIFY_PER_ADDRESS",
        "YIWANG_RATE_LIMIT_LICENSE_VERIFY_PER_ADDRESS",
    ),
}


class RateLimited(Exception):
    """Too many attempts; `retry_after` seconds until the window ends."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        minutes = math.ceil(self.retry_after / 60)
        return f"尝试次数过多，请 {minutes} 分钟后再试。"


def _window_start(now: dt.datetime, seconds: int) -> dt.datetime:
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)


def _key(scope: str, what: str) -> str:
    return hmac_sm3_hex(settings.SECRET_KEY.encode(), f"ratelimit|{scope}|{what}".encode())


def _count(scope: str, what: str, start: dt.datetime, window: int) -> int:
    """Add one attempt to the key's counter for the window starting at `start`; the new count.
    Short transactions of conditional updates: safe under concurrent workers."""
    key = _key(scope, what)
    with transaction.atomic():
        counters = RateLimitCounter.objects.filter(key=key)
        if counters.filter(window_start=start).update(count=F("count") + 1):
            return counters.values_list("count", flat=True).get()
        # A counter left from an earlier window restarts at one.
        if counters.exclude(window_start=start).update(window_start=start, count=1):
            return 1
        try:
            with transaction.atomic():
                RateLimitCounter.objects.create(key=key, scope=scope, window_start=start, count=1)
        except IntegrityError:  # another worker created it meanwhile
            counters.update(count=F("count") + 1)
            return counters.values_list("count", flat=True).get()
        # New keys are where stale rows come from: clear those of finished windows.
        RateLimitCounter.objects.filter(
            window_start__lt=start - dt.timedelta(seconds=window)
        ).delete()
        return 1


def hit(request: HttpRequest, scope: str, *, account: str = "") -> None:
    """Count one attempt in `scope` for the request's client address and, when given, the
    account name; raise RateLimited when either count is over its limit (0 = no limit)."""
    address_setting, account_setting = _LIMIT_SETTINGS[scope]
    per_address = int(getattr(settings, address_setting))
    per_account = int(getattr(settings, account_setting))
    window = int(settings.YIWANG_RATE_LIMIT_WINDOW_SECONDS)
    now = timezone.now()
    start = _window_start(now, window)
    over = False
    if per_address > 0:
        address = client_address_from_request(request) or "unknown"
        over |= _count(scope, f"address|{address}", start, window) > per_address
    account = (account or "").strip().lower()
    if account and per_account > 0:
        over |= _count(scope, f"account|{account}", start, window) > per_account
    if over:
        retry_after = int((start + dt.timedelta(seconds=window) - now).total_seconds()) + 1
        raise RateLimited(retry_after)
