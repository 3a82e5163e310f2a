"""The API enforces its own schema: a parameter beyond its declared bounds is a 400 with a
Chinese message naming it, a JSON body value must have its declared type, and the schema
declares exactly what is enforced."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import QueryDict
from django_filters import rest_framework as drf_filters
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers, viewsets
from rest_framework.test import APIClient, APIRequestFactory

from tests.catalog.conftest import claim_ready, publish, world  # noqa: F401 (fixture)
from yiwang.catalog.models import ServiceItem
from yiwang.common.filters import FilterBackend, StrictFilterSet
from yiwang.common.parsers import JSONObject
from yiwang.common.serializers import BodySerializer

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def published(world):  # noqa: F811
    item = claim_ready(world)
    publish(world, item.versions.get())
    return item


def refused(response, name: str) -> str:
    assert response.status_code == 400, response.content
    (message,) = response.json()[name]
    assert message.startswith(f"{name} "), message  # the sentence names the parameter
    return message


@pytest.mark.parametrize(
    ("path", "params", "name", "message"),
    [
        ("/api/catalog/items/", {"max_visits": "100"}, "max_visits", "0 到 99 之间的整数"),
        ("/api/catalog/items/", {"max_visits": "-1"}, "max_visits", "0 到 99 之间的整数"),
        ("/api/catalog/items/", {"max_visits": "5.0"}, "max_visits", "0 到 99 之间的整数"),
        ("/api/catalog/items/", {"max_visits": " 5"}, "max_visits", "0 到 99 之间的整数"),
        ("/api/catalog/items/", {"max_visits": ""}, "max_visits", "0 到 99 之间的整数"),
        ("/api/catalog/items/", {"item_type": ""}, "item_type", "只能是以下之一：licensing"),
        ("/api/catalog/items/", {"item_type": "x"}, "item_type", "只能是以下之一"),
        ("/api/catalog/items/", {"fully_online": "yes"}, "fully_online", "只能是 true 或 false"),
        ("/api/catalog/items/", {"cross_province": ""}, "cross_province", "true 或 false"),
        ("/api/catalog/items/", {"name": "食" * 201}, "name", "不能超过 200 个字符"),
        ("/api/catalog/items/", {"department": "0"}, "department", "不小于 1 的整数"),
        ("/api/catalog/search/", {"q": "饭" * 201}, "q", "q 不能超过 200 个字符"),
        ("/api/catalog/search/", {"q": "饭店", "limit": "51"}, "limit", "1 到 50 之间的整数"),
        ("/api/catalog/search/", {"q": "饭店", "limit": "+5"}, "limit", "1 到 50 之间的整数"),
        ("/api/org/departments/", {"kind": ""}, "kind", "只能是以下之一：authority、provider"),
        ("/api/org/departments/", {"is_bureau": "1"}, "is_bureau", "只能是 true 或 false"),
        ("/api/org/halls/", {"level": ""}, "level", "只能是以下之一"),
        ("/api/org/regions/", {"level": "9"}, "level", "只能是以下之一：1、2、3、4、5"),
        ("/api/org/regions/", {"parent": "x"}, "parent", "不小于 1 的整数"),
    ],
)
def test_out_of_bounds_parameters_are_400_naming_the_parameter(api, path, params, name, message):
    assert message in refused(api.get(path, params), name)


def test_a_parameter_given_twice_is_400(api):
    response = api.get("/api/catalog/items/?department=1&department=2")
    assert refused(response, "department") == "department 只能给一个值。"


def test_values_within_bounds_still_filter(api, published):
    items = "/api/catalog/items/"
    assert api.get(items, {"max_visits": "99"}).json()["count"] == 1
    assert api.get(items, {"max_visits": "0"}).json()["count"] == 0
    assert api.get(items, {"name": "食" * 200}).json()["count"] == 0
    assert api.get(items, {"name": ""}).json()["count"] == 1  # no minLength: empty matches all
    assert api.get(items, {"fully_online": "false", "item_type": "licensing"}).status_code == 200
    assert api.get("/api/catalog/search/", {"q": "饭" * 200, "limit": "50"}).status_code == 200
    assert api.get("/api/org/regions/", {"level": "3"}).status_code == 200


def test_a_bracket_multipart_body_is_not_an_empty_form(api, world, published):  # noqa: F811
    """Before: `[]` wrapped in a multipart boundary parsed as an empty form, and `revise`
    (whose reason is optional) opened a new draft on it."""
    api.force_authenticate(world.clerk.user)
    response = api.post(
        f"/api/catalog/manage/items/{published.pk}/revise/",
        b"--B\r\n[]--B--\r\n",
        content_type="multipart/form-data; boundary=B",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "请求体不是有效的 multipart/form-data 表单。"}
    assert published.versions.count() == 1


def _query_parameters():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    yield f"{method.upper()} {path} {parameter['name']}", parameter["schema"]


def test_every_query_parameter_declares_its_bounds():
    """What the schema does not bound, the API would have to accept."""
    unbounded = []
    for label, schema in _query_parameters():
        if schema["type"] == "integer":
            bounded = "enum" in schema or {"minimum", "maximum"} <= schema.keys()
        elif schema["type"] == "string":
            bounded = bool({"enum", "maxLength", "format"} & schema.keys())
        else:
            bounded = schema["type"] == "boolean"
        if not bounded:
            unbounded.append(label)
    assert unbounded == []


def test_the_schema_states_the_enforced_bounds():
    declared = dict(_query_parameters())
    assert declared["GET /api/catalog/items/ max_visits"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 99,
    }
    assert declared["GET /api/catalog/items/ name"] == {"type": "string", "maxLength": 200}
    assert declared["GET /api/catalog/search/ q"]["maxLength"] == 200
    assert declared["GET /api/org/regions/ level"]["enum"] == [1, 2, 3, 4, 5]
    assert "" not in declared["GET /api/catalog/items/ item_type"]["enum"]


def test_a_view_with_a_plain_filterset_is_refused():
    class Plain(drf_filters.FilterSet):
        class Meta:
            model = ServiceItem
            fields = ["status"]

    class View(viewsets.ReadOnlyModelViewSet):
        queryset = ServiceItem.objects.all()
        filterset_class = Plain

    request = APIRequestFactory().get("/api/x/")
    with pytest.raises(ImproperlyConfigured, match="StrictFilterSet"):
        FilterBackend().filter_queryset(request, ServiceItem.objects.all(), View())


def test_an_integer_filter_without_bounds_is_refused():
    with pytest.raises(ImproperlyConfigured, match="min_value"):

        class Unbounded(StrictFilterSet):
            n = drf_filters.NumberFilter()

            class Meta:
                model = ServiceItem
                fields: list[str] = []


def test_a_json_value_of_another_type_than_declared_is_400(api, world, published):  # noqa: F811
    """Before: DRF took the number 5 for the string "5", and revise opened a draft on it."""
    api.force_authenticate(world.clerk.user)
    url = f"/api/catalog/manage/items/{published.pk}/revise/"
    response = api.post(url, {"reason": 5}, format="json")
    assert response.status_code == 400
    assert response.json() == {"reason": ["应为字符串。"]}
    assert published.versions.count() == 1
    # A form's values are all text: there "5" is the string it looks like.
    assert api.post(url, {"reason": "5"}, format="multipart").status_code == 200


class _Typed(BodySerializer):
    n = serializers.IntegerField()
    flag = serializers.BooleanField()
    text = serializers.CharField()
    rows = serializers.ListField(child=serializers.CharField(), required=False)


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"n": "5", "flag": True, "text": "x"}, {"n": ["应为整数。"]}),
        ({"n": True, "flag": True, "text": "x"}, {"n": ["应为整数。"]}),
        ({"n": 5, "flag": 1, "text": "x"}, {"flag": ["应为 true 或 false。"]}),
        ({"n": 5, "flag": "true", "text": "x"}, {"flag": ["应为 true 或 false。"]}),
        ({"n": 5, "flag": True, "text": 1.5}, {"text": ["应为字符串。"]}),
    ],
)
def test_json_bodies_keep_their_types(data, errors):
    body = _Typed(data=JSONObject(data))
    assert not body.is_valid()
    assert body.errors == errors


def test_json_bodies_of_the_right_types_and_forms_are_accepted():
    assert _Typed(data=JSONObject({"n": 5, "flag": False, "text": "x"})).is_valid()
    assert _Typed(data=QueryDict("n=5&flag=true&text=x")).is_valid()
