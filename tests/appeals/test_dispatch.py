"""Dispatch help with the database: suggestions from the responsibility lists (an edit takes
effect at once), learning from a real send-back and a closed ticket, likely duplicates (same
caller, similar text, the 30-day window), merging a duplicate, and the list edits' rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests import factories as f
from yiwang.appeals import services as s
from yiwang.appeals.dispatch import selectors as ds
from yiwang.appeals.dispatch import services as dsv
from yiwang.appeals.fields import AssignmentStatus, TicketStatus
from yiwang.appeals.models import Responsibility, Ticket, TicketEvent
from yiwang.audit.models import AuditEvent
from yiwang.notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists(tw):
    dsv.responsibility_create(
        actor=None,
        department=tw.market,
        title="食品安全",
        keywords="食品、过期、变质、饭店",
        detail="负责食品安全监管",
    )
    dsv.responsibility_create(
        actor=None,
        department=tw.housing,
        title="物业管理",
        keywords="物业、物业费、小区、电梯",
        detail="负责物业服务监管",
    )
    return tw


def names(found) -> list[str]:
    return [x.department for x in found]


def test_route_suggests_from_the_lists_and_an_edit_takes_effect_at_once(lists):
    tw = lists
    assert names(ds.route("超市卖过期变质的食品"))[0] == "县市场监督管理局"
    assert ds.route("楼下烧烤摊油烟太大") == []
    entry = Responsibility.objects.get(title="物业管理")
    dsv.responsibility_update(
        actor=tw.dispatcher.user,
        entry=entry,
        title="物业管理",
        keywords="物业、油烟",
        detail=entry.detail,
    )
    assert names(ds.route("楼下烧烤摊油烟太大")) == ["县住房和城乡建设局"]
    # Switched off: out of routing, still on record.
    dsv.responsibility_update(
        actor=tw.dispatcher.user, entry=entry, title="物业管理", keywords="物业、油烟", active=False
    )
    assert ds.route("楼下烧烤摊油烟太大") == []
    assert Responsibility.objects.filter(pk=entry.pk, active=False).exists()


def test_a_real_send_back_moves_the_suggestion_to_where_it_was_finally_handled(lists):
    tw = lists
    text = {"title": "小区电梯困人", "content": "小区电梯三天两头困人，物业说不归他们管"}
    first = tw.hotline(**text)
    assert names(ds.suggestions_for(first, user=tw.dispatcher.user))[0] == "县住房和城乡建设局"
    # The housing department sends it back; the market regulator handles and it is closed.
    s.ticket_dispatch(ticket=first, actor=tw.dispatcher.user, lead=tw.housing)
    s.ticket_send_back(ticket=first, actor=tw.housing_handler.user, reason="电梯安全归市场监管")
    s.ticket_dispatch(ticket=first, actor=tw.dispatcher.user, lead=tw.market)
    s.ticket_sign_for(ticket=first, actor=tw.market_handler.user)
    s.ticket_reply(ticket=first, actor=tw.market_handler.user, reply="已约谈维保单位")
    s.ticket_close(ticket=first, actor=tw.dispatcher.user, note="诉求人不接电话")
    assert Ticket.objects.get(pk=first.pk).status == TicketStatus.CLOSED
    second = tw.hotline(title="电梯困人", content="我们小区电梯又困人了，物业不管")
    found = ds.suggestions_for(second, user=tw.dispatcher.user)
    assert names(found)[0] == "县市场监督管理局"
    assert "相似诉求 1 件最终由该部门办理" in found[0].reason
    # The department that sent it back is no longer suggested first (or at all).
    housing = [x for x in found if x.department == "县住房和城乡建设局"]
    assert not housing or "该部门退回过相似诉求 1 件" in housing[0].reason


def test_suggestions_stay_in_the_readers_scope(lists):
    tw = lists
    ticket = tw.hotline(title="饭店卖过期食品", content="饭店卖过期食品")
    assert names(ds.suggestions_for(ticket, user=tw.dispatcher.user)) == ["县市场监督管理局"]
    assert ds.suggestions_for(ticket, user=tw.housing_handler.user) == []


def test_duplicates_same_caller_or_similar_text_within_the_window(tw):
    original = tw.hotline(
        title="饭店油烟扰民",
        content="人民路88号饭店油烟扰民，晚上窗户都不能开",
        applicant_phone="13700000001",
    )
    reworded = tw.hotline(
        title="油烟扰民",
        content="人民路88号那家饭店油烟扰民严重，晚上窗户都不能开",
        applicant_phone="13700000002",
    )
    same_caller = tw.hotline(
        title="路灯不亮", content="东山镇的路灯坏了一个月", applicant_phone="13700000001"
    )
    unrelated = tw.hotline(title="停水", content="小区停水两天了", applicant_phone="13700000003")
    found = {d.ticket.pk: d for d in ds.duplicates_of(original)}
    assert set(found) == {reworded.pk, same_caller.pk}
    assert found[reworded.pk].similarity >= 0.6 and not found[reworded.pk].same_caller
    assert "内容相似度" in found[reworded.pk].reason
    assert found[same_caller.pk].same_caller and found[same_caller.pk].reason == "同一来电人"
    assert unrelated.pk not in found
    # Most similar first.
    assert ds.duplicates_of(original)[0].ticket.pk == reworded.pk
    # Beyond 30 days: no longer a duplicate.
    Ticket.objects.filter(pk=reworded.pk).update(
        registered_at=original.registered_at - dt.timedelta(days=31)
    )
    Ticket.objects.filter(pk=same_caller.pk).update(
        registered_at=original.registered_at + dt.timedelta(days=29)
    )
    assert [d.ticket.pk for d in ds.duplicates_of(original)] == [same_caller.pk]


def test_merge_closes_the_duplicate_into_the_original(tw):
    original = tw.dispatched(title="饭店油烟扰民", content="人民路88号饭店油烟扰民")
    duplicate = tw.dispatched(title="饭店油烟", content="人民路88号饭店油烟扰民，第二次反映")
    earlier = tw.hotline(title="油烟", content="人民路88号饭店油烟")
    dsv.ticket_merge(ticket=earlier, into=duplicate, actor=tw.dispatcher.user)
    Message.objects.all().delete()
    merged = dsv.ticket_merge(
        ticket=duplicate, into=original, actor=tw.dispatcher.user, note="同一饭店"
    )
    merged.refresh_from_db()
    assert merged.status == TicketStatus.MERGED
    assert merged.merged_into_id == original.pk
    assert not merged.assignments.exclude(status=AssignmentStatus.CANCELLED).exists()
    assert merged.handling_clock is not None and merged.handling_clock.stopped_on is not None
    # A ticket merged into the duplicate earlier now points at the original.
    assert Ticket.objects.get(pk=earlier.pk).merged_into_id == original.pk
    assert TicketEvent.objects.filter(ticket=merged, action="merge").exists()
    assert TicketEvent.objects.filter(ticket=original, action="merged_in").exists()
    assert AuditEvent.objects.filter(action="appeals.merge", object_id=str(merged.pk)).exists()
    assert Message.objects.filter(text__contains=original.number).exists()
    # The original goes on as before; a merged ticket is no one's duplicate any more.
    original.refresh_from_db()
    assert original.status == TicketStatus.DISPATCHED
    assert merged.pk not in {d.ticket.pk for d in ds.duplicates_of(original)}


def test_merge_refusals(tw):
    a = tw.hotline()
    b = tw.hotline()
    with pytest.raises(ValidationError, match="不能把工单合并到它自己"):
        dsv.ticket_merge(ticket=a, into=a, actor=tw.dispatcher.user)
    with pytest.raises(PermissionDenied):
        dsv.ticket_merge(ticket=a, into=b, actor=tw.market_handler.user)
    dsv.ticket_merge(ticket=a, into=b, actor=tw.dispatcher.user)
    c = tw.hotline()
    with pytest.raises(ValidationError, match="已合并至其他工单"):
        dsv.ticket_merge(ticket=c, into=a, actor=tw.dispatcher.user)
    with pytest.raises(ValidationError) as refused:
        dsv.ticket_merge(ticket=a, into=c, actor=tw.dispatcher.user)
    assert refused.value.code == "illegal_transition"
    assert Ticket.objects.get(pk=c.pk).status != TicketStatus.MERGED


def test_responsibility_edits_are_checked_and_audited(tw):
    with pytest.raises(ValidationError) as missing:
        dsv.responsibility_create(
            actor=tw.dispatcher.user, department=tw.market, title="食品安全", keywords="电"
        )
    assert "至少填写一个关键词" in str(missing.value.message_dict["keywords"])
    with pytest.raises(ValidationError) as no_title:
        dsv.responsibility_create(
            actor=tw.dispatcher.user, department=tw.market, title=" ", keywords="食品"
        )
    assert "职责事项" in str(no_title.value.message_dict["title"])
    entry = dsv.responsibility_create(
        actor=tw.dispatcher.user,
        department=tw.market,
        title="食品安全",
        keywords="食品\n过期, 变质；食品",
    )
    assert entry.keywords == "食品、过期、变质"
    assert AuditEvent.objects.filter(
        action="appeals.responsibility_create", object_id=str(entry.pk)
    ).exists()
    with pytest.raises(ValidationError, match="已有职责事项"):
        dsv.responsibility_create(
            actor=tw.dispatcher.user, department=tw.market, title="食品安全", keywords="食品"
        )
    # A department handler may not edit the lists; the bureau only within its region.
    with pytest.raises(PermissionDenied):
        dsv.responsibility_update(
            actor=tw.market_handler.user, entry=entry, title="食品安全", keywords="食品"
        )
    elsewhere = f.department("外县市场监督管理局", at=f.region("341102000000", "外县"))
    with pytest.raises(PermissionDenied, match="数据范围"):
        dsv.responsibility_create(
            actor=tw.dispatcher.user, department=elsewhere, title="食品", keywords="食品"
        )


def test_registered_at_is_what_the_window_counts(tw):
    # The window is about when the appeals were made, not when they were typed in (imports).
    old = tw.hotline(
        title="饭店油烟扰民",
        content="人民路88号饭店油烟扰民",
        registered_at=timezone.now() - dt.timedelta(days=40),
    )
    new = tw.hotline(title="饭店油烟扰民", content="人民路88号饭店油烟扰民")
    assert ds.duplicates_of(new) == []
    assert ds.duplicates_of(old) == []
