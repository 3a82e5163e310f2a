"""POST /api/licenses/gather/: a department's system sends its licences with a license-gather
key bound to the department — scope, department, all or nothing, idempotency, per-row errors."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests import factories
from yiwang.licenses import services
from yiwang.licenses.models import License, LicenseOrigin, LicenseStatus
from yiwang.org import services as org_services
from yiwang.org.models import ApiKeyScope

pytestmark = pytest.mark.django_db
URL = "/api/licenses/gather/"


@pytest.fixture
def key(issuer):
    _key, secret = org_services.api_key_create(
        name="市场监管业务系统", scope=ApiKeyScope.LICENSE_GATHER, department=issuer
    )
    return secret


def record(code, number, **extra):
    data = {
        "type_code": code,
        "source_number": number,
        "holder_kind": "person",
        "holder_name": "李四",
        "holder_id_number": factories.id_number(seq=7),
        "valid_from": "2025-05-01",
        "valid_until": "2030-04-30",
        "fields": {"经营场所": "城关镇 8 号", "从业人员": 2, "网络经营": True},
    }
    data.update(extra)
    return data


def post(body, secret=None, **headers):
    if secret:
        headers["HTTP_X_API_KEY"] = secret
    return Client().post(URL, json.dumps(body), content_type="application/json", **headers)


def test_gathers_then_resending_changes_nothing(license_type, key):
    body = [record(license_type.code, "A-1"), record(license_type.code, "A-2", holder_name="王五")]
    first = post(body, key)
    assert first.status_code == 201, first.content
    assert first.json() | {"identifiers": []} == {
        "rows": 2,
        "created": 2,
        "unchanged": 0,
        "changed": 0,
        "dry_run": False,
        "errors": [],
        "identifiers": [],
    }
    assert License.objects.filter(origin=LicenseOrigin.GATHERED).count() == 2
    assert set(first.json()["identifiers"]) == set(
        License.objects.values_list("identifier", flat=True)
    )
    again = post(body, key)
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 2)
    assert License.objects.count() == 2


def test_changed_content_answers_changed(license_type, key):
    post([record(license_type.code, "C-1")], key)
    moved = record(license_type.code, "C-1", fields={"经营场所": "新址 1 号"})
    response = post([moved], key)
    assert response.status_code == 201 and response.json()["changed"] == 1
    assert License.objects.get(version=1).status == LicenseStatus.EXPIRED


def test_bad_rows_are_400_and_nothing_is_written(license_type, key):
    body = [
        record(license_type.code, "E-1"),
        record(license_type.code, "E-2", holder_id_number="110101199001011234"),
        record(license_type.code, "E-3", fields={"从业人员": "三"}),
        "not an object",
        record(license_type.code, "E-5", colour="red"),
        record(license_type.code, "E-6", fields={"从业人员": 1}),  # 经营场所 is required
    ]
    response = post(body, key)
    assert response.status_code == 400
    errors = {e["row"]: e for e in response.json()["errors"]}
    assert sorted(errors) == [2, 3, 4, 5, 6]
    assert errors[2]["column"] == "holder_id_number"
    assert errors[3]["column"] == "fields.从业人员"
    assert errors[5]["column"] == "colour"
    assert errors[6]["column"] == "fields.经营场所" and "请填写" in errors[6]["message"]
    assert License.objects.count() == 0


def test_type_of_another_department_is_a_refused_row(license_type, key):
    other = factories.department("示范县卫生健康局")
    services.seal_key_rotate(department=other)
    theirs = services.license_type_create(
        code=factories.uscc() + "003", name="医疗机构执业许可证", department=other, fields=[]
    )
    response = post([record(license_type.code, "T-1"), record(theirs.code, "T-2", fields={})], key)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "row": 2,
            "column": "type_code",
            "message": (
                "证照类型“医疗机构执业许可证”由示范县卫生健康局颁发，示范县市场监督管理局不能归集。"
            ),
        }
    ]
    assert License.objects.count() == 0


def test_no_key_is_401_and_unknown_key_is_401(license_type):
    assert post([record(license_type.code, "N-1")]).status_code in (401, 403)
    assert post([record(license_type.code, "N-1")], "ywk_nope").status_code == 401
    assert License.objects.count() == 0


def test_key_of_another_scope_is_403(license_type):
    _key, secret = org_services.api_key_create(name="城市 App", scope=ApiKeyScope.OPEN311)
    response = post([record(license_type.code, "S-1")], secret)
    assert response.status_code == 403
    assert "用途" in response.json()["detail"]
    assert License.objects.count() == 0


def test_revoked_key_is_refused(license_type, issuer):
    key, secret = org_services.api_key_create(
        name="旧系统", scope=ApiKeyScope.LICENSE_GATHER, department=issuer
    )
    org_services.api_key_revoke(key=key)
    assert post([record(license_type.code, "V-1")], secret).status_code == 401


def test_staff_token_is_not_a_key(license_type, issuer):
    from yiwang.org.models import Role

    staff = factories.staff(issuer, [Role.DEPARTMENT_ADMIN])
    client = Client()
    client.force_login(staff.user)
    response = client.post(
        URL, json.dumps([record(license_type.code, "W-1")]), content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert License.objects.count() == 0


def test_body_not_a_list(key):
    response = post({"type_code": "x"}, key)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "请求体应为证照的 JSON 列表。"


def test_too_many_rows(license_type, key, settings):
    settings.YIWANG_LICENSE_GATHER_MAX_ROWS = 1
    response = post([record(license_type.code, "M-1"), record(license_type.code, "M-2")], key)
    assert response.status_code == 400 and "最多" in response.json()["errors"][0]["message"]


def test_schema_documents_the_endpoint():
    response = Client().get("/api/schema/?format=json")
    operation = response.json()["paths"]["/api/licenses/gather/"]["post"]
    assert set(operation["responses"]) >= {"200", "201", "400", "401", "403"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    assert {"licenseGatherKeyAuth": []} in operation["security"]
