"""Payment channels (缴费渠道). Fees go to the treasury through the non-tax payment platform
(非税收入收缴); the channel is pluggable (YIWANG_PAYMENT_CHANNEL). The demo channel confirms at
once, so the demo county can walk a fee-charging case to the hand-out."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from yiwang.cases.models import Payment


@dataclass(frozen=True)
class Confirmation:
    """What the channel says about a payment: paid or not, and its reference."""

    paid: bool
    reference: str
    channel: str


class PaymentChannel(Protocol):
    def confirm(self, payment: Payment) -> Confirmation:
        """Ask the platform whether `payment` has arrived (a real channel queries it by the
        payment code it issued)."""
        ...


class DemoChannel:
    """Confirms every payment at once with a made-up reference (demo county only)."""

    name = "demo"

    def confirm(self, payment: Payment) -> Confirmation:
        return Confirmation(True, f"DEMO{secrets.token_hex(6).upper()}", self.name)


def channel() -> PaymentChannel:
    return import_string(str(settings.YIWANG_PAYMENT_CHANNEL))()  # type: ignore[no-any-return]
