"""The public working-day API: answers, Chinese errors, the holiday table by year, the schema."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from .conftest import enter_2027

pytestmark = pytest.mark.django_db

WARNING_2027 = "2027 年节假日安排尚未确认，按周一至周五计算。"


@pytest.fixture
def api() -> APIClient:
    return APIClient()  # anonymous: the endpoints are public


def test_root_lists_the_endpoints(api):
    body = api.get("/api/workdays/").json()
    assert set(body) == {"add", "between", "years"}
    assert body["add"].endswith("/api/workdays/add")


def test_add_across_spring_festival(api):
    response = api.get("/api/workdays/add", {"start": "2026-02-13", "days": 2})
    assert response.status_code == 200
    assert response.json() == {
        "date": "2026-02-24",
        "start": "2026-02-13",
        "days": 2,
        "start_rule": "next",
        "warnings": [],
    }


def test_add_with_the_same_day_rule(api):
    body = api.get("/api/workdays/add", {"start": "2026-03-06", "days": 1, "rule": "same"}).json()
    assert (body["date"], body["start_rule"]) == ("2026-03-06", "same")


def test_add_default_rule_from_settings(api, settings):
    settings.YIWANG_WORKDAY_START_RULE = "same"
    body = api.get("/api/workdays/add", {"start": "2026-03-06", "days": 1}).json()
    assert (body["date"], body["start_rule"]) == ("2026-03-06", "same")


def test_add_in_2027_warns(api):
    body = api.get("/api/workdays/add", {"start": "2027-01-01", "days": 1}).json()
    assert body["date"] == "2027-01-04"
    assert body["warnings"] == [WARNING_2027]


def test_add_in_2027_after_the_table_is_entered(api):
    enter_2027()
    body = api.get("/api/workdays/add", {"start": "2026-12-31", "days": 1}).json()
    assert body == {
        "date": "2027-01-04",
        "start": "2026-12-31",
        "days": 1,
        "start_rule": "next",
        "warnings": [],
    }


def test_between_national_day(api):
    response = api.get("/api/workdays/between", {"first": "2026-09-18", "second": "2026-10-10"})
    assert response.json() == {"days": 11, "warnings": []}


def test_between_reversed_is_zero(api):
    response = api.get("/api/workdays/between", {"first": "2026-10-10", "second": "2026-09-18"})
    assert response.json() == {"days": 0, "warnings": []}


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"days": 1}, "start", None),
        ({"start": "2026-2-13", "days": 1}, "start", "日期格式应为 YYYY-MM-DD。"),
        ({"start": "2026-02-30", "days": 1}, "start", "2026-02-30 不是有效的日期。"),
        ({"start": "2026-02-13", "days": -1}, "days", "工作日天数不能为负数。"),
        ({"start": "2026-02-13", "days": 3651}, "days", "工作日天数不能超过 3650。"),
        ({"start": "2026-02-13", "days": "5.0"}, "days", "请输入整数。"),
        ({"start": "2026-02-13", "days": ""}, "days", "请输入整数。"),
        (
            {"start": "2026-02-13", "days": 1, "rule": "later"},
            "rule",
            "起算规则只能是 same 或 next。",
        ),
        ({"start": "2026-02-13", "days": 1, "rule": ""}, "rule", None),
        ({"start": "9999-12-31", "days": 1}, "days", "计算结果超出可表示的日期范围。"),
    ],
)
def test_add_rejects_bad_input_with_chinese_messages(api, query, field, message):
    response = api.get("/api/workdays/add", query)
    assert response.status_code == 400
    errors = response.json()
    assert field in errors
    if message:
        assert errors[field] == [message]


def test_between_rejects_bad_dates(api):
    response = api.get("/api/workdays/between", {"first": "yesterday", "second": "2026-01-01"})
    assert response.status_code == 400
    assert response.json() == {"first": ["日期格式应为 YYYY-MM-DD。"]}


def test_the_api_is_read_only(api):
    assert api.post("/api/workdays/add", {"start": "2026-02-13", "days": 1}).status_code == 405


def test_years_list(api):
    rows = api.get("/api/workdays/years/").json()
    assert [row["year"] for row in rows] == list(range(2004, 2027))
    assert rows[-1] == {
        "year": 2026,
        "confirmed": True,
        "source": "chinesecalendar",
        "note": rows[-1]["note"],
        "holiday_count": 33,
        "makeup_workday_count": 6,
    }


def test_year_detail_lists_its_days(api):
    body = api.get("/api/workdays/years/2026/").json()
    assert len(body["days"]) == 39
    assert {"date": "2026-02-14", "kind": "makeup_workday", "name": "春节"} in body["days"]


@pytest.mark.parametrize("year", ["2027", "abc", "-1", "99999"])
def test_a_year_without_a_table_is_a_json_404(api, year):
    response = api.get(f"/api/workdays/years/{year}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "没有该年份的节假日安排。"}


def test_schema_declares_parameters_precisely(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    add = schema["paths"]["/api/workdays/add"]["get"]
    params = {p["name"]: p for p in add["parameters"]}
    assert params["start"]["required"] and params["start"]["schema"]["format"] == "date"
    assert params["days"]["schema"] == {"type": "integer", "minimum": 0, "maximum": 3650}
    assert not params["rule"].get("required", False)
    assert set(add["responses"]) == {"200", "400"}
    assert "/api/workdays/" not in schema["paths"]  # the root listing is not part of the contract
