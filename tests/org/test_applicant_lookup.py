"""Looking an applicant up by ID number never puts the number in a URL: POST in the API and on
the page; the old GET filter is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests import factories as f
from yiwang.org import services
from yiwang.org.models import ApplicantKind

URL = "/api/org/applicants/lookup/"
ID_NUMBER = f.id_number("19850315", 42)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def applicant(db):
    return services.applicant_register(
        kind=ApplicantKind.PERSON, name="赵六", phone="13812345678", id_number=ID_NUMBER
    )


def test_lookup_by_post_finds_the_applicant_masked(api, two_departments, applicant):
    api.force_authenticate(two_departments.bureau_admin.user)
    response = api.post(URL, {"id_number": ID_NUMBER}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == applicant.pk and body["name"] == "赵六"
    assert body["id_number"] == ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:]
    assert ID_NUMBER not in response.content.decode()


def test_lookup_accepts_a_lower_case_x(api, two_departments, db):
    idn = f.id_number("19900101", 1)
    while not idn.endswith("X"):
        idn = f.id_number("19900101")
    found = services.applicant_register(
        kind=ApplicantKind.PERSON, name="钱七", phone="13812345670", id_number=idn
    )
    api.force_authenticate(two_departments.bureau_admin.user)
    response = api.post(URL, {"id_number": idn[:-1] + "x"}, format="json")
    assert response.status_code == 200 and response.json()["id"] == found.pk


def test_no_such_applicant_is_404_and_a_bad_number_is_400_or_422(api, two_departments, applicant):
    api.force_authenticate(two_departments.bureau_admin.user)
    missing = api.post(URL, {"id_number": f.id_number("19850315", 43)}, format="json")
    assert missing.status_code == 404
    assert "detail" in missing.json()
    # Not the schema's shape (18 characters, digits and a final X): 400.
    malformed = api.post(URL, {"id_number": ID_NUMBER[:-2]}, format="json")
    assert malformed.status_code == 400 and "id_number" in malformed.json()
    # The schema's shape, but a number that cannot exist (check digit): 422, as every rule the
    # schema cannot state (docs/api.md).
    bad = api.post(URL, {"id_number": f.with_wrong_check(ID_NUMBER)}, format="json")
    assert bad.status_code == 422 and "校验位" in bad.json()["id_number"][0]
    assert api.post(URL, {}, format="json").status_code == 400


def test_out_of_scope_is_404_like_missing(api, two_departments, applicant):
    """Staff of a department that serves no applicants cannot probe whether an ID exists."""
    other = f.staff(f.department("县丙局"), ["department_admin"])
    api.force_authenticate(other.user)
    assert api.post(URL, {"id_number": ID_NUMBER}, format="json").status_code == 404


def test_lookup_needs_staff(api, applicant):
    assert api.post(URL, {"id_number": ID_NUMBER}, format="json").status_code in (401, 403)


def test_the_get_filter_is_refused(api, two_departments, applicant):
    api.force_authenticate(two_departments.bureau_admin.user)
    response = api.get("/api/org/applicants/", {"id_number": ID_NUMBER})
    assert response.status_code == 400
    assert "POST /api/org/applicants/lookup/" in response.json()["id_number"][0]
    assert api.get("/api/org/applicants/").status_code == 200


def test_schema_documents_lookup_and_no_id_number_query(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    lookup = schema["paths"]["/api/org/applicants/lookup/"]["post"]
    assert "requestBody" in lookup
    listing = schema["paths"]["/api/org/applicants/"]["get"]
    assert "id_number" not in {p["name"] for p in listing.get("parameters", [])}


def test_page_form_posts_the_number(client, two_departments, applicant):
    client.force_login(two_departments.bureau_admin.user)
    page = client.get(reverse("org:applicant-list")).content.decode()
    assert 'method="post"' in page and 'name="id_number"' in page
    assert (
        "赵六"
        in client.post(reverse("org:applicant-list"), {"id_number": ID_NUMBER}).content.decode()
    )
    # A number left in a GET query is ignored: the full list, not a lookup.
    ignored = client.get(reverse("org:applicant-list"), {"id_number": "110101199003077777"})
    assert "没有找到该身份证号码" not in ignored.content.decode()
