"""The workbench pages of the audit trail: who may see which events, filters, the event page,
chain verification, and that no page ever shows personal data in clear."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from yiwang.audit.models import AuditEvent
from yiwang.audit.services import audit_access, audit_change, personal_data_reveal
from yiwang.org.models import ApplicantKind
from yiwang.org.services import applicant_register

LIST = "/workbench/audit/"
VERIFY = "/workbench/audit/verify/"


def detail(sequence: int) -> str:
    return f"/workbench/audit/{sequence}/"


def grant_view(staff) -> None:
    """Give a non-admin the view permission directly (no role carries it but the admins')."""
    staff.user.user_permissions.add(
        Permission.objects.get(content_type__app_label="audit", codename="view_auditevent")
    )


def sequences(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-sequence="(\d+)">', html)]


@pytest.fixture
def viewer(people):
    """A window clerk granted audit.view_auditevent: sees only their own events."""
    grant_view(people.clerk)
    return people.clerk


@pytest.fixture
def mixed(people, make_region):
    """Events by the bureau admin, the clerk and the system, on two regions."""
    a, b = make_region("甲镇"), make_region("乙镇")
    admin, clerk = people.bureau_admin.user, people.clerk.user
    events = [
        audit_change(action="test.create", obj=a, after={"name": "甲镇"}, actor=admin),
        audit_change(
            action="test.rename", obj=a, before={"name": "甲镇"}, after={"name": "甲乡"},
            actor=clerk, reason="区划调整",
        ),
        audit_access(action="test.export", obj=b, fields=["name"], reason="核查", actor=clerk),
        audit_change(action="test.rename", obj=b, before={"name": "乙镇"}, after={"name": "乙乡"}),
    ]  # fmt: skip
    return a, b, events


# --- Access ----------------------------------------------------------------------------------


def test_urls():
    assert reverse("audit:event-list") == LIST
    assert reverse("audit:event-detail", args=[7]) == detail(7)
    assert reverse("audit:verify") == VERIFY


def test_anonymous_visitor_is_sent_to_sign_in(client, db):
    for url in (LIST, detail(1)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("org:sign-in"))


def test_staff_without_the_permission_is_refused(client, people, mixed):
    client.force_login(people.department_admin.user)
    for url in (LIST, detail(1)):
        response = client.get(url)
        assert response.status_code == 403
        assert "您没有查看审计日志的权限。" in response.content.decode()
    assert client.post(VERIFY).status_code == 403


def test_citizen_is_refused(client, db):
    applicant = applicant_register(
        kind=ApplicantKind.PERSON,
        name="张三",
        phone="13800138000",
        id_number=f.id_number(),
        password=f.PASSWORD,
    )
    client.force_login(applicant.user)
    response = client.get(LIST)
    assert response.status_code == 403
    assert "审计日志仅供工作人员使用。" in response.content.decode()
    assert client.get(detail(1)).status_code == 403


def test_system_admin_sees_every_event_newest_first(client, people, mixed):
    _, _, events = mixed
    client.force_login(people.system_admin.user)
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    expected = list(AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True))
    assert sequences(html) == expected
    assert {e.sequence for e in events} <= set(expected)
    assert "全部审计事件" in html


def test_non_admin_with_the_permission_sees_only_their_own_events(client, people, viewer, mixed):
    _, _, events = mixed
    client.force_login(viewer.user)
    html = client.get(LIST).content.decode()
    assert sequences(html) == [events[2].sequence, events[1].sequence]
    assert "仅显示您本人操作产生的事件" in html
    # someone else's event and a system event are out of scope: 404, not 403
    assert client.get(detail(events[0].sequence)).status_code == 404
    assert client.get(detail(events[3].sequence)).status_code == 404
    assert client.get(detail(events[1].sequence)).status_code == 200


def test_unknown_sequence_is_404(client, people, mixed):
    client.force_login(people.bureau_admin.user)
    assert client.get(detail(999_999)).status_code == 404
    assert client.get(detail(2**70)).status_code == 404  # beyond bigint
    assert client.get("/workbench/audit/abc/").status_code == 404


def test_the_workbench_navigation_links_the_trail_for_admins_only(client, people, viewer):
    client.force_login(people.bureau_admin.user)
    assert f'href="{LIST}"' in client.get("/workbench/").content.decode()
    client.force_login(people.department_admin.user)
    assert f'href="{LIST}"' not in client.get("/workbench/").content.decode()


# --- List and filters ------------------------------------------------------------------------


def test_columns_of_a_row(client, people, mixed):
    _, _, events = mixed
    client.force_login(people.system_admin.user)
    html = client.get(LIST).content.decode()
    row = re.search(rf'<tr data-sequence="{events[1].sequence}">(.*?)</tr>', html, re.S).group(1)
    local = timezone.localtime(events[1].occurred_at).strftime("%Y-%m-%d <span>%H:%M:%S</span>")
    for text in (
        f'href="{detail(events[1].sequence)}"',
        local,
        "数据变更",
        "clerk",
        "test.rename",
        "区划",  # the model's verbose name for org.region
        "甲镇",  # the object's label when the event was written
        f"#{events[1].object_id}",
        "名称",  # the changed field by its verbose name
        "区划调整",
    ):
        assert text in row, text
    system_row = re.search(
        rf'<tr data-sequence="{events[3].sequence}">(.*?)</tr>', html, re.S
    ).group(1)
    assert "系统" in system_row


def test_time_is_shown_in_local_time(client, people, make_region, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    event = audit_change(action="test.create", obj=make_region(), after={"name": "x"})
    client.force_login(people.system_admin.user)
    html = client.get(LIST).content.decode()
    shanghai = event.occurred_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert shanghai.strftime("%Y-%m-%d <span>%H:%M:%S</span>") in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "access"}, [2]),
        ({"kind": "change"}, [3, 1, 0]),
        ({"action": "test.rename"}, [3, 1]),
        ({"actor": "clerk"}, [2, 1]),
        ({"actor": "system"}, [3]),
        ({"object_type": "org.region", "object_id": "B"}, [3, 2]),
        ({"object_id": "A", "kind": "change"}, [1, 0]),
        ({"actor": "nobody"}, []),
    ],
)
def test_filters(client, people, mixed, query, expected):
    a, b, events = mixed
    query = {k: {"A": str(a.pk), "B": str(b.pk)}.get(v, v) for k, v in query.items()}
    client.force_login(people.system_admin.user)
    html = client.get(LIST, query).content.decode()
    found = [s for s in sequences(html) if s >= events[0].sequence]
    assert found == [events[i].sequence for i in expected]
    if not expected:
        assert "没有符合条件的审计事件。" in html


