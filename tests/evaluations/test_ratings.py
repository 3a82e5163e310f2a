"""Rating services: a concluded case, a served visit and a window are rated once from each
channel; a second rating is refused with one sentence; who may rate what; real-name and
anonymous; the rating_received signal inside the transaction and the low-rating hooks after it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tests import factories as f
from tests.evaluations.conftest import concluded_case
from yiwang.audit.models import AuditEvent
from yiwang.cases import services as cases
from yiwang.evaluations import services as s
from yiwang.evaluations.fields import Channel, DimensionSet, Subject
from yiwang.evaluations.models import Rating
from yiwang.evaluations.signals import rating_received
from yiwang.hall.fields import TicketKind, TicketStatus
from yiwang.hall.models import Ticket
from yiwang.org.models import Department, WindowKind

HOOK_CALLS: list[int] = []


def record_hook(rating: Rating) -> None:
    HOOK_CALLS.append(rating.pk)


def broken_hook(rating: Rating) -> None:
    raise RuntimeError("hook down")


def visit(world, *, status=TicketStatus.DONE, window=None) -> Ticket:
    window = window or world.clerk.window
    now = timezone.now()
    return Ticket.objects.create(
        hall=window.hall,
        window_kind=window.kind,
        kind=TicketKind.WALK_IN,
        day=timezone.localdate(),
        number=Ticket.objects.count() + 1,
        code=f"B{Ticket.objects.count() + 1:03d}",
        status=status,
        issued_at=now,
        issued_hour=now.hour,
        called_at=now,
        finished_at=now if status == TicketStatus.DONE else None,
        window=window,
    )


# --- a case -----------------------------------------------------------------------------------


def test_a_citizen_rates_his_concluded_case_on_the_portal(world, case):
    rating = s.rating_for_case(
        case=case,
        channel=Channel.PORTAL,
        level=4,
        scores={"efficiency": 5, "guide": 3},
        comment="办得很快",
        actor=world.citizen.user,
    )
    assert rating.subject == Subject.CASE and rating.case == case and rating.item == case.item
    assert rating.department == world.dept
    assert rating.dimension_set == DimensionSet.ONLINE  # applied online
    assert rating.scores == {"overall": 4, "efficiency": 5, "guide": 3}
    # real-name: the case's applicant, his phone kept (encrypted) for the follow-up
    assert rating.rater == world.citizen and not rating.anonymous
    stored = Rating.objects.get(pk=rating.pk)
    assert stored.rater_phone.reveal() == "13800138000"
    assert str(stored.rater_phone) != "13800138000"  # masked on output
    assert AuditEvent.objects.filter(action="evaluations.rate", object_id=str(rating.pk)).exists()


def test_a_second_rating_of_the_same_case_is_refused_with_one_sentence(world, case):
    s.rating_for_case(case=case, channel=Channel.PORTAL, level=5, actor=world.citizen.user)
    for channel, actor in (
        (Channel.QR, None),
        (Channel.SMS, None),
        (Channel.PORTAL, world.citizen.user),
    ):
        with pytest.raises(ValidationError) as caught:
            s.rating_for_case(case=case, channel=channel, level=1, actor=actor)
        assert caught.value.messages == [s.DUPLICATE_CASE]
        assert caught.value.error_list[0].code == "duplicate"
    assert Rating.objects.filter(case=case).count() == 1


def test_the_database_refusal_after_a_raced_check_is_the_same_sentence(world, case, monkeypatch):
    s.rating_for_case(case=case, channel=Channel.QR, level=5)
    # as if the check had run before the other request's insert
    real_filter = Rating.objects.filter
    monkeypatch.setattr(
        Rating.objects,
        "filter",
        lambda *a, **k: real_filter(pk__in=[]) if "case" in k else real_filter(*a, **k),
    )
    with pytest.raises(ValidationError) as caught:
        s.rating_for_case(case=case, channel=Channel.QR, level=1)
    assert caught.value.messages == [s.DUPLICATE_CASE]


def test_a_case_not_concluded_cannot_be_rated(world):
    draft = cases.case_create(
        item=world.item, applicant=world.citizen, actor=world.citizen.user, form=world.form()
    )
    with pytest.raises(ValidationError, match="尚未办结"):
        s.rating_for_case(case=draft, channel=Channel.QR, level=5)


def test_only_the_applicant_rates_his_case_on_the_portal_and_app(world, case):
    for channel in (Channel.PORTAL, Channel.APP):
        with pytest.raises(PermissionDenied):
            s.rating_for_case(case=case, channel=channel, level=1, actor=world.stranger.user)
        with pytest.raises(PermissionDenied):
            s.rating_for_case(case=case, channel=channel, level=1, actor=None)
    assert not Rating.objects.exists()


def test_hotline_entry_needs_the_permission_and_names_the_clerk(world, case):
    with pytest.raises(PermissionDenied):
        s.rating_for_case(case=case, channel=Channel.HOTLINE, level=3, actor=world.clerk.user)
    bureau = f.staff(f.department("县数据资源管理局二", is_bureau=True), ["bureau_admin"])
    rating = s.rating_for_case(case=case, channel=Channel.HOTLINE, level=3, actor=bureau.user)
    assert rating.channel == Channel.HOTLINE and rating.entered_by == bureau.user


def test_a_device_rates_only_cases_of_its_window(world, case):
    other = f.window(world.clerk.window.hall, world.other)
    with pytest.raises(PermissionDenied):
        s.rating_for_case(case=case, channel=Channel.DEVICE, level=5, window=other)
    case.window = world.clerk.window
    case.save(update_fields=["window"])
    rating = s.rating_for_case(
        case=case, channel=Channel.DEVICE, level=5, window=world.clerk.window
    )
    assert rating.window == world.clerk.window


def test_an_anonymous_rating_keeps_no_rater(world, case):
    rating = s.rating_for_case(
        case=case,
        channel=Channel.QR,
        level=2,
        rater=s.RaterInput(anonymous=True, name="张三", phone="13800138000"),
    )
    stored = Rating.objects.get(pk=rating.pk)
    assert stored.anonymous and stored.rater is None
    assert not stored.rater_phone and stored.rater_phone_hash == "" and stored.rater_detail == {}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"level": 0}, "level"),
        ({"level": "很好"}, "level"),
        ({"level": 6}, "level"),
        ({"level": 4, "scores": {"attitude": 4}}, "scores"),  # an offline dimension online
        ({"level": 4, "scores": {"efficiency": 9}}, "scores"),
        ({"level": 4, "comment": "长" * 501}, "comment"),
        ({"level": 4, "comment": "好\u202e评"}, "comment"),  # a direction control
    ],
)
def test_bad_input_is_refused_naming_the_field(world, case, kwargs, field):
    with pytest.raises(ValidationError) as caught:
        s.rating_for_case(case=case, channel=Channel.QR, **kwargs)
    assert field in caught.value.message_dict
    assert not Rating.objects.exists()


def test_a_window_rater_may_leave_a_name_and_a_checked_mobile(world):
    window = world.clerk.window
    with pytest.raises(ValidationError):
        s.rating_for_window(
            window=window, channel=Channel.QR, level=5, rater=s.RaterInput(phone="12345")
        )
    rating = s.rating_for_window(
        window=window,
        channel=Channel.QR,
        level=5,
        rater=s.RaterInput(name="王五", phone="13700137000"),
    )
    stored = Rating.objects.get(pk=rating.pk)
    assert stored.subject == Subject.WINDOW and stored.department == world.dept
    assert stored.rater_detail == {"name": "王五"} and stored.rater_phone.reveal() == "13700137000"
    assert (
        "王五" not in Rating.objects.filter(pk=rating.pk).values_list("rater_detail", flat=True)[0]
    )


# --- a visit and a window ---------------------------------------------------------------------


def test_a_served_visit_is_rated_once(world):
    served = visit(world)
    rating = s.rating_for_visit(visit=served, channel=Channel.QR, level=5, scores={"attitude": 5})
    assert rating.subject == Subject.VISIT and rating.window == served.window
    assert rating.department == world.dept and rating.dimension_set == DimensionSet.OFFLINE
    with pytest.raises(ValidationError) as caught:
        s.rating_for_visit(visit=served, channel=Channel.DEVICE, level=1)
    assert caught.value.messages == [s.DUPLICATE_VISIT]


def test_a_visit_still_being_served_cannot_be_rated(world):
    with pytest.raises(ValidationError, match="尚未办理完毕"):
        s.rating_for_visit(
            visit=visit(world, status=TicketStatus.CALLED), channel=Channel.QR, level=5
        )


def test_a_comprehensive_window_answers_to_the_halls_bureau(world):
    bureau = Department.objects.get(is_bureau=True)  # the world's 县数据资源管理局
    counter = f.window(world.clerk.window.hall, None, kind=WindowKind.COMPREHENSIVE)
    rating = s.rating_for_visit(visit=visit(world, window=counter), channel=Channel.QR, level=4)
    assert rating.department == bureau


def test_a_device_rates_only_its_own_windows_visits(world):
    other = f.window(world.clerk.window.hall, world.other)
    with pytest.raises(PermissionDenied):
        s.rating_for_visit(visit=visit(world), channel=Channel.DEVICE, level=5, window=other)


def test_an_inactive_window_is_not_rated(world):
    window = world.clerk.window
    window.active = False
    window.save(update_fields=["active"])
    with pytest.raises(ValidationError, match="已停用"):
        s.rating_for_window(window=window, channel=Channel.QR, level=5)


# --- the signal and the hooks -----------------------------------------------------------------


def test_rating_received_is_sent_inside_the_transaction(world, case):
    seen = []

    def receiver(sender, rating, **kwargs):
        seen.append((rating.pk, transaction.get_connection().in_atomic_block))

    rating_received.connect(receiver, dispatch_uid="test-receiver")
    try:
        rating = s.rating_for_case(case=case, channel=Channel.QR, level=1)
    finally:
        rating_received.disconnect(dispatch_uid="test-receiver")
    assert seen == [(rating.pk, True)]


def test_a_receiver_that_fails_undoes_the_rating(world, case):
    def receiver(sender, rating, **kwargs):
        raise ValidationError("整改任务未能创建。")

    rating_received.connect(receiver, dispatch_uid="test-failing")
    try:
        with pytest.raises(ValidationError):
            s.rating_for_case(case=case, channel=Channel.QR, level=1)
    finally:
        rating_received.disconnect(dispatch_uid="test-failing")
    assert not Rating.objects.exists()


def test_low_rating_hooks_run_after_commit_for_low_ratings_only(
    world, settings, django_capture_on_commit_callbacks
):
    settings.YIWANG_LOW_RATING_MAX = 2
    settings.YIWANG_LOW_RATING_HOOKS = [
        "tests.evaluations.test_ratings.broken_hook",  # logged; the next hook still runs
        "tests.evaluations.test_ratings.record_hook",
    ]
    HOOK_CALLS.clear()
    first = concluded_case(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        good = s.rating_for_case(case=first, channel=Channel.QR, level=3)
    assert not [c for c in callbacks if "run_low_rating_hooks" in repr(c)]
    second = concluded_case(world)
    with django_capture_on_commit_callbacks(execute=True):
        bad = s.rating_for_case(case=second, channel=Channel.QR, level=2)
        assert HOOK_CALLS == []  # not before the commit
    assert [bad.pk] == HOOK_CALLS
    assert Rating.objects.filter(pk__in=[good.pk, bad.pk]).count() == 2


def test_a_hook_path_that_does_not_import_fails_the_system_check(settings):
    from yiwang.evaluations.checks import low_rating_hooks_import

    settings.YIWANG_LOW_RATING_HOOKS = ["yiwang.nowhere.hook"]
    errors = low_rating_hooks_import()
    assert errors and errors[0].id == "evaluations.E001" and "yiwang.nowhere.hook" in errors[0].msg
    settings.YIWANG_LOW_RATING_HOOKS = ["tests.evaluations.test_ratings.record_hook"]
    assert low_rating_hooks_import() == []


# --- the fix's rating and the appeal's flag -----------------------------------------------


def test_the_rating_of_a_fix_follows_up_the_bad_rating_once(world, case):
    bad = s.rating_for_case(case=case, channel=Channel.QR, level=1)
    fix = s.rating_follow_up(bad=bad, channel=Channel.SMS, level=4, comment="已解决")
    assert fix.follows_up == bad and fix.case == case and fix.rater == bad.rater
    with pytest.raises(ValidationError, match="只能评价一次"):
        s.rating_follow_up(bad=bad, channel=Channel.SMS, level=5)
    with pytest.raises(ValidationError):
        s.rating_follow_up(bad=fix, channel=Channel.SMS, level=5)
    # the case still counts as rated once (一次一评)
    with pytest.raises(ValidationError):
        s.rating_for_case(case=case, channel=Channel.QR, level=5)


def test_a_mistaken_rating_stays_on_record(world, case):
    bad = s.rating_for_case(case=case, channel=Channel.QR, level=1)
    s.rating_mark_mistaken(rating=bad, actor=None, reason="经回访为手误点错")
    bad.refresh_from_db()
    assert bad.mistaken and bad.level == 1
    assert AuditEvent.objects.filter(action="evaluations.mistaken").count() == 1
    s.rating_mark_mistaken(rating=bad, actor=None, reason="again")  # no second event
    assert AuditEvent.objects.filter(action="evaluations.mistaken").count() == 1


def test_rated_at_is_now(world, case):
    rating = s.rating_for_case(case=case, channel=Channel.QR, level=5)
    assert abs(rating.rated_at - timezone.now()) < dt.timedelta(minutes=1)
