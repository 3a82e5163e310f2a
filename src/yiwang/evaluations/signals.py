"""`rating_received`: sent inside the transaction that stores a rating (evaluations.services),
with `rating` (an evaluations.models.Rating). A receiver's writes commit or roll back with the
rating — the rectification task of a bad rating (evaluations.rectification) is opened this way.
Work that must not hold up or undo a rating (a message to a leader, a ticket in another system)
belongs in the low-rating hooks (YIWANG_LOW_RATING_HOOKS, evaluations.hooks), run after commit."""

from __future__ import annotations

from django.dispatch import Signal

rating_received = Signal()
