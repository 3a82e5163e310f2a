"""一件事 merging as applicants met it: near-identical materials asked once through the merge
table (which the merged list shows), each applicant type asked only its fields, the lead
department from the data, and a notice PDF without a blank page."""

from __future__ import annotations

import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from tests.seeded import demo_county
from yiwang.catalog import selectors
from yiwang.catalog.guides import bundles
from yiwang.catalog.models import Bundle, MaterialEquivalence

from .test_bundles import published_bundle, published_item


def _notice(bundle: Bundle) -> bundles.BundleNotice:
    return bundles.bundle_notice(selectors.bundle_with_items(bundle))


def test_the_shipped_merge_table_is_loaded(db):
    rows = set(MaterialEquivalence.objects.values_list("name", "canonical"))
    assert {
        ("申请书", "申请表"),
        ("场所平面图", "经营场所平面图"),
        ("场地使用证明", "经营场所使用证明"),
    } <= rows


def test_a_merge_row_must_merge_two_different_names(db):
    row = MaterialEquivalence(name="申请表 ", canonical="申请表", reason="同一份")
    with pytest.raises(ValidationError, match="无需合并"):
        row.full_clean()


@pytest.fixture
def restaurant(world):
    fire = published_item(
        world.other,
        "公众聚集场所投入使用营业前消防安全检查",
        materials=[{"name": "申请表"}, {"name": "场所平面图"}],
    )
    sign = published_item(
        world.other,
        "设置大型户外广告审批",
        materials=[{"name": "申请书"}, {"name": "场地使用证明"}],
    )
    food = published_item(
        world.dept,
        "食品经营许可（新办）",
        materials=[{"name": "经营场所平面图"}, {"name": "经营场所使用证明"}],
    )
    return published_bundle(world.dept, "开办餐饮店一件事", [[food], [fire, sign]])


def test_near_identical_materials_are_asked_once_and_the_merge_is_shown(restaurant):
    notice = _notice(restaurant)
    by_name = {m.name: m for m in notice.materials}
    assert sorted(by_name) == ["申请表", "经营场所使用证明", "经营场所平面图"]
    plan = by_name["经营场所平面图"]
    assert plan.merged_from == ["经营场所平面图", "场所平面图"]
    assert plan.merge_reasons == ["同一张经营场所平面图"]
    assert [i.name for i in plan.items] == [
        "食品经营许可（新办）",
        "公众聚集场所投入使用营业前消防安全检查",
    ]
    assert by_name["申请表"].merged_from == ["申请表", "申请书"]
    assert {m.name for m in notice.merged_materials} == set(by_name)


def test_the_merge_table_is_data_a_row_switched_off_stops_merging(restaurant):
    MaterialEquivalence.objects.filter(name="申请书").update(active=False)
    names = [m.name for m in _notice(restaurant).materials]
    assert "申请书" in names and "申请表" in names


def test_the_bundle_page_shows_the_merge_table(client, restaurant):
    html = client.get(f"/guide/bundle/{restaurant.code}/").content.decode()
    assert 'data-testid="merge-table"' in html
    assert "已合并：经营场所使用证明、场地使用证明" in html
    assert "同一份经营场所（场地）使用权证明" in html


def test_each_applicant_type_is_asked_only_the_fields_that_apply(world):
    uscc = {
        "key": "entity_uscc",
        "label": "统一社会信用代码",
        "type": "uscc",
        "applicant_types": ["registered"],
    }
    phone = {"key": "applicant_phone", "label": "联系电话", "type": "phone"}
    register = published_item(
        world.dept,
        "个体工商户设立登记",
        form_fields=[
            {"key": "applicant_id_number", "label": "身份证号码", "type": "id_number"},
            phone,
        ],
    )
    food = published_item(world.dept, "食品经营许可（新办）", form_fields=[uscc, phone])
    bundle = published_bundle(world.dept, "开办餐饮店一件事", [[register], [food]])
    notice = _notice(bundle)
    assert [f.key for f in notice.form_for("unregistered")] == [
        "applicant_id_number",
        "applicant_phone",
    ]
    assert [f.key for f in notice.form_for("registered")] == [
        "applicant_id_number",
        "applicant_phone",
        "entity_uscc",
    ]
    html = client_html(bundle)
    assert "仅已登记的企业或个体工商户" in html


def client_html(bundle: Bundle) -> str:
    from django.test import Client

    return Client().get(f"/guide/bundle/{bundle.code}/").content.decode()


