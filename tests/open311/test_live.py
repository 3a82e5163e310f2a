"""Open311 GeoReport v2 against the running server with a real HTTP client (urllib): create a
request with an API key, list it and get it in JSON and XML, 403 without (or with a revoked)
key, 404 for an unknown service — every answer in the format of its suffix."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from defusedxml import ElementTree as ET

from yiwang.appeals.fields import TicketSource, TicketStatus
from yiwang.appeals.models import Ticket
from yiwang.org import services as org
from yiwang.org.models import ApiKey


def _call(base: str, path: str, data: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(f"{base}/open311/v2/{path}", data=body)  # noqa: S310
    if body is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local server
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


REQUEST = {
    "service_code": "complaint",
    "lat": "30.123456",
    "long": "120.654321",
    "address_string": "城关镇人民路 18 号",
    "first_name": "五",
    "last_name": "王",
    "phone": "13800138000",
    "description": "人民路 18 号门前窨井盖破损，夜间有行人跌倒的危险。",
}


def test_create_list_and_get_in_json_and_xml(live_server, live_world):
    base = live_server.url
    status, content_type, body = _call(
        base, "requests.json", {**REQUEST, "api_key": live_world.key}
    )
    assert status == 201, body
    assert content_type == "application/json; charset=utf-8"
    created = json.loads(body)
    assert len(created) == 1 and "token" not in created[0]
    request_id = created[0]["service_request_id"]
    ticket = Ticket.objects.get(pk=int(request_id))
    # A ticket like any other: source Open311, classified from the service, at the desk.
    assert ticket.source == TicketSource.OPEN311
    assert ticket.kind == "complaint" and ticket.status == TicketStatus.PENDING_DISPATCH
    assert ticket.applicant_name == "王五" and ticket.address == "城关镇人民路 18 号"
    assert ticket.number in created[0]["service_notice"]

    # The same request through XML.
    status, content_type, body = _call(
        base,
        "requests.xml",
        {
            **REQUEST,
            "service_code": "consult",
            "description": "垃圾清运时间？",
            "api_key": live_world.key,
        },
    )
    assert status == 201 and content_type == "text/xml; charset=utf-8"
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(body)
    assert root.tag == "service_requests"
    xml_id = root.find("request/service_request_id").text
    assert Ticket.objects.get(pk=int(xml_id)).kind == "consult"

    # List, JSON: both, newest first, open, with our state in status_notes.
    status, _, body = _call(base, "requests.json")
    rows = json.loads(body)
    assert status == 200 and [r["service_request_id"] for r in rows] == [xml_id, request_id]
    first = rows[1]
    assert first["status"] == "open" and first["status_notes"].startswith("待派单")
    assert first["service_code"] == "complaint" and first["service_name"] == "投诉"
    assert first["lat"] == pytest.approx(30.123456) and first["long"] == pytest.approx(120.654321)
    assert first["agency_responsible"] == "县数据资源管理局"
    assert first["requested_datetime"].endswith("+08:00")

    # List, XML, filtered by service.
    status, _, body = _call(base, "requests.xml?service_code=consult")
    root = ET.fromstring(body)
    assert [e.text for e in root.findall("request/service_request_id")] == [xml_id]

    # Get one, JSON and XML.
    status, _, body = _call(base, f"requests/{request_id}.json")
    assert status == 200 and json.loads(body)[0]["description"].startswith("人民路 18 号")
    status, _, body = _call(base, f"requests/{request_id}.xml")
    request = ET.fromstring(body).find("request")
    assert status == 200 and request.find("status").text == "open"
    assert request.find("service_request_id").text == request_id

    # The ticket number is the token.
    status, _, body = _call(base, f"tokens/{ticket.number}.json")
    assert status == 200 and json.loads(body) == [
        {"service_request_id": request_id, "token": ticket.number}
    ]


def test_creating_without_or_with_a_bad_key_is_403_in_the_spec_format(live_server, live_world):
    base = live_server.url
    status, content_type, body = _call(base, "requests.json", REQUEST)
    assert status == 403 and content_type == "application/json; charset=utf-8"
    [error] = json.loads(body)
    assert error["code"] == 403 and "api_key" in error["description"]
    status, _, body = _call(base, "requests.xml", {**REQUEST, "api_key": "ywk_forged"})
    assert status == 403
    assert ET.fromstring(body).find("error/code").text == "403"
    # A revoked key no longer creates anything.
    org.api_key_revoke(key=ApiKey.objects.get())
    status, _, _ = _call(base, "requests.json", {**REQUEST, "api_key": live_world.key})
    assert status == 403
    assert not Ticket.objects.exists()


def test_unknown_service_is_404(live_server, live_world):
    base = live_server.url
    status, _, body = _call(base, "services/no-such-service.json")
    assert status == 404 and json.loads(body)[0]["code"] == 404
    status, content_type, body = _call(base, "services/no-such-service.xml")
    assert status == 404 and content_type == "text/xml; charset=utf-8"
    assert ET.fromstring(body).tag == "errors"
    status, _, body = _call(
        base, "requests.json", {**REQUEST, "service_code": "dept-999999", "api_key": live_world.key}
    )
    assert status == 404 and "dept-999999" in json.loads(body)[0]["description"]
    status, _, _ = _call(base, "requests/999999.json")
    assert status == 404
    assert not Ticket.objects.exists()


def test_services_and_a_definition_over_http(live_server, live_world):
    base = live_server.url
    status, _, body = _call(base, "services.xml")
    root = ET.fromstring(body)
    codes = [e.text for e in root.findall("service/service_code")]
    assert status == 200 and codes[:6] == [
        "consult", "help", "complaint", "report", "suggestion", "praise",
    ]  # fmt: skip
    assert f"dept-{live_world.market.pk}" in codes
    assert f"dept-{live_world.bureau.pk}" not in codes  # the bureau dispatches, it is no service
    status, _, body = _call(base, f"services/dept-{live_world.market.pk}.json")
    definition = json.loads(body)
    assert definition["service_code"] == f"dept-{live_world.market.pk}"
    kind = definition["attributes"][0]
    assert kind["code"] == "kind" and kind["required"] is True
    assert {"key": "complaint", "name": "投诉"} in kind["values"]
