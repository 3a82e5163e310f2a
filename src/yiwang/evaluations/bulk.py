"""The bulk path of case ratings (demo.simulation; issue 12 §3): many ratings of concluded cases
and the rating invitations of many decisions, checked exactly as evaluations.services checks
them and written with a few statements per batch instead of ~8 a rating.

`NewRatings.rate_case` takes rating_for_case's arguments and runs its code (evaluations.services:
the channel, who may rate, the rating device's window, concluded, 一次一评, the level, the
dimensions, the comment, the rater, the audit event, rating_received and the low-rating hooks on
commit). Only the reading and writing differ (evaluations.services.Writes):

- `read(cases)` reads and locks the cases about to be rated, with their ratings, in two queries
  (rating_for_case reads and locks each); a case not read so is read alone, as by the service.
  The cases read must be rated through this batch only until its flush (its 一次一评 check
  knows of its own ratings and of those in the database when they were read).
- a rating gets a reserved id (common.bulk.reserve_ids) and waits in a common.bulk.RowBuffer; the
  rows are inserted together by `flush()`, then post_save and rating_received are sent for
  each, in order, inside the transaction. A bad rating (差评), whose receiver opens its
  rectification task (evaluations.rectification), is written at once with the rows before it,
  and rating_received is sent at that moment, as by the service; its task and the task's later
  steps go through the rectification services. A flush gives back the ids it did not use, so
  rows the services insert meanwhile (the rating of the fix, 回访) never meet a reserved id.
- inside `invitations()`, the rating invitations of the decisions taken meanwhile
  (evaluations.invitations.invite_case: the same reads and checks) are queued here instead of
  being saved one by one, and inserted by the flush, with one sending task on commit.

An invalid rating raises the service's ValidationError/PermissionDenied at once and the caller's
transaction then writes nothing. Use inside transaction.atomic() (and, for one audit insert,
audit.services.audit_batch). Ratings of visits and windows, follow-up ratings and the
rectification steps go through the services."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from yiwang.cases.models import Case
from yiwang.common.bulk import RowBuffer, reserve_ids
from yiwang.evaluations import services
from yiwang.evaluations.fields import is_bad
from yiwang.evaluations.invitations import invitations_into
from yiwang.evaluations.models import Rating
from yiwang.evaluations.services import RaterInput
from yiwang.evaluations.signals import rating_received
from yiwang.notifications.models import Message
from yiwang.notifications.services import enqueue_sending_on_commit, message_rows
from yiwang.org.models import User, Window

RESERVE = 50
RATER = RaterInput()  # rating_for_case's default: real-name, the case's applicant


class NewRatings(services.Writes):
    """Case ratings and rating invitations of one batch, written by `flush()` (and at a bad
    rating). Use inside transaction.atomic()."""

    def __init__(self) -> None:
        self._rows = RowBuffer()
        self._ids: list[int] = []
        self._cases: dict[int, Case] = {}  # read by read(), locked
        self._rated: set[int] = set()  # of those, the ones with a rating
        self._waiting: list[Rating] = []  # in the buffer: rating_received after their insert
        self._sending = False
        self.ratings: list[Rating] = []

    def read(self, cases: Iterable[Case]) -> None:
        """Read and lock the cases about to be rated, and find their ratings, at once."""
        ids = [case.pk for case in cases if case.pk not in self._cases]
        if not ids:
            return
        found = (
            Case.objects.select_for_update(of=("self",))
            .select_related("applicant", "department", "item")
            .filter(pk__in=ids)
        )
        self._cases.update((case.pk, case) for case in found)
        self._rated.update(
            Rating.objects.filter(case_id__in=ids, follows_up__isnull=True).values_list(
                "case_id", flat=True
            )
        )

    def rate_case(
        self,
        *,
        case: Case,
        channel: str,
        level: Any,
        scores: Mapping[str, Any] | None = None,
        comment: str = "",
        rater: RaterInput = RATER,
        actor: User | None = None,
        window: Window | None = None,
    ) -> Rating:
        """evaluations.services.rating_for_case."""
        return services._rate_case(
            case=case,
            channel=channel,
            level=level,
            scores=scores,
            comment=comment,
            rater=rater,
            actor=actor,
            window=window,
            w=self,
        )

    @contextmanager
    def invitations(self) -> Iterator[NewRatings]:
        """The rating invitations queued meanwhile go into this batch."""
        with invitations_into(self):
            yield self

    # --- services.Writes -----------------------------------------------------------------

    def rated_case(self, case: Case) -> Case:
        found = self._cases.get(case.pk)
        return found if found is not None else super().rated_case(case)

    def case_rated(self, case: Case) -> bool:
        if case.pk in self._rated or self.holds_rating(case.pk):
            return True
        return False if case.pk in self._cases else super().case_rated(case)

    def insert(self, values: dict[str, Any]) -> Rating:
        rating = Rating(**values)
        if not self._ids:
            self._ids.extend(reserve_ids(Rating, RESERVE))
        rating.pk = self._ids.pop(0)
        self._rows.add(rating)
        self.ratings.append(rating)
        if rating.follows_up_id is None and is_bad(rating.level):
            self._write()  # its task is opened now (rating_received), as by the service
        else:
            self._waiting.append(rating)
        if rating.case_id is not None:
            self._rated.add(rating.case_id)
        return rating

    def received(self, rating: Rating) -> None:
        if all(rating is not w for w in self._waiting):  # written: sent now, else after its insert
            rating_received.send(sender=Rating, rating=rating)

    # --- evaluations.invitations ---------------------------------------------------------

    def notify(self, **message: Any) -> list[Message]:
        rows = message_rows(**message)
        self._rows.extend(rows)
        if rows and not self._sending:
            enqueue_sending_on_commit()
            self._sending = True
        return rows

    def holds_rating(self, case_id: int) -> bool:
        return any(rating.case_id == case_id for rating in self._waiting)

    # --- writing -------------------------------------------------------------------------

    def _write(self) -> None:
        waiting, self._waiting = self._waiting, []
        self._rows.flush()
        self._ids = []  # the ids not used are given up (see the module docstring)
        for rating in waiting:
            rating_received.send(sender=Rating, rating=rating)

    def flush(self) -> list[Rating]:
        """Write everything so far (then post_save and rating_received for each rating); the
        ratings, in order."""
        self._write()
        self._sending = False
        done, self.ratings = self.ratings, []
        return done
