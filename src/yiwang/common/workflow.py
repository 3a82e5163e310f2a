"""Declarative state machines: states, transitions and the permission each one needs.

An app's workflow.py declares a `Machine` (its transitions and the labels of its states); its
services call `machine.check(name, state, user)` before they change anything and pages ask
`machine.available(state, user)` for their buttons. Who may fire a transition is a Django
permission (org.roles says which roles hold it; a superuser holds every one); which records a
user may touch at all is the data scope, applied by the selectors. Hand-written rather than a
library (ADR 0011): the services stay the only place state changes, and a transition is data
that pages, the API and the tests can read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext

# The ValidationError code of a transition the current state does not allow: the API answers
# it with 409 (common.api.CONFLICT_CODES), pages with the message.
ILLEGAL = "illegal_transition"


@dataclass(frozen=True)
class Transition:
    """One allowed move: from any of `sources` to `target`, for holders of `permission`
    (None: any user the selectors let reach the record, e.g. the applicant himself)."""

    name: str
    label: str  # Chinese, marked with gettext_noop; pages and messages translate it
    sources: frozenset[str]
    target: str
    permission: str | None  # "app_label.codename"


def may(user: Any, permission: str | None) -> bool:
    """No user is the system itself (commands, tasks, the sweep): it may do anything."""
    return user is None or permission is None or bool(user.has_perm(permission))


@dataclass(frozen=True)
class Machine:
    """The transitions of one kind of record and the labels of its states."""

    what: str  # the record as a sentence names it: 办件, 事项版本 (translated like label)
    states: type[models.TextChoices]
    transitions: dict[str, Transition] = field(default_factory=dict)
    # The state labels are marked for translation (the cases'); the catalogue's are its
    # vocabulary and stay Chinese in messages (ADR 0005).
    translated_states: bool = False

    @classmethod
    def of(
        cls,
        what: str,
        states: type[models.TextChoices],
        items: Iterable[Transition],
        *,
        translated_states: bool = False,
    ) -> Machine:
        return cls(what, states, {t.name: t for t in items}, translated_states)

    def label(self, state: str) -> str:
        return str(self.states(state).label) if state in self.states.values else state

    def check(self, name: str, state: str, user: Any, *, what: str | None = None) -> Transition:
        """Raise unless `name` may fire from `state` for `user`; returns the transition.
        A state that does not allow it is a ValidationError coded ILLEGAL (409 in the API);
        a user without the permission is PermissionDenied (403). `what` names the record in
        the message when the machine's own word is too general (v3, 该版本). Messages are in the
        reader's language: labels and the record's word are translated if they were marked."""
        transition = self.transitions[name]
        if state not in transition.sources:
            raise ValidationError(
                gettext("%(what)s当前为“%(state)s”，不能%(action)s。")
                % {
                    "what": gettext(what or self.what),
                    "state": gettext(self.label(state))
                    if self.translated_states
                    else self.label(state),
                    "action": gettext(transition.label),
                },
                code=ILLEGAL,
            )
        if not may(user, transition.permission):
            raise PermissionDenied(
                gettext("您的角色不能%(action)s。") % {"action": gettext(transition.label)}
            )
        return transition

    def available(self, state: str, user: Any) -> list[Transition]:
        """Transitions the user could fire now (buttons on pages, links in the API)."""
        return [
            t for t in self.transitions.values() if state in t.sources and may(user, t.permission)
        ]

    def sources_of(self, name: str) -> frozenset[str]:
        return self.transitions[name].sources
