"""The bureau's limits page: the seeded table shown, a row set through the form (and used by
the next dispatch), refusals in Chinese naming the field, other roles refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.appeals.conftest import TicketWorld
from yiwang.appeals.models import SlaLimit
from yiwang.appeals.sla import limits_for

PAGE = reverse("appeals:limits")


def test_the_bureau_sees_and_sets_the_limits(client, tw: TicketWorld):
    client.force_login(tw.dispatcher.user)
    page = client.get(PAGE).content.decode()
    assert 'data-source="enterprise_window"' in page and "3 个工作日内向企业反馈" in page
    response = client.post(
        PAGE,
        {"source": "hotline", "kind": "complaint", "sign_for_days": "1", "handling_days": "7"},
    )
    assert response.status_code == 302
    assert SlaLimit.objects.get(source="hotline", kind="complaint").handling_days == 7
    assert limits_for(source="hotline", kind="complaint").handling_days == 7
    assert "办理时限已保存" in client.get(PAGE).content.decode()


def test_refusals_name_the_field(client, tw: TicketWorld):
    client.force_login(tw.dispatcher.user)
    response = client.post(PAGE, {"source": "hotline", "kind": "", "sign_for_days": "1"})
    assert response.status_code == 422
    assert "办理时限" in response.content.decode()
    assert not SlaLimit.objects.filter(source="hotline").exists()


@pytest.mark.parametrize("who", ["market_handler", "clerk"])
def test_other_roles_are_refused(client, tw: TicketWorld, who):
    client.force_login(getattr(tw, who).user)
    assert client.get(PAGE).status_code == 403
    response = client.post(
        PAGE, {"source": "", "kind": "consult", "sign_for_days": "0", "handling_days": "0"}
    )
    assert response.status_code == 403
    assert SlaLimit.objects.get(source="", kind="consult").handling_days == 3