def test_filters_keep_the_scope(client, people, viewer, mixed):
    _, _, events = mixed
    client.force_login(viewer.user)
    html = client.get(LIST, {"action": "test.rename"}).content.decode()
    assert sequences(html) == [events[1].sequence]  # not the system's rename
    html = client.get(LIST, {"action": "test.create"}).content.decode()
    assert sequences(html) == []
    html = client.get(LIST, {"actor": "bureau_admin"}).content.decode()
    assert sequences(html) == []


def test_date_range_is_in_local_days(client, people, make_region, settings, monkeypatch):
    settings.TIME_ZONE = "Asia/Shanghai"
    region = make_region()
    shanghai = dt.timezone(dt.timedelta(hours=8))
    moments = [
        dt.datetime(2026, 3, 1, 23, 59, tzinfo=shanghai),  # 15:59 UTC on 1 March
        dt.datetime(2026, 3, 2, 0, 1, tzinfo=shanghai),  # still 1 March in UTC
        dt.datetime(2026, 3, 3, 23, 59, tzinfo=shanghai),
        dt.datetime(2026, 3, 4, 0, 0, tzinfo=shanghai),
    ]
    events = []
    for moment in moments:
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        events.append(audit_change(action="test.create", obj=region, after={"n": 1}))
    monkeypatch.undo()
    client.force_login(people.system_admin.user)

    def found(**dates: str) -> list[int]:
        query = {"object_type": "org.region", "object_id": str(region.pk), **dates}
        return sequences(client.get(LIST, query).content.decode())

    assert found(date_from="2026-03-02", date_to="2026-03-03") == [
        events[2].sequence,
        events[1].sequence,
    ]
    assert found(date_from="2026-03-04") == [events[3].sequence]
    assert found(date_to="2026-03-01") == [events[0].sequence]
    assert found(date_from="2026-03-01", date_to="2026-03-01") == [events[0].sequence]