def test_the_bureau_edits_the_merge_table_through_an_audited_service(world, restaurant):
    from yiwang.audit.models import AuditEvent
    from yiwang.catalog import services

    with pytest.raises(PermissionDenied):
        services.material_equivalence_save(
            name="申请书", canonical="申请表", reason="x", active=False, actor=world.clerk.user
        )
    services.material_equivalence_save(
        name="申请书",
        canonical="申请表",
        reason="不再合并",
        active=False,
        actor=world.reviewer.user,
    )
    assert "申请书" in [m.name for m in _notice(restaurant).materials]
    event = AuditEvent.objects.filter(action="catalog.material_equivalence_save").get()
    assert event.changes["active"] == {"before": True, "after": False}
    with pytest.raises(ValidationError, match="无需合并"):
        services.material_equivalence_save(
            name="申请表", canonical="申请表", reason="同一份", actor=world.reviewer.user
        )


def _body_lines(page: str, bundle: Bundle) -> list[str]:
    """A page's lines without the running footer (title, page number) and the closing line."""
    footer = f"“{bundle.name}”一次告知书"
    return [
        line
        for line in page.splitlines()
        if line.strip() and footer not in line and "本告知书打印于" not in line
    ]


def test_no_notice_pdf_page_holds_only_the_closing_line(world, tmp_path):
    """However long the material list, no page of the notice is blank but for the closing
    sentence (it used to spill alone onto a page before the annex)."""
    from yiwang.catalog.guides.pdf import bundle_notice_pdf

    for count in range(14, 34):
        item = published_item(
            world.dept,
            f"测试事项{count}",
            materials=[{"name": f"测试材料{count}-{n}"} for n in range(count)],
        )
        bundle = published_bundle(world.dept, f"测试一件事{count}", [[item]])
        pdf = bundle_notice_pdf(_notice(bundle), url="http://testserver/guide/")
        for number, page in enumerate(_pages(pdf, tmp_path), start=1):
            assert _body_lines(page, bundle), f"{count} materials: page {number} is blank"


# --- On the demo county -------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo county, seeded once for the module and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_county()
        yield
        transaction.set_rollback(True)


LEADS = {
    "企业开办一件事": "县市场监督管理局",
    "开办餐饮店一件事": "县市场监督管理局",
    "新生儿出生一件事": "县卫生健康委员会",
    "二手房转移登记及水电气网联合过户一件事": "县自然资源和规划局",
    "残疾人服务一件事": "县残疾人联合会",
    "开办运输企业一件事": "县交通运输局",
    "工程建设项目审批一件事": "县住房和城乡建设局",
}


def test_demo_bundles_name_their_lead_department_from_the_data(demo, db, client):
    assert dict(Bundle.objects.values_list("name", "lead_department__name")) == LEADS
    bundle = Bundle.objects.get(name="开办餐饮店一件事")
    html = client.get(f"/guide/bundle/{bundle.code}/").content.decode()
    assert "牵头部门：<strong>县市场监督管理局</strong>" in html


def test_demo_restaurant_bundle_merges_and_skips_the_uscc_for_an_unregistered_shop(demo, db):
    notice = _notice(Bundle.objects.get(name="开办餐饮店一件事"))
    names = [m.name for m in notice.materials]
    assert names.count("经营场所平面图") == 1 and "场所平面图" not in names
    assert names.count("经营场所使用证明") == 1 and "场地使用证明" not in names
    assert names.count("申请表") == 1 and "申请书" not in names
    unregistered = [f.key for f in notice.form_for("unregistered")]
    assert "entity_uscc" not in unregistered and "applicant_id_number" in unregistered
    assert "entity_uscc" in [f.key for f in notice.form_for("registered")]


def _pages(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


def test_no_demo_bundle_notice_pdf_has_a_blank_page(demo, db, client, tmp_path):
    """Every page carries content besides the running footer (the title and page number):
    the closing sentence alone used to spill onto a page of its own."""
    for bundle in Bundle.objects.order_by("code"):
        response = client.get(f"/guide/bundle/{bundle.code}/pdf")
        assert response.status_code == 200
        pages = _pages(response.content, tmp_path)
        assert len(pages) >= 2
        footer = f"“{bundle.name}”一次告知书"
        for number, page in enumerate(pages, start=1):
            body = [
                line
                for line in page.splitlines()
                if line.strip() and footer not in line and "本告知书打印于" not in line
            ]
            assert len(body) >= 3, f"{bundle.name}: page {number} of {len(pages)} is blank"
