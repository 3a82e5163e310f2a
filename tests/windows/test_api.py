"""The hand-out over the API records the collector's ID check; under 综合窗口出件 a department's
own desk gets 403 and a missing check 422."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.windows.conftest import COLLECTOR_ID
from yiwang.windows.models import HandOut


def _post(user, case, body):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(f"/api/cases/{case.pk}/hand-out/", body, format="json")


def test_the_api_records_the_id_check(desk):
    case = desk.approve(desk.walk_in())
    body = {"collected_by": "张三", "collector_id_number": COLLECTOR_ID, "id_checked": True}
    response = _post(desk.world.counter.user, case, body)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "delivered"
    record = HandOut.objects.get(case=case)
    assert record.id_checked and record.clerk == desk.world.counter.user


@pytest.mark.usefixtures("comprehensive_hand_out")
def test_under_comprehensive_hand_out_the_api_refuses_the_wrong_desk_and_no_check(desk):
    case = desk.approve(desk.walk_in())
    body = {"collected_by": "张三", "collector_id_number": COLLECTOR_ID, "id_checked": True}
    wrong_desk = _post(desk.world.clerk.user, case, body)
    assert wrong_desk.status_code == 403
    assert "只能在综合窗口领取" in wrong_desk.json()["detail"]
    unchecked = _post(desk.world.counter.user, case, {"collected_by": "张三"})
    assert unchecked.status_code == 422
    assert not HandOut.objects.exists()
    assert _post(desk.world.counter.user, case, body).status_code == 200


def test_an_id_beyond_the_databases_keys_is_404_not_500(desk):
    # The contract test's negative examples found it on the hand-out: SQLite cannot bind it.
    huge = 143399744480481558290262550625020
    client = APIClient()
    client.force_authenticate(desk.world.counter.user)
    body = {"collected_by": "张三"}
    assert client.post(f"/api/cases/{huge}/hand-out/", body, format="json").status_code == 404
    assert client.get(f"/api/cases/{huge}/").status_code == 404
