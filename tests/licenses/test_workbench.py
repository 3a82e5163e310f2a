"""证照库 on the workbench: the data scope by the licence's issuer (another department's licence
is 404), the list's filters, 撤销 with a reason (none refused, twice a 409), the licence types,
the seal keys (never the private key) and their rotation (old licences keep verifying)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories as f
from tests.cases.conftest import world  # noqa: F401 (fixture)
from tests.licenses.conftest import FIELDS, issue
from yiwang.licenses import files, services, verification
from yiwang.licenses.models import License, LicenseOrigin, LicenseStatus, SealKey


@pytest.fixture
def other(db):
    """Another department, with its own seal key, type and licence."""
    department = f.department("示范县卫生健康委员会")
    services.seal_key_rotate(department=department)
    kind = services.license_type_create(
        code=f.uscc() + "001", name="公共场所卫生许可证", department=department, fields=FIELDS
    )
    return issue(kind, holder_name="钱七")


@pytest.fixture
def approver(issuer):
    return f.staff(issuer, ["approver"]).user


@pytest.fixture
def admin(issuer):
    return f.staff(issuer, ["department_admin"]).user


@pytest.fixture
def licence(license_type):
    return issue(license_type, holder_name="张三")


def _signed_in(client, user):
    client.force_login(user)
    return client


def test_a_licence_of_another_department_is_404_and_not_listed(client, approver, licence, other):
    c = _signed_in(client, approver)
    assert c.get(reverse("licenses:detail", args=[licence.pk])).status_code == 200
    for name in ("licenses:detail", "licenses:file", "licenses:pdf"):
        assert c.get(reverse(name, args=[other.pk])).status_code == 404, name
    response = c.post(
        reverse("licenses:status", args=[other.pk]), {"status": "revoked", "reason": "越权"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == LicenseStatus.VALID
    page = c.get(reverse("licenses:list")).content.decode()
    assert licence.identifier in page and other.identifier not in page
    # A number past the keys' range is none, not a database error.
    assert c.get(f"/workbench/licenses/{2**63}/").status_code == 404


def test_the_bureau_sees_every_department_of_its_region(client, licence, other):
    bureau = f.staff(f.department("县数据资源管理局", is_bureau=True), ["bureau_admin"]).user
    page = _signed_in(client, bureau).get(reverse("licenses:list")).content.decode()
    assert licence.identifier in page and other.identifier in page


def test_citizens_and_roles_without_the_permission_are_refused(client, issuer, licence):
    grid = f.staff(issuer, ["grid_worker"]).user
    response = _signed_in(client, grid).get(reverse("licenses:list"))
    assert response.status_code == 403 and "您的角色不能查看证照库。" in response.content.decode()


def test_the_list_filters_by_type_status_origin_and_holder(client, approver, license_type, issuer):
    second = services.license_type_create(
        code=f.uscc() + "002", name="药品经营许可证", department=issuer, fields=FIELDS
    )
    zhang = issue(license_type, holder_name="张三")
    li = issue(license_type, holder_name="李四")
    drug = issue(second, holder_name="王五")
    services.license_revoke(license=li, reason="申请人申请注销")
    License.objects.filter(pk=drug.pk).update(origin=LicenseOrigin.GATHERED)
    c = _signed_in(client, approver)

    def listed(**params):
        page = c.get(reverse("licenses:list"), params).content.decode()
        return {x.holder_name for x in (zhang, li, drug) if x.identifier in page}

    assert listed() == {"张三", "李四", "王五"}
    assert listed(license_type=second.pk) == {"王五"}
    assert listed(status="revoked") == {"李四"}
    assert listed(status="valid") == {"张三", "王五"}
    assert listed(origin="gathered") == {"王五"}
    assert listed(q="张") == {"张三"}


def test_the_holder_id_number_is_masked(client, approver, license_type):
    number = f.id_number()
    licence = issue(license_type, holder_id_number=number)
    c = _signed_in(client, approver)
    for url in (reverse("licenses:list"), reverse("licenses:detail", args=[licence.pk])):
        page = c.get(url).content.decode()
        assert number not in page and number[:6] in page and "*" in page, url


def test_revoke_with_a_reason_then_again_is_a_conflict(client, approver, licence):
    c = _signed_in(client, approver)
    url = reverse("licenses:status", args=[licence.pk])
    done = c.post(url, {"status": "withdrawn", "reason": "以欺骗手段取得许可"})
    assert done.status_code == 302
    licence.refresh_from_db()
    assert (licence.status, licence.status_reason) == ("withdrawn", "以欺骗手段取得许可")
    page = c.get(reverse("licenses:detail", args=[licence.pk])).content.decode()
    assert "以欺骗手段取得许可" in page and "吊销" in page
    assert 'data-testid="status-form"' not in page  # nothing left to change
    again = c.post(url, {"status": "revoked", "reason": "再次撤销"})
    assert again.status_code == 409
    assert "已吊销，不能再变更状态" in again.content.decode()
    licence.refresh_from_db()
    assert licence.status == "withdrawn"


def test_revoke_without_a_reason_is_refused(client, approver, licence):
    response = _signed_in(client, approver).post(
        reverse("licenses:status", args=[licence.pk]), {"status": "revoked", "reason": "  "}
    )
    assert response.status_code == 422
    assert "请填写证照状态变更的原因。" in response.content.decode()
    licence.refresh_from_db()
    assert licence.status == LicenseStatus.VALID


def test_a_clerk_may_read_but_not_revoke(client, issuer, licence):
    clerk = f.staff(issuer, ["window_clerk"]).user
    c = _signed_in(client, clerk)
    page = c.get(reverse("licenses:detail", args=[licence.pk])).content.decode()
    assert licence.identifier in page and 'data-testid="status-form"' not in page
    refused = c.post(
        reverse("licenses:status", args=[licence.pk]), {"status": "revoked", "reason": "x"}
    )
    assert refused.status_code == 403
    licence.refresh_from_db()
    assert licence.status == LicenseStatus.VALID


def test_the_detail_shows_its_seal_key_downloads_and_verify_link(client, approver, licence):
    c = _signed_in(client, approver)
    page = c.get(reverse("licenses:detail", args=[licence.pk])).content.decode()
    assert licence.seal_key.key_id in page
    assert reverse("licenses-public:verify", args=[licence.identifier]) in page
    document = c.get(reverse("licenses:file", args=[licence.pk]))
    assert document.status_code == 200 and "attachment" in document["Content-Disposition"]
    assert verification.verify_document(document.json()).valid
    pdf = c.get(reverse("licenses:pdf", args=[licence.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_types_are_listed_for_all_staff_and_created_by_a_department_admin(
    client, admin, issuer, license_type, other
):
    clerk = f.staff(issuer, ["window_clerk"]).user
    listed = _signed_in(client, clerk).get(reverse("licenses:types")).content.decode()
    assert "食品经营许可证" in listed and "公共场所卫生许可证" in listed  # another department's too
    assert 'data-testid="type-form"' not in listed
    assert client.post(reverse("licenses:types"), {}).status_code == 403
    c = _signed_in(client, admin)
    form = c.get(reverse("licenses:types")).context["form"]
    assert list(form.fields["department"].queryset) == [issuer]  # only his own department
    code = issuer.uscc + "009"
    created = c.post(
        reverse("licenses:types"),
        {
            "department": issuer.pk,
            "code": code,
            "name": "小餐饮登记证",
            "national": "on",
            "fields_text": "经营场所,text,必填,form:shop_address\n从业人员,integer",
        },
    )
    assert created.status_code == 302
    kind = issuer.license_types.get(code=code)
    assert kind.national and kind.fields == [
        {"name": "经营场所", "kind": "text", "required": True, "source": "form:shop_address"},
        {"name": "从业人员", "kind": "integer", "required": False},
    ]
    wrong = c.post(
        reverse("licenses:types"),
        {"department": other.issuer.pk, "code": f.uscc() + "001", "name": "越权类型"},
    )
    assert wrong.status_code == 422 and not other.issuer.license_types.filter(name="越权类型")
    bad = c.post(
        reverse("licenses:types"), {"department": issuer.pk, "code": "123", "name": "坏代码"}
    )
    assert bad.status_code == 422 and "证照类型代码应为 21 位" in bad.content.decode()


def _private_keys() -> list[str]:
    return list(SealKey.objects.exclude(private_key="").values_list("private_key", flat=True))


def test_no_page_ever_shows_a_private_key(client, admin, licence):
    from yiwang.licenses import sealing

    key = SealKey.objects.get(pk=licence.seal_key_id)
    # The envelope and the clear scalar (hex) alike.
    secrets = [*_private_keys(), sealing_scalar_hex(key, sealing)]
    c = _signed_in(client, admin)
    urls = [
        reverse("licenses:list"),
        reverse("licenses:detail", args=[licence.pk]),
        reverse("licenses:file", args=[licence.pk]),
        reverse("licenses:types"),
        reverse("licenses:seal-keys"),
        f"{reverse('licenses:seal-keys')}?department={licence.issuer_id}",
    ]
    for url in urls:
        body = c.get(url).content.decode("utf-8", "replace")
        assert key.public_key in body or url != urls[-1]
        for secret in secrets:
            assert secret not in body, url


def sealing_scalar_hex(key: SealKey, sealing) -> str:  # type: ignore[no-untyped-def]
    from yiwang.common.crypto import sm4_decrypt_bytes

    return sm4_decrypt_bytes(key.private_key).hex()


def test_rotation_from_the_page_keeps_old_licences_verifiable(client, admin, issuer, licence):
    old = licence.seal_key
    c = _signed_in(client, admin)
    page = c.get(reverse("licenses:seal-keys")).content.decode()
    assert old.key_id in page and 'data-testid="rotate-form"' in page
    response = c.post(reverse("licenses:seal-key-rotate", args=[issuer.pk]))
    assert response.status_code == 302
    old.refresh_from_db()
    new = SealKey.objects.get(department=issuer, retired_at=None)
    assert old.retired_at is not None and new != old
    assert verification.verify_document(files.license_file(licence)).valid
    later = issue(licence.license_type)
    assert later.seal_key == new
    assert verification.verify_document(files.license_file(later)).valid
    page = c.get(reverse("licenses:seal-keys")).content.decode()
    assert old.key_id in page and new.key_id in page


def test_rotation_is_refused_outside_scope_or_without_the_permission(
    client, approver, admin, issuer, other
):
    before = SealKey.objects.count()
    c = _signed_in(client, admin)
    assert c.post(reverse("licenses:seal-key-rotate", args=[other.issuer_id])).status_code == 404
    c = _signed_in(client, approver)
    page = c.get(reverse("licenses:seal-keys")).content.decode()
    assert 'data-testid="rotate-form"' not in page
    assert c.post(reverse("licenses:seal-key-rotate", args=[issuer.pk])).status_code == 403
    assert SealKey.objects.count() == before


def test_the_navigation_links_the_library_for_holders_of_the_permission(client, approver, issuer):
    page = _signed_in(client, approver).get(reverse("licenses:list")).content.decode()
    assert 'data-testid="nav-license-library"' in page
    grid = f.staff(issuer, ["grid_worker"]).user
    home = _signed_in(client, grid).get(reverse("workbench:home")).content.decode()
    assert 'data-testid="nav-license-library"' not in home


def test_a_department_admin_links_items_and_materials_to_his_types(
    client, admin, issuer, license_type, other
):
    from yiwang.audit.models import AuditEvent
    from yiwang.catalog.models import Material

    c = _signed_in(client, admin)
    page = c.get(reverse("licenses:types")).content.decode()
    assert f'data-testid="type-links-{license_type.pk}"' in page
    assert f'data-testid="type-links-{other.license_type_id}"' not in page  # not his department
    url = reverse("licenses:type-links", args=[license_type.pk])
    unknown = c.post(url, {"action": "link_material", "value": "从未有过的材料"})
    assert unknown.status_code == 422 and "没有事项的申请材料名为" in unknown.content.decode()
    no_item = c.post(url, {"action": "link_item", "value": "NO-SUCH-ITEM"})
    assert no_item.status_code == 422 and "NO-SUCH-ITEM" in no_item.content.decode()
    assert not Material.objects.exists()
    refused = c.post(
        reverse("licenses:type-links", args=[other.license_type_id]),
        {"action": "link_material", "value": "x"},
    )
    assert refused.status_code == 403
    assert not AuditEvent.objects.filter(action="licenses.material_link")


def test_linking_an_item_and_a_material_from_the_type_page(client, world):  # noqa: F811
    services.seal_key_rotate(department=world.dept)
    kind = services.license_type_create(
        code=world.dept.uscc + "001", name="营业执照", department=world.dept, fields=FIELDS
    )
    admin = f.staff(world.dept, ["department_admin"]).user
    c = _signed_in(client, admin)
    url = reverse("licenses:type-links", args=[kind.pk])
    assert c.post(url, {"action": "link_item", "value": world.item.code}).status_code == 302
    assert c.post(url, {"action": "link_material", "value": "营业执照"}).status_code == 302
    assert list(kind.items.all()) == [world.item]
    assert list(kind.materials.values_list("material_name", flat=True)) == ["营业执照"]
    page = c.get(reverse("licenses:types")).content.decode()
    assert world.item.code in page and "解除材料“营业执照”" in page
    assert c.post(url, {"action": "unlink_item", "value": world.item.code}).status_code == 302
    assert c.post(url, {"action": "unlink_material", "value": "营业执照"}).status_code == 302
    assert not kind.items.exists() and not kind.materials.exists()
    again = c.post(url, {"action": "unlink_material", "value": "营业执照"})
    assert again.status_code == 422 and "无需解除" in again.content.decode()
