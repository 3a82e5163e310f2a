"""我的消息: a user sees his own site messages (the case services write them), marks them read;
nobody else's; anonymous users are sent to sign in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.cases.test_services import accepted
from yiwang.notifications.models import Message


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_applicant_reads_his_messages(world):
    case = accepted(world)
    citizen = client_for(world.citizen.user)
    page = citizen.get(reverse("notifications:list")).content.decode()
    assert case.number in page and "受理" in page and "未读" in page
    assert citizen.post(reverse("notifications:mark-read")).status_code == 302
    assert not Message.objects.filter(recipient=world.citizen.user, read_at__isnull=True).exists()
    # the stranger sees none of it
    other = client_for(world.stranger.user).get(reverse("notifications:list")).content.decode()
    assert case.number not in other and "暂无消息" in other


@pytest.mark.django_db
def test_staff_read_theirs_in_the_workbench_shell(world):
    from tests.cases.test_services import submitted

    case = submitted(world)
    page = client_for(world.clerk.user).get(reverse("notifications:list")).content.decode()
    assert case.number in page and 'class="workbench' in page


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in():
    response = Client().get(reverse("notifications:list"))
    assert response.status_code == 302
