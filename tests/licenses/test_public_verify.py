"""The public verification page: no sign-in, the verdict word, masked holder data only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.licenses.conftest import issue
from yiwang.licenses import presenters, services
from yiwang.licenses.models import License, LicenseStatus


@pytest.fixture
def licence(license_type):
    return issue(license_type, holder_name="张三丰")


def url(licence) -> str:
    return reverse("licenses-public:verify", args=[licence.identifier])


def verdict(response) -> str:
    html = response.content.decode()
    start = html.index('data-testid="verdict"')
    return html[start : html.index("</div>", start)]


def test_valid_licence_without_signing_in(client, licence):
    response = client.get(url(licence))
    assert response.status_code == 200
    assert 'data-result="valid"' in verdict(response) and "有效" in verdict(response)
    html = response.content.decode()
    assert "张**" in html and "张三丰" not in html  # a person's name is masked
    id_number = License.objects.get(pk=licence.pk).holder_id_number.reveal()
    assert id_number not in html and id_number[-4:] in html  # only the masked number


def test_revoked(client, licence):
    services.license_revoke(license=licence, reason="以欺骗手段取得")
    part = verdict(client.get(url(licence)))
    assert 'data-result="revoked"' in part and "已撤销" in part and "以欺骗手段取得" in part


def test_withdrawn(client, license_type):
    record = issue(license_type)
    services.license_revoke(license=record, reason="违法经营", status=LicenseStatus.WITHDRAWN)
    assert "已吊销" in verdict(client.get(url(record)))


def test_one_changed_stored_byte_is_altered_and_shows_nothing(client, licence):
    data = bytearray(bytes(licence.canonical))
    at = data.index("人民路 1 号".encode()) + len("人民路 ".encode())
    data[at] = ord("2")
    License.objects.filter(pk=licence.pk).update(canonical=bytes(data))
    response = client.get(url(licence))
    assert "已被篡改" in verdict(response) and 'data-result="altered"' in verdict(response)
    assert 'data-testid="holder"' not in response.content.decode()


def test_unknown_identifier_is_404(client, db):
    response = client.get(reverse("licenses-public:verify", args=["1.2.156.3005.2.x"]))
    assert response.status_code == 404 and "查无此证" in response.content.decode()


def test_rate_limited(client, licence, settings):
    settings.YIWANG_RATE_LIMIT_LICENSE_VERIFY_PER_ADDRESS = 1
    assert client.get(url(licence)).status_code == 200
    response = client.get(url(licence))
    assert response.status_code == 429 and response["Retry-After"]


def test_post_not_allowed(client, licence):
    assert client.post(url(licence)).status_code == 405


def test_enterprise_name_is_shown(client, license_type):
    from tests import factories
    from yiwang.licenses.models import HolderKind

    record = issue(
        license_type,
        holder_kind=HolderKind.ENTERPRISE,
        holder_name="示范县好味餐饮有限公司",
        holder_id_number="",
        holder_uscc=factories.uscc(),
    )
    assert "示范县好味餐饮有限公司" in client.get(url(record)).content.decode()


def test_mask_person_name():
    assert presenters.mask_person_name("张三") == "张*"
    assert presenters.mask_person_name("欧阳娜娜") == "欧***"
    assert presenters.mask_person_name("") == ""
