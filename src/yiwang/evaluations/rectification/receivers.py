"""Connects rectification to ratings: evaluations.signals.rating_received (sent inside the
rating's transaction) opens the task of a bad rating, so a rating and its task commit together.
Imported from the app's ready()."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from yiwang.evaluations.signals import rating_received


@receiver(rating_received, dispatch_uid="evaluations.rectification.open")
def open_rectification(sender: Any, rating: Any, **kwargs: Any) -> None:
    from yiwang.evaluations.rectification.services import rating_received as open_for

    open_for(rating=rating)
