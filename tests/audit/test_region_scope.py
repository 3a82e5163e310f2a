"""A bureau administrator's trail is his region's: the events caused by staff of the
departments in his region, and his own. System administrators (and superusers) see every
event; a bureau admin who is also a system admin too. Two counties."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories as f
from tests.audit.test_views import LIST, VERIFY, detail, sequences
from yiwang.audit.models import AuditEvent
from yiwang.audit.selectors import audit_event_list, may_verify_audit_chain
from yiwang.audit.services import audit_change
from yiwang.org.models import RegionLevel, Staff

API = "/api/audit/events/"


@dataclass
class TwoCounties:
    bureau_admin: Staff  # of 示范县
    system_admin: Staff
    clerk_here: Staff  # 示范县
    clerk_town: Staff  # a town of 示范县
    clerk_there: Staff  # 乙县
    here: AuditEvent
    town: AuditEvent
    there: AuditEvent
    system: AuditEvent
    own: AuditEvent


@pytest.fixture
def counties(db, make_region) -> TwoCounties:
    bureau = f.department("示范县数据资源管理局", is_bureau=True)
    here_dept = f.department("示范县市场监督管理局")
    town_dept = f.department("测试镇便民服务中心", at=f.town(1))
    there_county = f.region("341122000000", "乙县", RegionLevel.COUNTY)
    there_dept = f.department("乙县市场监督管理局", at=there_county)
    people = {
        "bureau_admin": f.staff(bureau, ["bureau_admin"], username="bureau_admin"),
        "system_admin": f.staff(bureau, ["system_admin"], username="system_admin"),
        "clerk_here": f.staff(here_dept, ["window_clerk"], username="clerk_here"),
        "clerk_town": f.staff(town_dept, ["window_clerk"], username="clerk_town"),
        "clerk_there": f.staff(there_dept, ["window_clerk"], username="clerk_there"),
    }
    obj = make_region("甲镇")

    def by(user, action):  # type: ignore[no-untyped-def]
        return audit_change(action=action, obj=obj, after={"n": 1}, actor=user)

    return TwoCounties(
        **people,
        here=by(people["clerk_here"].user, "t.here"),
        town=by(people["clerk_town"].user, "t.town"),
        there=by(people["clerk_there"].user, "t.there"),
        system=by(None, "t.system"),
        own=by(people["bureau_admin"].user, "t.own"),
    )


def _actions(user) -> set[str]:  # type: ignore[no-untyped-def]
    events = audit_event_list(user=user).filter(action__startswith="t.")
    return set(events.values_list("action", flat=True))


def test_bureau_admin_sees_his_regions_staff_and_his_own_events(counties):
    assert _actions(counties.bureau_admin.user) == {"t.here", "t.town", "t.own"}


def test_system_admin_and_a_bureau_admin_who_is_one_see_everything(counties):
    everything = {"t.here", "t.town", "t.there", "t.system", "t.own"}
    assert _actions(counties.system_admin.user) == everything
    counties.bureau_admin.user.groups.add(*counties.system_admin.user.groups.all())
    counties.bureau_admin.user.__dict__.pop("_role_codes", None)
    assert _actions(counties.bureau_admin.user) == everything


def test_the_list_page_and_the_api_keep_the_region(client, counties):
    client.force_login(counties.bureau_admin.user)
    html = client.get(LIST, {"object_type": "org.region"}).content.decode()
    assert set(sequences(html)) == {
        counties.here.sequence,
        counties.town.sequence,
        counties.own.sequence,
    }
    assert "本区划（示范县）工作人员操作产生的事件" in html
    assert "全部审计事件" not in html
    assert 'data-testid="verify-button"' in html  # the overseer of a region checks the chain
    assert client.get(detail(counties.there.sequence)).status_code == 404
    assert client.get(detail(counties.system.sequence)).status_code == 404
    assert client.get(detail(counties.here.sequence)).status_code == 200
    body = client.get(API, {"object_type": "org.region"}).json()
    assert {row["action"] for row in body["results"]} == {"t.here", "t.town", "t.own"}
    assert client.post(VERIFY).status_code == 200


def test_system_admin_page_shows_every_event(client, counties):
    client.force_login(counties.system_admin.user)
    html = client.get(LIST, {"object_type": "org.region"}).content.decode()
    assert counties.there.sequence in sequences(html)
    assert counties.system.sequence in sequences(html)
    assert "全部审计事件" in html


def test_verify_is_for_the_overseers(counties):
    assert may_verify_audit_chain(counties.bureau_admin.user)
    assert may_verify_audit_chain(counties.system_admin.user)
    assert not may_verify_audit_chain(counties.clerk_here.user)
