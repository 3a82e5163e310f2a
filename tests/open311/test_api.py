"""Open311 through Django's test client: the filters of GET requests and their refusals, the
mapping of our states to open / closed and status_notes, what a request must carry, and that
only tickets that came in through Open311 are ever shown."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from defusedxml import ElementTree as ET
from django.utils import timezone

from yiwang.appeals import services as appeals
from yiwang.appeals.models import Ticket, TicketEvent
from yiwang.audit.models import AuditEvent

BASE = "/open311/v2/"


def _post(client, world, fmt="json", **data):
    values = {
        "api_key": world.key,
        "service_code": "complaint",
        "address_string": "城关镇人民路 18 号",
        "description": "人民路 18 号门前窨井盖破损。",
    }
    values.update(data)
    values = {k: v for k, v in values.items() if v is not None}
    return client.post(f"{BASE}requests.{fmt}", values)


def _rows(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def _error(response, status):
    assert response.status_code == status, response.content
    [error] = _rows(response)
    assert error["code"] == status
    return error["description"]


def _created(client, world, **data) -> Ticket:
    response = _post(client, world, **data)
    assert response.status_code == 201, response.content
    return Ticket.objects.get(pk=int(_rows(response)[0]["service_request_id"]))


def test_a_department_service_takes_the_kind_attribute_and_notes_the_department(client, world):
    code = f"dept-{world.market.pk}"
    assert "attribute[kind]" in _error(_post(client, world, service_code=code), 400)
    ticket = _created(
        client,
        world,
        service_code=code,
        **{"attribute[kind]": "report", "attribute[title]": "夜间施工"},
    )
    assert ticket.kind == "report" and ticket.title == "夜间施工"
    event = TicketEvent.objects.get(ticket=ticket, action="open311_department")
    assert event.department == world.market and not event.public
    assert event.label == "申请人选择承办部门"
    audit = AuditEvent.objects.get(action="open311.request_create")
    assert audit.object_id == str(ticket.pk)
    assert audit.changes["service_code"]["after"] == code
    assert audit.changes["api_key_name"]["after"] == "城市服务 App"


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "no-such"}, 404, "no-such"),
        ({"address_string": ""}, 400, "地点"),
        ({"address_string": "", "lat": "30.1"}, 400, "lat 与 long"),
        ({"address_string": "", "lat": "95", "long": "120"}, 400, "纬度"),
        ({"phone": "12345"}, 400, "联系电话"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"description": "x" * 4001}, 400, "4000"),
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "wrong"}, 403, "api_key"),
    ],
)
def test_refused_requests_create_nothing(client, world, data, status, words):
    assert words in _error(_post(client, world, **data), status)
    assert not Ticket.objects.exists()


def test_a_request_without_a_description_names_its_service(client, world):
    # GeoReport v2 makes description optional.
    response = _post(client, world, description="")
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert ticket.content.endswith("（未填写描述）") and ticket.title


def test_a_rating_device_key_cannot_create_requests(client, world):
    from tests import factories as f
    from yiwang.org import services as org

    window = f.window(f.hall(), world.market)
    _, device_key = org.api_key_create(name="评价器", scope="rating-device", window=window)
    _error(_post(client, world, api_key=device_key), 403)
    assert not Ticket.objects.exists()


def test_the_key_may_come_as_a_header(client, world):
    response = client.post(
        f"{BASE}requests.json",
        {"service_code": "help", "address_string": "某村", "description": "求助：路灯不亮"},
        HTTP_X_API_KEY=world.key,
    )
    assert response.status_code == 201


def test_the_key_never_in_a_writes_url_and_ignored_in_a_reads(client, world):
    response = client.post(
        f"{BASE}requests.json?api_key={world.key}",
        {"service_code": "help", "address_string": "某村", "description": "路灯不亮"},
    )
    assert "网址" in _error(response, 403)
    assert not Ticket.objects.exists()
    assert client.get(f"{BASE}requests.json", {"api_key": world.key}).status_code == 200
    assert client.get(f"{BASE}services.json", {"api_key": "whatever"}).status_code == 200


def test_a_name_makes_a_real_name_ticket_none_an_anonymous_one(client, world):
    named = _created(client, world, first_name="五", last_name="王", phone="13800138000")
    assert named.applicant_name == "王五" and not named.anonymous
    assert named.applicant_phone.reveal() == "13800138000"
    anonymous = _created(client, world)
    assert anonymous.anonymous and anonymous.title == "人民路 18 号门前窨井盖破损。"


def test_other_channels_tickets_are_never_shown(client, world):
    hotline = appeals.ticket_register(
        actor=None,
        source="hotline",
        kind="complaint",
        title="热线工单",
        content="热线内容",
        applicant_name="李四",
    )
    mine = _created(client, world)
    assert [r["service_request_id"] for r in _rows(client.get(f"{BASE}requests.json"))] == [
        str(mine.pk)
    ]
    _error(client.get(f"{BASE}requests/{hotline.pk}.json"), 404)
    _error(client.get(f"{BASE}tokens/{hotline.number}.json"), 404)
    ids = f"{hotline.pk},{mine.pk}"
    rows = _rows(client.get(f"{BASE}requests.json", {"service_request_id": ids}))
    assert [r["service_request_id"] for r in rows] == [str(mine.pk)]


def test_personal_numbers_in_the_description_are_masked(client, world):
    _created(client, world, description="我的电话 13800138000，请回电。")
    [row] = _rows(client.get(f"{BASE}requests.json"))
    assert "13800138000" not in row["description"] and "138****8000" in row["description"]


def _close(world, ticket: Ticket) -> Ticket:
    appeals.ticket_dispatch(ticket=ticket, actor=world.dispatcher.user, lead=world.market)
    appeals.ticket_sign_for(ticket=ticket, actor=world.handler.user)
    appeals.ticket_reply(ticket=ticket, actor=world.handler.user, reply="已更换井盖。")
    appeals.ticket_close(ticket=ticket, actor=world.dispatcher.user, note="办结")
    ticket.refresh_from_db()
    return ticket


def test_status_open_or_closed_and_our_state_in_status_notes(client, world):
    waiting = _created(client, world, service_code="consult")
    dispatched = _created(client, world)
    appeals.ticket_dispatch(ticket=dispatched, actor=world.dispatcher.user, lead=world.market)
    closed = _close(world, _created(client, world))

    rows = {r["service_request_id"]: r for r in _rows(client.get(f"{BASE}requests.json"))}
    assert rows[str(waiting.pk)]["status"] == "open"
    assert rows[str(waiting.pk)]["status_notes"] == "待派单。"
    notes = rows[str(dispatched.pk)]["status_notes"]
    assert notes.startswith("待签收，主办部门 县市场监督管理局，办理期限 ")
    assert rows[str(dispatched.pk)]["agency_responsible"] == "县市场监督管理局"
    assert rows[str(dispatched.pk)]["expected_datetime"].endswith("T23:59:59+08:00")
    assert rows[str(closed.pk)]["status"] == "closed"
    assert rows[str(closed.pk)]["status_notes"] == "已办结。答复：已更换井盖。"
    assert rows[str(closed.pk)]["updated_datetime"] == timezone.localtime(
        closed.closed_at
    ).isoformat(timespec="seconds")

    def ids(**query):
        return {r["service_request_id"] for r in _rows(client.get(f"{BASE}requests.json", query))}

    assert ids(status="closed") == {str(closed.pk)}
    assert ids(status="open") == {str(waiting.pk), str(dispatched.pk)}
    assert ids(status="open,closed") == set(rows)
    # A department's service: the tickets it leads.
    assert ids(service_code=f"dept-{world.market.pk}") == {str(dispatched.pk), str(closed.pk)}
    assert ids(service_code="consult,complaint") == set(rows)
    assert ids(service_code="consult") == {str(waiting.pk)}


def test_date_filters(client, world):
    old = _created(client, world)
    Ticket.objects.filter(pk=old.pk).update(registered_at=timezone.now() - dt.timedelta(days=100))
    new = _created(client, world)

    def ids(**query):
        response = client.get(f"{BASE}requests.json", query)
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in _rows(response)]

    # By default the last 90 days.
    assert ids() == [str(new.pk)]
    start = (timezone.now() - dt.timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(start_date=start) == [str(old.pk)]  # start + 90 days
    end = (timezone.now() - dt.timedelta(days=50)).isoformat()
    assert ids(end_date=end) == [str(old.pk)]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "2026-01-01T00:00:00"}, "时区"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90 天"),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "早于"),
        ({"status": "pending"}, "status"),
        ({"service_code": "complaint,nope"}, "nope"),
    ],
)
def test_bad_filters_are_400(client, world, query, words):
    assert words in _error(client.get(f"{BASE}requests.json", query), 400)


def test_errors_in_xml_and_unknown_resources(client, world):
    response = client.get(f"{BASE}requests.xml", {"status": "pending"})
    assert response.status_code == 400 and response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "errors" and root.find("error/code").text == "400"
    for path in (
        "nothing.json",
        "requests.csv",
        "requests/abc.json",
        "requests/99999999999999999999.json",
    ):
        response = client.get(BASE + path)
        assert response.status_code == 404, path
    assert json.loads(client.get(f"{BASE}nothing.json").content)[0]["code"] == 404
    response = client.delete(f"{BASE}requests.json")
    assert response.status_code == 405 and _rows(response)[0]["code"] == 405


def test_service_list_json_and_definition_xml(client, world):
    from yiwang.appeals.models import Responsibility

    Responsibility.objects.create(department=world.market, title="食品安全", keywords="过期")
    rows = _rows(client.get(f"{BASE}services.json"))
    by_code = {r["service_code"]: r for r in rows}
    assert by_code["complaint"] == {
        "service_code": "complaint",
        "service_name": "投诉",
        "description": by_code["complaint"]["description"],
        "metadata": True,
        "type": "realtime",
        "keywords": "投诉",
        "group": "诉求类别",
    }
    market = by_code[f"dept-{world.market.pk}"]
    assert market["service_name"] == "县市场监督管理局" and market["keywords"] == "食品安全"
    response = client.get(f"{BASE}services/complaint.xml")
    root = ET.fromstring(response.content)
    assert root.tag == "service_definition" and root.find("service_code").text == "complaint"
    attribute = root.find("attributes/attribute")
    assert attribute.find("code").text == "title" and attribute.find("required").text == "false"
    assert attribute.find("values") is not None


def test_odd_inputs_are_spec_errors_not_server_errors(client, world):
    # Beyond the databases' 64-bit keys: a 404, not an overflow.
    _error(client.get(f"{BASE}services/dept-{'9' * 25}.json"), 404)
    _error(_post(client, world, service_code=f"dept-{'9' * 25}"), 404)
    _error(client.get(f"{BASE}requests.json", {"service_code": f"dept-{'9' * 25}"}), 400)
    rows = _rows(client.get(f"{BASE}requests.json", {"service_request_id": "9" * 25 + ",x"}))
    assert rows == []
    # The spec's body is a form; JSON is refused in Chinese, in the spec's shape.
    response = client.post(
        f"{BASE}requests.json",
        json.dumps({"service_code": "complaint"}),
        content_type="application/json",
        HTTP_X_API_KEY=world.key,
    )
    assert "表单" in _error(response, 400)
    assert not Ticket.objects.exists()


def test_service_discovery_in_both_formats(client, world):
    document = _rows(client.get(f"{BASE}discovery.json"))
    assert document["contact"].startswith("县数据资源管理局")
    [endpoint] = document["endpoints"]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = ET.fromstring(client.get(f"{BASE}discovery.xml").content)
    assert root.tag == "discovery"
    formats = [f.text for f in root.findall("endpoints/endpoint/formats/format")]
    assert formats == ["text/xml", "application/json"]
