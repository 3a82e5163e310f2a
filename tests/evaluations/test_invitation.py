"""The SMS rating invitation: concluding a case queues, in the decision's transaction, a message
to the applicant (SMS and site) with his signed rating link, which the rating page accepts as
channel 短信. Not when switched off; nothing before the conclusion sends one."""

from __future__ import annotations

import re

from django.test import Client

from tests.evaluations.conftest import concluded_case
from yiwang.cases.fields import Delivery
from yiwang.evaluations.fields import Channel
from yiwang.evaluations.invitations import INVITATION_KIND
from yiwang.evaluations.models import Rating
from yiwang.notifications.models import Message, MessageChannel


def test_conclusion_sends_the_rating_link_by_sms_and_site_message(world):
    case = concluded_case(world)
    rows = Message.objects.filter(kind=INVITATION_KIND, subject_id=str(case.pk))
    assert sorted(rows.values_list("channel", flat=True)) == sorted(
        [MessageChannel.SMS, MessageChannel.SITE]
    )
    sms = rows.get(channel=MessageChannel.SMS)
    assert sms.phone.reveal() == "13800138000"
    assert case.number in sms.text and "30 天内有效" in sms.text
    path = re.search(r"https?://[^/]+(/rate/\S+?\?via=sms)", sms.text).group(1)
    # the link works without signing in, and is counted as an SMS rating
    answer = Client().post(path, {"level": 4})
    assert answer.status_code == 302
    assert Rating.objects.get(case=case).channel == Channel.SMS


def test_nothing_before_the_conclusion_invites(world):
    from yiwang.cases import services as cases

    draft = cases.case_create(
        item=world.item,
        applicant=world.citizen,
        actor=world.citizen.user,
        form=world.form(),
        delivery=Delivery.PICKUP,
    )
    assert draft.events.exists()
    assert not Message.objects.filter(kind=INVITATION_KIND).exists()
    concluded_case(world)
    assert Message.objects.filter(kind=INVITATION_KIND).count() == 2  # one SMS, one site


def test_no_invitation_when_switched_off(world, settings):
    settings.YIWANG_RATING_SMS_INVITATION = False
    concluded_case(world)
    assert not Message.objects.filter(kind=INVITATION_KIND).exists()


def test_the_decisions_own_case_is_not_read_again_and_a_bare_one_is(world):
    """invite_case takes the concluded case as the decision holds it (department, version and
    applicant loaded) without reading it again; a case object without them is read, and both
    give the same invitation."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yiwang.cases.models import Case
    from yiwang.evaluations.invitations import invite_case

    case = concluded_case(world)
    sent = Message.objects.filter(kind=INVITATION_KIND, subject_id=str(case.pk))
    first = sorted(sent.values_list("channel", "text"))
    assert len(first) == 2
    loaded = Case.objects.select_related("department", "version", "applicant__user").get(pk=case.pk)
    for given, reads_the_case in ((loaded, False), (Case.objects.get(pk=case.pk), True)):
        sent.delete()
        with CaptureQueriesContext(connection) as queries:
            invite_case(case.pk, case=given)
        read = any('FROM "cases_case"' in q["sql"] for q in queries.captured_queries)
        assert read is reads_the_case
        assert sorted(sent.values_list("channel", "text")) == first
    # the rules still run on the case given: a rated case gets no invitation
    sent.delete()
    link = re.search(r"(/rate/\S+?)\?via=sms", dict(first)[MessageChannel.SMS]).group(1)
    assert Client().post(link, {"level": 5}).status_code == 302
    assert Rating.objects.filter(case=case).exists()
    invite_case(case.pk, case=loaded)
    assert not sent.exists()
