"""The demo county's licences: 张三 and the demo company see theirs in 我的证照, one revoked,
each sealed and verifiable; the county's registry of a few hundred licences of several types
and departments, some revoked, cancelled, withdrawn or expired, with the links that make
auto-issue and 免提交 show; seeding again adds nothing."""

from __future__ import annotations

import pytest

from tests.seeded import demo_county
from yiwang.demo.services import seed_demo_county
from yiwang.licenses import files, selectors, verification
from yiwang.licenses.models import License, LicenseStatus
from yiwang.org.models import User

# ~18 a licence measured on both databases (5,444 for 300); the bound leaves room for change.
STATEMENTS_PER_LICENCE = 30


@pytest.fixture
def seeded(db):
    return demo_county()


def holder_licences(phone: str) -> list[License]:
    from yiwang.common.personal import personal_hash

    user = User.objects.get(applicant__phone_hash=personal_hash("phone", phone))
    return list(selectors.licenses_for_holder(user=user))


def test_the_demo_holders_have_their_licences(seeded):
    person = holder_licences("13800000001")
    company = holder_licences("13800000002")
    assert sorted(x.license_type.name for x in person) == ["营业执照", "食品经营许可证"]
    assert len(company) == 3
    assert [x.license_type.name for x in company if x.status == LicenseStatus.REVOKED] == [
        "公共场所卫生许可证"
    ]
    for licence in person + company:
        verdict = verification.verify_document(files.license_file(licence))
        assert verdict.valid == (licence.status == LicenseStatus.VALID), verdict


def test_seeding_again_adds_no_licence(seeded):
    count = License.objects.count()
    seed_demo_county()
    assert License.objects.count() == count == 305


def test_the_registry_spans_departments_types_and_statuses(seeded):
    from collections import Counter

    from yiwang.licenses.models import LicenseMaterial, LicenseType

    types = list(LicenseType.objects.select_related("department"))
    assert len(types) == 9 and sum(t.national for t in types) == 7
    assert len({t.department_id for t in types}) == 6
    for kind in types:  # the issuing department's USCC + a 3-digit sequence
        assert kind.code[:18] == kind.department.uscc and kind.code[18:].isdigit()
    statuses = Counter(License.objects.values_list("status", flat=True))
    assert sum(statuses.values()) == 305
    for status in ("revoked", "cancelled", "withdrawn", "expired"):
        assert statuses[status] > 0, status
    assert statuses["valid"] > 200
    ended = License.objects.exclude(status=LicenseStatus.VALID)
    assert not ended.filter(status_reason="") and not ended.filter(status_changed_at=None)
    for licence in License.objects.filter(status=LicenseStatus.EXPIRED):
        assert licence.valid_until is not None and licence.valid_until.year < 2026
    # Made-up holders: never the demo sign-ins' numbers, people and enterprises alike.
    assert License.objects.filter(holder_kind="person").count() > 100
    assert License.objects.filter(holder_kind="enterprise").count() > 100
    gathered = License.objects.filter(origin="gathered")
    assert 100 < gathered.count() < 200 and not gathered.filter(source_number="")
    assert not License.objects.filter(origin="issued").exclude(source_number="")
    # The links auto-issue and 免提交 read.
    food = LicenseType.objects.get(name="食品经营许可证")
    assert food.items.exists()
    assert all(i.published_version.result_name == "《食品经营许可证》" for i in food.items.all())
    assert dict(LicenseMaterial.objects.values_list("material_name", "license_type__name")) == {
        "营业执照": "营业执照",
        "食品经营许可证正副本": "食品经营许可证",
        "不动产权证书": "不动产权证书",
        "残疾人证": "残疾人证",
    }


def test_the_registry_is_sealed_and_the_same_on_every_run(seeded):
    from yiwang.demo.licenses import registry_rows

    sample = License.objects.select_related("seal_key", "issuer", "license_type").order_by("pk")
    for licence in sample[::25]:
        verdict = verification.verify_document(files.license_file(licence))
        assert verdict.valid == (licence.status == LicenseStatus.VALID), verdict
    # The rows are a pure function of the module: every run, every machine the same.
    rows = registry_rows()
    assert rows == registry_rows() and len(rows) == 300
    seeded_rows = {
        (x.license_type.name, x.holder_name, x.valid_from)
        for x in License.objects.select_related("license_type")
    }
    assert {(r.type_name, r.holder_name, r.valid_from) for r in rows} <= seeded_rows


def test_the_registry_seeds_in_a_bounded_number_of_statements(db, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yiwang.demo import licenses as demo

    registry = demo.seed_license_registry
    monkeypatch.setattr(demo, "seed_license_registry", lambda: {})
    seed_demo_county()  # the county and the first part, without the registry
    assert License.objects.count() == 5
    with CaptureQueriesContext(connection) as queries:
        report = registry()
    # 300 licences sealed and recorded through licenses.services: a bound on the statements
    # per licence (not a clock, which only measures the machine) catches a lookup that went
    # per row.
    assert report["电子证照"] == 300 and License.objects.count() == 305
    assert len(queries) < 300 * STATEMENTS_PER_LICENCE, len(queries)
    assert registry() == {}  # and once only
