"""The XML and JSON of a GeoReport document: escaping, empty and boolean values, nesting."""

from __future__ import annotations

import json

from defusedxml import ElementTree as ET

from yiwang.open311.api.formats import Document, errors, to_json, to_xml


def test_xml_escapes_text_and_writes_empty_and_boolean_values():
    document = Document(
        "service_requests",
        "request",
        [{"description": "<b>井盖</b> & 路灯", "account_id": None, "metadata": True, "lat": 30.5}],
    )
    xml = to_xml(document)
    assert xml.startswith('<?xml version="1.0" encoding="utf-8"?>\n')
    request = ET.fromstring(xml.encode()).find("request")
    assert request.find("description").text == "<b>井盖</b> & 路灯"
    assert request.find("account_id").text is None
    assert request.find("metadata").text == "true" and request.find("lat").text == "30.5"
    assert "<b>" not in xml


def test_nested_lists_take_the_spec_item_names():
    document = Document(
        "service_definition",
        obj={
            "service_code": "x",
            "attributes": [{"code": "k", "values": [{"key": "a", "name": "甲"}]}],
        },
    )
    root = ET.fromstring(to_xml(document).encode())
    assert root.find("attributes/attribute/values/value/name").text == "甲"
    assert json.loads(to_json(document))["attributes"][0]["values"] == [{"key": "a", "name": "甲"}]


def test_errors_document():
    assert json.loads(to_json(errors(403, "缺少 api_key"))) == [
        {"code": 403, "description": "缺少 api_key"}
    ]
    root = ET.fromstring(to_xml(errors(404, "不存在")).encode())
    assert root.tag == "errors" and root.find("error/description").text == "不存在"