def test_bad_filters_show_errors_and_no_events(client, people, mixed):
    client.force_login(people.bureau_admin.user)
    response = client.get(LIST, {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "结束日期不能早于开始日期。" in html
    assert 'data-testid="filter-error"' in html
    assert sequences(html) == []
    html = client.get(LIST, {"date_from": "昨天", "kind": "nonsense"}).content.decode()
    assert "输入一个有效的日期。" in html
    assert "nonsense 不在可用的选项中。" in html
    assert sequences(html) == []


def test_personal_data_access_is_one_click_away(client, people, mixed):
    _, _, events = mixed
    client.force_login(people.bureau_admin.user)
    html = client.get(LIST).content.decode()
    link = re.search(r'<a href="([^"]*)"[^>]*data-testid="access-tab">个人信息访问记录</a>', html)
    assert link, "no 个人信息访问记录 tab"
    url = link.group(1).replace("&amp;", "&")
    assert url == "?kind=access"
    html = client.get(LIST + url).content.decode()
    assert sequences(html) == [events[2].sequence]
    assert 'aria-current="page" data-testid="access-tab"' in html


def test_the_tabs_keep_the_other_filters(client, people, mixed):
    client.force_login(people.bureau_admin.user)
    html = client.get(LIST, {"actor": "clerk", "page": "2"}).content.decode()
    assert 'href="?actor=clerk&amp;kind=access" aria-current' not in html
    assert 'href="?actor=clerk&amp;kind=access"' in html


def test_pages_of_fifty(client, people, chain):
    chain(51 - AuditEvent.objects.count())  # the people fixture wrote a few events already
    client.force_login(people.system_admin.user)
    html = client.get(LIST).content.decode()
    assert sequences(html) == list(range(51, 1, -1))
    assert "共 51 条" in html
    assert 'href="?page=2"' in html
    html = client.get(LIST, {"page": "2"}).content.decode()
    assert sequences(html) == [1]
    assert "第 2 / 2 页" in html
    # a page number past the end shows the last page, not an error
    assert sequences(client.get(LIST, {"page": "99"}).content.decode()) == [1]


def test_list_query_count_does_not_grow_with_the_page(client, people, chain):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(people.bureau_admin.user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    chain(3)
    client.get(LIST)  # warm the per-process caches (content types, labels)
    few = queries()
    chain(60)
    assert queries() == few


# --- Detail ----------------------------------------------------------------------------------


def test_detail_shows_every_field_the_changes_and_the_chain(client, people, mixed):
    a, _, events = mixed
    event = AuditEvent.objects.get(sequence=events[1].sequence)
    client.force_login(people.bureau_admin.user)
    html = client.get(detail(event.sequence)).content.decode()
    for text in (
        f"审计事件 #{event.sequence}",
        "clerk",
        f"账号 ID {people.clerk.user.pk}",
        "test.rename",
        "org.region",
        "区划调整",
        event.hash,
        event.previous_hash,
        "变更前",
        "甲镇",
        "甲乡",
        timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
    ):
        assert text in html, text
    # the other events of the same object, and a link to all of them in the list
    assert f'href="{detail(events[0].sequence)}"' in html
    assert f'href="{detail(events[3].sequence)}"' not in html  # another object
    assert f"?object_type=org.region&amp;object_id={a.pk}" in html
    # the previous event of the chain
    assert f'href="{detail(event.sequence - 1)}"' in html


def test_detail_of_an_access_event_names_the_fields_and_the_reason(client, people, mixed):
    _, _, events = mixed
    client.force_login(people.bureau_admin.user)
    html = client.get(detail(events[2].sequence)).content.decode()
    assert "查看的字段" in html
    assert "个人信息访问" in html
    assert "核查" in html
    assert 'data-testid="changes"' not in html


def test_same_object_list_is_scoped(client, people, viewer, mixed):
    _, _, events = mixed
    client.force_login(viewer.user)
    html = client.get(detail(events[1].sequence)).content.decode()
    assert f'href="{detail(events[0].sequence)}"' not in html  # the bureau admin's
    assert "没有其他事件。" in html


# --- Verification ----------------------------------------------------------------------------


def test_verify_button_for_admins_only(client, people, viewer, mixed):
    client.force_login(people.bureau_admin.user)
    assert 'data-testid="verify-button"' in client.get(LIST).content.decode()
    client.force_login(viewer.user)
    assert 'data-testid="verify-button"' not in client.get(LIST).content.decode()
    response = client.post(VERIFY)
    assert response.status_code == 403
    assert "只有数据资源局管理员和系统管理员可以验证审计链。" in response.content.decode()


def test_verify_is_post_only(client, people, mixed):
    client.force_login(people.bureau_admin.user)
    assert client.get(VERIFY).status_code == 405


def test_verify_reports_an_intact_chain(client, people, mixed):
    client.force_login(people.bureau_admin.user)
    total = AuditEvent.objects.count()
    response = client.post(VERIFY)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="verify-ok"' in html
    assert f"已验证 {total} 条审计事件，链完整。" in html


def test_verify_reports_the_first_tampered_event(client, people, chain, raw):
    chain(5)
    raw.set_column(3, "reason", "改过的事由")
    client.force_login(people.system_admin.user)
    html = client.post(VERIFY).content.decode()
    assert 'data-testid="verify-failed"' in html
    assert "审计链不完整：第 3 条审计事件的内容与其哈希不符（记录被修改）。" in html
    assert "此前的 2 条事件验证无误。" in html
    assert f'href="{detail(3)}"' in html


def test_verify_reports_a_deleted_event_without_a_dead_link(client, people, chain, raw):
    chain(4)
    raw.delete(2)
    client.force_login(people.bureau_admin.user)
    html = client.post(VERIFY).content.decode()
    assert "第 2 条审计事件缺失（已被删除）。" in html
    assert 'data-testid="bad-event-link"' not in html


# --- Personal data ---------------------------------------------------------------------------


def test_pages_never_show_personal_data_in_clear(client, people):
    id_number = f.id_number("19850607")
    phone = "13912345678"
    admin = people.bureau_admin.user
    applicant = applicant_register(
        kind=ApplicantKind.PERSON, name="李四", phone=phone, id_number=id_number, actor=admin
    )
    for field in ("id_number", "phone"):
        revealed = personal_data_reveal(
            actor=admin, obj=applicant, field=field, reason=f"核对身份，来电 {phone}"
        )
        assert revealed in (id_number, phone)
    masked_id = str(applicant.id_number)
    masked_phone = str(applicant.phone)
    assert masked_id != id_number and masked_phone != phone
    client.force_login(admin)
    pages = [
        client.get(LIST).content.decode(),
        client.get(LIST, {"kind": "access"}).content.decode(),
    ]
    for event in AuditEvent.objects.filter(object_type="org.applicant"):
        pages.append(client.get(detail(event.sequence)).content.decode())
    assert len(pages) >= 5
    for html in pages:
        assert id_number not in html
        assert phone not in html
    # the creation event shows the values masked as stored
    assert any(masked_id in html and masked_phone in html for html in pages[2:])


def test_english_interface(client, people, mixed):
    client.force_login(people.bureau_admin.user)
    client.post("/i18n/setlang/", {"language": "en", "next": LIST})
    html = client.get(LIST).content.decode()
    for text in (
        "Verify the audit chain",
        "Personal-data access",
        "Client address",
        "By (user name)",
    ):
        assert text in html, text
    assert "个人信息访问记录" not in html
    html = client.post(VERIFY).content.decode()
    assert "the chain is intact." in html
