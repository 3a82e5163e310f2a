"""The demo county's licences: 张三 and the demo company see theirs in 我的证照, one revoked,
each sealed and verifiable; seeding again adds nothing."""

from __future__ import annotations

import pytest

from yiwang.demo.services import seed_demo_county
from yiwang.licenses import files, selectors, verification
from yiwang.licenses.models import License, LicenseStatus
from yiwang.org.models import User


@pytest.fixture
def seeded(db):
    return seed_demo_county()


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
    assert License.objects.count() == count == 5
