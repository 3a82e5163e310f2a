"""免提交 by a licence in a 一件事's merged material list (catalog.guides.bundles, the rule in
licenses.exemption): an entry every item's material of which a licence type stands in for is
listed as 免提交 with the licence — on the bundle page, the printable notice and its PDF — as the
single-item guide does; an entry one item still asks for on paper (its material not linked) is
asked for as before."""

from __future__ import annotations

import subprocess

import pytest

from tests import factories
from tests.licenses.conftest import issuer  # noqa: F401 (fixture)
from yiwang.catalog.guides.pdf import bundle_notice_pdf
from yiwang.licenses import services as licences

from .test_bundles import _notice, shop  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
PREMISES = "经营场所使用证明"


@pytest.fixture
def deed(issuer):  # noqa: F811
    return licences.license_type_create(
        code=factories.uscc() + "001", name="不动产权证书", department=issuer
    )


def premises(notice):
    return next(m for m in notice.materials if m.name == PREMISES)


def test_an_entry_is_free_only_when_every_item_links_the_licence(shop, deed):  # noqa: F811
    bundle, *_ = shop
    # The food item calls it “经营场所使用证明。”: merged with the others, but not linked yet.
    licences.license_material_link(license_type=deed, material_name=PREMISES)
    entry = premises(_notice(bundle))
    assert entry.licence_type is None and not entry.guide_exempt
    assert entry in _notice(bundle).guide_materials_to_submit
    licences.license_material_link(license_type=deed, material_name=f"{PREMISES}。")
    notice = _notice(bundle)
    entry = premises(notice)
    assert (entry.licence_type, entry.licence_name, entry.guide_exempt) == (
        deed,
        "不动产权证书",
        True,
    )
    assert not entry.exempt  # the catalogue's own flag (共享获取) is unchanged
    assert entry in notice.guide_exempt_materials
    assert entry not in notice.guide_materials_to_submit
    # the catalogue's figure (materials to hand in, licence or not) does not move
    assert entry in notice.materials_to_submit


def test_two_types_for_one_entry_leave_it_asked_for(shop, deed, issuer):  # noqa: F811
    bundle, *_ = shop
    other = licences.license_type_create(
        code=factories.uscc() + "002", name="房屋租赁备案证明", department=issuer
    )
    licences.license_material_link(license_type=deed, material_name=PREMISES)
    licences.license_material_link(license_type=other, material_name=f"{PREMISES}。")
    entry = premises(_notice(bundle))
    assert entry.licence_type is None and not entry.guide_exempt


def test_the_bundle_page_and_its_pdf_list_it_as_free(client, shop, deed, tmp_path):  # noqa: F811
    bundle, *_ = shop
    page = client.get(f"/guide/bundle/{bundle.code}/").content.decode()
    assert 'data-testid="licence-exempt"' not in page and "要带什么（一套材料，共 3 项）" in page
    for name in (PREMISES, f"{PREMISES}。"):
        licences.license_material_link(license_type=deed, material_name=name)
    page = client.get(f"/guide/bundle/{bundle.code}/").content.decode()
    assert "（凭有效的“不动产权证书”电子证照）" in page  # the 免提交 line of the summary
    assert "持有效的“不动产权证书”电子证照免提交，由部门共享获取" in page  # the merged table
    # left to bring: 居民身份证 (the fire check asks for it) and 食品安全管理制度
    assert "要带什么（一套材料，共 2 项）" in page
    notice = client.get(f"/guide/bundle/{bundle.code}/notice/").content.decode()
    assert "持有效的“不动产权证书”电子证照免提交" in notice
    path = tmp_path / "notice.pdf"
    path.write_bytes(bundle_notice_pdf(_notice(bundle), url="http://testserver/guide/"))
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "不动产权证书" in text.replace("\n", "")
